"""Assignment 2: a decision tree from scratch that equals scikit-learn's.

- :class:`Node` -- one node of a fitted tree;
- :class:`DecisionTreeClassifier` -- the estimator, grown recursively
  (``_grow``) and read by traversal (``_traverse``).

The functions the students write first -- :func:`gini`, :func:`entropy`,
:func:`information_gain` and :func:`best_split` -- live in
:mod:`fmnist_edu.splits` and are importable from here too. The estimator
searches the splits of a node with :mod:`fmnist_edu.tree_splitter`, which
ranks them exactly as ``sklearn.tree.DecisionTreeClassifier`` does, so that
the two trees are equal wherever scikit-learn's does not depend on its
``random_state`` (see that module's docstring).
"""

import numbers
import sys

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from fmnist_edu.splits import (
    best_split,
    check_criterion,
    check_min_samples_leaf,
    entropy,
    gini,
    information_gain,
)
from fmnist_edu.tree_splitter import FitData, partition_rows, split_scores, split_threshold

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    _sk_validate_data = None

# gini, entropy, information_gain and best_split are re-exported: the course
# contract and the autograder import them from fmnist_edu.tree
__all__ = [
    "gini",
    "entropy",
    "information_gain",
    "best_split",
    "Node",
    "DecisionTreeClassifier",
]


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
    see :mod:`fmnist_edu.tree_splitter` for how splits are ranked and ties
    broken.

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
        criterion = check_criterion(self.criterion)
        max_depth = self.max_depth
        if max_depth is not None and (
            isinstance(max_depth, bool) or not isinstance(max_depth, numbers.Integral)
            or max_depth < 1
        ):
            raise ValueError(f"max_depth must be None or an integer >= 1, got {max_depth!r}")
        min_samples_leaf = check_min_samples_leaf(self.min_samples_leaf)
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
        data = FitData(X, y_index, self.classes_,
                        np.inf if max_depth is None else max_depth,
                        min_samples_leaf, criterion)
        rows = data.presorted_rows()  # sorted once; the children keep the order
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
        data : FitData

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
        data : FitData

        Returns
        -------
        tuple or None
            ``(feature, threshold, left_rows, right_rows)``, each child's rows
            still sorted per feature, or None when no split is allowed.
        """
        scores = split_scores(rows, counts, data)
        if scores is None:
            return None
        proxy, values, low = scores
        # first maximum in row-major order: lowest feature, then lowest threshold
        feature, cut = np.unravel_index(int(np.argmax(proxy)), proxy.shape)
        feature, n_left = int(feature), int(cut) + low
        return (feature, split_threshold(values, feature, n_left)
                ) + partition_rows(rows, feature, n_left, data)

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
