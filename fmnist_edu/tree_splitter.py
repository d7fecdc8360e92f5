"""The decision tree's split search on presorted samples, as scikit-learn scores it.

:class:`~fmnist_edu.tree.DecisionTreeClassifier` grows its tree with these
pieces, and :mod:`fmnist_edu.tree_search` reuses them to replay scikit-learn's
trees:

- :class:`FitData` -- the training data, prepared once per fit;
- :func:`split_scores` -- the score of every candidate cut of one node;
- :func:`split_threshold` -- the threshold of a chosen cut;
- :func:`partition_rows` -- the samples of the two children.

A node is given by its ``rows``, an ndarray of shape (n_features,
n_node_samples) whose row f lists the node's samples in increasing order of
feature f; the children keep that order, so the data is sorted only once.

How the estimator matches ``sklearn.tree.DecisionTreeClassifier``
-----------------------------------------------------------------
scikit-learn casts ``X`` to float32, so the estimator does too (in ``fit`` and
in ``predict``). At each node it considers, for every feature, the thresholds
halfway between consecutive sorted float32 values, computed in float64 as
``a / 2.0 + b / 2.0`` -- exactly :func:`~fmnist_edu.splits.best_split` run on ``X`` cast to
float32, except that, like scikit-learn, two values closer than 1e-7 count
as equal. Candidates are ranked by the same floating-point quantity as
scikit-learn's (its "proxy" ``-n_right * impurity_right - n_left *
impurity_left``, with the impurity computed in the same order of operations),
so near-ties resolve as they do in scikit-learn; exact ties go to the lower
feature index, then the lower threshold. scikit-learn visits features in a
random order and keeps the first of exactly tied candidates, so on ties its
trees depend on ``random_state``; everywhere else the two trees are equal.
"""

import numpy as np

# scikit-learn's FEATURE_THRESHOLD: sorted float32 values closer than this tie
FEATURE_THRESHOLD = np.float32(1e-7)
_LN2 = np.log(2.0)


def _share_log2_share(share):
    """``share * log2(share)`` as scikit-learn computes it (0 where share is 0)."""
    return share * (np.log(np.where(share > 0, share, 1.0)) / _LN2)


class FitData:
    """The training data of one fit, prepared once for the split search.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float32
    y_index : ndarray of shape (n_samples,)
        Class indices in ``0..n_classes-1``.
    classes : ndarray of shape (n_classes,)
        The labels the indices stand for.
    max_depth : int, float or None
        Read by the estimator's growth, not by the split search.
    min_samples_leaf : int
    criterion : {"gini", "entropy"}

    Attributes
    ----------
    X_by_feature : ndarray of shape (n_features, n_samples), float32
        ``X.T``, contiguous.
    X_flat : ndarray of shape (n_features * n_samples,)
        ``X_by_feature`` flattened; ``X_flat[rows + row_offsets]`` gathers
        the values of `rows` (n_features, k) feature by feature.
    row_offsets : ndarray of shape (n_features, 1)
    n_samples, n_classes : int
    y_index : ndarray of shape (n_samples,), intp
    class_labels : list
        `classes` as plain Python values, for the nodes.
    max_depth, min_samples_leaf, criterion
        As given.
    """

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

    def __repr__(self):
        n_features = self.X_by_feature.shape[0]
        return (f"FitData(n_samples={self.n_samples}, n_features={n_features}, "
                f"n_classes={self.n_classes}, criterion={self.criterion!r})")

    def presorted_rows(self):
        """The root's rows: row f lists all samples in increasing order of feature f.

        Returns
        -------
        ndarray of shape (n_features, n_samples)
        """
        return np.argsort(self.X_by_feature, axis=1, kind="stable")


def split_scores(rows, counts, data):
    """Score every candidate split of one node as scikit-learn does.

    The candidates are those of :func:`~fmnist_edu.splits.best_split` on the float32 values
    (values within 1e-7 tie, as in scikit-learn), scored by
    scikit-learn's proxy ``-n_right * impurity_right - n_left *
    impurity_left`` computed with scikit-learn's floating-point
    operations, so that equal inputs give bit-equal scores.

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
    candidate = values[:, low:] > values[:, low - 1 : high] + FEATURE_THRESHOLD
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

def split_threshold(values, feature, n_left):
    """Threshold of a cut: halfway between the float32 values either side, in float64.

    Parameters
    ----------
    values : ndarray of shape (n_features, n_values), float32
        The node's sorted feature values, as :func:`split_scores` returns them.
    feature : int
    n_left : int
        Samples the cut leaves on the left.

    Returns
    -------
    float
    """
    return float(np.float64(values[feature, n_left - 1]) / 2.0
                 + np.float64(values[feature, n_left]) / 2.0)


def partition_rows(rows, feature, n_left, data):
    """Rows of the two children of a cut, each still sorted per feature.

    Parameters
    ----------
    rows : ndarray of shape (n_features, n_node_samples)
        The node's sample indices, row f sorted by feature f.
    feature : int
    n_left : int
        The cut sends the first `n_left` samples of ``rows[feature]`` left.
    data : FitData

    Returns
    -------
    left_rows : ndarray of shape (n_features, n_left)
    right_rows : ndarray of shape (n_features, n_node_samples - n_left)
    """
    n_features, n_node = rows.shape
    goes_left = np.zeros(data.n_samples, dtype=bool)
    goes_left[rows[feature, :n_left]] = True
    mask = goes_left[rows]
    return (rows[mask].reshape(n_features, n_left),
            rows[~mask].reshape(n_features, n_node - n_left))
