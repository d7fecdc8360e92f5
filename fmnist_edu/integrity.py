"""Assignment 1: the class balance and integrity checks of a data set."""

import numpy as np

from fmnist_edu._validation import check_features, check_labels, check_n_classes, check_same_length

PIXEL_MIN = 0
PIXEL_MAX = 255


def class_distribution(y, n_classes):
    """Share of each class among the labels.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Integer labels in 0..n_classes-1.
    n_classes : int
        Number of classes K.

    Returns
    -------
    shares : ndarray of shape (n_classes,), float64
        ``shares[k]`` is the fraction of samples with label k; they sum to 1.
        A class that never occurs gets 0.0.

    Raises
    ------
    ValueError
        If `y` is empty, not 1-D, holds a non-integer or a label outside
        0..n_classes-1.

    Examples
    --------
    >>> class_distribution([0, 2, 2, 1], 4)
    array([0.25, 0.25, 0.5 , 0.  ])
    """
    n_classes = check_n_classes(n_classes)
    labels = check_labels(y, n_classes=n_classes)
    return np.bincount(labels, minlength=n_classes) / labels.size


def integrity_report(X, y, n_classes):
    """Count the entries of a pixel data set that cannot be trusted.

    Nothing is raised for bad values: they are counted, so the report can be
    read before deciding what to do about them.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Pixel values, expected to be integers 0..255; NaN marks a missing
        value.
    y : array-like of shape (n_samples,)
        Labels, expected to be integers 0..n_classes-1; may be float and hold
        NaN or fractions, which are counted as bad labels.
    n_classes : int
        Number of classes K.

    Returns
    -------
    report : dict of str to int
        ``missing``: NaN entries of `X`;
        ``non_integer``: finite entries of `X` with a fractional part;
        ``out_of_range``: non-NaN entries of `X` below 0 or above 255,
        infinities included;
        ``bad_labels``: entries of `y` that are not integers in 0..n_classes-1.
        An entry such as 300.5 counts under both ``non_integer`` and
        ``out_of_range``.

    Raises
    ------
    ValueError
        If `X` is not 2-D or not numeric, `y` is not 1-D or not numeric,
        their lengths differ, or `n_classes` is not a positive integer.

    Examples
    --------
    >>> X = [[0, 255, float("nan")], [1.5, -3, float("inf")]]
    >>> integrity_report(X, [0, 7], n_classes=5)
    {'missing': 1, 'non_integer': 1, 'out_of_range': 2, 'bad_labels': 1}
    """
    n_classes = check_n_classes(n_classes)
    values = check_features(X, allow_nan=True, min_samples=0)
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValueError(f"y must be 1-D of shape (n_samples,), got shape {labels.shape}")
    if not (np.issubdtype(labels.dtype, np.integer) or np.issubdtype(labels.dtype, np.floating)):
        raise ValueError(f"y must hold real numbers, got dtype {labels.dtype}")
    check_same_length(values, labels, "X", "y")

    nan = np.isnan(values)
    finite = np.isfinite(values)
    with np.errstate(invalid="ignore"):
        non_integer = finite & (values != np.floor(values))
        out_of_range = ~nan & ((values < PIXEL_MIN) | (values > PIXEL_MAX))

    if np.issubdtype(labels.dtype, np.integer):
        good = (labels >= 0) & (labels < n_classes)
    else:
        with np.errstate(invalid="ignore"):
            good = np.isfinite(labels) & (labels == np.floor(labels))
            good &= (labels >= 0) & (labels < n_classes)
    return {
        "missing": int(nan.sum()),
        "non_integer": int(non_integer.sum()),
        "out_of_range": int(out_of_range.sum()),
        "bad_labels": int(labels.size - good.sum()),
    }
