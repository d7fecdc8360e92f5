"""Assignment 2: impurity and the exhaustive split search.

The functions the students write before the tree itself, in the order of the
course contract:

- :func:`gini`, :func:`entropy` -- impurity of a label array;
- :func:`information_gain` -- impurity decrease of one split;
- :func:`best_split` -- the best single split of a data set, by trying every
  feature and threshold.

:func:`check_criterion` and :func:`check_min_samples_leaf` validate the
parameters these functions share with the estimator
(:class:`~fmnist_edu.tree.DecisionTreeClassifier`) and its grid search.
"""

import numbers

import numpy as np

from fmnist_edu._validation import check_features, check_same_length

CRITERIA = ("gini", "entropy")
# gains this close are ties in best_split (course contract)
_GAIN_TOLERANCE = 1e-12


def _class_counts(y):
    """Counts of each distinct label of a 1-D array (empty for an empty one)."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D of shape (n_samples,), got shape {y.shape}")
    if y.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique(y, return_counts=True)[1]


def _gini_from_counts(counts, n):
    """Gini impurity ``1 - sum_k (count_k / n)**2`` along the last axis."""
    share = counts / n
    return 1.0 - np.sum(share * share, axis=-1)


def _entropy_from_counts(counts, n):
    """Entropy in bits ``-sum_k p_k log2 p_k`` along the last axis (0 log 0 = 0)."""
    share = counts / n
    safe = np.where(share > 0, share, 1.0)
    return -np.sum(share * np.log2(safe), axis=-1) + 0.0  # + 0.0 turns -0.0 into 0.0


_IMPURITY_FROM_COUNTS = {"gini": _gini_from_counts, "entropy": _entropy_from_counts}


def check_criterion(criterion):
    """Return `criterion` if it is "gini" or "entropy", else raise ``ValueError``."""
    if not isinstance(criterion, str) or criterion not in CRITERIA:
        raise ValueError(f"criterion must be 'gini' or 'entropy', got {criterion!r}")
    return criterion


def check_min_samples_leaf(min_samples_leaf):
    """Return `min_samples_leaf` as an int >= 1, else raise ``ValueError``."""
    if (
        isinstance(min_samples_leaf, bool)
        or not isinstance(min_samples_leaf, numbers.Integral)
        or min_samples_leaf < 1
    ):
        raise ValueError(f"min_samples_leaf must be an integer >= 1, got {min_samples_leaf!r}")
    return int(min_samples_leaf)


def gini(y):
    """Gini impurity of a label array.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels (any values).

    Returns
    -------
    float
        ``1 - sum_k p_k**2`` over the class shares ``p_k``; 0.0 for an empty
        array.

    Examples
    --------
    >>> gini([0, 0, 1, 1])
    0.5
    >>> gini([])
    0.0
    """
    counts = _class_counts(y)
    if counts.size == 0:
        return 0.0
    return float(_gini_from_counts(counts, counts.sum()))


def entropy(y):
    """Entropy of a label array, in bits.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels (any values).

    Returns
    -------
    float
        ``-sum_k p_k log2(p_k)`` over the class shares ``p_k``; 0.0 for an
        empty array.

    Examples
    --------
    >>> entropy([0, 1, 2, 3])
    2.0
    >>> entropy([5, 5])
    0.0
    """
    counts = _class_counts(y)
    if counts.size == 0:
        return 0.0
    return float(_entropy_from_counts(counts, counts.sum()))


def information_gain(y, y_left, y_right, criterion="gini"):
    """Impurity decrease when `y` is split into `y_left` and `y_right`.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels of the parent node.
    y_left, y_right : array-like of shape (n_left,) and (n_right,)
        Labels of the two children, ``n_left + n_right == n_samples``.
    criterion : {"gini", "entropy"}, default="gini"

    Returns
    -------
    float
        ``impurity(y) - (n_left / n * impurity(y_left) + n_right / n *
        impurity(y_right))``; 0.0 when `y` is empty.

    Examples
    --------
    >>> information_gain([0, 0, 1, 1], [0, 0], [1, 1])
    0.5
    >>> information_gain([0, 0, 1, 1], [0, 1], [0, 1], criterion="entropy")
    0.0
    """
    impurity = {"gini": gini, "entropy": entropy}[check_criterion(criterion)]
    n, n_left, n_right = len(np.asarray(y)), len(np.asarray(y_left)), len(np.asarray(y_right))
    if n_left + n_right != n:
        raise ValueError(
            f"y_left and y_right must together hold the {n} labels of y, "
            f"got {n_left} + {n_right}"
        )
    if n == 0:
        return 0.0
    return impurity(y) - (n_left / n * impurity(y_left) + n_right / n * impurity(y_right))


def best_split(X, y, criterion="gini", min_samples_leaf=1):
    """Best single split of `X` for labels `y`, by exhaustive search.

    Every feature and every threshold halfway between two consecutive distinct
    sorted values of that feature (``a / 2 + b / 2``, in float64) is tried;
    samples with ``X[:, feature] <= threshold`` go left. A split must leave at
    least `min_samples_leaf` samples on each side.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Class labels (any values).
    criterion : {"gini", "entropy"}, default="gini"
    min_samples_leaf : int, default=1

    Returns
    -------
    feature : int or None
    threshold : float or None
    gain : float
        The :func:`information_gain` of the split. Ties (gains within 1e-12)
        go to the lower feature index, then the lower threshold.
        ``(None, None, 0.0)`` when no split is allowed.

    Examples
    --------
    >>> best_split([[1.0, 5.0], [2.0, 5.0], [3.0, 6.0]], [0, 0, 1])
    (0, 2.5, 0.4444444444444444)
    """
    impurity = _IMPURITY_FROM_COUNTS[check_criterion(criterion)]
    min_samples_leaf = check_min_samples_leaf(min_samples_leaf)
    X = check_features(X)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D of shape (n_samples,), got shape {y.shape}")
    check_same_length(X, y, "X", "y")
    classes, y_index = np.unique(y, return_inverse=True)
    n_samples = len(y)
    one_hot = np.eye(len(classes))[y_index]
    total = one_hot.sum(axis=0)
    parent_impurity = impurity(total, n_samples)

    n_left = np.arange(1, n_samples)  # left size of a cut after sorted position i
    allowed = (n_left >= min_samples_leaf) & (n_samples - n_left >= min_samples_leaf)
    per_feature = []  # (feature, thresholds, gains) of every allowed candidate
    for feature in range(X.shape[1]):
        order = np.argsort(X[:, feature], kind="stable")
        values = X[order, feature]
        candidate = allowed & (values[1:] > values[:-1])
        if not candidate.any():
            continue
        low, high = values[:-1][candidate], values[1:][candidate]
        thresholds = low / 2.0 + high / 2.0
        # adjacent floats: the halfway point rounds onto `high`; keep it right
        thresholds = np.where(thresholds == high, low, thresholds)
        left = np.cumsum(one_hot[order], axis=0)[:-1][candidate]
        n_l = n_left[candidate]
        n_r = n_samples - n_l
        gains = parent_impurity - (
            n_l / n_samples * impurity(left, n_l[:, None])
            + n_r / n_samples * impurity(total - left, n_r[:, None])
        )
        per_feature.append((feature, thresholds, gains))
    if not per_feature:
        return None, None, 0.0
    top = max(gains.max() for _, _, gains in per_feature)
    for feature, thresholds, gains in per_feature:  # lowest feature first
        tied = gains >= top - _GAIN_TOLERANCE
        if tied.any():
            i = int(np.argmax(tied))  # lowest threshold among the tied
            return feature, float(thresholds[i]), float(gains[i])
