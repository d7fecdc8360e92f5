"""Textbook answers that make the calls a correct answer makes, for the isolation tables.

The reference tree splits its nodes vectorised and never calls
``best_split``; a student's tree does, at every node. The reference's
``precision_recall_f1`` checks its inputs before it calls
``confusion_matrix``; a student's may call it first. So that a bug in the
student's ``best_split`` costs ``best_split`` only, the table of a tree case
also holds the calls a textbook tree makes on the case's inputs
(:func:`autograder.verdict.isolation.isolation_table` runs the case's recipe with
each answer here, the references standing in for the other pieces).

Each answer is correct and plain (a student's style, not a fast one): it
calls the other pieces through ``fmnist_edu``'s attributes, which the table's
recorder patches, with the arguments a correct answer passes. Its calls are
on the case's own inputs only, and bounded as the reference's are.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class _Node:
    def __init__(self, feature=None, threshold=None, left=None, right=None, majority_class=None,
                 class_probs=None):
        self.feature, self.threshold, self.left, self.right = feature, threshold, left, right
        self.majority_class, self.class_probs = majority_class, class_probs


class TextbookTree(ClassifierMixin, BaseEstimator):
    """The recursive tree of the course's notebook: ``best_split`` at every node, boolean masks.

    It calls ``best_split`` even where a correct answer may stop first (a
    pure node, the depth limit): the table then holds those calls too.
    """

    def __init__(self, criterion="gini", max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        self.classes_ = np.unique(y)
        self.root_ = self._grow(X, y, 0)
        return self

    def _grow(self, X, y, depth):
        import fmnist_edu

        counts = np.array([np.sum(y == c) for c in self.classes_])
        node = _Node(majority_class=self.classes_[np.argmax(counts)], class_probs=counts / len(y))
        feature, threshold, _ = fmnist_edu.best_split(X, y, self.criterion, self.min_samples_leaf)
        if (feature is None or len(np.unique(y)) == 1
                or (self.max_depth is not None and depth >= self.max_depth)):
            return node
        left = X[:, feature] <= threshold
        node.feature, node.threshold = feature, threshold
        node.left = self._grow(X[left], y[left], depth + 1)
        node.right = self._grow(X[~left], y[~left], depth + 1)
        return node

    def predict_proba(self, X):
        out = []
        for x in np.asarray(X, dtype=float):
            node = self.root_
            while node.feature is not None:
                node = node.left if x[node.feature] <= node.threshold else node.right
            out.append(node.class_probs)
        return np.array(out)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def textbook_best_split(X, y, criterion="gini", min_samples_leaf=1):
    """Every candidate split's ``information_gain``, children in the original and in sorted order.

    A loop answer keeps the rows in their order (``y[X[:, f] <= t]``); a
    sorting answer takes the children from the sorted labels. Both call
    ``information_gain(y, y_left, y_right, criterion)``; the reference's
    ``information_gain`` calls ``gini`` or ``entropy`` on each, recorded too.
    """
    import fmnist_edu

    X, y = np.asarray(X, dtype=float), np.asarray(y)
    best = (None, None, 0.0)
    for feature in range(X.shape[1]):
        order = np.argsort(X[:, feature], kind="stable")
        values = X[order, feature]
        for k in range(1, len(values)):
            if values[k] == values[k - 1]:
                continue
            threshold = (values[k - 1] + values[k]) / 2
            left = X[:, feature] <= threshold
            if min(k, len(y) - k) < min_samples_leaf:
                continue
            gain = fmnist_edu.information_gain(y, y[left], y[~left], criterion)
            fmnist_edu.information_gain(y, y[order[:k]], y[order[k:]], criterion)
            if best[0] is None or gain > best[2] + 1e-12:
                best = (feature, threshold, gain)
    return best


def textbook_n_components_for(eigenvalues, threshold):
    """Cumulative shares from ``explained_variance_ratio``."""
    import fmnist_edu

    ratios = fmnist_edu.explained_variance_ratio(eigenvalues)
    return int(np.searchsorted(np.cumsum(ratios), threshold) + 1)


def textbook_information_gain(y, y_left, y_right, criterion="gini"):
    """The impurity of the parent and of each child, before any check of their sizes."""
    import fmnist_edu

    impurity = fmnist_edu.entropy if criterion == "entropy" else fmnist_edu.gini
    return impurity(y) - (impurity(y_left) + impurity(y_right))


def textbook_precision_recall_f1(y_true, y_pred, n_classes):
    """The confusion matrix first, before any check of the inputs.

    The reference checks the lengths before it calls ``confusion_matrix``; an
    answer that does not gets its own ``confusion_matrix`` (and the error it
    raises) otherwise.
    """
    import fmnist_edu

    return fmnist_edu.confusion_matrix(y_true, y_pred, n_classes)


_PATTERNS = {"DecisionTreeClassifier": [TextbookTree], "best_split": [textbook_best_split],
             "information_gain": [textbook_information_gain],
             "n_components_for": [textbook_n_components_for],
             "precision_recall_f1": [textbook_precision_recall_f1]}


def patterns(piece):
    """The textbook answers whose calls go into `piece`'s isolation tables (often none)."""
    return list(_PATTERNS.get(piece, []))
