"""Checks of NeuralNetworkClassifier: forward, backward and step against PyTorch."""

import math

import numpy as np

from .a3_common import _dense_layer_class, _one_thread, _ratio, _t, _torch, ALPHA, GRAD_REL_TOL
from .a3_functions import _torch_leaky
from .a3_layer import gradient_close
from .compare import close, fields
from .core import Case, show


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
    """One-hot rows (n, n_classes) of float64, in numpy: the backward recipe runs it in the
    student's process, where a first torch op in a fork of the kernel cost a second of CPU."""
    return np.eye(n_classes)[np.asarray(y, dtype=np.int64)]


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
