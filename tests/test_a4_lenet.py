"""Assignment 4: LeNet-5, train_epoch, evaluate, EarlyStopping and the training helper."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from fmnist_edu.lenet import EarlyStopping, LeNet5, evaluate, train_epoch
from fmnist_edu.lenet_training import _stratified_split, _to_images, augment_batch, fit_lenet5, predict_lenet5

pytestmark = pytest.mark.a4


def n_parameters(model):
    return sum(p.numel() for p in model.parameters())


def make_batches(n_per_batch, n_classes=5, seed=0):
    """Batches of random images (B, 1, 28, 28) and labels (B,) of the given sizes."""
    gen = torch.Generator().manual_seed(seed)
    return [
        (torch.randn(size, 1, 28, 28, generator=gen), torch.randint(0, n_classes, (size,), generator=gen))
        for size in n_per_batch
    ]


def synthetic_course_arrays(n=80, seed=0):
    """Two learnable classes in course format: bright top half vs bright bottom half (0..255)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    images = rng.uniform(0, 60, size=(n, 28, 28))
    images[y == 0, :14, :] += 150
    images[y == 1, 14:, :] += 150
    return np.round(images).reshape(n, 784), y


# ---------------------------------------------------------------- LeNet5


def test_lenet5_has_61281_parameters_for_5_classes():
    assert n_parameters(LeNet5()) == 61_281
    assert n_parameters(LeNet5(n_classes=5)) == 61_281


@pytest.mark.parametrize("n_classes", [2, 10])
def test_lenet5_parameter_count_grows_by_85_per_class(n_classes):
    # the last layer has 84 weights and one bias per class; the rest is fixed
    assert n_parameters(LeNet5(n_classes)) == 61_281 + 85 * (n_classes - 5)


@pytest.mark.parametrize("n_classes", [3, 5])
def test_lenet5_returns_logits_of_shape_n_by_classes(n_classes):
    torch.manual_seed(0)
    model = LeNet5(n_classes)
    out = model(torch.randn(7, 1, 28, 28))
    assert out.shape == (7, n_classes)
    assert out.dtype == torch.float32
    # logits, not probabilities: rows do not sum to one
    assert not torch.allclose(out.sum(dim=1), torch.ones(7), atol=1e-3)


def test_lenet5_rejects_wrong_input_shape():
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        LeNet5()(torch.zeros(2, 784))


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_lenet5_rejects_bad_n_classes(bad):
    with pytest.raises(ValueError, match="n_classes"):
        LeNet5(bad)


# ---------------------------------------------------------------- train_epoch


def test_train_epoch_returns_per_sample_mean_with_unequal_batches():
    torch.manual_seed(0)
    model = LeNet5()
    batches = make_batches([3, 1])
    # lr=0 keeps the weights, so the losses can be recomputed by hand afterwards
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    result = train_epoch(model, batches, optimizer, nn.CrossEntropyLoss())
    with torch.no_grad():
        sums = [nn.functional.cross_entropy(model(x), t, reduction="sum").item() for x, t in batches]
        means = [nn.functional.cross_entropy(model(x), t).item() for x, t in batches]
    assert result == pytest.approx(sum(sums) / 4, rel=1e-5)
    # the plain mean of batch means differs, so this test tells the two apart
    assert abs(np.mean(means) - sum(sums) / 4) > 1e-4


def test_train_epoch_sets_training_mode_and_updates_weights():
    torch.manual_seed(0)
    model = LeNet5()
    model.eval()
    modes = []
    model.register_forward_pre_hook(lambda module, args: modes.append(module.training))
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = train_epoch(model, make_batches([4, 4]), optimizer, nn.CrossEntropyLoss())
    assert modes == [True, True]
    assert model.training
    assert isinstance(loss, float) and math.isfinite(loss)
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters()))


# ---------------------------------------------------------------- evaluate


def test_evaluate_returns_per_sample_loss_and_accuracy():
    torch.manual_seed(1)
    model = LeNet5()
    batches = make_batches([5, 2], seed=3)
    loss, acc = evaluate(model, batches, nn.CrossEntropyLoss())
    with torch.no_grad():
        logits = torch.cat([model(x) for x, _ in batches])
    targets = torch.cat([t for _, t in batches])
    expected_loss = nn.functional.cross_entropy(logits, targets).item()
    expected_acc = (logits.argmax(1) == targets).float().mean().item()
    assert loss == pytest.approx(expected_loss, rel=1e-5)
    assert acc == pytest.approx(expected_acc, abs=1e-12)
    assert 0.0 <= acc <= 1.0


def test_evaluate_uses_eval_mode_without_gradients():
    torch.manual_seed(0)
    model = LeNet5()
    model.train()
    seen = []

    def loss_fn(logits, targets):
        seen.append((torch.is_grad_enabled(), logits.requires_grad, model.training))
        return nn.functional.cross_entropy(logits, targets)

    evaluate(model, make_batches([3, 3]), loss_fn)
    assert seen == [(False, False, False)] * 2
    assert not model.training
    assert all(p.grad is None for p in model.parameters())


def test_evaluate_accuracy_is_one_for_a_perfect_model():
    class Oracle(nn.Module):
        def forward(self, x):  # class = sign of the mean pixel
            return torch.stack([-x.mean((1, 2, 3)), x.mean((1, 2, 3))], dim=1)

    x = torch.cat([-torch.ones(3, 1, 28, 28), torch.ones(2, 1, 28, 28)])
    t = torch.tensor([0, 0, 0, 1, 1])
    _, acc = evaluate(Oracle(), [(x[:4], t[:4]), (x[4:], t[4:])], nn.CrossEntropyLoss())
    assert acc == 1.0


# ---------------------------------------------------------------- EarlyStopping


def test_early_stopping_starts_empty():
    stopper = EarlyStopping()
    assert stopper.patience == 5 and stopper.min_delta == 0.0
    assert stopper.best_loss == math.inf
    assert stopper.best_state is None


def test_early_stopping_stops_after_patience_non_improving_steps():
    model = nn.Linear(2, 1)
    stopper = EarlyStopping(patience=3)
    results = [stopper.step(loss, model) for loss in [1.0, 0.8, 0.9, 0.8, 0.85]]
    # 0.8 again is no improvement (strictly lower is needed): 3 in a row -> stop
    assert results == [False, False, False, False, True]
    assert stopper.best_loss == pytest.approx(0.8)


def test_early_stopping_improvement_resets_the_count():
    model = nn.Linear(2, 1)
    stopper = EarlyStopping(patience=2)
    assert [stopper.step(loss, model) for loss in [1.0, 1.1, 0.9, 1.0, 1.0]] == [
        False, False, False, False, True,
    ]


def test_early_stopping_min_delta_requires_a_large_enough_drop():
    model = nn.Linear(2, 1)
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    stopper.step(1.0, model)
    assert stopper.step(0.95, model) is False  # 0.95 is not < 1.0 - 0.1
    assert stopper.best_loss == pytest.approx(1.0)
    assert stopper.step(0.85, model) is False  # improvement: resets the count
    assert stopper.best_loss == pytest.approx(0.85)
    assert stopper.step(0.8, model) is False
    assert stopper.step(0.76, model) is True


def test_early_stopping_best_state_is_a_deep_copy():
    model = nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.fill_(1.0)
    stopper = EarlyStopping(patience=2)
    stopper.step(0.5, model)
    with torch.no_grad():
        model.weight.fill_(7.0)  # in place: a shallow copy would follow this
    stopper.step(0.6, model)  # no improvement: best state must stay the old one
    assert torch.equal(stopper.best_state["weight"], torch.ones(1, 2))
    model.load_state_dict(stopper.best_state)
    assert torch.equal(model.weight, torch.ones(1, 2))


@pytest.mark.parametrize("kwargs", [{"patience": 0}, {"patience": 1.5}, {"min_delta": -0.1}])
def test_early_stopping_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        EarlyStopping(**kwargs)


# ---------------------------------------------------------------- augmentation


def test_augment_batch_keeps_shape_and_input():
    gen = torch.Generator().manual_seed(0)
    images = torch.randn(6, 1, 28, 28)
    copy = images.clone()
    out = augment_batch(images, gen)
    assert out.shape == images.shape
    assert torch.equal(images, copy)
    assert not torch.equal(out, images)


def test_augment_batch_moves_pixels_by_at_most_max_shift():
    gen = torch.Generator().manual_seed(0)
    images = torch.zeros(20, 1, 28, 28)
    images[:, 0, 14, 10] = 1.0  # one bright pixel, background 0
    out = augment_batch(images, gen, max_shift=2, flip=False)
    for img in out[:, 0]:
        row, col = (img == 1.0).nonzero()[0].tolist()
        assert abs(row - 14) <= 2 and abs(col - 10) <= 2
        assert img.sum() == 1.0
    no_change = augment_batch(images, gen, max_shift=0, flip=False)
    assert torch.equal(no_change, images)


# ---------------------------------------------------------------- fit_lenet5 / predict_lenet5

FIT_KW = {"max_epochs": 4, "patience": 4, "batch_size": 16, "n_classes": 2, "progress": False, "n_threads": 1}


def test_fit_lenet5_learns_and_is_repeatable():
    X, y = synthetic_course_arrays()
    X_copy = X.copy()
    model_a, hist_a = fit_lenet5(X, y, seed=3, **FIT_KW)
    model_b, hist_b = fit_lenet5(X, y, seed=3, **FIT_KW)
    assert np.array_equal(X, X_copy)
    assert hist_a["train_loss"] == hist_b["train_loss"]
    assert hist_a["val_loss"] == hist_b["val_loss"]
    for a, b in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(a, b)
    assert hist_a["train_loss"][-1] < hist_a["train_loss"][0]
    _, hist_c = fit_lenet5(X, y, seed=4, **FIT_KW)
    assert hist_c["train_loss"] != hist_a["train_loss"]


def test_fit_lenet5_history_and_predictions():
    X, y = synthetic_course_arrays()
    model, hist = fit_lenet5(X, y, seed=0, **FIT_KW)
    assert hist["epochs"] == len(hist["train_loss"]) == len(hist["val_loss"]) == len(hist["val_accuracy"])
    assert hist["best_epoch"] == int(np.argmin(hist["val_loss"])) + 1
    assert hist["n_train"] + hist["n_val"] == len(y) and hist["n_val"] == 8
    assert hist["seconds"] > 0
    assert not model.training
    labels, proba = predict_lenet5(model, X, return_proba=True)
    assert labels.shape == (len(y),) and proba.shape == (len(y), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert np.array_equal(labels, proba.argmax(axis=1))
    assert np.mean(labels == y) > 0.9  # the two classes are easy to tell apart


def test_fit_lenet5_restores_the_best_state():
    X, y = synthetic_course_arrays()
    model, hist = fit_lenet5(X, y, seed=0, **{**FIT_KW, "max_epochs": 6, "lr": 0.05})
    # recompute the validation loss of the returned model on the same seeded split
    _, val_idx = _stratified_split(y, 0.1, np.random.default_rng(0))
    images = _to_images(X[val_idx], model.input_mean_, model.input_std_)
    loss, _ = evaluate(model, [(images, torch.as_tensor(y[val_idx]))], nn.CrossEntropyLoss())
    assert loss == pytest.approx(min(hist["val_loss"]), rel=1e-5)
    # the torch settings are restored after training
    assert not torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.zeros((10, 100)), np.zeros(10, dtype=int), "784 features"),
        (np.zeros((10, 784)), np.zeros(9, dtype=int), "same length"),
        (np.zeros((10, 784)), np.full(10, 7), "outside"),
        (np.full((10, 784), np.nan), np.zeros(10, dtype=int), "NaN"),
    ],
)
def test_fit_lenet5_rejects_bad_input(X, y, match):
    with pytest.raises(ValueError, match=match):
        fit_lenet5(X, y, **FIT_KW)


def test_predict_lenet5_needs_a_fitted_model():
    with pytest.raises(ValueError, match="fit_lenet5"):
        predict_lenet5(LeNet5(), np.zeros((2, 784)))


def test_predict_lenet5_tta_averages_the_mirror_image():
    X, y = synthetic_course_arrays(n=40)
    model, _ = fit_lenet5(X, y, seed=0, **{**FIT_KW, "max_epochs": 1})
    _, plain = predict_lenet5(model, X, return_proba=True, tta=False)
    mirrored = X.reshape(-1, 28, 28)[:, :, ::-1].reshape(-1, 784)
    _, plain_mirror = predict_lenet5(model, mirrored, return_proba=True, tta=False)
    _, averaged = predict_lenet5(model, X, return_proba=True)
    np.testing.assert_allclose(averaged, (plain + plain_mirror) / 2, atol=1e-6)
    assert not np.allclose(averaged, plain, atol=1e-6)


def test_fit_lenet5_time_budget_stops_after_the_epoch_that_exceeds_it():
    X, y = synthetic_course_arrays(n=40)
    _, hist = fit_lenet5(X, y, seed=0, **{**FIT_KW, "max_epochs": 3}, time_budget=1e-9)
    assert hist["epochs"] == 1
    with pytest.raises(ValueError, match="time_budget"):
        fit_lenet5(X, y, **FIT_KW, time_budget=0)
