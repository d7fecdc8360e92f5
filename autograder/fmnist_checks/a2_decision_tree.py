"""Visible checks of assignment 2: gini, entropy, information_gain, best_split, the tree.

The functions are checked against hand-computed values (each one is worked
out in a comment, so a student can redo it on paper). The tree is checked
against scikit-learn's ``sklearn.tree.DecisionTreeClassifier`` on small data
whose split candidates have no ties, where the contract says the two trees
agree; scikit-learn is allowed here, in the checks, never in answers.

The data are made by formulas, not random draws, so the checks are the same
whatever numpy a student has: every feature takes distinct values k / 8, and
the labels follow a linear rule of the features with some flipped.

The cases live in one module per topic (``a2_impurity``, ``a2_split``, ``a2_tree``); this one holds the
``VISIBLE`` registry and re-exports the builders that the hidden checks import.
"""

import numpy as np

from .a2_impurity import (
    _hint_entropy,
    _hint_gini,
    _hint_information_gain,
    entropy_cases,
    gini_cases,
    information_gain_cases,
    SCALAR,
)
from .a2_split import _hint_best_split, best_split_cases, SPLIT
from .a2_tree import grid_case, grid_data, params_case, PRED, PROBA, tree_case, with_test_points
from .compare import equal, fields, true


def _xor_data():
    # four points in the corners, XOR labels: every root split has gain 0
    X = np.array([[1.0, 1.0], [1.0, 2.0], [2.0, 1.0], [2.0, 2.0]])
    return X, np.array([0, 1, 1, 0])


def _hint_xor(expected, got, inputs):
    if isinstance(got, dict) and isinstance(got.get("pred"), np.ndarray) and \
            len(np.unique(got["pred"])) == 1:
        return ("your tree stopped at the root, whose best split has gain 0; the contract (like "
                "scikit-learn) splits a node unless it is pure, at max_depth, or has no allowed split")
    return None


def _hint_tie(expected, got, inputs):
    if isinstance(got, dict) and isinstance(got.get("pred"), np.ndarray) and \
            not np.array_equal(got["pred"], expected["pred"]):
        return ("a leaf with as many samples of class 0 as of class 1 predicts the lower class, "
                "0 (np.argmax of the class counts or shares picks the first maximum)")
    return None


def tree_cases():
    """The tree against scikit-learn, its structure and its scikit-learn API."""
    X, y = grid_data(45, 3, 3)
    X_test = with_test_points(X)
    X2, y2 = grid_data(36, 2, 2)
    labels = np.where(y2 == 0, 7, 3)  # 7 comes first in y; classes_ must be [3, 7]
    X_xor, y_xor = _xor_data()
    X_tie = np.array([[1.0], [1.0], [2.0], [2.0], [2.0]])
    y_tie = np.array([1, 0, 0, 0, 0])
    pure_y = np.full(6, 2)
    grid = {"max_depth": [1, 2, 3], "min_samples_leaf": [1, 5]}
    return [
        tree_case("default parameters: predictions equal scikit-learn's", {}, X, y, X_test,
                  ["pred"], "fit/predict", PRED),
        tree_case("criterion='entropy': predictions equal scikit-learn's",
                  {"criterion": "entropy"}, X, y, X_test, ["pred"], "fit/predict", PRED),
        tree_case("labels 3 and 7 (7 first in y): classes_ and predictions", {}, X2, labels,
                  with_test_points(X2), ["classes", "pred"], "fit/predict",
                  fields(classes=equal(), pred=equal())),
        tree_case("XOR data: the root split has gain 0 and is still taken", {}, X_xor, y_xor,
                  X_xor, ["pred"], "fit/predict", PRED, hint=_hint_xor),
        tree_case("a leaf with a 1:1 tie predicts the lower class", {}, X_tie, y_tie,
                  np.array([[1.0], [2.0]]), ["pred"], "fit/predict", PRED, hint=_hint_tie),
        tree_case("a single class: every prediction is that class", {}, X[:6], pure_y, X[:3],
                  ["pred"], "fit/predict", PRED),
        tree_case("predict_proba equals scikit-learn's; rows sum to 1", {}, X, y, X_test,
                  ["proba"], "predict_proba", PROBA),
        tree_case("predict_proba columns follow classes_ [3, 7]", {}, X2, labels,
                  with_test_points(X2), ["proba"], "predict_proba", PROBA),
        tree_case("predict_proba of a 1:1 leaf is [0.5, 0.5]", {}, X_tie, y_tie,
                  np.array([[1.0], [2.0]]), ["proba"], "predict_proba", PROBA),
        tree_case("max_depth=1: a stump (depth 1) like scikit-learn's", {"max_depth": 1}, X, y,
                  X_test, ["depth", "pred"], "max_depth", fields(depth=equal(), pred=equal())),
        tree_case("max_depth=3: depth 3, predictions equal scikit-learn's", {"max_depth": 3},
                  X, y, X_test, ["depth", "pred"], "max_depth",
                  fields(depth=equal(), pred=equal())),
        tree_case("min_samples_leaf=5: no leaf smaller, predictions equal scikit-learn's",
                  {"min_samples_leaf": 5}, X, y, X_test, ["min_leaf", "pred"],
                  "min_samples_leaf", fields(min_leaf=equal(), pred=equal())),
        tree_case("fit returns self", {}, X[:12], y[:12], X[:3], ["returned_self"],
                  "scikit-learn API", fields(returned_self=true("fit(X, y) must return self")),
                  kind="api"),
        tree_case("root_ is a tree of Node objects (leaves have feature None)", {"max_depth": 3},
                  X, y, X[:3], ["structure"], "scikit-learn API", fields(structure=equal()),
                  kind="api"),
        tree_case("fit, predict and predict_proba leave X and y unchanged", {"max_depth": 2},
                  X, y, X_test, ["pred", "proba", "unchanged"], "scikit-learn API",
                  fields(unchanged=true("your tree modified X, y or the X it predicted")),
                  kind="inputs unchanged"),
        params_case({}, "get_params and clone with the default arguments (max_depth=None kept)"),
        params_case({"criterion": "entropy", "max_depth": 4, "min_samples_leaf": 3},
                    "get_params and clone with explicit arguments"),
        grid_case(X, y, grid),
    ]


VISIBLE = {
    "gini": gini_cases,
    "entropy": entropy_cases,
    "information_gain": information_gain_cases,
    "best_split": best_split_cases,
    "DecisionTreeClassifier": tree_cases,
}
