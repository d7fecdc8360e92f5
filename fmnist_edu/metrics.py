"""Assignment 5: accuracy, confusion matrix and per-class precision, recall, F1."""

import numpy as np

from fmnist_edu._validation import check_labels, check_n_classes, check_same_length


def _check_pair(y_true, y_pred, n_classes=None):
    """Validate a pair of label arrays of equal, non-zero length."""
    y_true = check_labels(y_true, n_classes=n_classes, name="y_true")
    y_pred = check_labels(y_pred, n_classes=n_classes, name="y_pred")
    check_same_length(y_true, y_pred, "y_true", "y_pred")
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """Share of predictions equal to the true label.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True integer labels.
    y_pred : array-like of shape (n_samples,)
        Predicted integer labels.

    Returns
    -------
    accuracy : float
        In [0, 1].

    Raises
    ------
    ValueError
        If either is empty, not 1-D or not integer, or their lengths differ.

    Examples
    --------
    >>> accuracy([0, 1, 2, 2], [0, 1, 1, 2])
    0.75
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, n_classes):
    """Count each (true class, predicted class) pair.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels in 0..n_classes-1.
    y_pred : array-like of shape (n_samples,)
        Predicted labels in 0..n_classes-1.
    n_classes : int
        Number of classes K.

    Returns
    -------
    matrix : ndarray of shape (n_classes, n_classes), int64
        ``matrix[i, j]`` counts samples of true class i predicted as j
        (rows: true class, columns: predicted class).

    Raises
    ------
    ValueError
        If either is empty, not 1-D, not integer, holds a label outside
        0..n_classes-1, or their lengths differ.

    Examples
    --------
    >>> confusion_matrix([0, 1, 2, 2], [0, 1, 1, 2], 3)
    array([[1, 0, 0],
           [0, 1, 0],
           [0, 1, 1]])
    """
    n_classes = check_n_classes(n_classes)
    y_true, y_pred = _check_pair(y_true, y_pred, n_classes)
    counts = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes).astype(np.int64)


def precision_recall_f1(y_true, y_pred, n_classes):
    """Per-class precision, recall and F1 score.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels in 0..n_classes-1.
    y_pred : array-like of shape (n_samples,)
        Predicted labels in 0..n_classes-1.
    n_classes : int
        Number of classes K.

    Returns
    -------
    precision : ndarray of shape (n_classes,)
        TP / (TP + FP): of the samples predicted as the class, the share
        that belongs to it; 0.0 for a class never predicted.
    recall : ndarray of shape (n_classes,)
        TP / (TP + FN): of the samples of the class, the share found;
        0.0 for a class never present.
    f1 : ndarray of shape (n_classes,)
        Harmonic mean 2 TP / (2 TP + FP + FN); 0.0 when precision and
        recall are both 0 or undefined. These are scikit-learn's values
        with ``zero_division=0``.

    Raises
    ------
    ValueError
        As :func:`confusion_matrix`.

    Examples
    --------
    >>> p, r, f = precision_recall_f1([0, 0, 1, 1], [0, 1, 1, 1], 3)
    >>> p.round(3), r.round(3), f.round(3)
    (array([1.   , 0.667, 0.   ]), array([0.5, 1. , 0. ]), array([0.667, 0.8  , 0.   ]))
    """
    matrix = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0)
    present = matrix.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, present, out=np.zeros_like(tp), where=present > 0)
    denominator = predicted + present  # = 2 TP + FP + FN
    f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
    return precision, recall, f1
