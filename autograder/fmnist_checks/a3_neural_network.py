"""Visible checks of assignment 3: a feed-forward network written from scratch.

Expected values come from PyTorch (``torch.nn.functional.leaky_relu``,
``softmax``, ``cross_entropy``, ``one_hot``, autograd), from centred finite
differences of a loss computed with PyTorch in float64, and from properties
(sample standard deviation of a large draw, same seed -> same result), never
from the course's reference answers.

The layer and network checks build their objects with the notebook's own
``DenseLayer`` (found in the answer's namespace), set the weights to known
values and compare every result with a PyTorch computation of the same thing.
"""

import functools
import math

import numpy as np

from .cases import function_case, unchanged_case
from .compare import close, equal, fields, true
from .core import Case, namespace_of, show

ALPHA = 0.01  # the slope DenseLayer uses for its leaky ReLU
GRAD_REL_TOL = 1e-6  # a gradient 1% off gives ~5e-3: far above this


# --------------------------------------------------------------------------
# helpers shared with the hidden checks
# --------------------------------------------------------------------------


def _torch():
    import torch

    return torch


def _one_thread(function):
    """Run `function` with one torch thread: these tensors are tiny, and threads
    fighting over a busy machine's cores made each call ~30 times slower."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        torch = _torch()
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return function(*args, **kwargs)
        finally:
            torch.set_num_threads(before)

    return wrapper


def _t(array):
    return _torch().tensor(np.asarray(array, dtype=np.float64))


def _dense_layer_class(answer):
    namespace = namespace_of(answer) or {}
    layer_class = namespace.get("DenseLayer")
    if layer_class is None:
        raise NameError(
            "these checks build the network's layers with your DenseLayer: "
            "run the DenseLayer cell first"
        )
    return layer_class


def rel_error(a, b):
    """Relative error of two arrays as a whole: ``|a - b| / (|a| + |b|)`` (Frobenius norms)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    if denom == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)


def _is_float_array(value):
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def _ratio(got, expected):
    """got / expected when got is (nearly) a constant multiple of expected, else None."""
    got = np.asarray(got, dtype=np.float64) if not isinstance(got, dict) else None
    if got is None or got.shape != np.shape(expected):
        return None
    expected = np.asarray(expected, dtype=np.float64)
    if not np.all(np.isfinite(got)) or np.linalg.norm(expected) == 0:
        return None
    k = float(np.sum(got * expected) / np.sum(expected * expected))
    if rel_error(got, k * expected) < 1e-6:
        return k
    return None


# --------------------------------------------------------------------------
# leaky_relu and leaky_relu_derivative
# --------------------------------------------------------------------------

Z = np.array([[-2.0, -0.5, 0.0], [0.25, 1.5, -3.0]])


@_one_thread
def _torch_leaky(z, alpha=ALPHA):
    torch = _torch()
    return torch.nn.functional.leaky_relu(_t(z), negative_slope=alpha).numpy()


@_one_thread
def _torch_leaky_grad(z, alpha=ALPHA):
    torch = _torch()
    zt = _t(z).requires_grad_(True)
    torch.nn.functional.leaky_relu(zt, negative_slope=alpha).sum().backward()
    return zt.grad.numpy()


def _hint_leaky(expected, got, inputs):
    z = np.asarray(inputs["args"][0], dtype=np.float64)
    got = np.asarray(got, dtype=np.float64) if isinstance(got, np.ndarray) else None
    if got is None or got.shape != z.shape:
        return None
    if np.allclose(got, np.maximum(z, 0)):
        return "that is the plain ReLU: negative inputs are multiplied by alpha, not set to 0"
    if np.allclose(got, _torch_leaky(z, 0.01)) and inputs["kwargs"].get("alpha", ALPHA) != 0.01:
        return "use the alpha argument instead of a fixed 0.01"
    return None


def _hint_leaky_derivative(expected, got, inputs):
    z = np.asarray(inputs["args"][0], dtype=np.float64)
    if not isinstance(got, np.ndarray) or got.shape != z.shape:
        return None
    alpha = inputs["kwargs"].get("alpha", ALPHA)
    if np.allclose(got, (z > 0).astype(float)):
        return "the derivative is alpha, not 0, where z <= 0 (that is what keeps a unit from dying)"
    if np.allclose(got, np.where(z >= 0, 1.0, alpha)):
        return "at z == 0 the contract uses alpha: 1 only where z > 0"
    if np.allclose(got, _torch_leaky(z, alpha)):
        return "that is leaky_relu itself, not its derivative"
    return None


def leaky_cases(z=Z, alpha=None, tag=""):
    kwargs = {} if alpha is None else {"alpha": float(alpha)}
    return [
        function_case("leaky_relu", f"values vs torch.nn.functional.leaky_relu{tag}", [z],
                      lambda z, alpha=ALPHA: _torch_leaky(z, alpha), close(1e-12, 1e-12),
                      kwargs=kwargs, hint=_hint_leaky),
    ]


def leaky_derivative_cases(z=Z, alpha=None, tag=""):
    kwargs = {} if alpha is None else {"alpha": float(alpha)}
    return [
        function_case("leaky_relu_derivative", f"values vs torch autograd of leaky_relu{tag}",
                      [z], lambda z, alpha=ALPHA: _torch_leaky_grad(z, alpha),
                      close(1e-12, 1e-12), kwargs=kwargs, hint=_hint_leaky_derivative),
    ]


# --------------------------------------------------------------------------
# softmax
# --------------------------------------------------------------------------

SCORES = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 5.0, 0.5], [2.0, -2.0, 0.0]])
LARGE = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4 + 1.0, -1e4 + 2.0]])


@_one_thread
def _torch_softmax(z):
    return _torch().softmax(_t(z), dim=1).numpy()


def _hint_softmax(expected, got, inputs):
    if not isinstance(got, np.ndarray) or got.shape != np.shape(expected):
        return None
    if np.isnan(got).any() or np.isinf(got).any():
        return ("exp overflowed or 0/0 appeared: subtract each row's own maximum "
                "(z - z.max(axis=1, keepdims=True)) before np.exp")
    if np.allclose(got.sum(axis=0), 1.0) and not np.allclose(got.sum(axis=1), 1.0):
        return "the softmax runs over the wrong axis: each row (axis=1) must sum to 1"
    return None


def softmax_cases(z=SCORES, tag=""):
    return [
        function_case("softmax", f"values vs torch.softmax(z, dim=1){tag}", [z],
                      _torch_softmax, close(1e-9, 1e-12), hint=_hint_softmax),
    ]


# --------------------------------------------------------------------------
# one_hot
# --------------------------------------------------------------------------


@_one_thread
def _torch_one_hot(y, n_classes):
    torch = _torch()
    return torch.nn.functional.one_hot(torch.tensor(np.asarray(y, dtype=np.int64)),
                                       n_classes).double().numpy()


def _float_close(expected, got):
    if isinstance(got, np.ndarray) and got.dtype.kind != "f":
        return f"expected a float array, got dtype {got.dtype}: {show(got)}"
    return close(0, 0)(expected, got)


def _hint_one_hot(expected, got, inputs):
    if isinstance(got, np.ndarray) and got.shape == np.shape(expected)[::-1] and got.shape != np.shape(expected):
        return "your array is transposed: one row per sample, shape (n_samples, n_classes)"
    if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[1] < np.shape(expected)[1]:
        return "use n_classes columns, not y.max() + 1: a class may be absent from y"
    return None


def one_hot_cases(y, n_classes, tag=""):
    return [
        function_case("one_hot", f"float rows vs torch.nn.functional.one_hot{tag}",
                      [y, int(n_classes)], _torch_one_hot, _float_close, hint=_hint_one_hot),
    ]


# --------------------------------------------------------------------------
# cross_entropy
# --------------------------------------------------------------------------

PROBS = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.25, 0.25, 0.5]])
TARGETS = np.eye(3)[[0, 1, 0, 2]]
# zero probabilities: one on a target class (must clip), one off target (0 * log 0)
PROBS_ZERO = np.array([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]])
TARGETS_ZERO = np.eye(3)[[0, 1]]


@_one_thread
def _torch_cross_entropy(probs, Y):
    torch = _torch()
    logp = torch.log(torch.clamp(_t(probs), min=1e-12))
    # F.cross_entropy with class-probability targets: mean over rows of -sum(Y * log_softmax)
    return float(torch.nn.functional.cross_entropy(logp, _t(Y)))


def _hint_cross_entropy(expected, got, inputs):
    if type(got) not in (int, float):
        return None
    probs = np.asarray(inputs["args"][0])
    n, k = probs.shape
    if math.isnan(got) or math.isinf(got):
        return "clip the probabilities below at 1e-12 (np.maximum(probs, 1e-12)) before the log"
    if math.isclose(got, expected * n, rel_tol=1e-6):
        return "take the mean over the rows (divide by n_samples), not the sum"
    if math.isclose(got, expected / k, rel_tol=1e-6):
        return "sum over the classes and average over the rows only (np.mean over all entries divides by n_classes too)"
    if math.isclose(got, expected / math.log(2), rel_tol=1e-6):
        return "use the natural log (np.log), not log base 2"
    if math.isclose(got, -expected, rel_tol=1e-6):
        return "the cross-entropy is minus the sum of Y * log(probs)"
    return None


def cross_entropy_cases(probs=PROBS, Y=TARGETS, tag=""):
    return [
        function_case("cross_entropy", f"mean over rows vs torch.nn.functional.cross_entropy{tag}",
                      [probs, Y], _torch_cross_entropy, close(1e-9, 1e-12),
                      hint=_hint_cross_entropy),
    ]


# --------------------------------------------------------------------------
# he_normal and glorot_normal
# --------------------------------------------------------------------------


def _draw_stats(answer, n_in, n_out, seed):
    first = answer(n_in, n_out, np.random.default_rng(seed))
    again = answer(n_in, n_out, np.random.default_rng(seed))
    other = answer(n_in, n_out, np.random.default_rng(seed + 1))
    result = {"shape": list(np.shape(first)), "float": _is_float_array(first)}
    w = np.asarray(first, dtype=np.float64).ravel()
    result["std"] = float(w.std())
    result["mean"] = float(w.mean())
    centred = w - w.mean()
    result["excess_kurtosis"] = float(np.mean(centred ** 4) / max(np.mean(centred ** 2) ** 2, 1e-300) - 3)
    result["same_seed_same_draws"] = bool(np.array_equal(np.asarray(first), np.asarray(again)))
    result["other_seed_other_draws"] = not np.array_equal(np.asarray(first), np.asarray(other))
    return result


def _init_std(piece, n_in, n_out):
    if piece == "he_normal":
        return math.sqrt(2.0 / n_in)
    return math.sqrt(2.0 / (n_in + n_out))


def _hint_init(piece):
    def hint(expected, got, inputs):
        if not isinstance(got, dict) or type(got.get("std")) is not float:
            return None
        n_in, n_out = inputs["n_in"], inputs["n_out"]
        std = got["std"]
        right = expected["std"]
        if got.get("same_seed_same_draws") is False or got.get("other_seed_other_draws") is False:
            return "draw the numbers from the Generator passed as rng (rng.normal(...)), not from np.random or a new Generator"
        near = lambda value: abs(std - value) < 0.03 * value
        if near(right ** 2):
            return "the standard deviation is the square root of the variance: np.sqrt(2 / ...)"
        if piece == "he_normal" and near(math.sqrt(2.0 / n_out)):
            return "He-normal uses the fan-in n_in, not n_out"
        if piece == "glorot_normal" and near(math.sqrt(1.0 / (n_in + n_out))):
            return "Glorot-normal has variance 2 / (n_in + n_out)"
        if piece == "glorot_normal" and near(math.sqrt(2.0 / n_in)):
            return "that is He-normal; Glorot-normal uses n_in + n_out"
        if near(right) and abs(got.get("excess_kurtosis", 0.0)) > 0.15:
            return "the spread is right but the numbers are not normally distributed: use rng.normal"
        return None

    return hint


def init_cases(piece, n_in, n_out, seed, tag=""):
    """Shape, float dtype, draws from rng, and the spread of one large draw."""
    n = n_in * n_out
    std = _init_std(piece, n_in, n_out)
    expected = {"shape": [n_in, n_out], "float": True, "std": std, "mean": 0.0,
                "excess_kurtosis": 0.0, "same_seed_same_draws": True,
                "other_seed_other_draws": True}
    checks = {"shape": equal(), "float": true("a float array"),
              "same_seed_same_draws": true("the same seed gives the same weights"),
              "other_seed_other_draws": true("another seed gives other weights")}
    if n >= 10_000:
        # sampling error of the std ~ 1/sqrt(2n): 3% is > 10 standard errors from n = 10,000
        checks["std"] = close(0.03, 0)
        checks["mean"] = close(0, 10 * std / math.sqrt(n))
        checks["excess_kurtosis"] = close(0, 10 * math.sqrt(24.0 / n))
    what = "N(0, 2/n_in)" if piece == "he_normal" else "N(0, 2/(n_in+n_out))"
    label = "shape, float, draws from rng" + (f", sample spread of {what}" if n >= 10_000 else "") + tag
    return [Case(
        piece=piece, label=label,
        inputs={"n_in": int(n_in), "n_out": int(n_out), "seed": int(seed)},
        run=_draw_stats, expect=expected, compare=fields(**checks),
        call=f"{piece}({n_in}, {n_out}, np.random.default_rng({seed}))  (and again with the same and another seed)",
        hint=_hint_init(piece),
    )]


# --------------------------------------------------------------------------
# DenseLayer
# --------------------------------------------------------------------------


def _layer_init_run(answer, n_in, n_out, activation, seed):
    args = (n_in, n_out) if activation is None else (n_in, n_out, activation)
    layer = answer(*args, rng=np.random.default_rng(seed))
    again = answer(*args, rng=np.random.default_rng(seed))
    fresh = answer(*args)  # rng=None: a fresh Generator
    w = np.asarray(layer.weights, dtype=np.float64)
    return {
        "weights_shape": list(np.shape(layer.weights)),
        "biases": layer.biases,
        "weights_std": float(w.std()),
        "same_seed_same_weights": bool(np.array_equal(layer.weights, again.weights)),
        "rng_none_shape": list(np.shape(fresh.weights)),
    }


def _hint_layer_init(expected, got, inputs):
    if not isinstance(got, dict) or type(got.get("weights_std")) is not float:
        return None
    std = got["weights_std"]
    n_in, n_out = inputs["n_in"], inputs["n_out"]
    he, glorot = math.sqrt(2.0 / n_in), math.sqrt(2.0 / (n_in + n_out))
    if inputs["activation"] == "softmax" and abs(std - he) < 0.03 * he:
        return "a softmax layer starts Glorot-normal (glorot_normal), not He-normal"
    if inputs["activation"] != "softmax" and abs(std - glorot) < 0.03 * glorot:
        return "a leaky ReLU layer starts He-normal (he_normal), not Glorot-normal"
    return None


def layer_init_cases(n_in, n_out, activation, seed, tag=""):
    std = _init_std("glorot_normal" if activation == "softmax" else "he_normal", n_in, n_out)
    expected = {"weights_shape": [n_in, n_out], "biases": np.zeros(n_out), "weights_std": std,
                "same_seed_same_weights": True, "rng_none_shape": [n_in, n_out]}
    checks = {"weights_shape": equal(), "biases": close(0, 0),
              "same_seed_same_weights": true("the same rng seed gives the same weights"),
              "rng_none_shape": equal()}
    if n_in * n_out >= 10_000:
        checks["weights_std"] = close(0.03, 0)
    args = f"{n_in}, {n_out}" + ("" if activation is None else f", {activation!r}")
    return [Case(
        piece="DenseLayer",
        label=f"initial weights ({'He' if activation != 'softmax' else 'Glorot'}-normal) and zero biases{tag}",
        inputs={"n_in": int(n_in), "n_out": int(n_out), "activation": activation, "seed": int(seed)},
        run=_layer_init_run, expect=expected, compare=fields(**checks),
        call=f"DenseLayer({args}, rng=np.random.default_rng({seed})); also DenseLayer({args})",
        hint=_hint_layer_init, part="initialisation",
    )]


def _layer_with(answer, weights, biases, activation):
    n_in, n_out = np.shape(weights)
    layer = answer(n_in, n_out, activation, rng=np.random.default_rng(0))
    layer.weights = np.array(weights, dtype=np.float64)
    layer.biases = np.array(biases, dtype=np.float64)
    return layer


def _layer_forward_run(answer, weights, biases, activation, X):
    layer = _layer_with(answer, weights, biases, activation)
    X_mine = np.array(X, dtype=np.float64)
    out = layer.forward(X_mine)
    return {"output": out, "inputs": layer.inputs, "z": layer.z,
            "X_unchanged": bool(np.array_equal(X_mine, X))}


@_one_thread
def _torch_layer_forward(weights, biases, activation, X):
    torch = _torch()
    z = _t(X) @ _t(weights) + _t(biases)
    if activation == "softmax":
        out = torch.softmax(z, dim=1)
    else:
        out = torch.nn.functional.leaky_relu(z, ALPHA)
    return {"output": out.numpy(), "inputs": np.asarray(X, dtype=np.float64), "z": z.numpy(),
            "X_unchanged": True}


def _hint_layer_forward(expected, got, inputs):
    if not isinstance(got, dict):
        return None
    z = got.get("z")
    if isinstance(z, np.ndarray) and z.shape == expected["z"].shape and \
            np.allclose(z, expected["output"]) and not np.allclose(z, expected["z"]):
        return "store the pre-activation z = X @ weights + biases in self.z, before the activation"
    return None


def layer_forward_cases(weights, biases, activation, X, tag=""):
    n_in, n_out = np.shape(weights)
    return [Case(
        piece="DenseLayer", label=f"forward ({activation}): output vs torch, inputs and z kept{tag}",
        inputs={"weights": weights, "biases": biases, "activation": activation, "X": X},
        run=_layer_forward_run, expect=_torch_layer_forward,
        compare=fields(output=close(1e-9, 1e-12), inputs=close(0, 0), z=close(1e-9, 1e-12),
                       X_unchanged=true("forward left X unchanged")),
        call=f"layer = DenseLayer({n_in}, {n_out}, {activation!r}); layer.weights = W; "
             f"layer.biases = b; layer.forward(X) with X of shape {np.shape(X)}",
        hint=_hint_layer_forward, part="forward",
    )]


def _layer_backward_run(answer, weights, biases, activation, X, delta):
    layer = _layer_with(answer, weights, biases, activation)
    layer.forward(np.array(X, dtype=np.float64))
    grad_inputs = layer.backward(np.array(delta, dtype=np.float64))
    return {"grad_inputs": grad_inputs, "grad_weights": layer.grad_weights,
            "grad_biases": layer.grad_biases}


@_one_thread
def _torch_layer_backward(weights, biases, activation, X, delta):
    Xt, Wt, bt = (_t(a).requires_grad_(True) for a in (X, weights, biases))
    loss = ((Xt @ Wt + bt) * _t(delta)).sum()  # dloss/dz = delta
    loss.backward()
    return {"grad_inputs": Xt.grad.numpy(), "grad_weights": Wt.grad.numpy(),
            "grad_biases": bt.grad.numpy()}


def _numeric_layer_backward(weights, biases, activation, X, delta, h=1e-5):
    params = {"grad_inputs": np.array(X, dtype=np.float64),
              "grad_weights": np.array(weights, dtype=np.float64),
              "grad_biases": np.array(biases, dtype=np.float64)}
    delta = np.asarray(delta, dtype=np.float64)

    def loss():
        z = params["grad_inputs"] @ params["grad_weights"] + params["grad_biases"]
        return float(np.sum(z * delta))

    return {name: _centred_differences(loss, value, h) for name, value in params.items()}


def _centred_differences(loss, x, h):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = loss()
        x[index] = old - h
        minus = loss()
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def gradient_close(max_rel=GRAD_REL_TOL):
    """Arrays (or lists of arrays) whose relative error ``|a-b|/(|a|+|b|)`` is below `max_rel`."""

    def compare(expected, got):
        if isinstance(expected, list):
            if not isinstance(got, list) or len(got) != len(expected):
                return f"expected a list of {len(expected)} arrays, got {show(got)}"
            problems = [compare(e, g) for e, g in zip(expected, got)]
            bad = [f"[{i}] {p}" for i, p in enumerate(problems) if p]
            return "; ".join(bad) or None
        exp = np.asarray(expected, dtype=np.float64)
        if not isinstance(got, np.ndarray) or got.dtype.kind not in "biuf":
            return f"expected an array of shape {exp.shape}, got {show(got)}"
        if got.shape != exp.shape:
            return f"expected shape {exp.shape}, got shape {got.shape}"
        if not np.all(np.isfinite(got)):
            return f"it has NaN or inf entries: {show(got)}"
        err = rel_error(got, exp)
        if err <= max_rel:
            return None
        return (f"relative error {err:.2e} > {max_rel:g} (|got - expected| / (|got| + |expected|))\n"
                f"    expected: {show(exp)}\n    got:      {show(got)}")

    return compare


def _hint_layer_backward(expected, got, inputs):
    if not isinstance(got, dict):
        return None
    delta = np.asarray(inputs["delta"], dtype=np.float64)
    gi, gb, gw = got.get("grad_inputs"), got.get("grad_biases"), got.get("grad_weights")
    if isinstance(gi, np.ndarray) and gi.shape == delta.shape and np.allclose(gi, delta):
        return "backward must return dL/dX = delta @ weights.T, not the delta it was given"
    if isinstance(gb, np.ndarray) and gb.shape == delta.shape:
        return "grad_biases has one entry per unit: sum delta over the batch (axis=0)"
    if isinstance(gb, np.ndarray) and gb.shape == (delta.shape[1],) and \
            np.allclose(gb, delta.mean(axis=0)) and delta.shape[0] > 1:
        return "grad_biases is the sum of delta over the batch, not the mean (the 1/n is already in delta)"
    if isinstance(gw, np.ndarray) and gw.ndim == 2 and gw.shape[::-1] == np.shape(inputs["weights"]) \
            and gw.shape != np.shape(inputs["weights"]):
        return "grad_weights has the shape of weights, (n_in, n_out): inputs.T @ delta"
    return None


def layer_backward_cases(weights, biases, activation, X, delta, tag=""):
    n_in, n_out = np.shape(weights)
    inputs = {"weights": weights, "biases": biases, "activation": activation, "X": X,
              "delta": delta}
    call = (f"layer = DenseLayer({n_in}, {n_out}, {activation!r}); set weights and biases; "
            f"layer.forward(X); layer.backward(delta) with X {np.shape(X)}, delta {np.shape(delta)}")
    grads = dict(grad_inputs=close(1e-9, 1e-12), grad_weights=close(1e-9, 1e-12),
                 grad_biases=close(1e-9, 1e-12))
    return [
        Case(piece="DenseLayer", label=f"backward ({activation}): gradients vs torch.autograd{tag}",
             inputs=inputs, run=_layer_backward_run, expect=_torch_layer_backward,
             compare=fields(**grads), call=call, hint=_hint_layer_backward, part="backward"),
        Case(piece="DenseLayer",
             label=f"backward ({activation}): gradients vs centred finite differences "
                   f"(relative error < {GRAD_REL_TOL:g}){tag}",
             inputs=inputs, run=_layer_backward_run, expect=_numeric_layer_backward,
             compare=fields(grad_inputs=gradient_close(), grad_weights=gradient_close(),
                            grad_biases=gradient_close()),
             call=call, hint=_hint_layer_backward, part="backward"),
    ]


# --------------------------------------------------------------------------
# NeuralNetworkClassifier
# --------------------------------------------------------------------------


def network_problem(rng, sizes, n, spread=1.0):
    """Random X (n, sizes[0]), labels, weights and biases, hidden z away from 0.

    No hidden pre-activation lies within 1e-3 of the leaky ReLU's kink, so
    centred differences with h = 1e-5 never step across it.
    """
    n_classes = sizes[-1]
    while True:
        X = rng.normal(scale=spread, size=(n, sizes[0]))
        y = np.arange(n) % n_classes
        rng.shuffle(y)
        weights = [rng.normal(0, math.sqrt(2.0 / a), size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
        biases = [rng.normal(0, 0.1, size=b) for b in sizes[1:]]
        a, ok = X, True
        for W, b in zip(weights[:-1], biases[:-1]):
            z = a @ W + b
            ok &= bool(np.abs(z).min() > 1e-3)
            a = _torch_leaky(z)
        if ok:
            return X, y, weights, biases


def _build_network(answer, weights, biases, **params):
    layer_class = _dense_layer_class(answer)
    layers = []
    for i, (W, b) in enumerate(zip(weights, biases)):
        activation = "softmax" if i == len(weights) - 1 else "leaky_relu"
        layer = layer_class(W.shape[0], W.shape[1], activation, rng=np.random.default_rng(i))
        layer.weights = np.array(W, dtype=np.float64)
        layer.biases = np.array(b, dtype=np.float64)
        layers.append(layer)
    return answer(layers, **params), layers


def _layers_of(net, layers):
    found = getattr(net, "layers", None)
    return found if isinstance(found, (list, tuple)) and len(found) == len(layers) else layers


def _torch_forward(X, weights, biases):
    torch = _torch()
    a = _t(X)
    for i, (W, b) in enumerate(zip(weights, biases)):
        z = a @ W + b
        a = torch.softmax(z, dim=1) if i == len(weights) - 1 else torch.nn.functional.leaky_relu(z, ALPHA)
    return a


def _torch_loss(X, Y, weights, biases):
    torch = _torch()
    probs = _torch_forward(X, weights, biases)
    return -(_t(Y) * torch.log(torch.clamp(probs, min=1e-12))).sum() / probs.shape[0]


def _one_hot_np(y, n_classes):
    return _torch_one_hot(y, n_classes)


def _net_forward_run(answer, X, weights, biases):
    net, _ = _build_network(answer, weights, biases)
    return net.forward(np.array(X))


@_one_thread
def _net_forward_expect(X, weights, biases):
    return _torch_forward(X, [_t(W) for W in weights], [_t(b) for b in biases]).numpy()


def network_forward_cases(X, weights, biases, tag=""):
    return [Case(
        piece="NeuralNetworkClassifier", label=f"forward: probabilities vs torch{tag}",
        inputs={"X": X, "weights": weights, "biases": biases},
        run=_net_forward_run, expect=_net_forward_expect, compare=close(1e-9, 1e-12),
        call=f"net = NeuralNetworkClassifier(layers with known weights {_sizes(weights)}); "
             f"net.forward(X) with X {np.shape(X)}",
        part="forward",
    )]


def _sizes(weights):
    return " -> ".join(str(s) for s in [np.shape(weights[0])[0]] + [np.shape(W)[1] for W in weights])


def _net_backward_run(answer, X, y, weights, biases):
    net, layers = _build_network(answer, weights, biases)
    net.forward(np.array(X))
    net.backward(_one_hot_np(y, np.shape(weights[-1])[1]))
    layers = _layers_of(net, layers)
    return {"grad_weights": [layer.grad_weights for layer in layers],
            "grad_biases": [layer.grad_biases for layer in layers]}


@_one_thread
def _net_autograd(X, y, weights, biases):
    Ws = [_t(W).requires_grad_(True) for W in weights]
    bs = [_t(b).requires_grad_(True) for b in biases]
    _torch_loss(X, _one_hot_np(y, np.shape(weights[-1])[1]), Ws, bs).backward()
    return {"grad_weights": [W.grad.numpy() for W in Ws], "grad_biases": [b.grad.numpy() for b in bs]}


@_one_thread
def _net_numeric(X, y, weights, biases, h=1e-5):
    """Centred differences of the mean cross-entropy for every parameter, in float64.

    All 2P perturbed networks (each parameter +h and -h) run as one batch.
    """
    torch = _torch()
    Y = _t(_one_hot_np(y, np.shape(weights[-1])[1]))
    params = [np.asarray(p, dtype=np.float64) for pair in zip(weights, biases) for p in pair]
    theta = np.concatenate([p.ravel() for p in params])
    count = theta.size
    steps = np.concatenate([np.eye(count), -np.eye(count)]) * h
    batch = torch.from_numpy(theta[None, :] + steps)  # (2P, P)
    a = _t(X).expand(2 * count, *np.shape(X))
    offset, n_layers = 0, len(weights)
    for i in range(n_layers):
        (n_in, n_out), size_b = np.shape(weights[i]), np.shape(biases[i])[0]
        W = batch[:, offset:offset + n_in * n_out].reshape(2 * count, n_in, n_out)
        offset += n_in * n_out
        b = batch[:, offset:offset + size_b].reshape(2 * count, 1, size_b)
        offset += size_b
        z = torch.bmm(a, W) + b
        a = torch.softmax(z, dim=2) if i == n_layers - 1 else torch.nn.functional.leaky_relu(z, ALPHA)
    losses = -(Y * torch.log(torch.clamp(a, min=1e-12))).sum(dim=(1, 2)).numpy() / np.shape(X)[0]
    flat = (losses[:count] - losses[count:]) / (2 * h)
    grads, offset = [], 0
    for p in params:
        grads.append(flat[offset:offset + p.size].reshape(p.shape))
        offset += p.size
    return {"grad_weights": grads[0::2], "grad_biases": grads[1::2]}


def _hint_net_backward(expected, got, inputs):
    if not isinstance(got, dict) or not isinstance(got.get("grad_weights"), list):
        return None
    gws = got["grad_weights"]
    exps = expected["grad_weights"]
    if len(gws) != len(exps):
        return None
    n = len(inputs["y"])
    k = _ratio(gws[-1], exps[-1])
    if k is not None and math.isclose(k, n, rel_tol=1e-6) and n > 1:
        return "the output delta of the mean cross-entropy is (probs - Y) / n: divide by the number of samples"
    if k is not None and math.isclose(k, -1.0, rel_tol=1e-6):
        return "the gradients have the wrong sign: the output delta is probs - Y"
    last_ok = gradient_close()(exps[-1], gws[-1]) is None
    if last_ok and any(gradient_close()(e, g) for e, g in zip(exps[:-1], gws[:-1])):
        return ("the last layer is right but a hidden layer is not: a hidden layer's delta is "
                "(dL/dX of the layer above) * leaky_relu_derivative(z of this layer)")
    return None


def network_backward_cases(X, y, weights, biases, tag=""):
    inputs = {"X": X, "y": np.asarray(y), "weights": weights, "biases": biases}
    call = (f"net = NeuralNetworkClassifier(layers with known weights {_sizes(weights)}); "
            f"net.forward(X); net.backward(Y) with X {np.shape(X)}, Y one-hot of y = {np.asarray(y).tolist()}")
    exact = fields(grad_weights=_list_close(1e-7, 1e-12), grad_biases=_list_close(1e-7, 1e-12))
    numeric = fields(grad_weights=gradient_close(), grad_biases=gradient_close())
    return [
        Case(piece="NeuralNetworkClassifier",
             label=f"backward: every layer's gradients of the mean cross-entropy vs torch.autograd{tag}",
             inputs=inputs, run=_net_backward_run, expect=_net_autograd, compare=exact,
             call=call, hint=_hint_net_backward, part="backward"),
        Case(piece="NeuralNetworkClassifier",
             label=f"backward: gradient check vs centred finite differences "
                   f"(relative error < {GRAD_REL_TOL:g}){tag}",
             inputs=inputs, run=_net_backward_run, expect=_net_numeric, compare=numeric,
             call=call, hint=_hint_net_backward, part="backward"),
    ]


def _list_close(rtol, atol):
    inner = close(rtol, atol)

    def compare(expected, got):
        if not isinstance(got, list) or len(got) != len(expected):
            return f"expected a list of {len(expected)} arrays (one per layer), got {show(got)}"
        bad = []
        for i, (e, g) in enumerate(zip(expected, got)):
            problem = inner(e, g)
            if problem:
                bad.append(f"layer {i}: {problem}")
        return "\n    ".join(bad) or None

    return compare


def _net_step_run(answer, weights, biases, grad_weights, grad_biases, learning_rate):
    net, layers = _build_network(answer, weights, biases, learning_rate=learning_rate)
    layers = _layers_of(net, layers)
    for layer, gw, gb in zip(layers, grad_weights, grad_biases):
        layer.grad_weights = np.array(gw, dtype=np.float64)
        layer.grad_biases = np.array(gb, dtype=np.float64)
    net.step()
    return {"weights": [layer.weights for layer in layers], "biases": [layer.biases for layer in layers]}


def _net_step_expect(weights, biases, grad_weights, grad_biases, learning_rate):
    return {"weights": [W - learning_rate * g for W, g in zip(weights, grad_weights)],
            "biases": [b - learning_rate * g for b, g in zip(biases, grad_biases)]}


def _hint_step(expected, got, inputs):
    if not isinstance(got, dict) or not isinstance(got.get("weights"), list):
        return None
    W0, G0, lr = inputs["weights"][0], inputs["grad_weights"][0], inputs["learning_rate"]
    w = got["weights"][0]
    if isinstance(w, np.ndarray) and w.shape == W0.shape:
        if np.allclose(w, W0 + lr * G0):
            return "gradient descent subtracts: p -= learning_rate * grad"
        if np.allclose(w, W0 - G0):
            return "multiply the gradient by learning_rate"
        if np.allclose(w, W0):
            return "step must change the layers' weights in place (layer.weights -= ...)"
    return None


def network_step_cases(weights, biases, grad_weights, grad_biases, learning_rate, tag=""):
    return [Case(
        piece="NeuralNetworkClassifier", label=f"step: one plain gradient-descent update{tag}",
        inputs={"weights": weights, "biases": biases, "grad_weights": grad_weights,
                "grad_biases": grad_biases, "learning_rate": float(learning_rate)},
        run=_net_step_run, expect=_net_step_expect,
        compare=fields(weights=_list_close(1e-12, 1e-14), biases=_list_close(1e-12, 1e-14)),
        call=f"net = NeuralNetworkClassifier(layers, learning_rate={learning_rate}); set every "
             f"layer's grad_weights and grad_biases; net.step()",
        hint=_hint_step, part="step",
    )]


def _fit_run(answer, X, y, weights, biases, learning_rate, epochs, batch_size, seed):
    net, layers = _build_network(answer, weights, biases, learning_rate=learning_rate,
                                 epochs=epochs, batch_size=batch_size, seed=seed)
    X_mine, y_mine = np.array(X), np.array(y)
    returned = net.fit(X_mine, y_mine)
    history = getattr(net, "history", None)
    layers = _layers_of(net, layers)
    result = {"returned_self": returned is net,
              "inputs_unchanged": bool(np.array_equal(X_mine, X) and np.array_equal(y_mine, y)),
              "history_keys": sorted(history) if isinstance(history, dict) else show(history),
              "weights": [layer.weights for layer in layers],
              "biases": [layer.biases for layer in layers]}
    if isinstance(history, dict):
        result["loss"] = [float(v) for v in history.get("loss", [])]
        result["accuracy"] = [float(v) for v in history.get("accuracy", [])]
        result["loss_falls"] = len(result["loss"]) > 1 and result["loss"][-1] < result["loss"][0]
    return result


@_one_thread
def _torch_gd(X, y, weights, biases, learning_rate, steps_per_epoch, epochs):
    """Plain full-batch gradient descent in torch; the history after each epoch."""
    torch = _torch()
    n_classes = np.shape(weights[-1])[1]
    Y = _one_hot_np(y, n_classes)
    Ws = [_t(W).requires_grad_(True) for W in weights]
    bs = [_t(b).requires_grad_(True) for b in biases]
    loss_hist, acc_hist = [], []
    for _ in range(epochs):
        for _ in range(steps_per_epoch):
            loss = _torch_loss(X, Y, Ws, bs)
            for p in Ws + bs:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in Ws + bs:
                    p -= learning_rate * p.grad
        with torch.no_grad():
            loss_hist.append(float(_torch_loss(X, Y, Ws, bs)))
            pred = _torch_forward(X, Ws, bs).argmax(dim=1).numpy()
            acc_hist.append(float(np.mean(pred == np.asarray(y))))
    return ([W.detach().numpy() for W in Ws], [b.detach().numpy() for b in bs], loss_hist, acc_hist)


def _fit_full_batch_expect(X, y, weights, biases, learning_rate, epochs, batch_size, seed):
    Ws, bs, loss, acc = _torch_gd(X, y, weights, biases, learning_rate, 1, epochs)
    return {"returned_self": True, "inputs_unchanged": True, "history_keys": ["accuracy", "loss"],
            "weights": Ws, "biases": bs, "loss": loss, "accuracy": acc, "loss_falls": True}


def _hint_fit(expected, got, inputs):
    if not isinstance(got, dict) or not isinstance(got.get("loss"), list):
        return None
    advice = (f"record the loss and accuracy once per epoch ({inputs['epochs']} epochs: "
              f"{inputs['epochs']} entries), on the whole training data, after the epoch's batches")
    if len(got["loss"]) != len(expected["loss"]):
        return advice
    if len(got["loss"]) > 1 and np.allclose(got["loss"][1:], expected["loss"][:-1], rtol=1e-6):
        return advice + " (your entries lag one step behind: they were computed before an update)"
    return None


def network_fit_full_batch_cases(X, y, weights, biases, learning_rate, epochs, tag=""):
    """With one batch holding all samples, shuffling cannot matter: fit is plain GD."""
    n = len(y)
    history_close = _values_close(1e-6, 1e-10)
    return [Case(
        piece="NeuralNetworkClassifier",
        label=f"fit with batch_size >= n_samples: returns self, loss falls, history per epoch and "
              f"weights equal plain full-batch gradient descent in torch{tag}",
        inputs={"X": X, "y": np.asarray(y), "weights": weights, "biases": biases,
                "learning_rate": float(learning_rate), "epochs": int(epochs),
                "batch_size": int(n + 3), "seed": 0},
        run=_fit_run, expect=_fit_full_batch_expect,
        compare=fields(returned_self=true("fit returns self"),
                       inputs_unchanged=true("fit left X and y unchanged"),
                       history_keys=_contains("loss", "accuracy"),
                       loss_falls=true("the training loss after the last epoch is below the first"),
                       loss=history_close, accuracy=history_close,
                       weights=_list_close(1e-6, 1e-10), biases=_list_close(1e-6, 1e-10)),
        call=f"NeuralNetworkClassifier(layers {_sizes(weights)}, learning_rate={learning_rate}, "
             f"epochs={epochs}, batch_size={n + 3}).fit(X, y) with X {np.shape(X)}",
        hint=_hint_fit, part="fit",
    )]


def _values_close(rtol, atol):
    inner = close(rtol, atol)

    def compare(expected, got):
        if not isinstance(got, list):
            return f"expected a list of {len(expected)} numbers, got {show(got)}"
        if len(got) != len(expected):
            return f"expected {len(expected)} entries (one per epoch), got {len(got)}: {show(got)}"
        return inner(np.asarray(expected, dtype=np.float64), np.asarray(got, dtype=np.float64))

    return compare


def _contains(*keys):
    def compare(expected, got):
        if isinstance(got, list) and all(k in got for k in keys):
            return None
        return f"history must be a dict with keys {list(keys)}, got {show(got)}"

    return compare


def _fit_copies_expect(X, y, weights, biases, learning_rate, epochs, batch_size, seed):
    steps = -(-len(y) // batch_size)
    Ws, bs, loss, acc = _torch_gd(X[:1], y[:1], weights, biases, learning_rate, steps, epochs)
    return {"weights": Ws, "biases": bs}


def network_fit_batches_cases(x, label, copies, weights, biases, learning_rate, epochs, batch_size, tag=""):
    """n copies of one sample: every batch has the same mean gradient, whatever the shuffle.

    So ``epochs * ceil(n / batch_size)`` gradient-descent steps on that one sample.
    """
    X = np.tile(np.asarray(x, dtype=np.float64), (copies, 1))
    y = np.full(copies, int(label))
    steps = -(-copies // batch_size)
    return [Case(
        piece="NeuralNetworkClassifier",
        label=f"fit runs ceil(n / batch_size) = {steps} mini-batch steps per epoch, each on a batch mean{tag}",
        inputs={"X": X, "y": y, "weights": weights, "biases": biases,
                "learning_rate": float(learning_rate), "epochs": int(epochs),
                "batch_size": int(batch_size), "seed": 0},
        run=_fit_run, expect=_fit_copies_expect,
        compare=fields(weights=_list_close(1e-6, 1e-10), biases=_list_close(1e-6, 1e-10)),
        call=f"NeuralNetworkClassifier(layers {_sizes(weights)}, learning_rate={learning_rate}, "
             f"epochs={epochs}, batch_size={batch_size}).fit(X, y) with {copies} copies of one sample",
        part="fit",
    )]


def _shuffle_run(answer, X, y, weights, biases, learning_rate, epochs, batch_size, seed):
    histories = []
    for s in (seed, seed, seed + 1):
        net, _ = _build_network(answer, weights, biases, learning_rate=learning_rate,
                                epochs=epochs, batch_size=batch_size, seed=s)
        net.fit(np.array(X), np.array(y))
        histories.append([float(v) for v in net.history["loss"]])
    return {"same_seed_same_history": histories[0] == histories[1],
            "other_seed_other_history": histories[0] != histories[2]}


def network_shuffle_cases(X, y, weights, biases, learning_rate, epochs, batch_size, seed, tag=""):
    return [Case(
        piece="NeuralNetworkClassifier",
        label=f"fit shuffles the mini-batches with a Generator seeded with seed{tag}",
        inputs={"X": X, "y": np.asarray(y), "weights": weights, "biases": biases,
                "learning_rate": float(learning_rate), "epochs": int(epochs),
                "batch_size": int(batch_size), "seed": int(seed)},
        run=_shuffle_run,
        expect={"same_seed_same_history": True, "other_seed_other_history": True},
        compare=fields(
            same_seed_same_history=true("two fits from the same weights with the same seed give the same history"),
            other_seed_other_history=true("another seed shuffles differently, so the history differs")),
        call=f"three fits from the same weights (batch_size={batch_size}, epochs={epochs}) "
             f"with seed={seed}, seed={seed} and seed={seed + 1}",
        hint=lambda e, g, i: ("shuffle with np.random.default_rng(self.seed), created in fit"
                              if isinstance(g, dict) and g.get("same_seed_same_history") is False
                              else "shuffle with a Generator seeded with self.seed, not a fixed one"
                              if isinstance(g, dict) and g.get("other_seed_other_history") is False
                              else None),
        part="shuffling",
    )]


def _predict_run(answer, X, y, weights, biases, learning_rate, epochs, X_new):
    net, _ = _build_network(answer, weights, biases, learning_rate=learning_rate,
                            epochs=epochs, batch_size=len(y) + 3, seed=0)
    net.fit(np.array(X), np.array(y))
    X_mine = np.array(X_new)
    proba = net.predict_proba(X_mine)
    pred = net.predict(X_mine)
    return {"proba": proba, "pred": pred, "X_unchanged": bool(np.array_equal(X_mine, X_new))}


def _predict_expect(X, y, weights, biases, learning_rate, epochs, X_new):
    Ws, bs, _, _ = _torch_gd(X, y, weights, biases, learning_rate, 1, epochs)
    proba = _torch_forward(X_new, [_t(W) for W in Ws], [_t(b) for b in bs]).numpy()
    return {"proba": proba, "pred": proba.argmax(axis=1), "X_unchanged": True}


def network_predict_cases(X, y, weights, biases, learning_rate, epochs, X_new, tag=""):
    return [Case(
        piece="NeuralNetworkClassifier",
        label=f"predict_proba (rows sum to 1) and predict (their argmax, ints) after fit{tag}",
        inputs={"X": X, "y": np.asarray(y), "weights": weights, "biases": biases,
                "learning_rate": float(learning_rate), "epochs": int(epochs), "X_new": X_new},
        run=_predict_run, expect=_predict_expect,
        compare=fields(proba=close(1e-6, 1e-10), pred=close(0, 0, dtype_kind="i"),
                       X_unchanged=true("predict_proba and predict left X unchanged")),
        call=f"net.fit(X, y) (batch_size >= n, epochs={epochs}); net.predict_proba(X_new); "
             f"net.predict(X_new) with X_new {np.shape(X_new)}",
        part="predict",
    )]


# --------------------------------------------------------------------------
# the visible cases
# --------------------------------------------------------------------------


def _visible_layer():
    rng = np.random.default_rng(3)
    W = rng.normal(size=(3, 2)) * 0.8
    b = np.array([0.1, -0.2])
    X = np.array([[1.0, -2.0, 0.5], [0.3, 0.8, -1.2], [-0.7, 0.1, 2.0], [0.0, 1.0, 1.0]])
    delta = rng.normal(size=(4, 2))
    return W, b, X, delta


def _visible_network():
    return network_problem(np.random.default_rng(11), (4, 5, 3, 3), 6)


def _dense_layer_visible():
    W, b, X, delta = _visible_layer()
    return (layer_init_cases(200, 100, None, 0, tag=" (default activation)")
            + layer_init_cases(200, 100, "softmax", 1)
            + layer_forward_cases(W, b, "leaky_relu", X)
            + layer_forward_cases(W, b, "softmax", X)
            + layer_backward_cases(W, b, "leaky_relu", X, delta))


def _network_visible():
    X, y, Ws, bs = _visible_network()
    rng = np.random.default_rng(12)
    gws = [rng.normal(size=W.shape) for W in Ws]
    gbs = [rng.normal(size=b.shape) for b in bs]
    return (network_forward_cases(X, Ws, bs)
            + network_backward_cases(X, y, Ws, bs)
            + network_step_cases(Ws, bs, gws, gbs, 0.1)
            + network_fit_full_batch_cases(X, y, Ws, bs, 0.5, 4)
            + network_fit_batches_cases(X[0], y[0], 10, Ws, bs, 0.1, 2, 4)
            + network_shuffle_cases(X, y, Ws, bs, 0.2, 4, 2, 0)
            + network_predict_cases(X, y, Ws, bs, 0.5, 3, X[:4] * 0.5))


VISIBLE = {
    "leaky_relu": lambda: leaky_cases() + leaky_cases(Z, alpha=0.2, tag=", alpha=0.2") + [
        unchanged_case("leaky_relu", "does not modify its input", [Z.copy()]),
    ],
    "leaky_relu_derivative": lambda: leaky_derivative_cases() + leaky_derivative_cases(
        Z, alpha=0.2, tag=", alpha=0.2") + [
        unchanged_case("leaky_relu_derivative", "does not modify its input", [Z.copy()]),
    ],
    "softmax": lambda: softmax_cases() + softmax_cases(LARGE, tag=", entries of size 1e4 (stable)") + [
        unchanged_case("softmax", "does not modify its input", [SCORES.copy()]),
    ],
    "one_hot": lambda: one_hot_cases(np.array([2, 0, 1, 2]), 3) + one_hot_cases(
        np.array([0, 1, 1]), 4, tag=", class 3 absent from y"),
    "cross_entropy": lambda: cross_entropy_cases() + cross_entropy_cases(
        PROBS_ZERO, TARGETS_ZERO, tag=", zero probabilities clipped at 1e-12") + [
        unchanged_case("cross_entropy", "does not modify its inputs", [PROBS_ZERO.copy(), TARGETS_ZERO.copy()]),
    ],
    "he_normal": lambda: init_cases("he_normal", 200, 100, 0) + init_cases("he_normal", 3, 2, 5, tag=", small"),
    "glorot_normal": lambda: init_cases("glorot_normal", 200, 100, 0) + init_cases(
        "glorot_normal", 3, 2, 5, tag=", small"),
    "DenseLayer": _dense_layer_visible,
    "NeuralNetworkClassifier": _network_visible,
}
