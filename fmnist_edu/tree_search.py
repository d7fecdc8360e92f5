"""The study's grid search of the decision tree, fast and through scikit-learn.

The study picks ``criterion``, ``max_depth`` and ``min_samples_leaf`` by
5-fold cross-validated accuracy over max_depth 1..20, min_samples_leaf 1..30
and both criteria: 6,000 fits with ``sklearn.model_selection.GridSearchCV``.

:func:`grid_search_tree` gets the same numbers from 300 fits. A greedy tree
grown to depth 20 holds the tree of every smaller ``max_depth`` as its prefix
(a node's split does not depend on ``max_depth``; the tree of depth d just
stops there), so one fit per (criterion, min_samples_leaf, fold) predicts for
all 20 depths: each validation sample takes the majority class of the node it
reaches at depth d, or of its leaf if that comes first.

:func:`sklearn_grid_search` runs ``GridSearchCV`` itself (with our
:class:`~fmnist_edu.tree.DecisionTreeClassifier` or scikit-learn's) and
returns the same kind of result, for comparison.

Both return a dict:

``best_params``
    ``{"criterion", "max_depth", "min_samples_leaf"}`` of the best mean CV
    accuracy; ties go to the first in ``GridSearchCV``'s order (criterion,
    then max_depth, then min_samples_leaf, each as given), as ``GridSearchCV``
    breaks them.
``best_score``
    That mean CV accuracy.
``mean_test_score``
    ndarray of shape (n_criteria, n_max_depths, n_min_samples_leafs): mean CV
    accuracy; ``mean_test_score.ravel()`` is ``GridSearchCV``'s
    ``cv_results_["mean_test_score"]``.
``split_test_scores``
    ndarray of shape (n_criteria, n_max_depths, n_min_samples_leafs, n_splits):
    the accuracy on each validation fold.
``criteria``, ``max_depths``, ``min_samples_leafs``
    The grid axes, as lists.
"""

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, check_cv
from sklearn.utils.validation import check_X_y

from fmnist_edu.progress import Progress
from fmnist_edu.splits import check_criterion, check_min_samples_leaf
from fmnist_edu.tree import DecisionTreeClassifier
from fmnist_edu.tree_replay import fold_accuracies_as_sklearn

def _check_grid(max_depths, min_samples_leafs, criteria):
    max_depths = [int(d) for d in max_depths]
    if not max_depths or min(max_depths) < 1:
        raise ValueError(f"max_depths must be a non-empty list of integers >= 1, got {max_depths}")
    min_samples_leafs = [check_min_samples_leaf(m) for m in min_samples_leafs]
    if not min_samples_leafs:
        raise ValueError("min_samples_leafs must not be empty")
    if isinstance(criteria, str):
        raise ValueError(f"criteria must be a list of criteria, got the string {criteria!r}")
    criteria = [check_criterion(c) for c in criteria]
    if not criteria:
        raise ValueError("criteria must not be empty")
    return max_depths, min_samples_leafs, criteria

def _result(mean_scores, fold_scores, max_depths, min_samples_leafs, criteria):
    """The result dict; the best is the first maximum in GridSearchCV's order."""
    best = np.unravel_index(int(np.argmax(mean_scores)), mean_scores.shape)
    return {
        "best_params": {
            "criterion": criteria[best[0]],
            "max_depth": max_depths[best[1]],
            "min_samples_leaf": min_samples_leafs[best[2]],
        },
        "best_score": float(mean_scores[best]),
        "mean_test_score": mean_scores,
        "split_test_scores": fold_scores,
        "criteria": list(criteria),
        "max_depths": list(max_depths),
        "min_samples_leafs": list(min_samples_leafs),
    }

def _majority_by_depth(node, X, rows, depth, out):
    """Fill ``out[rows, d]``: class index predicted by the tree cut at depth d.

    Parameters
    ----------
    node : Node
    X : ndarray of shape (n_samples, n_features), float32
    rows : ndarray of shape (n_rows,)
        The samples that reach `node`, at depth `depth`.
    depth : int
    out : ndarray of shape (n_samples, deepest + 1)
    """
    majority = int(np.argmax(node.class_probs))
    if node.feature is None:
        out[rows, depth:] = majority
        return
    out[rows, depth] = majority
    goes_left = X[rows, node.feature] <= node.threshold
    for child, child_rows in ((node.left, rows[goes_left]), (node.right, rows[~goes_left])):
        if child_rows.size:
            _majority_by_depth(child, X, child_rows, depth + 1, out)

def _fold_accuracies(X, y_index, train, test, criterion, min_samples_leaf, max_depths):
    """Validation accuracy of the tree cut at each of `max_depths`, from one fit.

    Returns an ndarray of shape (len(max_depths),).
    """
    tree = DecisionTreeClassifier(criterion=criterion, max_depth=max(max_depths),
                                  min_samples_leaf=min_samples_leaf)
    tree.fit(X[train], y_index[train])
    X_test = X[test].astype(np.float32)  # as the tree's predict does
    predicted = np.empty((len(test), max(max_depths) + 1), dtype=np.intp)
    _majority_by_depth(tree.root_, X_test, np.arange(len(test)), 0, predicted)
    # the tree saw labels classes_ (a subset of 0..K-1 in its training fold)
    predicted = tree.classes_[predicted]
    correct = predicted[:, max_depths] == y_index[test][:, None]
    return np.array([np.mean(correct[:, j]) for j in range(len(max_depths))])

def grid_search_tree(X, y, max_depths=range(1, 21), min_samples_leafs=range(1, 31),
                     criteria=("gini", "entropy"), cv=5, n_jobs=2, progress=True,
                     random_state=None):
    """Cross-validated grid search of the decision tree, one fit per depth range.

    Gives the numbers of ``GridSearchCV(DecisionTreeClassifier(), param_grid,
    cv=cv)`` over the grid ``criteria`` x `max_depths` x `min_samples_leafs`,
    with ``n_criteria * n_min_samples_leafs * n_splits`` fits instead of
    ``n_max_depths`` times as many (see the module docstring).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Class labels.
    max_depths : iterable of int, default=range(1, 21)
    min_samples_leafs : iterable of int, default=range(1, 31)
    criteria : iterable of {"gini", "entropy"}, default=("gini", "entropy")
    cv : int or cross-validation splitter, default=5
        As in ``GridSearchCV``: an int means ``StratifiedKFold(cv)`` without
        shuffling.
    n_jobs : int, default=2
        Processes running the fits (joblib).
    progress : bool, default=True
        Report progress on stderr: a bar to a terminal, else a line per tenth
        of the fits (:class:`~fmnist_edu.progress.Progress`).
    random_state : int or None, default=None
        None searches our :class:`~fmnist_edu.tree.DecisionTreeClassifier`
        (exact ties go to the lowest feature). An int searches
        ``sklearn.tree.DecisionTreeClassifier(random_state=random_state)``
        instead, whose choice among exactly tied splits depends on its
        random feature order: the draws are replayed per depth (see
        ``fmnist_edu.tree_replay``) from split scores computed once.

    Returns
    -------
    dict
        See the module docstring.
    """
    X, y = check_X_y(X, y)
    max_depths, min_samples_leafs, criteria = _check_grid(max_depths, min_samples_leafs, criteria)
    _, y_index = np.unique(y, return_inverse=True)
    splits = list(check_cv(cv, y, classifier=True).split(X, y))
    tasks = [(c, m, s) for c in range(len(criteria)) for m in range(len(min_samples_leafs))
             for s in range(len(splits))]
    if random_state is None:
        jobs = (delayed(_fold_accuracies)(X, y_index, *splits[s], criteria[c],
                                          min_samples_leafs[m], max_depths)
                for c, m, s in tasks)
    else:
        jobs = (delayed(fold_accuracies_as_sklearn)(X, y_index, *splits[s], criteria[c],
                                                     min_samples_leafs[m], max_depths,
                                                     random_state)
                for c, m, s in tasks)
    results = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    fold_scores = np.empty((len(criteria), len(max_depths), len(min_samples_leafs), len(splits)))
    # counted after each result is stored (a bar zipped after `tasks` missed the last one)
    with Progress(len(tasks), "tree grid search", "fit", enabled=progress) as bar:
        for (c, m, s), accuracies in zip(tasks, results):
            fold_scores[c, :, m, s] = accuracies
            bar.update()
    # the mean as GridSearchCV takes it: np.average over the contiguous split axis
    mean_scores = np.average(fold_scores.reshape(-1, len(splits)), axis=1)
    return _result(mean_scores.reshape(fold_scores.shape[:3]), fold_scores,
                   max_depths, min_samples_leafs, criteria)

def sklearn_grid_search(X, y, max_depths=range(1, 21), min_samples_leafs=range(1, 31),
                        criteria=("gini", "entropy"), cv=5, n_jobs=2, estimator=None):
    """The same grid search through ``sklearn.model_selection.GridSearchCV``.

    Parameters
    ----------
    X, y, max_depths, min_samples_leafs, criteria, cv, n_jobs
        As in :func:`grid_search_tree`.
    estimator : classifier, default=None
        The tree to search; None means
        ``sklearn.tree.DecisionTreeClassifier(random_state=0)``. Our
        :class:`~fmnist_edu.tree.DecisionTreeClassifier` works too.

    Returns
    -------
    dict
        As :func:`grid_search_tree`, plus ``"search"``: the fitted
        ``GridSearchCV``.
    """
    max_depths, min_samples_leafs, criteria = _check_grid(max_depths, min_samples_leafs, criteria)
    if estimator is None:
        from sklearn.tree import DecisionTreeClassifier as SklearnTree

        estimator = SklearnTree(random_state=0)
    param_grid = {"criterion": criteria, "max_depth": max_depths,
                  "min_samples_leaf": min_samples_leafs}
    search = GridSearchCV(clone(estimator), param_grid, cv=cv, n_jobs=n_jobs, refit=False)
    search.fit(X, y)
    shape = (len(criteria), len(max_depths), len(min_samples_leafs))
    n_splits = search.n_splits_
    fold_scores = np.stack([search.cv_results_[f"split{i}_test_score"] for i in range(n_splits)],
                           axis=-1).reshape(shape + (n_splits,))
    result = _result(search.cv_results_["mean_test_score"].reshape(shape), fold_scores,
                     max_depths, min_samples_leafs, criteria)
    result["search"] = search
    return result
