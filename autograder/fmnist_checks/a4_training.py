"""Checks of train_epoch and evaluate on a tiny deterministic problem.

With a learning rate of 0 the mean training loss per sample is the cross-entropy
of the whole data set, and the gradient the optimizer must see at each step is
that of its own batch.
"""

import numpy as np

from .a4_lenet import _torch, TOL
from .compare import close, equal, fields, sequence
from .core import Case, show


# --- a tiny deterministic problem for train_epoch and evaluate ------------

def tiny_data(n_samples, n_features, n_classes, seed):
    """Float32 inputs (n, d) and int64 labels (n,) from a numpy Generator."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)).astype(np.float32)
    y = rng.integers(0, n_classes, n_samples).astype(np.int64)
    return X, y


def tiny_weights(n_features, n_classes, seed):
    rng = np.random.default_rng(seed + 1000)
    return (rng.normal(size=(n_classes, n_features)).astype(np.float32),
            rng.normal(size=n_classes).astype(np.float32))


def make_probe(weight, bias):
    """A linear model that records, at each forward call, its mode and grad tracking."""
    torch = _torch()

    class Probe(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(weight.shape[1], weight.shape[0])
            with torch.no_grad():
                self.linear.weight.copy_(torch.as_tensor(weight))
                self.linear.bias.copy_(torch.as_tensor(bias))
            self.calls = []

        def forward(self, x):
            self.calls.append({"training": self.training, "grad": torch.is_grad_enabled(),
                               "batch": int(x.shape[0])})
            return self.linear(x)

    return Probe()


def make_batches(X, y, batch_size):
    """A DataLoader of (inputs, targets) in order; the last batch may be smaller."""
    torch = _torch()
    from torch.utils.data import DataLoader, TensorDataset

    return DataLoader(TensorDataset(torch.as_tensor(X), torch.as_tensor(y)), batch_size=batch_size)


def make_recording_sgd(params, lr):
    """SGD that records, at each step, the gradient it was asked to apply."""
    torch = _torch()

    class RecordingSGD(torch.optim.SGD):
        def __init__(self, params, lr):
            super().__init__(params, lr=lr)
            self.seen = []

        def step(self, closure=None):
            grads = []
            for group in self.param_groups:
                for p in group["params"]:
                    grads.append(None if p.grad is None else p.grad.detach().clone().numpy())
            self.seen.append(grads)
            return super().step(closure)

    return RecordingSGD(params, lr)


def whole_data_loss(X, y, weight, bias):
    """Mean cross-entropy per sample of the fixed linear model on all of (X, y)."""
    torch = _torch()
    logits = torch.as_tensor(X) @ torch.as_tensor(weight).T + torch.as_tensor(bias)
    return float(torch.nn.functional.cross_entropy(logits.double(), torch.as_tensor(y)))


def whole_data_accuracy(X, y, weight, bias):
    logits = X.astype(np.float64) @ weight.T.astype(np.float64) + bias
    return float(np.mean(np.argmax(logits, axis=1) == y))


def batch_gradients(X, y, weight, bias, batch_size):
    """The gradient of each batch's mean cross-entropy at the fixed weights (lr = 0)."""
    torch = _torch()
    grads = []
    for xb, yb in make_batches(X, y, batch_size):
        w = torch.as_tensor(weight).clone().requires_grad_(True)
        b = torch.as_tensor(bias).clone().requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(xb @ w.T + b, yb)
        loss.backward()
        grads.append([w.grad.numpy(), b.grad.numpy()])
    return grads


def run_train_lr0(answer, n_samples, n_features, n_classes, batch_size, seed):
    """train_epoch with SGD lr=0: the weights stay fixed, so every loss is known."""
    torch = _torch()
    X, y = tiny_data(n_samples, n_features, n_classes, seed)
    weight, bias = tiny_weights(n_features, n_classes, seed)
    model = make_probe(weight, bias)
    model.eval()  # train_epoch must switch it to training mode
    optimizer = make_recording_sgd(model.parameters(), lr=0.0)
    loss = answer(model, make_batches(X, y, batch_size), optimizer, torch.nn.CrossEntropyLoss())
    return {
        "mean_loss": loss,
        "training": [c["training"] for c in model.calls],
        "steps": len(optimizer.seen),
        "grads": [g for grads in optimizer.seen for g in grads],
    }


def expect_train_lr0(n_samples, n_features, n_classes, batch_size, seed):
    X, y = tiny_data(n_samples, n_features, n_classes, seed)
    weight, bias = tiny_weights(n_features, n_classes, seed)
    n_batches = -(-n_samples // batch_size)
    return {
        "mean_loss": whole_data_loss(X, y, weight, bias),
        "training": [True] * n_batches,
        "steps": n_batches,
        "grads": [g for grads in batch_gradients(X, y, weight, bias, batch_size) for g in grads],
    }


def _list_compare(message):
    inner = equal()

    def compare(expected, got):
        if inner(expected, got) is None:
            return None
        return f"{message}: expected {show(expected)}, got {show(got)}"

    return compare


def _grads_compare():
    inner = close(1e-5, 1e-7)

    def compare(expected, got):
        if not isinstance(got, list) or len(got) != len(expected):
            return f"expected {len(expected)} gradient arrays at the optimizer's steps, got {show(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            if g is None:
                return f"parameter gradient {i} was None at optimizer.step(): call loss.backward() first"
            problem = inner(e, g)
            if problem:
                return (f"the gradient at optimizer.step() is not that of the current batch's loss "
                        f"(array {i}): {problem}")
        return None

    return compare


def _hint_train(expected, got, inputs):
    if not isinstance(got, dict):
        return None
    hints = []
    loss = got.get("mean_loss")
    n, bs = inputs["n_samples"], inputs["batch_size"]
    if isinstance(loss, (int, float)) and n % bs:
        X, y = tiny_data(n, inputs["n_features"], inputs["n_classes"], inputs["seed"])
        w, b = tiny_weights(inputs["n_features"], inputs["n_classes"], inputs["seed"])
        means = [whole_data_loss(X[i:i + bs], y[i:i + bs], w, b) for i in range(0, n, bs)]
        if abs(loss - float(np.mean(means))) < 1e-5 * abs(loss) + 1e-7:
            hints.append("you averaged the batch means; the last batch is smaller, so weight "
                         "each batch's mean loss by its size and divide by the number of samples")
        elif abs(loss - float(np.sum(means))) < 1e-5 * abs(loss) + 1e-7:
            hints.append("you summed the batch means; return the mean loss per sample")
    if got.get("training") and not all(got["training"]):
        hints.append("call model.train() before the loop")
    if got.get("steps") == expected["steps"] and _grads_compare()(expected["grads"], got.get("grads")):
        hints.append("call optimizer.zero_grad() before each backward pass, or gradients add up")
    return "; ".join(hints) or None


TRAIN_FIELDS = fields(
    mean_loss=TOL,
    training=_list_compare("model.training at each forward call"),
    steps=_list_compare("number of optimizer.step() calls (one per batch)"),
    grads=_grads_compare(),
)


def train_cases(n_samples=10, n_features=4, n_classes=3, batch_size=4, seed=0, tag=""):
    inputs = {"n_samples": n_samples, "n_features": n_features, "n_classes": n_classes,
              "batch_size": batch_size, "seed": seed}
    return [
        Case("train_epoch",
             f"one pass, mean loss per sample, {n_samples} samples in batches of {batch_size}{tag}",
             inputs, run_train_lr0, expect_train_lr0, TRAIN_FIELDS,
             call=(f"train_epoch(model, loader, optimizer, nn.CrossEntropyLoss()) with a linear "
                   f"model ({n_features} -> {n_classes}) left in eval mode, SGD lr=0 and batches "
                   f"of {batch_size} from {n_samples} samples"),
             hint=_hint_train),
    ]


def run_evaluate(answer, n_samples, n_features, n_classes, batch_size, seed):
    torch = _torch()
    X, y = tiny_data(n_samples, n_features, n_classes, seed)
    weight, bias = tiny_weights(n_features, n_classes, seed)
    model = make_probe(weight, bias)
    model.train()  # evaluate must switch it to evaluation mode
    result = answer(model, make_batches(X, y, batch_size), torch.nn.CrossEntropyLoss())
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return {"result": result}
    return {
        "result": list(result),
        "training": [c["training"] for c in model.calls],
        "grad_enabled": [c["grad"] for c in model.calls],
        "weights_unchanged": bool(np.array_equal(model.linear.weight.detach().numpy(), weight)),
    }


def expect_evaluate(n_samples, n_features, n_classes, batch_size, seed):
    X, y = tiny_data(n_samples, n_features, n_classes, seed)
    weight, bias = tiny_weights(n_features, n_classes, seed)
    n_batches = -(-n_samples // batch_size)
    return {
        "result": [whole_data_loss(X, y, weight, bias), whole_data_accuracy(X, y, weight, bias)],
        "training": [False] * n_batches,
        "grad_enabled": [False] * n_batches,
        "weights_unchanged": True,
    }


def _evaluate_compare():
    result = sequence(TOL, close(1e-6, 1e-9), names=["mean_loss", "accuracy"])
    rest = fields(
        training=_list_compare("model.training at each forward call (call model.eval())"),
        grad_enabled=_list_compare("torch.is_grad_enabled() at each forward call "
                                   "(wrap the loop in `with torch.no_grad():`)"),
        weights_unchanged=_list_compare("the weights must not change"),
    )

    def compare(expected, got):
        if not isinstance(got, dict) or "training" not in got:
            return f"expected a tuple (mean_loss, accuracy), got {show(got.get('result') if isinstance(got, dict) else got)}"
        problems = [p for p in (result(expected["result"], got["result"]), rest(expected, got)) if p]
        return "\n    ".join(problems) or None

    return compare


def _hint_evaluate(expected, got, inputs):
    if not isinstance(got, dict) or not isinstance(got.get("result"), list):
        return None
    hints = []
    loss, acc = (got["result"] + [None, None])[:2]
    if isinstance(acc, (int, float)) and abs(acc - 100 * expected["result"][1]) < 1e-6 and acc > 1:
        hints.append("return the accuracy as a share in [0, 1], not a percentage")
    n, bs = inputs["n_samples"], inputs["batch_size"]
    if isinstance(loss, (int, float)) and n % bs:
        X, y = tiny_data(n, inputs["n_features"], inputs["n_classes"], inputs["seed"])
        w, b = tiny_weights(inputs["n_features"], inputs["n_classes"], inputs["seed"])
        means = [whole_data_loss(X[i:i + bs], y[i:i + bs], w, b) for i in range(0, n, bs)]
        if abs(loss - float(np.mean(means))) < 1e-5 * abs(loss) + 1e-7:
            hints.append("you averaged the batch means; weight each batch's mean loss by its size")
    return "; ".join(hints) or None


def evaluate_cases(n_samples=10, n_features=4, n_classes=3, batch_size=4, seed=0, tag=""):
    inputs = {"n_samples": n_samples, "n_features": n_features, "n_classes": n_classes,
              "batch_size": batch_size, "seed": seed}
    return [
        Case("evaluate",
             f"(mean loss, accuracy) per sample, eval mode, no grad, {n_samples} samples "
             f"in batches of {batch_size}{tag}",
             inputs, run_evaluate, expect_evaluate, _evaluate_compare(),
             call=(f"evaluate(model, loader, nn.CrossEntropyLoss()) with a linear model "
                   f"({n_features} -> {n_classes}) left in training mode and batches of "
                   f"{batch_size} from {n_samples} samples"),
             hint=_hint_evaluate),
    ]
