"""Checks of LeNet5: parameter counts and shapes, layer shapes (forward hooks), logits.

Also the tolerance and torch import shared by assignment 4's checks.
"""

from .compare import close, equal, fields
from .core import Case


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
