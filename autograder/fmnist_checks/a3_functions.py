"""Checks of assignment 3's functions: leaky ReLU and its derivative, softmax, one_hot,
cross_entropy and the two weight initialisations.

Expected values come from PyTorch and from properties of large draws.
"""

import math

import numpy as np

from .a3_common import _is_float_array, _one_thread, _t, _torch, ALPHA
from .cases import function_case
from .compare import close, equal, fields, true
from .core import Case, show


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
