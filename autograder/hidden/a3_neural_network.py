"""Hidden checks of assignment 3: random shapes, alphas, weights and data.

Every input is drawn from the grading Generator ``rng``; the expected values
come from PyTorch and finite differences as in the visible checks.
"""

import numpy as np

from fmnist_checks.a3_neural_network import (
    cross_entropy_cases,
    init_cases,
    layer_backward_cases,
    layer_forward_cases,
    layer_init_cases,
    leaky_cases,
    leaky_derivative_cases,
    network_backward_cases,
    network_fit_batches_cases,
    network_fit_full_batch_cases,
    network_forward_cases,
    network_predict_cases,
    network_problem,
    network_shuffle_cases,
    network_step_cases,
    one_hot_cases,
    softmax_cases,
)
from fmnist_checks.cases import defaults_case, unchanged_case

from .edges import argmax_is_clear, redraw


def shuffles_differ(n, batch, seed):
    """Seeds `seed` and `seed + 1` put other samples together in the first epoch's batches.

    Otherwise both fits could see the same batches (in another order within a
    batch) and give histories equal to the last bit, however the answer shuffles.
    """
    def batches(order):
        return [frozenset(order[i:i + batch].tolist()) for i in range(0, n, batch)]

    return batches(np.random.default_rng(seed).permutation(n)) != \
        batches(np.random.default_rng(seed + 1).permutation(n))


def _z(rng):
    shape = (int(rng.integers(2, 6)), int(rng.integers(2, 6)))
    z = rng.normal(scale=3.0, size=shape)
    z.flat[rng.integers(0, z.size)] = 0.0  # the kink itself
    return z


def _leaky(rng):
    z, alpha = _z(rng), float(rng.uniform(0.05, 0.3))
    return (leaky_cases(z, tag=", random z")
            + leaky_cases(z, alpha=alpha, tag=f", alpha={alpha:.3g}")
            + leaky_cases(z.ravel(), tag=", 1-D input")
            + [unchanged_case("leaky_relu", "does not modify its input", [z])])


def _leaky_derivative(rng):
    z, alpha = _z(rng), float(rng.uniform(0.05, 0.3))
    return (leaky_derivative_cases(z, tag=", random z")
            + leaky_derivative_cases(z, alpha=alpha, tag=f", alpha={alpha:.3g}")
            + leaky_derivative_cases(z.ravel(), tag=", 1-D input")
            + [unchanged_case("leaky_relu_derivative", "does not modify its input", [z])])


def _softmax(rng):
    n, k = int(rng.integers(3, 7)), int(rng.integers(2, 6))
    z = rng.normal(scale=2.0, size=(n, k))
    # rows on very different scales: a global (not per-row) maximum underflows
    big = rng.normal(size=(n, k)) * 10.0 + rng.choice([-1, 1], size=(n, 1)) * rng.uniform(500, 1e4, size=(n, 1))
    square = rng.normal(size=(k, k))
    return (softmax_cases(z, tag=", random scores")
            + softmax_cases(big, tag=", rows offset by up to 1e4")
            + softmax_cases(square, tag=", square input (the axis matters)")
            + softmax_cases(np.full((2, k), -1e4), tag=", all entries -1e4")
            + [unchanged_case("softmax", "does not modify its input", [big])])


def _one_hot(rng):
    k = int(rng.integers(3, 7))
    n = int(rng.integers(4, 12))
    y = rng.integers(0, k - 1, size=n)  # the last class never occurs
    square = rng.integers(0, 4, size=4)
    return (one_hot_cases(y, k, tag=", random labels, last class absent")
            + one_hot_cases(square, 4, tag=", n_samples == n_classes")
            + one_hot_cases(np.array([int(rng.integers(0, k))]), k, tag=", one sample")
            + one_hot_cases(np.zeros(0, dtype=np.int64), k, tag=", no sample: shape (0, n_classes)")
            + [unchanged_case("one_hot", "does not modify its input", [y, k])])


def _cross_entropy(rng):
    n, k = int(rng.integers(3, 8)), int(rng.integers(2, 6))
    logits = rng.normal(scale=2.0, size=(n, k))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    Y = np.eye(k)[rng.integers(0, k, size=n)]
    zero = probs.copy()
    zero[0] = 0.0
    zero[0, int(rng.integers(0, k))] = 1.0  # target class of row 0 may now have probability 0
    soft = rng.dirichlet(np.ones(k), size=n)
    return (cross_entropy_cases(probs, Y, tag=", random probabilities")
            + cross_entropy_cases(zero, Y, tag=", a row with zero probabilities")
            + cross_entropy_cases(probs, soft, tag=", soft targets")
            + cross_entropy_cases(probs[:1], Y[:1], tag=", one row")
            + [unchanged_case("cross_entropy", "does not modify its inputs", [zero, Y])])


def _init(piece):
    def cases(rng):
        n_in, n_out = int(rng.integers(150, 400)), int(rng.integers(40, 120))
        seed = int(rng.integers(0, 2**31))
        return (init_cases(piece, n_in, n_out, seed, tag=", random sizes")
                + init_cases(piece, n_out, n_in, seed + 2, tag=", n_in < n_out")
                + init_cases(piece, 1, int(rng.integers(2, 5)), seed + 4, tag=", a single input"))

    return cases


def _dense_layer(rng):
    n_in, n_out, n = int(rng.integers(2, 7)), int(rng.integers(2, 7)), int(rng.integers(2, 8))
    if n_in == n_out:
        n_out += 1  # a missing transpose must not fit by chance
    W = rng.normal(size=(n_in, n_out))
    b = rng.normal(scale=0.5, size=n_out)
    X = rng.normal(size=(n, n_in))
    delta = rng.normal(size=(n, n_out))
    seed = int(rng.integers(0, 2**31))
    return (layer_init_cases(int(rng.integers(150, 300)), int(rng.integers(40, 100)), "leaky_relu", seed,
                             tag=", random sizes")
            + layer_init_cases(int(rng.integers(150, 300)), int(rng.integers(40, 100)), "softmax", seed + 1,
                               tag=", random sizes")
            + layer_forward_cases(W, b, "leaky_relu", X, tag=", random")
            + layer_forward_cases(W, b, "softmax", X * 50.0, tag=", large scores")
            + layer_backward_cases(W, b, "leaky_relu", X, delta, tag=", random")
            + layer_backward_cases(W, b, "softmax", X, delta, tag=", random")
            + layer_backward_cases(W[:, :1], b[:1], "leaky_relu", X[:1], delta[:1, :1],
                                   tag=", one sample, one unit"))


def gd_is_clear(X, y, weights, biases, learning_rate, epochs, X_eval=None, margin=1e-9):
    """After each epoch of full-batch gradient descent, every predicted class wins by > margin.

    Otherwise the recorded accuracy (or predict) could flip with the order of
    floating-point operations. `X_eval` (default X) are the rows predicted.
    """
    from fmnist_checks.a3_network import _torch_forward
    from fmnist_checks.a3_common import _t
    from fmnist_checks.a3_training import _torch_gd

    rows = X if X_eval is None else X_eval
    for e in range(1, epochs + 1):
        Ws, bs, _, _ = _torch_gd(X, y, weights, biases, learning_rate, 1, e)
        probs = _torch_forward(rows, [_t(W) for W in Ws], [_t(b) for b in bs]).numpy()
        if not argmax_is_clear(probs, margin):
            return False
    return True


def _network(rng):
    n_in = int(rng.integers(3, 6))
    hidden = (int(rng.integers(3, 7)), int(rng.integers(2, 5)))
    k = int(rng.integers(2, 5))
    n = int(rng.integers(6, 11))
    X, y, Ws, bs = network_problem(rng, (n_in, *hidden, k), n)
    X1, y1, W1, b1 = network_problem(rng, (n_in, int(rng.integers(3, 6)), k), n)
    gws = [rng.normal(size=W.shape) for W in Ws]
    gbs = [rng.normal(size=b.shape) for b in bs]
    lr, epochs = redraw(lambda: (float(rng.uniform(0.05, 0.3)), int(rng.integers(3, 6))),
                        lambda d: gd_is_clear(X, y, Ws, bs, *d), "network learning rate")
    X_new = redraw(lambda: rng.normal(size=(5, n_in)),
                   lambda Xn: gd_is_clear(X1, y1, W1, b1, lr, 3, Xn), "network predict rows")
    batch = int(rng.integers(2, 4))
    copies = batch * int(rng.integers(2, 4)) + 1  # the last batch is partial
    seed = redraw(lambda: int(rng.integers(0, 1000)), lambda s: shuffles_differ(len(y), batch, s),
                  "network shuffle seed")
    X2, _, W2, b2 = network_problem(rng, (n_in, k), n)
    return (network_forward_cases(X, Ws, bs, tag=", random 2 hidden layers")
            + network_forward_cases(X2, W2, b2, tag=", one softmax layer and no hidden one")
            + network_backward_cases(X, y, Ws, bs, tag=", 2 hidden layers")
            + network_backward_cases(X1, y1, W1, b1, tag=", 1 hidden layer")
            + network_step_cases(Ws, bs, gws, gbs, lr, tag=f", learning_rate={lr:.3g}")
            + network_fit_full_batch_cases(X, y, Ws, bs, lr, epochs, tag=", random")
            + network_fit_batches_cases(X[1], y[1], copies, Ws, bs, lr, 2, batch, tag=", random")
            + network_shuffle_cases(X, y, Ws, bs, lr, 3, batch, seed, tag=", random")
            + network_predict_cases(X1, y1, W1, b1, lr, 3, X_new, tag=", random")
            + [defaults_case("NeuralNetworkClassifier", "fit's defaults are the contract's",
                             {"learning_rate": 0.01, "epochs": 10, "batch_size": 32, "seed": 0}, part="fit")])


HIDDEN = {
    "leaky_relu": _leaky,
    "leaky_relu_derivative": _leaky_derivative,
    "softmax": _softmax,
    "one_hot": _one_hot,
    "cross_entropy": _cross_entropy,
    "he_normal": _init("he_normal"),
    "glorot_normal": _init("glorot_normal"),
    "DenseLayer": _dense_layer,
    "NeuralNetworkClassifier": _network,
}
