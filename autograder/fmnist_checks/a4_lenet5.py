"""Visible checks of assignment 4: LeNet5, train_epoch, evaluate, EarlyStopping.

Expected values are constants worked out by hand (parameter counts, layer
shapes, early-stopping sequences) or computed with PyTorch by another route
than the piece itself: with a learning rate of 0 the mean training loss per
sample is the cross-entropy of the whole data set, and the gradient the
optimizer must see at each step is that of its own batch. Nothing here is an
answer to a graded piece.

Every ``run`` builds its own tiny model, loader and optimizer from plain
inputs, so it depends on nothing but its inputs and the answer.
"""

import numpy as np

from .compare import close, equal, fields, sequence
from .core import Case, show

TOL = close(1e-5, 1e-7)


def _torch():
    import torch

    return torch


# --- helpers shared with the hidden checks --------------------------------

def lenet_param_count(n_classes):
    """61,281 for 5 classes: the fixed layers hold 60,856, the last 85 per class."""
    return 156 + 2416 + 48120 + 10164 + 85 * n_classes


def lenet_param_shapes(n_classes):
    """Sorted shapes of LeNet-5's parameters, as strings like ``"6x1x5x5"``."""
    shapes = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,),
              (84, 120), (84,), (n_classes, 84), (n_classes,)]
    return sorted("x".join(str(s) for s in shape) for shape in shapes)


def lenet_layer_shapes(n_classes, batch):
    """(input shape -> output shape) of each convolution, then each linear layer."""
    convs = [f"{(batch, 1, 28, 28)} -> {(batch, 6, 28, 28)}",
             f"{(batch, 6, 14, 14)} -> {(batch, 16, 10, 10)}"]
    linears = [f"{(batch, 400)} -> {(batch, 120)}", f"{(batch, 120)} -> {(batch, 84)}",
               f"{(batch, 84)} -> {(batch, n_classes)}"]
    return {"convolutions": convs, "linear": linears}


def run_param_count(answer, n_classes):
    model = answer(n_classes=n_classes)
    return int(sum(p.numel() for p in model.parameters()))


def run_param_shapes(answer, n_classes):
    model = answer(n_classes=n_classes)
    return sorted("x".join(str(s) for s in p.shape) for p in model.parameters())


def run_layer_shapes(answer, n_classes, batch):
    """Forward hooks on the modules that own a 4-D weight (convolutions) or a 2-D one (linear)."""
    torch = _torch()
    model = answer(n_classes=n_classes)
    seen = {"convolutions": [], "linear": []}
    hooks = []

    def hook_for(kind):
        def hook(module, inputs, output):
            seen[kind].append(f"{tuple(inputs[0].shape)} -> {tuple(output.shape)}")
        return hook

    for module in model.modules():
        weight = getattr(module, "weight", None)
        if isinstance(weight, torch.Tensor) and weight.ndim in (2, 4):
            kind = "convolutions" if weight.ndim == 4 else "linear"
            hooks.append(module.register_forward_hook(hook_for(kind)))
    try:
        torch.manual_seed(0)
        model(torch.rand(batch, 1, 28, 28))
    finally:
        for h in hooks:
            h.remove()
    return seen


def run_logits(answer, n_classes, batch, seed):
    """Output shape, and whether the output looks like (log-)probabilities."""
    torch = _torch()
    torch.manual_seed(seed)
    model = answer(n_classes=n_classes)
    x = torch.rand(batch, 1, 28, 28, generator=torch.Generator().manual_seed(seed))
    out = model(x)
    shape = list(out.shape)
    with torch.no_grad():
        values = out.detach().double()
        probs = bool(torch.all(values >= 0) and torch.allclose(values.sum(1), torch.ones(batch, dtype=torch.float64), atol=1e-4))
        logprobs = bool(torch.all(values <= 0) and torch.allclose(values.exp().sum(1), torch.ones(batch, dtype=torch.float64), atol=1e-4))
    return {"shape": shape, "is_module": isinstance(model, torch.nn.Module),
            "probabilities": probs or logprobs}


def _hint_padding(expected, got, inputs):
    n_classes = inputs.get("n_classes", 5)
    if isinstance(got, int) and got == lenet_param_count(n_classes) - 120 * (400 - 256):
        return ("the first linear layer sees 16*4*4 = 256 values: the first convolution "
                "needs padding=2 so that 28x28 maps stay 28x28 (16*5*5 = 400)")
    return None


def _hint_shapes(expected, got, inputs):
    text = str(got)
    if "(1, 6, 24, 24)" in text or f"{inputs.get('batch')}, 6, 24, 24)" in text:
        return "the first convolution gives 24x24 maps: use padding=2 to keep 28x28"
    return None


def lenet_cases(n_classes=5, batch=2, seed=0, tag=""):
    """Cases of LeNet5 for `n_classes` and a batch of `batch` images."""
    return [
        Case("LeNet5", f"number of parameters, n_classes={n_classes}{tag}",
             {"n_classes": n_classes}, run_param_count, lenet_param_count(n_classes), equal(),
             call=f"sum(p.numel() for p in LeNet5(n_classes={n_classes}).parameters())",
             hint=_hint_padding, part="parameters"),
        Case("LeNet5", f"shapes of the parameters, n_classes={n_classes}{tag}",
             {"n_classes": n_classes}, run_param_shapes, lenet_param_shapes(n_classes), equal(),
             call=f"sorted shapes of LeNet5(n_classes={n_classes}).parameters() (CxHxW)",
             part="parameters"),
        Case("LeNet5", f"layer input and output shapes (forward hooks){tag}",
             {"n_classes": n_classes, "batch": batch}, run_layer_shapes,
             lenet_layer_shapes(n_classes, batch), fields(convolutions=equal(), linear=equal()),
             call=f"LeNet5(n_classes={n_classes})(torch.rand({batch}, 1, 28, 28)), "
                  f"recording each conv / linear layer's (input) -> (output) shapes",
             hint=_hint_shapes, part="forward"),
        Case("LeNet5", f"returns logits of shape (N, n_classes){tag}",
             {"n_classes": n_classes, "batch": batch, "seed": seed}, run_logits,
             {"shape": [batch, n_classes], "is_module": True, "probabilities": False},
             fields(shape=equal(), is_module=equal(), probabilities=equal()),
             call=f"LeNet5(n_classes={n_classes})(torch.rand({batch}, 1, 28, 28))",
             hint=_hint_logits, part="forward"),
    ]


def _hint_logits(expected, got, inputs):
    if isinstance(got, dict) and got.get("probabilities") is True:
        return ("return the raw logits: nn.CrossEntropyLoss applies log-softmax itself, "
                "so a softmax in forward() is applied twice")
    if isinstance(got, dict) and got.get("is_module") is False:
        return "LeNet5 must subclass torch.nn.Module (class LeNet5(nn.Module))"
    return None


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


# --- EarlyStopping --------------------------------------------------------

def run_stopping(answer, losses, patience, min_delta):
    """The list of what step() returned for each loss, and best_loss at the end."""
    torch = _torch()
    stopper = answer(patience=patience, min_delta=min_delta)
    model = torch.nn.Linear(2, 1)
    returned = [stopper.step(loss, model) for loss in losses]
    return {"returned": returned, "best_loss": stopper.best_loss}


def run_initial(answer):
    stopper = answer()
    return {"best_loss": stopper.best_loss, "best_state_is_none": stopper.best_state is None}


def run_best_state(answer, losses, fills):
    """Step with the model's weights filled with `fills[i]` before step i; then change them."""
    torch = _torch()
    stopper = answer(patience=10, min_delta=0.0)
    model = torch.nn.Linear(2, 1)
    for loss, fill in zip(losses, fills):
        with torch.no_grad():
            model.weight.fill_(fill)
            model.bias.fill_(fill)
        stopper.step(loss, model)
    with torch.no_grad():  # training goes on: the stored state must not follow
        model.weight.fill_(-99.0)
        model.bias.fill_(-99.0)
    state = stopper.best_state
    if not isinstance(state, dict) or "weight" not in state:
        return {"best_state": f"not a state_dict: {type(state).__name__}"}
    return {"best_state": [state["weight"], state["bias"]], "best_loss": stopper.best_loss}


def _stop_hint(expected, got, inputs):
    if not isinstance(got, dict) or not isinstance(got.get("returned"), list):
        return None
    exp, ret = expected["returned"], got["returned"]
    wrong = [i for i, (e, g) in enumerate(zip(exp, ret)) if e is not g]
    if not wrong:
        return None
    i = wrong[0]
    if ret[i] is True:
        if i + 1 < len(exp) and exp[i + 1] is True:
            return ("you stop one epoch early: return True once `patience` epochs in a row "
                    "brought no improvement (count >= patience)")
        return ("stopped too early: reset the count to 0 after each improvement "
                "(val_loss < best_loss - min_delta)")
    if exp[i] is True:
        if i + 1 < len(ret) and ret[i + 1] is True:
            return "you stop one epoch late: return True when the count reaches patience (>=), not after"
        return ("an equal loss, or one less than min_delta below the best, is no improvement: "
                "count an improvement only when val_loss < best_loss - min_delta")
    return None


def _state_hint(expected, got, inputs):
    if isinstance(got, dict) and isinstance(got.get("best_state"), list):
        w = np.asarray(got["best_state"][0])
        if w.size and np.all(w == -99.0):
            return ("best_state changed when the model was trained further: store "
                    "copy.deepcopy(model.state_dict()); state_dict() returns references to the live tensors")
    return None


def stopping_case(losses, patience, min_delta, expected, label):
    return Case("EarlyStopping", label,
                {"losses": list(losses), "patience": patience, "min_delta": min_delta},
                run_stopping, expected, fields(returned=equal(), best_loss=close(1e-12, 1e-12)),
                call=(f"s = EarlyStopping(patience={patience}, min_delta={min_delta}); "
                      f"[s.step(loss, model) for loss in {list(losses)}]; s.best_loss"),
                hint=_stop_hint, part="stopping rule")


def best_state_case(losses, fills, label):
    best = int(np.argmin(losses))  # strict improvements only: the first minimum
    return Case("EarlyStopping", label, {"losses": list(losses), "fills": list(fills)},
                run_best_state,
                {"best_state": [np.full((1, 2), fills[best], np.float32), np.full(1, fills[best], np.float32)],
                 "best_loss": float(losses[best])},
                fields(best_state=sequence(close(0, 0), close(0, 0), names=["weight", "bias"]),
                       best_loss=close(1e-12, 1e-12)),
                call=(f"s = EarlyStopping(patience=10); for each loss in {list(losses)}: fill the "
                      f"weights of nn.Linear(2, 1) with {list(fills)}[i], s.step(loss, model); "
                      f"then fill them with -99; s.best_state"),
                hint=_state_hint, part="best state")


def early_stopping_cases():
    return [
        Case("EarlyStopping", "starts with best_loss = inf and best_state = None", {}, run_initial,
             {"best_loss": float("inf"), "best_state_is_none": True},
             fields(best_loss=equal(), best_state_is_none=equal()),
             call="s = EarlyStopping(); s.best_loss, s.best_state is None", part="best state"),
        stopping_case([1.0, 0.5, 0.6, 0.7, 0.8], 2, 0.0,
                      {"returned": [False, False, False, True, True], "best_loss": 0.5},
                      "True at the 2nd epoch in a row without improvement (patience=2)"),
        stopping_case([1.0, 1.1, 0.9, 1.0, 1.2, 1.3], 3, 0.0,
                      {"returned": [False, False, False, False, False, True], "best_loss": 0.9},
                      "an improvement resets the count (patience=3)"),
        stopping_case([1.0, 1.0, 0.8], 1, 0.0,
                      {"returned": [False, True, False], "best_loss": 0.8},
                      "an equal loss is no improvement (patience=1)"),
        stopping_case([1.0, 0.95, 0.92, 0.85], 2, 0.1,
                      {"returned": [False, False, True, False], "best_loss": 0.85},
                      "min_delta=0.1: 0.95 and 0.92 are no improvement on 1.0, 0.85 is (patience=2)"),
        best_state_case([1.0, 0.5, 0.7], [1.0, 2.0, 3.0],
                        "best_state is a deep copy of the best epoch's state_dict"),
    ]


VISIBLE = {
    "LeNet5": lambda: lenet_cases(5, batch=2),
    "train_epoch": lambda: train_cases(),
    "evaluate": lambda: evaluate_cases(),
    "EarlyStopping": early_stopping_cases,
}


# --- run recipes of the hidden checks (they only call the answer; the grader's
# worker finds them here by name) ---------------------------------------------

def tensor_loader(X, y, batch_size):
    """A torch DataLoader over (X, y), not shuffled."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    return DataLoader(TensorDataset(torch.as_tensor(X), torch.as_tensor(y)), batch_size=batch_size)


def train_setup(inputs):
    import torch

    X, y = tiny_data(inputs["n_samples"], inputs["n_features"], inputs["n_classes"], inputs["seed"])
    weight, bias = tiny_weights(inputs["n_features"], inputs["n_classes"], inputs["seed"])
    model = torch.nn.Linear(inputs["n_features"], inputs["n_classes"])
    with torch.no_grad():
        model.weight.copy_(torch.as_tensor(weight))
        model.bias.copy_(torch.as_tensor(bias))
    model.eval()
    if inputs["optimizer"] == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=inputs["lr"])
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=inputs["lr"], momentum=0.9)
    return model, tensor_loader(X, y, inputs["batch_size"]), optimizer, torch.nn.CrossEntropyLoss()


def run_train_steps(answer, **inputs):
    model, loader, optimizer, loss_fn = train_setup(inputs)
    loss = answer(model, loader, optimizer, loss_fn, device="cpu")
    return {"mean_loss": loss, "weight": model.weight.detach().numpy().copy(),
            "bias": model.bias.detach().numpy().copy(), "training": model.training}


def run_evaluate_loader(answer, **inputs):
    import torch

    X, y = tiny_data(inputs["n_samples"], inputs["n_features"], inputs["n_classes"], inputs["seed"])
    weight, bias = tiny_weights(inputs["n_features"], inputs["n_classes"], inputs["seed"])
    model = torch.nn.Sequential(torch.nn.Linear(inputs["n_features"], inputs["n_classes"]),
                                torch.nn.Dropout(0.5))
    with torch.no_grad():
        model[0].weight.copy_(torch.as_tensor(weight))
        model[0].bias.copy_(torch.as_tensor(bias))
    torch.manual_seed(0)
    result = answer(model, tensor_loader(X, y, inputs["batch_size"]), torch.nn.CrossEntropyLoss(), device="cpu")
    return list(result) if isinstance(result, (tuple, list)) else result
