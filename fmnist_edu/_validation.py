"""Input checks shared by the pieces: clear ``ValueError``s, not numpy tracebacks.

Each function returns a validated copy-free view (never modifying its input)
and raises ``ValueError`` naming the argument and what is wrong with it.
"""

import numbers

import numpy as np


def check_features(X, name="X", allow_nan=False, min_samples=1):
    """Return `X` as a 2-D float64 array of shape (n_samples, n_features).

    Raises ``ValueError`` when `X` is not 2-D, not numeric, holds fewer than
    `min_samples` rows, or holds NaN/inf while `allow_nan` is False.
    """
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be read as an array: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_features), got shape {arr.shape}"
        )
    if arr.shape[0] < min_samples:
        raise ValueError(f"{name} has {arr.shape[0]} samples, at least {min_samples} needed")
    arr = arr.astype(np.float64, copy=False)
    if not allow_nan and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity")
    return arr


def check_labels(y, n_classes=None, name="y", allow_empty=False):
    """Return `y` as a 1-D int64 array of labels.

    Raises ``ValueError`` when `y` is not 1-D, holds non-integer values, or (when
    `n_classes` is given) a label outside 0..n_classes-1.
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D of shape (n_samples,), got shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name} must hold integer labels, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold integer labels, got non-integer values")
    arr = arr.astype(np.int64, copy=False)
    if n_classes is not None:
        n_classes = check_n_classes(n_classes)
        bad = (arr < 0) | (arr >= n_classes)
        if np.any(bad):
            raise ValueError(
                f"{name} holds label {arr[bad][0]} outside 0..{n_classes - 1} "
                f"(n_classes={n_classes})"
            )
    return arr


def check_n_classes(n_classes):
    """Return `n_classes` as a positive int, or raise ``ValueError``."""
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    return int(n_classes)


def check_same_length(a, b, name_a, name_b):
    """Raise ``ValueError`` unless `a` and `b` have the same number of rows."""
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same length, got {len(a)} and {len(b)}"
        )


def as_float_array(z, name="z"):
    """Return `z` as a float ndarray (float32 stays float32, ints become float64).

    Raises ``ValueError`` when `z` does not hold numbers.
    """
    arr = np.asarray(z)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def check_positive_int(value, name):
    """Return `value` as an int >= 1, or raise ``ValueError`` naming `name`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_rng(rng):
    """Return `rng` if it is a ``numpy.random.Generator``, else raise ``ValueError``."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy Generator such as np.random.default_rng(0), got {rng!r}"
        )
    return rng
