"""Hidden checks of assignment 2: random labels, splits and trees drawn from the grading seed.

Expected values come from the course's reference (``fmnist_edu.tree``). The
hidden trees are compared with the tree that the contract defines, grown here
from the reference ``best_split`` (ties to the lower feature, then the lower
threshold, gains within 1e-12 tie), so ties among split candidates -- common
in small random data -- are judged by the contract's rule, not by
scikit-learn's random feature order. Feature values lie on a grid of
multiples of 1/4 (repeated values included) and test points between grid
values, so no rounding question arises.
"""

import numpy as np

from fmnist_checks.a2_decision_tree import (
    PRED,
    PROBA,
    SCALAR,
    SPLIT,
    _hint_best_split,
    _hint_entropy,
    _hint_gini,
    _hint_information_gain,
    params_case,
    tree_case,
)
from fmnist_checks.cases import function_case, unchanged_case
from fmnist_checks.compare import close, equal, fields

from .edges import gains_are_clear, redraw, thresholds_are_clear


def _labels(rng, n=None, n_classes=None):
    """Random int labels, some classes possibly absent (gaps in the label values)."""
    n_classes = n_classes or int(rng.integers(2, 6))
    n = n or int(rng.integers(2, 30))
    present = np.sort(rng.choice(n_classes, size=int(rng.integers(1, n_classes + 1)), replace=False))
    return rng.choice(present, size=n).astype(np.int64)


def _impurity_cases(piece, reference, hint, rng):
    cases = [function_case(piece, f"random labels #{k + 1}", [_labels(rng)], reference, SCALAR,
                           hint=hint) for k in range(4)]
    cases.append(function_case(piece, "a single sample", [np.array([int(rng.integers(0, 5))])],
                               0.0, SCALAR, hint=hint))
    cases.append(function_case(piece, "five classes, equal counts",
                               [rng.permutation(np.repeat(np.arange(5), 3))], reference, SCALAR,
                               hint=hint))
    cases.append(function_case(piece, "labels 0 and 4 only (1, 2, 3 absent)",
                               [rng.choice([0, 4], size=9)], reference, SCALAR, hint=hint))
    cases.append(unchanged_case(piece, "does not modify its input", [_labels(rng)]))
    return cases


def _hidden_gini(rng):
    from fmnist_edu.tree import gini

    return _impurity_cases("gini", gini, _hint_gini, rng)


def _hidden_entropy(rng):
    from fmnist_edu.tree import entropy

    return _impurity_cases("entropy", entropy, _hint_entropy, rng)


def _split_of(rng, y):
    goes_left = rng.random(len(y)) < rng.uniform(0.2, 0.8)
    return [y, y[goes_left], y[~goes_left]]


def _hidden_information_gain(rng):
    from fmnist_edu.tree import information_gain

    cases = []
    for k, criterion in enumerate(["gini", "entropy", "gini", "entropy"]):
        y = _labels(rng, n=int(rng.integers(6, 30)))
        cases.append(function_case("information_gain", f"random split #{k + 1}, {criterion}",
                                   _split_of(rng, y), information_gain, SCALAR,
                                   kwargs={"criterion": criterion}, hint=_hint_information_gain))
    y = _labels(rng, n=10, n_classes=3)
    cases.append(function_case("information_gain", "all samples go right, entropy",
                               [y, y[:0], y], 0.0, SCALAR, kwargs={"criterion": "entropy"}))
    y = _labels(rng, n=12, n_classes=4)
    cases.append(unchanged_case("information_gain", "does not modify its inputs", _split_of(rng, y)))
    return cases


def split_is_clear(X, y, criterion="gini", min_samples_leaf=1, X_test=None):
    """Every midpoint formula sends the same samples left, and no two gains are ~1e-12 apart."""
    others = [] if X_test is None else [X_test]
    return thresholds_are_clear(X, *others) and gains_are_clear(X, y, criterion, min_samples_leaf)


def _grid_features(rng, n, n_features, levels):
    """Features on a grid of multiples of 1/4, with repeated values."""
    return rng.integers(0, levels, size=(n, n_features)) / 4.0


def _hidden_best_split(rng):
    from fmnist_edu.tree import best_split

    def expect(X, y, **kwargs):
        return list(best_split(X, y, **kwargs))

    def case(label, X, y, **kwargs):
        return function_case("best_split", label, [X, y], expect, SPLIT, kwargs=kwargs,
                             hint=_hint_best_split)

    def draw():
        n = int(rng.integers(6, 26))
        X = _grid_features(rng, n, int(rng.integers(1, 5)), int(rng.integers(3, 12)))
        y = _labels(rng, n=n, n_classes=int(rng.integers(2, 4)))
        kwargs = {"criterion": str(rng.choice(["gini", "entropy"])),
                  "min_samples_leaf": int(rng.integers(1, 4))}
        return X, y, kwargs

    cases = []
    for k in range(6):
        X, y, kwargs = redraw(draw, lambda d: split_is_clear(d[0], d[1], **d[2]), "best_split data")
        cases.append(case(f"random data #{k + 1} with repeated values", X, y, **kwargs))

    def constant_first():
        X = _grid_features(rng, 10, 3, 8)
        X[:, 0] = 1.25  # a constant first feature
        return X, _labels(rng, n=10, n_classes=2)

    X, y = redraw(constant_first, lambda d: split_is_clear(*d), "best_split constant feature")
    cases.append(case("a constant first feature is skipped", X, y))
    X = redraw(lambda: _grid_features(rng, 8, 2, 8), lambda X: split_is_clear(X, np.zeros(8, int)),
               "best_split pure labels")
    cases.append(case("pure labels: every gain is 0, the first candidate is still a split", X,
                      np.zeros(8, dtype=np.int64)))
    X = _grid_features(rng, 7, 2, 10)
    cases.append(case("min_samples_leaf=4 with 7 samples: no split allowed", X,
                      _labels(rng, n=7, n_classes=2), min_samples_leaf=4))
    # three classes in mirrored orders: equal gains summed in different orders
    X = np.array([[1.0, 6.0], [2.0, 5.0], [3.0, 4.0], [4.0, 3.0], [5.0, 2.0], [6.0, 1.0]])
    cases.append(case("mirrored features, 3 classes: near-equal gains tie (lower feature wins)",
                      X, np.array([0, 1, 1, 2, 2, 2]), criterion=str(rng.choice(["gini", "entropy"]))))
    cases.append(unchanged_case("best_split", "does not modify its inputs",
                                [_grid_features(rng, 9, 3, 6), _labels(rng, n=9, n_classes=2)]))
    return cases


# --- the tree ------------------------------------------------------------------

def contract_tree(X, y, criterion="gini", max_depth=None, min_samples_leaf=1, nodes=None):
    """The tree the contract defines, grown with the reference best_split.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
    root : dict
        Nested dicts: ``probs`` (n_classes,), ``n`` and, for an inner node,
        ``feature``, ``threshold``, ``left``, ``right``.
    """
    from fmnist_edu.tree import best_split

    classes, y_index = np.unique(y, return_inverse=True)

    def grow(rows, depth):
        counts = np.bincount(y_index[rows], minlength=len(classes))
        node = {"probs": counts / len(rows), "n": len(rows)}
        if np.count_nonzero(counts) <= 1 or (max_depth is not None and depth >= max_depth):
            return node
        if nodes is not None:
            nodes.append(rows)
        feature, threshold, _ = best_split(X[rows], y_index[rows], criterion, min_samples_leaf)
        if feature is None:
            return node
        left = X[rows, feature] <= threshold
        node.update(feature=feature, threshold=threshold,
                    left=grow(rows[left], depth + 1), right=grow(rows[~left], depth + 1))
        return node

    return classes, grow(np.arange(len(y)), 0)


def _leaf(node, x):
    while "feature" in node:
        node = node["left"] if x[node["feature"]] <= node["threshold"] else node["right"]
    return node


def _depth(node):
    return 0 if "feature" not in node else 1 + max(_depth(node["left"]), _depth(node["right"]))


def _smallest_leaf(node):
    if "feature" not in node:
        return node["n"]
    return min(_smallest_leaf(node["left"]), _smallest_leaf(node["right"]))


def contract_expect(params, X, y, X_test, want):
    """The plain results of the contract's tree, keyed as the run's."""
    classes, root = contract_tree(X, y, **params)
    proba = np.array([_leaf(root, x)["probs"] for x in X_test])
    out = {"returned_self": True, "structure": "ok", "unchanged": True, "classes": classes,
           "pred": classes[np.argmax(proba, axis=1)], "proba": proba,
           "row_sums": np.ones(len(X_test)), "depth": _depth(root),
           "min_leaf": _smallest_leaf(root)}
    keys = list(want) + (["row_sums"] if "proba" in want else [])
    return {key: out[key] for key in keys}


def tree_is_clear(X, y, X_test, params):
    """Off every knife edge: thresholds on X and X_test, and the gains at every split node."""
    if not thresholds_are_clear(X, X_test):
        return False
    nodes = []
    contract_tree(X, y, nodes=nodes, **params)
    criterion = params.get("criterion", "gini")
    msl = params.get("min_samples_leaf", 1)
    return all(gains_are_clear(X[rows], y[rows], criterion, msl) for rows in nodes)


def _clear_tree_data(rng, params):
    return redraw(lambda: _tree_data(rng), lambda d: tree_is_clear(*d, params), "tree data")


def _tree_data(rng):
    n = int(rng.integers(30, 91))
    n_features = int(rng.integers(2, 5))
    X = _grid_features(rng, n, n_features, int(rng.integers(6, 40)))
    weights = rng.normal(size=n_features)
    score = X @ weights + rng.normal(scale=0.5, size=n)
    n_classes = int(rng.integers(2, 5))
    y = np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
    # test points: training points moved off the grid, and fresh ones
    X_test = np.vstack([X + 1.0 / 8.0, _grid_features(rng, 20, n_features, 40) + 1.0 / 8.0])
    return X, y.astype(np.int64), X_test


def _hidden_tree(rng):
    cases = []
    draws = [
        ("random data, default parameters", {}),
        ("random data, entropy", {"criterion": "entropy"}),
        ("random data, max_depth", {"max_depth": int(rng.integers(1, 5))}),
        ("random data, min_samples_leaf", {"min_samples_leaf": int(rng.integers(2, 8))}),
        ("random data, all three parameters",
         {"criterion": str(rng.choice(["gini", "entropy"])), "max_depth": int(rng.integers(2, 6)),
          "min_samples_leaf": int(rng.integers(2, 6))}),
    ]
    for label, params in draws:
        X, y, X_test = _clear_tree_data(rng, params)
        cases.append(tree_case(f"{label}: predictions", params, X, y, X_test, ["pred"],
                               "fit/predict", PRED, expect=contract_expect))
        cases.append(tree_case(f"{label}: predict_proba", params, X, y, X_test, ["proba"],
                               "predict_proba", PROBA, expect=contract_expect))
        if "max_depth" in params:
            cases.append(tree_case(f"{label}: depth of root_", params, X, y, X_test, ["depth"],
                                   "max_depth", fields(depth=equal()), expect=contract_expect))
        if "min_samples_leaf" in params:
            cases.append(tree_case(f"{label}: smallest leaf", params, X, y, X_test, ["min_leaf"],
                                   "min_samples_leaf", fields(min_leaf=equal()),
                                   expect=contract_expect))
    # labels that are not 0..K-1, in an unsorted first appearance
    X, y, X_test = _clear_tree_data(rng, {"max_depth": 3})
    values = rng.choice(np.arange(2, 20), size=len(np.unique(y)), replace=False)
    cases.append(tree_case("labels from classes_ that are not 0..K-1", {"max_depth": 3}, X,
                           values[y], X_test, ["classes", "pred", "proba"], "predict_proba",
                           fields(classes=equal(), pred=equal(), proba=close(1e-9, 1e-12)),
                           expect=contract_expect))
    cases.append(tree_case("fit returns self; X and y unchanged", {"max_depth": 2}, X, y, X_test,
                           ["returned_self", "unchanged", "structure"], "scikit-learn API",
                           fields(returned_self=equal(), unchanged=equal(), structure=equal()),
                           expect=contract_expect, kind="api"))
    drawn = {"criterion": str(rng.choice(["gini", "entropy"])),
             "max_depth": [None, int(rng.integers(1, 30))][int(rng.integers(0, 2))],
             "min_samples_leaf": int(rng.integers(1, 20))}
    cases.append(params_case({}, "get_params and clone with the default arguments"))
    cases.append(params_case(drawn, "get_params and clone with random arguments"))
    return cases


HIDDEN = {
    "gini": _hidden_gini,
    "entropy": _hidden_entropy,
    "information_gain": _hidden_information_gain,
    "best_split": _hidden_best_split,
    "DecisionTreeClassifier": _hidden_tree,
}
