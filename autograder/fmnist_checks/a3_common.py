"""Helpers of assignment 3's checks: torch on one thread, the notebook's DenseLayer, relative errors."""

import functools

import numpy as np

from .core import namespace_of


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
