"""Replaying scikit-learn's tree exactly, ties included, from cached split scores.

scikit-learn's ``DecisionTreeClassifier(random_state=...)`` visits the features
of each node in an order drawn from its own random generator, and among tied
splits keeps the first it met. :func:`fold_accuracies_as_sklearn` replays those
draws (:class:`_SklearnFeatureDraws`) over split scores computed once per node
and feature (:class:`_CachedNode`), so that the grid search of
:mod:`fmnist_edu.tree_search` with ``random_state`` equals ``GridSearchCV``
over scikit-learn's tree, fold score for fold score.
"""

import sys

import numpy as np

from fmnist_edu.tree_splitter import (
    FEATURE_THRESHOLD,
    FitData,
    partition_rows,
    split_scores,
    split_threshold,
)

_RAND_R_MAX = 0x7FFFFFFF  # scikit-learn's RAND_R_MAX


class _SklearnFeatureDraws:
    """scikit-learn's order of visiting features, as its tree with `random_state` draws it.

    scikit-learn's ``BestSplitter`` seeds a 32-bit xorshift generator
    (``our_rand_r``) with ``RandomState(random_state).randint(0, RAND_R_MAX)``
    and, at every node it tries to split, visits the features in a
    Fisher-Yates order drawn from it, skipping features found constant (at
    this node or an ancestor), and keeps the first feature whose best proxy is
    strictly greater. The ``features`` permutation carries over from node to
    node in depth-first, left-first order. This class replays all of that.
    """

    def __init__(self, random_state, n_features):
        self.seed = int(np.random.RandomState(random_state).randint(0, _RAND_R_MAX))
        self.features = list(range(n_features))
        self.constant_features = list(range(n_features))

    def _rand_int(self, low, high):
        seed = self.seed or 1
        seed ^= (seed << 13) & 0xFFFFFFFF
        seed ^= seed >> 17
        seed ^= (seed << 5) & 0xFFFFFFFF
        self.seed = seed
        return low + (seed % (_RAND_R_MAX + 1)) % (high - low)

    def choose(self, best_proxy, constant, n_known_constants):
        """Replay ``node_split_best``'s feature loop at one node.

        Parameters
        ----------
        best_proxy : sequence of float, length n_features
            Each feature's best proxy (-inf when it has no candidate).
        constant : sequence of bool, length n_features
        n_known_constants : int
            Constant features found by the ancestors.

        Returns
        -------
        (feature or None, n_constant_features for the children)
        """
        features, n_features = self.features, len(self.features)
        f_i, n_visited, n_drawn, n_found = n_features, 0, 0, 0
        n_total = n_known_constants
        chosen, best = None, -np.inf
        while f_i > n_total and (n_visited < n_features or n_visited <= n_found + n_drawn):
            n_visited += 1
            f_j = self._rand_int(n_drawn, f_i - n_found)
            if f_j < n_known_constants:
                features[n_drawn], features[f_j] = features[f_j], features[n_drawn]
                n_drawn += 1
                continue
            f_j += n_found
            feature = features[f_j]
            if constant[feature]:
                features[f_j], features[n_total] = features[n_total], features[f_j]
                n_found += 1
                n_total += 1
                continue
            f_i -= 1
            features[f_i], features[f_j] = features[f_j], features[f_i]
            if best_proxy[feature] > best:
                chosen, best = feature, best_proxy[feature]
        features[:n_known_constants] = self.constant_features[:n_known_constants]
        self.constant_features[n_known_constants:n_total] = features[n_known_constants:n_total]
        return chosen, n_total


class _CachedNode:
    """A node's samples and, once asked, its split scores and children per feature."""

    def __init__(self, rows, data):
        self.rows = rows  # (n_features, n_node_samples), row f sorted by feature f
        self.counts = np.bincount(data.y_index[rows[0]], minlength=data.n_classes)
        self.majority = int(np.argmax(self.counts))
        self.scores = None
        self.children = {}

    def split_scores(self, data):
        """(best proxy per feature, its cut, constant per feature, sorted values)."""
        if self.scores is None:
            first = data.X_flat[self.rows[:, 0] + data.row_offsets[:, 0]]
            last = data.X_flat[self.rows[:, -1] + data.row_offsets[:, 0]]
            constant = (last <= first + FEATURE_THRESHOLD).tolist()
            scores = split_scores(self.rows, self.counts, data)
            if scores is None:
                best = [-np.inf] * self.rows.shape[0]
                self.scores = (best, None, constant, None, None)
            else:
                proxy, values, low = scores
                cut = np.argmax(proxy, axis=1)
                best = proxy[np.arange(proxy.shape[0]), cut].tolist()
                self.scores = (best, cut + low, constant, values, low)
        return self.scores

    def child_nodes(self, feature, data):
        if feature not in self.children:
            n_left = int(self.split_scores(data)[1][feature])
            left, right = partition_rows(self.rows, feature, n_left, data)
            self.children[feature] = (_CachedNode(left, data), _CachedNode(right, data))
        return self.children[feature]


def _sklearn_walk(node, depth, n_known_constants, test_rows, X_test, max_depth, data,
                  draws, predicted):
    """Grow (from the cache) and read scikit-learn's tree of depth `max_depth`.

    Visits the nodes in scikit-learn's order so the feature draws match, and
    writes the class index predicted for each test sample into `predicted`.
    """
    n_node = node.rows.shape[1]
    if (depth >= max_depth or n_node < 2 * data.min_samples_leaf
            or np.count_nonzero(node.counts) <= 1):
        predicted[test_rows] = node.majority
        return
    best, n_left, constant, values, _ = node.split_scores(data)
    feature, n_constant = draws.choose(best, constant, n_known_constants)
    if feature is None:
        predicted[test_rows] = node.majority
        return
    threshold = split_threshold(values, feature, int(n_left[feature]))
    left, right = node.child_nodes(feature, data)
    goes_left = X_test[test_rows, feature] <= threshold
    _sklearn_walk(left, depth + 1, n_constant, test_rows[goes_left], X_test, max_depth, data,
                  draws, predicted)
    _sklearn_walk(right, depth + 1, n_constant, test_rows[~goes_left], X_test, max_depth, data,
                  draws, predicted)


def fold_accuracies_as_sklearn(X, y_index, train, test, criterion, min_samples_leaf,
                                max_depths, random_state):
    """Validation accuracies of scikit-learn's trees (with `random_state`), one per depth.

    The split scores of a node do not depend on max_depth, so they are
    computed once and cached; only the feature draws are replayed per depth.
    """
    X_train = X[train].astype(np.float32)
    classes, y_train = np.unique(y_index[train], return_inverse=True)
    data = FitData(X_train, y_train, classes, None, min_samples_leaf, criterion)
    root = _CachedNode(data.presorted_rows(), data)
    X_test = X[test].astype(np.float32)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * max(max_depths) + 1000))
    accuracies = []
    try:
        for max_depth in max_depths:
            predicted = np.empty(len(test), dtype=np.intp)
            draws = _SklearnFeatureDraws(random_state, X.shape[1])
            _sklearn_walk(root, 0, 0, np.arange(len(test)), X_test, max_depth, data, draws,
                          predicted)
            accuracies.append(np.mean(classes[predicted] == y_index[test]))
    finally:
        sys.setrecursionlimit(limit)
    return np.array(accuracies)
