"""Numerical gradient checks in the style of CS231n's ``gradient_check.py``.

Centred differences ``(f(x + h) - f(x - h)) / (2h)`` approximate a gradient
with an error of order ``h**2``; comparing them with an analytic gradient by
:func:`rel_error` tells whether a ``backward`` is right. In float64 with
``h = 1e-5`` a correct gradient typically gives a relative error below 1e-7;
an error above 1e-2 almost always means a bug.

Checks never print: they return the numbers, the caller decides.

>>> import numpy as np
>>> x = np.array([1.0, -2.0, 3.0])
>>> grad = eval_numerical_gradient(lambda v: np.sum(v ** 3), x)
>>> rel_error(grad, 3 * x ** 2) < 1e-8
True
"""

import numpy as np

from fmnist_edu.activations import cross_entropy


def _check_float_array(x, name="x"):
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            f"{name} must be a float numpy array that can be perturbed in place, "
            f"got {type(x).__name__} of dtype {getattr(x, 'dtype', None)}"
        )
    if not x.flags.writeable:
        raise ValueError(f"{name} must be writeable")
    return x


def eval_numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of a scalar function at `x`.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar. It may read `x` through a closure instead of
        its argument, as ``lambda _: loss()`` over a layer's ``weights`` does.
    x : ndarray of any shape, float
        The point; each entry is perturbed in place and restored, also when
        `f` raises.
    h : float, default=1e-5
        Step size.

    Returns
    -------
    grad : ndarray of the shape of `x`, float64
    """
    x = _check_float_array(x)
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        old = x[index]
        try:
            x[index] = old + h
            f_plus = float(f(x))
            x[index] = old - h
            f_minus = float(f(x))
        finally:
            x[index] = old
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def eval_numerical_gradient_array(f, x, upstream, h=1e-5):
    """Centred-difference gradient of ``sum(f(x) * upstream)`` at `x`.

    For an array-valued `f` this is the vector-Jacobian product a layer's
    backward computes when it receives `upstream` as the gradient of its output.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns an array of the shape of `upstream`.
    x : ndarray of any shape, float
        The point, perturbed in place and restored.
    upstream : ndarray
        Gradient of the loss with respect to ``f(x)``.
    h : float, default=1e-5

    Returns
    -------
    grad : ndarray of the shape of `x`, float64
    """
    upstream = np.asarray(upstream, dtype=np.float64)
    return eval_numerical_gradient(lambda v: np.sum(np.asarray(f(v)) * upstream), x, h)


def rel_error(a, b):
    """Largest elementwise relative error ``|a - b| / max(1e-8, |a| + |b|)``.

    Parameters
    ----------
    a, b : array-like of the same shape

    Returns
    -------
    error : float
        0.0 for equal arrays; below 1e-7 is the usual mark of a correct
        float64 gradient.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def check_layer_gradients(layer, X, delta, h=1e-5):
    """Relative errors of a DenseLayer's backward against finite differences.

    Uses the loss ``L = sum(z * delta)``, whose ``dL/dz`` is `delta`.

    Parameters
    ----------
    layer : DenseLayer
    X : ndarray of shape (n_samples, n_in), float64
    delta : ndarray of shape (n_samples, n_out)
    h : float, default=1e-5

    Returns
    -------
    errors : dict
        ``{"weights": e, "biases": e, "inputs": e}``.
    """
    X = _check_float_array(np.array(X, dtype=np.float64), "X")
    delta = np.asarray(delta, dtype=np.float64)
    layer.forward(X)
    grad_inputs = layer.backward(delta)
    analytic = {"weights": layer.grad_weights.copy(), "biases": layer.grad_biases.copy(),
                "inputs": grad_inputs}

    def loss(_):
        layer.forward(X)
        return np.sum(layer.z * delta)

    numeric = {"weights": eval_numerical_gradient(loss, layer.weights, h),
               "biases": eval_numerical_gradient(loss, layer.biases, h),
               "inputs": eval_numerical_gradient(loss, X, h)}
    return {name: rel_error(analytic[name], numeric[name]) for name in analytic}


def check_network_gradients(network, X, Y, h=1e-5):
    """Relative errors of a network's backward against finite differences.

    The loss is ``cross_entropy(network.forward(X), Y)``.

    Parameters
    ----------
    network : NeuralNetworkClassifier
    X : ndarray of shape (n_samples, n_features), float64
    Y : ndarray of shape (n_samples, n_classes), one-hot
    h : float, default=1e-5

    Returns
    -------
    errors : dict
        ``{"layers[i].weights": e, "layers[i].biases": e, ...}`` for every layer.
    """
    network.forward(X)
    network.backward(Y)
    errors = {}

    def loss(_):
        return cross_entropy(network.forward(X), Y)

    for i, layer in enumerate(network.layers):
        for name in ("weights", "biases"):
            analytic = getattr(layer, f"grad_{name}").copy()
            numeric = eval_numerical_gradient(loss, getattr(layer, name), h)
            errors[f"layers[{i}].{name}"] = rel_error(analytic, numeric)
    return errors
