"""Assignment 3: random initial weights of a dense layer.

- :func:`he_normal` -- for layers followed by a (leaky) ReLU;
- :func:`glorot_normal` -- for the softmax output layer.

Both draw from the ``numpy.random.Generator`` they are given, so a seeded
Generator makes the weights reproducible.
"""

import numpy as np

from fmnist_edu._validation import check_positive_int, check_rng


def he_normal(n_in, n_out, rng):
    """He-normal weights: N(0, 2 / n_in), suited to (leaky) ReLU layers.

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out of the layer.
    rng : numpy.random.Generator
        Source of the random numbers, e.g. ``np.random.default_rng(0)``.

    Returns
    -------
    weights : ndarray of shape (n_in, n_out), float64

    Examples
    --------
    >>> he_normal(3, 2, np.random.default_rng(0)).shape
    (3, 2)
    """
    n_in, n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
    return check_rng(rng).normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))


def glorot_normal(n_in, n_out, rng):
    """Glorot (Xavier) normal weights: N(0, 2 / (n_in + n_out)).

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out of the layer.
    rng : numpy.random.Generator
        Source of the random numbers, e.g. ``np.random.default_rng(0)``.

    Returns
    -------
    weights : ndarray of shape (n_in, n_out), float64

    Examples
    --------
    >>> glorot_normal(3, 2, np.random.default_rng(0)).shape
    (3, 2)
    """
    n_in, n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
    return check_rng(rng).normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))

