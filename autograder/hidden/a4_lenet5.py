"""Hidden checks of assignment 4: other sizes, DataLoaders, real training steps, random loss curves.

Expected values of training with a learning rate above 0 and of random
early-stopping sequences come from the references in ``fmnist_edu.lenet``.
"""

import numpy as np

from fmnist_checks.a4_lenet5 import (
    TOL,
    evaluate_cases,
    lenet_cases,
    stopping_case,
    best_state_case,
    tiny_data,
    tiny_weights,
    train_cases,
    run_evaluate_loader,
    run_train_steps,
    train_setup,
)
from fmnist_checks.compare import close, equal, fields
from fmnist_checks.core import Case

from fmnist_checks.cases import defaults_case
from .edges import argmax_is_clear, redraw, stopping_is_clear


def _expect_train_steps(**inputs):
    from fmnist_edu.lenet import train_epoch

    model, loader, optimizer, loss_fn = train_setup(inputs)
    loss = train_epoch(model, loader, optimizer, loss_fn, device="cpu")
    return {"mean_loss": loss, "weight": model.weight.detach().numpy().copy(),
            "bias": model.bias.detach().numpy().copy(), "training": True}


def _train_steps_case(rng):
    n_samples = int(rng.integers(11, 40))
    batch_size = int(rng.integers(3, 8))
    if n_samples % batch_size == 0:
        n_samples += 1
    inputs = {"n_samples": n_samples, "n_features": int(rng.integers(3, 7)),
              "n_classes": int(rng.integers(2, 6)), "batch_size": batch_size,
              "seed": int(rng.integers(0, 10_000)), "lr": float(rng.choice([0.05, 0.1, 0.3])),
              "optimizer": str(rng.choice(["sgd", "adam"]))}
    return Case(
        "train_epoch",
        f"a real epoch with {inputs['optimizer']} (lr={inputs['lr']}) on a DataLoader, "
        f"{n_samples} samples in batches of {batch_size}",
        inputs, run_train_steps, _expect_train_steps,
        fields(mean_loss=TOL, weight=close(1e-4, 1e-6), bias=close(1e-4, 1e-6), training=equal()),
        call=(f"train_epoch(model, DataLoader(..., batch_size={batch_size}), "
              f"{inputs['optimizer']} optimizer, nn.CrossEntropyLoss(), device='cpu')"),
    )


def _expect_evaluate_loader(**inputs):
    from fmnist_checks.a4_lenet5 import whole_data_accuracy, whole_data_loss

    X, y = tiny_data(inputs["n_samples"], inputs["n_features"], inputs["n_classes"], inputs["seed"])
    weight, bias = tiny_weights(inputs["n_features"], inputs["n_classes"], inputs["seed"])
    return [whole_data_loss(X, y, weight, bias), whole_data_accuracy(X, y, weight, bias)]


def accuracy_is_clear(inputs):
    """The float32 model's predictions cannot flip: every top logit leads by > 1e-4."""
    X, _ = tiny_data(inputs["n_samples"], inputs["n_features"], inputs["n_classes"], inputs["seed"])
    weight, bias = tiny_weights(inputs["n_features"], inputs["n_classes"], inputs["seed"])
    return argmax_is_clear(X.astype(np.float64) @ weight.T.astype(np.float64) + bias)


def _evaluate_inputs(rng, n_range, batch_range, feature_range, class_range):
    def draw():
        n_samples = int(rng.integers(*n_range))
        batch_size = int(rng.integers(*batch_range))
        if n_samples % batch_size == 0:
            n_samples += 1
        return {"n_samples": n_samples, "n_features": int(rng.integers(*feature_range)),
                "n_classes": int(rng.integers(*class_range)), "batch_size": batch_size,
                "seed": int(rng.integers(0, 10_000))}

    return redraw(draw, accuracy_is_clear, "evaluate data")


def _evaluate_loader_case(rng):
    from fmnist_checks.compare import sequence

    inputs = _evaluate_inputs(rng, (11, 60), (3, 9), (3, 7), (2, 6))
    n_samples, batch_size = inputs["n_samples"], inputs["batch_size"]
    return Case(
        "evaluate",
        f"a model with dropout on a DataLoader, {n_samples} samples in batches of {batch_size}",
        inputs, run_evaluate_loader, _expect_evaluate_loader,
        sequence(TOL, close(1e-6, 1e-9), names=["mean_loss", "accuracy"]),
        call=(f"evaluate(nn.Sequential(nn.Linear(...), nn.Dropout(0.5)), "
              f"DataLoader(..., batch_size={batch_size}), nn.CrossEntropyLoss(), device='cpu')"),
    )


def _expect_stopping(losses, patience, min_delta):
    import torch

    from fmnist_edu.lenet import EarlyStopping

    stopper = EarlyStopping(patience=patience, min_delta=min_delta)
    model = torch.nn.Linear(2, 1)
    returned = [stopper.step(loss, model) for loss in losses]
    return {"returned": returned, "best_loss": stopper.best_loss}


def _random_curve(rng, n=12):
    """A noisy decreasing then rising validation curve, with an exact repeat of the best."""
    t = np.arange(n)
    curve = 1.0 / (1 + t) + 0.02 * (t - n / 2).clip(0) + rng.normal(0, 0.01, n)
    curve = np.round(curve, 3)
    i = int(np.argmin(curve))
    if i + 1 < n:
        curve[i + 1] = curve[i]  # an equal loss: no improvement
    return [float(v) for v in curve]


def _stopping_draw(rng):
    """(losses, patience, min_delta), redrawn until no loss sits on the edge best - min_delta."""
    def draw():
        return _random_curve(rng), int(rng.integers(1, 5)), float(rng.choice([0.0, 0.005, 0.02]))

    return redraw(draw, lambda d: stopping_is_clear(*d), "EarlyStopping curve")


def _hidden_stopping(rng):
    cases = []
    for k in range(3):
        losses, patience, min_delta = _stopping_draw(rng)
        expected = _expect_stopping(losses, patience, min_delta)
        cases.append(stopping_case(losses, patience, min_delta, expected,
                                   f"a random validation curve {k + 1} (patience={patience}, "
                                   f"min_delta={min_delta})"))
    losses = redraw(lambda: _random_curve(rng, 6), lambda c: stopping_is_clear(c, 10, 0.0),
                    "EarlyStopping best-state curve")
    fills = [float(v) for v in rng.integers(1, 50, len(losses))]
    cases.append(best_state_case(losses, fills, "best_state follows the best of a random curve"))
    cases.append(defaults_case("EarlyStopping", "patience and min_delta default to the contract's",
                               {"patience": 5, "min_delta": 0.0}, part="stopping rule"))
    return cases


def _hidden_lenet(rng):
    n_classes = int(rng.choice([2, 3, 7, 10]))
    batch = int(rng.integers(1, 5))
    return lenet_cases(n_classes, batch=batch, seed=int(rng.integers(0, 1000)),
                       tag=f" (n_classes={n_classes}, batch of {batch})") + [
        defaults_case("LeNet5", "n_classes defaults to the contract's 5", {"n_classes": 5}, part="parameters")]


def _hidden_train(rng):
    n_samples = int(rng.integers(9, 30))
    batch_size = int(rng.integers(2, 7))
    if n_samples % batch_size == 0:
        n_samples += 1
    return train_cases(n_samples, int(rng.integers(2, 6)), int(rng.integers(2, 6)), batch_size,
                       seed=int(rng.integers(0, 10_000)), tag=" (random sizes)") + [_train_steps_case(rng)] + \
        train_cases(1, 3, 2, 1, seed=int(rng.integers(0, 10_000)), tag=" (a loader of one sample)")


def _hidden_evaluate(rng):
    inputs = _evaluate_inputs(rng, (9, 30), (2, 7), (2, 6), (2, 6))
    return evaluate_cases(inputs["n_samples"], inputs["n_features"], inputs["n_classes"],
                          inputs["batch_size"], seed=inputs["seed"], tag=" (random sizes)") + [
        _evaluate_loader_case(rng)] + evaluate_cases(1, 3, 2, 1, seed=int(rng.integers(0, 10_000)),
                                                     tag=" (a loader of one sample)")


HIDDEN = {
    "LeNet5": _hidden_lenet,
    "train_epoch": _hidden_train,
    "evaluate": _hidden_evaluate,
    "EarlyStopping": _hidden_stopping,
}
