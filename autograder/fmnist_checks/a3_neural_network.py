"""Visible checks of assignment 3: a feed-forward network written from scratch.

Expected values come from PyTorch (``torch.nn.functional.leaky_relu``,
``softmax``, ``cross_entropy``, ``one_hot``, autograd), from centred finite
differences of a loss computed with PyTorch in float64, and from properties
(sample standard deviation of a large draw, same seed -> same result), never
from the course's reference answers.

The layer and network checks build their objects with the notebook's own
``DenseLayer`` (found in the answer's namespace), set the weights to known
values and compare every result with a PyTorch computation of the same thing.

The cases live in one module per topic (``a3_functions``, ``a3_layer``,
``a3_network``, ``a3_training``); this one holds the ``VISIBLE`` registry and
re-exports the builders that the hidden checks and the tests import.
"""

import numpy as np

from .a3_common import rel_error
from .a3_functions import (
    cross_entropy_cases,
    init_cases,
    LARGE,
    leaky_cases,
    leaky_derivative_cases,
    one_hot_cases,
    PROBS_ZERO,
    SCORES,
    softmax_cases,
    TARGETS_ZERO,
    Z,
)
from .a3_layer import gradient_close, layer_backward_cases, layer_forward_cases, layer_init_cases
from .a3_network import (
    _list_close,
    _net_autograd,
    _net_numeric,
    network_backward_cases,
    network_forward_cases,
    network_problem,
    network_step_cases,
)
from .a3_training import (
    network_fit_batches_cases,
    network_fit_full_batch_cases,
    network_predict_cases,
    network_shuffle_cases,
)
from .cases import unchanged_case
from .compare import fields


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
