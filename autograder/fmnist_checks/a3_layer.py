"""Checks of DenseLayer: initialisation, forward and backward against PyTorch and finite differences."""

import math

import numpy as np

from .a3_common import _one_thread, _t, _torch, ALPHA, GRAD_REL_TOL, rel_error
from .a3_functions import _init_std
from .compare import close, equal, fields, true
from .core import Case, show


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
