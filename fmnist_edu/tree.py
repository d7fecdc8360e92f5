"""Assignment 2: a decision tree from scratch that equals scikit-learn's.

The pieces, in the order of the course contract:

- :func:`gini`, :func:`entropy` -- impurity of a label array;
- :func:`information_gain` -- impurity decrease of one split;
- :func:`best_split` -- the exhaustive split search the students write;
- :class:`Node` -- one node of a fitted tree;
- :class:`DecisionTreeClassifier` -- the estimator, grown recursively
  (``_grow``) and read by traversal (``_traverse``).

How the estimator matches ``sklearn.tree.DecisionTreeClassifier``
-----------------------------------------------------------------
scikit-learn casts ``X`` to float32, so the estimator does too (in ``fit`` and
in ``predict``). At each node it considers, for every feature, the thresholds
halfway between consecutive sorted float32 values, computed in float64 as
``a / 2.0 + b / 2.0`` -- exactly :func:`best_split` run on ``X`` cast to
float32, except that, like scikit-learn, two values closer than 1e-7 count
as equal. Candidates are ranked by the same floating-point quantity as
scikit-learn's (its "proxy" ``-n_right * impurity_right - n_left *
impurity_left``, with the impurity computed in the same order of operations),
so near-ties resolve as they do in scikit-learn; exact ties go to the lower
feature index, then the lower threshold. scikit-learn visits features in a
random order and keeps the first of exactly tied candidates, so on ties its
trees depend on ``random_state``; everywhere else the two trees are equal.
"""

import numbers
import sys

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from fmnist_edu._validation import check_features, check_same_length

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    _sk_validate_data = None

_CRITERIA = ("gini", "entropy")
# scikit-learn's FEATURE_THRESHOLD: sorted float32 values closer than this tie
_FEATURE_THRESHOLD = np.float32(1e-7)
# gains this close are ties in best_split (course contract)
_GAIN_TOLERANCE = 1e-12
_LN2 = np.log(2.0)


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


def _check_criterion(criterion):
    if not isinstance(criterion, str) or criterion not in _CRITERIA:
        raise ValueError(f"criterion must be 'gini' or 'entropy', got {criterion!r}")
    return criterion


def _check_min_samples_leaf(min_samples_leaf):
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
    impurity = {"gini": gini, "entropy": entropy}[_check_criterion(criterion)]
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
    impurity = _IMPURITY_FROM_COUNTS[_check_criterion(criterion)]
    min_samples_leaf = _check_min_samples_leaf(min_samples_leaf)
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


class Node:
    """One node of a fitted :class:`DecisionTreeClassifier`.

    Parameters
    ----------
    feature : int or None
        Feature index tested at this node; None for a leaf.
    threshold : float or None
        Samples with ``x[feature] <= threshold`` go to `left`, the others to
        `right`; None for a leaf.
    left, right : Node or None
        The children; None for a leaf.
    majority_class : label or None
        The most frequent training class at this node (lowest class on ties):
        the prediction of a leaf.
    class_probs : ndarray of shape (n_classes,) or None
        Shares of the training samples at this node per class, in the order
        of the estimator's ``classes_``.
    """

    def __init__(self, feature=None, threshold=None, left=None, right=None,
                 majority_class=None, class_probs=None):
        self.feature = feature
        self.threshold = threshold
        self.left = left
        self.right = right
        self.majority_class = majority_class
        self.class_probs = class_probs

    def __repr__(self):
        if self.feature is None:
            return f"Node(majority_class={self.majority_class!r})"
        return (f"Node(feature={self.feature}, threshold={self.threshold!r}, "
                f"majority_class={self.majority_class!r})")


def _share_log2_share(share):
    """``share * log2(share)`` as scikit-learn computes it (0 where share is 0)."""
    return share * (np.log(np.where(share > 0, share, 1.0)) / _LN2)


class _FitData:
    """What `_grow` reads while fitting: the data prepared once per fit."""

    def __init__(self, X, y_index, classes, max_depth, min_samples_leaf, criterion):
        self.X_by_feature = np.ascontiguousarray(X.T)  # (n_features, n_samples) float32
        self.X_flat = self.X_by_feature.ravel()
        self.n_samples = X.shape[0]
        # X_flat[rows + row_offsets] gathers X_by_feature row by row
        self.row_offsets = (np.arange(X.shape[1]) * X.shape[0])[:, None]
        self.y_index = y_index.astype(np.intp)  # (n_samples,) in 0..n_classes-1
        self.n_classes = len(classes)
        self.class_labels = classes.tolist()  # plain Python labels for the nodes
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.criterion = criterion


class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    """Decision tree classifier grown greedily, equal to scikit-learn's.

    Parameters
    ----------
    criterion : {"gini", "entropy"}, default="gini"
        Impurity measured at each node (entropy in bits).
    max_depth : int or None, default=None
        Depth at which nodes become leaves (the root has depth 0); None means
        no limit.
    min_samples_leaf : int, default=1
        Fewest training samples a leaf may hold.

    Attributes
    ----------
    root_ : Node
        Root of the fitted tree.
    classes_ : ndarray of shape (n_classes,)
        The distinct training labels, sorted.
    n_classes_ : int
    n_features_in_ : int

    Notes
    -----
    A node becomes a leaf when it is pure, when `max_depth` is reached or when
    no split is allowed; otherwise it takes the best split even if its gain
    is 0, as scikit-learn does. `X` is cast to float32, as in scikit-learn;
    see the module docstring for how splits are ranked and ties broken.

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> tree = DecisionTreeClassifier(max_depth=1).fit(X, ["a", "a", "b", "b"])
    >>> tree.root_
    Node(feature=0, threshold=1.5, majority_class='a')
    >>> tree.predict([[0.5], [2.5]]).tolist()
    ['a', 'b']
    """

    def __init__(self, criterion="gini", max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def _check_params(self):
        criterion = _check_criterion(self.criterion)
        max_depth = self.max_depth
        if max_depth is not None and (
            isinstance(max_depth, bool) or not isinstance(max_depth, numbers.Integral)
            or max_depth < 1
        ):
            raise ValueError(f"max_depth must be None or an integer >= 1, got {max_depth!r}")
        min_samples_leaf = _check_min_samples_leaf(self.min_samples_leaf)
        return criterion, max_depth, min_samples_leaf

    def _check_input(self, X, y="no_validation", reset=False):
        """`X` as float32 (n_samples, n_features) (and `y`), checked as scikit-learn does."""
        if _sk_validate_data is not None:
            return _sk_validate_data(self, X, y, dtype=np.float32, reset=reset)
        return self._validate_data(X, y, dtype=np.float32, reset=reset)  # pragma: no cover

    def fit(self, X, y):
        """Grow the tree on training data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features (cast to float32).
        y : array-like of shape (n_samples,)
            Class labels (any values).

        Returns
        -------
        self : DecisionTreeClassifier
        """
        criterion, max_depth, min_samples_leaf = self._check_params()
        X, y = self._check_input(X, y, reset=True)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        self.n_classes_ = len(self.classes_)
        data = _FitData(X, y_index, self.classes_,
                        np.inf if max_depth is None else max_depth,
                        min_samples_leaf, criterion)
        # presort once: row f lists the samples in increasing order of feature f
        rows = np.argsort(data.X_by_feature, axis=1, kind="stable")
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, X.shape[0] + 200))
        try:
            self.root_ = self._grow(rows, 0, data)
        finally:
            sys.setrecursionlimit(limit)
        return self

    def _grow(self, rows, depth, data):
        """Build the subtree of the samples `rows` at `depth`, recursively.

        Parameters
        ----------
        rows : ndarray of shape (n_features, n_node_samples)
            The node's sample indices, row f sorted by feature f.
        depth : int
        data : _FitData

        Returns
        -------
        Node
        """
        n_node = rows.shape[1]
        counts = np.bincount(data.y_index[rows[0]], minlength=data.n_classes)
        node = Node(majority_class=data.class_labels[int(np.argmax(counts))],
                    class_probs=counts / n_node)
        if (depth >= data.max_depth or n_node < 2 * data.min_samples_leaf
                or np.count_nonzero(counts) <= 1):
            return node
        split = self._node_split(rows, counts, data)
        if split is None:
            return node
        node.feature, node.threshold, left_rows, right_rows = split
        node.left = self._grow(left_rows, depth + 1, data)
        node.right = self._grow(right_rows, depth + 1, data)
        return node

    def _node_split(self, rows, counts, data):
        """Best split of one node, vectorised over features and thresholds.

        Parameters
        ----------
        rows : ndarray of shape (n_features, n_node_samples)
            The node's sample indices, row f sorted by feature f.
        counts : ndarray of shape (n_classes,)
            The node's class counts.
        data : _FitData

        Returns
        -------
        tuple or None
            ``(feature, threshold, left_rows, right_rows)``, each child's rows
            still sorted per feature, or None when no split is allowed.
        """
        scores = self._split_scores(rows, counts, data)
        if scores is None:
            return None
        proxy, values, low = scores
        # first maximum in row-major order: lowest feature, then lowest threshold
        feature, cut = np.unravel_index(int(np.argmax(proxy)), proxy.shape)
        feature, n_left = int(feature), int(cut) + low
        return (feature, self._threshold(values, feature, n_left)
                ) + self._partition(rows, feature, n_left, data)

    @staticmethod
    def _split_scores(rows, counts, data):
        """Score every candidate split of one node as scikit-learn does.

        The candidates are those of :func:`best_split` on the float32 values
        (values within 1e-7 tie, as in scikit-learn), scored by
        scikit-learn's proxy ``-n_right * impurity_right - n_left *
        impurity_left`` computed with scikit-learn's floating-point
        operations, so that equal inputs give bit-equal scores.

        Returns
        -------
        tuple or None
            ``(proxy, values, low)``: proxy of shape (n_features, n_cuts),
            -inf where the cut is not a candidate, column j leaving
            ``low + j`` samples on the left; values, the node's sorted float32
            feature values (n_features, >= low + n_cuts); None when no cut
            is a candidate.
        """
        n_node = rows.shape[1]
        low, high = data.min_samples_leaf, n_node - data.min_samples_leaf  # left sizes
        values = data.X_flat[rows[:, : high + 1] + data.row_offsets]  # (n_features, high + 1)
        # a cut leaving p samples on the left is a candidate if values p-1, p differ
        candidate = values[:, low:] > values[:, low - 1 : high] + _FEATURE_THRESHOLD
        if not candidate.any():
            return None
        labels = data.y_index[rows[:, :high]]  # classes of the possible left samples
        n_l = np.arange(low, high + 1, dtype=np.float64)
        n_r = n_node - n_l
        if data.criterion == "gini":
            # sums of squared counts are exact integers, in any order
            sq_l = np.zeros(candidate.shape, dtype=np.int64)
            sq_r = np.zeros(candidate.shape, dtype=np.int64)
            for k in np.flatnonzero(counts):
                left = np.cumsum(labels == k, axis=1, dtype=np.int64)[:, low - 1 :]
                right = counts[k] - left
                sq_l += left * left
                sq_r += right * right
            impurity_l = 1.0 - sq_l / (n_l * n_l)
            impurity_r = 1.0 - sq_r / (n_r * n_r)
        else:
            impurity_l = np.zeros(candidate.shape)
            impurity_r = np.zeros(candidate.shape)
            for k in np.flatnonzero(counts):
                left = np.cumsum(labels == k, axis=1, dtype=np.int64)[:, low - 1 :]
                impurity_l -= _share_log2_share(left / n_l)
                impurity_r -= _share_log2_share((counts[k] - left) / n_r)
        proxy = -n_r * impurity_r - n_l * impurity_l
        proxy[~candidate] = -np.inf
        return proxy, values, low

    @staticmethod
    def _threshold(values, feature, n_left):
        """Halfway between the float32 values either side of the cut, in float64."""
        return float(np.float64(values[feature, n_left - 1]) / 2.0
                     + np.float64(values[feature, n_left]) / 2.0)

    @staticmethod
    def _partition(rows, feature, n_left, data):
        """Rows of the two children (each still sorted per feature)."""
        n_features, n_node = rows.shape
        goes_left = np.zeros(data.n_samples, dtype=bool)
        goes_left[rows[feature, :n_left]] = True
        mask = goes_left[rows]
        return (rows[mask].reshape(n_features, n_left),
                rows[~mask].reshape(n_features, n_node - n_left))

    def predict_proba(self, X):
        """Class probabilities: the training class shares of each sample's leaf.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        X = self._check_input(X)
        proba = np.empty((X.shape[0], self.n_classes_))
        self._traverse(self.root_, X, np.arange(X.shape[0]), proba)
        return proba

    def predict(self, X):
        """Predicted class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_`` (the lowest class on a tie).
        """
        proba = self.predict_proba(X)  # checks that the tree is fitted
        return self.classes_[np.argmax(proba, axis=1)]

    def _traverse(self, node, X, rows, proba):
        """Send the samples `rows` of `X` down from `node`, filling `proba`.

        Parameters
        ----------
        node : Node
        X : ndarray of shape (n_samples, n_features), float32
        rows : ndarray of shape (n_rows,)
            Indices of the samples that reach `node`.
        proba : ndarray of shape (n_samples, n_classes)
            Receives the leaf class shares of those samples.
        """
        if node.feature is None:
            proba[rows] = node.class_probs
            return
        goes_left = X[rows, node.feature] <= node.threshold
        for child, child_rows in ((node.left, rows[goes_left]), (node.right, rows[~goes_left])):
            if child_rows.size:
                self._traverse(child, X, child_rows, proba)
