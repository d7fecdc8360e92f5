"""Assignment 3: the network's activations, its loss and the label encoding.

- :func:`leaky_relu`, :func:`leaky_relu_derivative` -- the hidden layers'
  activation and its derivative;
- :func:`softmax` -- the output layer's activation;
- :func:`one_hot` -- integer labels as target rows;
- :func:`cross_entropy` -- the mean loss the network minimises.

All of them work elementwise or row by row on numpy arrays and never modify
their input.
"""

import numpy as np

from fmnist_edu._validation import as_float_array, check_labels, check_n_classes


def leaky_relu(z, alpha=0.01):
    """Leaky ReLU, elementwise: ``z`` where ``z > 0``, ``alpha * z`` elsewhere.

    Parameters
    ----------
    z : array-like of any shape
        Pre-activations.
    alpha : float, default=0.01
        Slope for non-positive inputs.

    Returns
    -------
    a : ndarray of the shape of `z`
        A new array; `z` is left untouched.

    Examples
    --------
    >>> leaky_relu([-2.0, 0.0, 3.0]).tolist()
    [-0.02, 0.0, 3.0]
    """
    z = as_float_array(z)
    return np.where(z > 0, z, z * z.dtype.type(alpha))


def leaky_relu_derivative(z, alpha=0.01):
    """Derivative of :func:`leaky_relu`: 1 where ``z > 0`` and `alpha` elsewhere.

    At ``z == 0`` the function has a kink; the value ``alpha`` is used there.

    Parameters
    ----------
    z : array-like of any shape
        Pre-activations.
    alpha : float, default=0.01
        Slope for non-positive inputs.

    Returns
    -------
    d : ndarray of the shape and float dtype of `z`

    Examples
    --------
    >>> leaky_relu_derivative([-2.0, 0.0, 3.0]).tolist()
    [0.01, 0.01, 1.0]
    """
    z = as_float_array(z)
    one, slope = z.dtype.type(1), z.dtype.type(alpha)
    return np.where(z > 0, one, slope)


def softmax(z):
    """Row-wise softmax, stable for entries up to 1e4 in absolute value.

    The row maximum is subtracted before exponentiating, which leaves the
    result unchanged mathematically and keeps ``exp`` from overflowing.

    Parameters
    ----------
    z : array-like of shape (n_samples, n_classes)
        Scores (logits). A 1-D array is treated as a single row.

    Returns
    -------
    probs : ndarray of shape (n_samples, n_classes)
        Non-negative, each row sums to 1.

    Examples
    --------
    >>> softmax([[0.0, 0.0], [1e4, -1e4]]).tolist()
    [[0.5, 0.5], [1.0, 0.0]]
    """
    z = as_float_array(z)
    if z.ndim == 0:
        raise ValueError("z must be 1-D or 2-D of shape (n_samples, n_classes), got a scalar")
    shifted = z - z.max(axis=-1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=-1, keepdims=True)
    return shifted


def one_hot(y, n_classes):
    """One-hot encode integer labels.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Integer labels in ``0..n_classes-1``.
    n_classes : int
        Number of classes (columns).

    Returns
    -------
    Y : ndarray of shape (n_samples, n_classes), float64
        ``Y[i, y[i]] = 1``, every other entry 0.

    Raises
    ------
    ValueError
        If `y` is not 1-D, holds non-integers or a label outside the range.

    Examples
    --------
    >>> one_hot([2, 0], 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    n_classes = check_n_classes(n_classes)
    y = check_labels(y, n_classes=n_classes, allow_empty=True)
    Y = np.zeros((y.shape[0], n_classes))
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y


def cross_entropy(probs, Y):
    """Mean cross-entropy ``mean_i(-sum_k Y[i, k] * log(probs[i, k]))``.

    Probabilities are clipped below at 1e-12 so a zero probability gives a
    large but finite loss.

    Parameters
    ----------
    probs : array-like of shape (n_samples, n_classes)
        Predicted class probabilities.
    Y : array-like of shape (n_samples, n_classes)
        One-hot (or soft) targets.

    Returns
    -------
    loss : float

    Examples
    --------
    >>> round(cross_entropy([[0.5, 0.5], [1.0, 0.0]], [[1, 0], [1, 0]]), 6)
    0.346574
    """
    probs = as_float_array(probs, "probs")
    Y = as_float_array(Y, "Y")
    if probs.ndim != 2:
        raise ValueError(
            f"probs must be 2-D of shape (n_samples, n_classes), got shape {probs.shape}"
        )
    if probs.shape != Y.shape:
        raise ValueError(f"probs and Y must have the same shape, got {probs.shape} and {Y.shape}")
    if probs.shape[0] == 0:
        raise ValueError("probs is empty")
    return float(-np.sum(Y * np.log(np.maximum(probs, 1e-12))) / probs.shape[0])
