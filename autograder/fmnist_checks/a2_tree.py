"""Checks of DecisionTreeClassifier against scikit-learn's tree, its Node structure and
its scikit-learn API (get_params, clone, GridSearchCV).
"""

import copy

import numpy as np

from .compare import close, equal, fields
from .core import Case


# --- the tree ------------------------------------------------------------------

def grid_data(n, n_features, n_classes, shift=0):
    """Small data without repeated values: ``X[i, j] = ((a_j i + b_j) mod 61) / 8``.

    Every feature takes `n` distinct values (n <= 61); the labels cut a linear
    score of the features into `n_classes` bands, then every ninth-ish sample's
    label is moved to the next class, so the tree has something to do.
    """
    a, b = (7, 11, 13, 17, 19), (3, 5, 2, 9, 4)
    i = np.arange(n)
    X = np.stack([((a[j] * i + b[j] + shift) % 61) / 8.0 for j in range(n_features)], axis=1)
    score = X[:, 0] - 0.6 * X[:, 1] + (0.4 * X[:, 2] if n_features > 2 else 0.0)
    y = np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
    flip = (i * 37 + 11) % 9 == 0
    return X, np.where(flip, (y + 1) % n_classes, y).astype(np.int64)


def with_test_points(X):
    """The training points and, after them, each one moved by 1/16 (between grid values)."""
    return np.vstack([X, X + 1.0 / 16.0])


def _walk(node, x):
    """The leaf of the Node tree `node` that the sample `x` reaches."""
    steps = 0
    while getattr(node, "feature", None) is not None:
        child = node.left if x[node.feature] <= node.threshold else node.right
        if child is None:
            raise ValueError(f"root_: a node that splits on feature {node.feature} has no child")
        node = child
        steps += 1
        if steps > 10_000:
            raise ValueError("root_: the tree has a cycle")
    return node


def tree_depth(node, _level=0):
    """Depth of a Node tree (a single leaf has depth 0)."""
    if _level > 500:
        raise ValueError("root_: the tree is deeper than 500 levels (or has a cycle)")
    if getattr(node, "feature", None) is None:
        return 0
    return 1 + max(tree_depth(node.left, _level + 1), tree_depth(node.right, _level + 1))


def smallest_leaf(node, X):
    """Fewest training samples of `X` that reach one leaf of the Node tree."""
    counts = {}
    for x in X:
        leaf = _walk(node, x)
        counts[id(leaf)] = counts.get(id(leaf), 0) + 1
    return min(counts.values())


def structure_problem(node, n_classes, _level=0):
    """'ok' when every node has the six attributes of ``Node`` and is a leaf (feature None)
    or has a threshold and two children.

    What ``class_probs`` and ``majority_class`` hold is the answer's to choose: the
    contract names them but fixes no layout (``predict_proba`` is checked instead).
    `n_classes` is kept for the callers' signature.
    """
    if _level > 500:
        return "the tree is deeper than 500 levels (or has a cycle)"
    missing = [name for name in ("feature", "threshold", "left", "right", "majority_class",
                                 "class_probs") if not hasattr(node, name)]
    if missing:
        return f"a node of root_ has no attribute {', '.join(missing)}: build the tree from Node objects"
    if node.feature is None:
        if node.left is not None or node.right is not None:
            return "a leaf (feature None) has children"
        return "ok"
    if node.threshold is None or node.left is None or node.right is None:
        return f"a node splitting on feature {node.feature} lacks its threshold or a child"
    left = structure_problem(node.left, n_classes, _level + 1)
    return left if left != "ok" else structure_problem(node.right, n_classes, _level + 1)


def _tree_run(answer, params, X, y, X_test, want):
    """Construct, fit, predict: the plain results named in `want`."""
    X_fit, y_fit, X_new = X.copy(), y.copy(), X_test.copy()
    model = answer(**params)
    returned = model.fit(X_fit, y_fit)
    out = {}
    if "returned_self" in want:
        out["returned_self"] = returned is model
    if "classes" in want:
        out["classes"] = np.asarray(model.classes_)
    if "pred" in want:
        out["pred"] = np.asarray(model.predict(X_new))
    if "proba" in want:
        out["proba"] = np.asarray(model.predict_proba(X_new), dtype=float)
        out["row_sums"] = out["proba"].sum(axis=1) if out["proba"].ndim == 2 else out["proba"]
    if "depth" in want:
        out["depth"] = tree_depth(model.root_)
    if "min_leaf" in want:
        out["min_leaf"] = smallest_leaf(model.root_, X)
    if "structure" in want:
        out["structure"] = structure_problem(model.root_, len(model.classes_))
    if "unchanged" in want:
        out["unchanged"] = bool(np.array_equal(X_fit, X) and np.array_equal(y_fit, y)
                                and np.array_equal(X_new, X_test))
    return out


def _sklearn_expect(params, X, y, X_test, want):
    """What scikit-learn's tree gives (random_state fixed; the data have no ties)."""
    from sklearn.tree import DecisionTreeClassifier as ScikitLearnTree

    model = ScikitLearnTree(random_state=0, **params).fit(X, y)
    out = {"returned_self": True, "structure": "ok", "unchanged": True,
           "classes": model.classes_, "pred": model.predict(X_test)}
    out["proba"] = model.predict_proba(X_test)
    out["row_sums"] = np.ones(len(X_test))
    out["depth"] = int(model.get_depth())
    leaves = model.tree_.children_left == -1
    out["min_leaf"] = int(model.tree_.n_node_samples[leaves].min())
    keys = list(want) + (["row_sums"] if "proba" in want else [])
    return {key: out[key] for key in keys}


def _hint_tree(expected, got, inputs):
    if not isinstance(got, dict):
        return None
    params = inputs["params"]
    hints = []
    if "depth" in got and isinstance(got["depth"], int) and params.get("max_depth"):
        if got["depth"] == expected["depth"] + 1:
            hints.append("your tree is one level too deep: the root has depth 0, and a node "
                         "at depth max_depth is a leaf")
        elif got["depth"] == expected["depth"] - 1:
            hints.append("your tree is one level too shallow: the root has depth 0, and "
                         "max_depth=1 still splits the root once")
    if "min_leaf" in got and isinstance(got["min_leaf"], int):
        msl = params.get("min_samples_leaf", 1)
        if got["min_leaf"] < msl:
            hints.append(f"a leaf holds {got['min_leaf']} training samples, fewer than "
                         f"min_samples_leaf={msl}: pass min_samples_leaf to best_split")
    if "proba" in got and isinstance(got["proba"], np.ndarray):
        exp = np.asarray(expected["proba"])
        if got["proba"].shape == exp.shape and exp.shape[1] > 1 and \
                np.allclose(got["proba"], exp[:, ::-1]):
            hints.append("the columns of predict_proba must follow classes_ (the sorted labels)")
    if "classes" in got and isinstance(got["classes"], np.ndarray) and \
            np.array_equal(np.sort(got["classes"]), expected["classes"]) and \
            not np.array_equal(got["classes"], expected["classes"]):
        hints.append("classes_ must be the sorted distinct labels (np.unique)")
    return "; ".join(hints) or None


def tree_case(label, params, X, y, X_test, want, part, compare, expect=None, hint=_hint_tree,
              kind="value"):
    """A case that fits the student's tree and compares the results named in `want`."""
    inputs = {"params": dict(params), "X": X, "y": y, "X_test": X_test, "want": list(want)}
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return Case(
        piece="DecisionTreeClassifier",
        label=label,
        inputs=inputs,
        run=_tree_run,
        expect=expect or _sklearn_expect,
        compare=compare,
        call=(f"DecisionTreeClassifier({shown}).fit(X, y) on X of shape {X.shape}, "
              f"labels {np.unique(y).tolist()}; predicting {len(X_test)} points"),
        hint=hint,
        part=part,
        kind=kind,
    )


PRED = fields(pred=equal())
PROBA = fields(proba=close(1e-9, 1e-12), row_sums=close(1e-9, 1e-12))


def _grid_run(answer, X, y, grid):
    """clone keeps the parameters; GridSearchCV over the student's tree gives its scores."""
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    params = {"criterion": "entropy", "max_depth": 3, "min_samples_leaf": 2}
    try:
        copied = clone(answer(**params)).get_params()
    except Exception as exc:  # say so in the comparison, where the hint can explain it
        failed = f"clone failed: {type(exc).__name__}: {exc}"
        return {"clone_params": failed, "best_params": failed, "mean_test_score": failed}
    search = GridSearchCV(answer(), copy.deepcopy(grid), cv=3, error_score="raise")
    search.fit(X.copy(), y.copy())
    return {"clone_params": {k: copied.get(k) for k in params},
            "best_params": dict(search.best_params_),
            "mean_test_score": np.asarray(search.cv_results_["mean_test_score"], dtype=float)}


def _grid_expect(X, y, grid):
    from sklearn.model_selection import GridSearchCV
    from sklearn.tree import DecisionTreeClassifier as ScikitLearnTree

    search = GridSearchCV(ScikitLearnTree(random_state=0), grid, cv=3).fit(X, y)
    return {"clone_params": {"criterion": "entropy", "max_depth": 3, "min_samples_leaf": 2},
            "best_params": dict(search.best_params_),
            "mean_test_score": search.cv_results_["mean_test_score"]}


def _hint_grid(expected, got, inputs):
    if isinstance(got, dict) and got.get("clone_params") != expected["clone_params"]:
        return ("__init__ must store each parameter under its own name, unchanged "
                "(self.max_depth = max_depth), and do nothing else: clone and GridSearchCV "
                "rebuild the tree from get_params()")
    return None


def grid_case(X, y, grid):
    return Case(
        piece="DecisionTreeClassifier",
        label="clone and GridSearchCV(cv=3) work and give scikit-learn's scores",
        inputs={"X": X, "y": y, "grid": grid},
        run=_grid_run,
        expect=_grid_expect,
        compare=fields(clone_params=equal(), best_params=equal(),
                       mean_test_score=close(1e-9, 1e-12)),
        call=f"GridSearchCV(DecisionTreeClassifier(), {grid}, cv=3).fit(X, y) on X of shape {X.shape}",
        hint=_hint_grid,
        part="scikit-learn API",
        kind="api",
    )


TREE_PARAMS = ("criterion", "max_depth", "min_samples_leaf")
TREE_DEFAULTS = {"criterion": "gini", "max_depth": None, "min_samples_leaf": 1}


def _params_run(answer, params):
    """get_params() of the tree built with `params` (none: the defaults), and of its clone."""
    from sklearn.base import clone

    model = answer(**params)
    own = model.get_params()
    copied = clone(model).get_params()
    return {"get_params": {k: own.get(k, "<missing>") for k in TREE_PARAMS},
            "clone": {k: copied.get(k, "<missing>") for k in TREE_PARAMS}}


def _hint_params(expected, got, inputs):
    if isinstance(got, dict) and got.get("get_params") != expected["get_params"]:
        return ("__init__ must store each argument unchanged under its own name "
                "(self.max_depth = max_depth, even when it is None) and do nothing else; "
                "turn None into a number in fit, not in __init__")
    return None


def params_case(params, label):
    """get_params and clone give back exactly the arguments (scikit-learn's rule for __init__)."""
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
    expected = dict(TREE_DEFAULTS, **params)
    return Case(
        piece="DecisionTreeClassifier",
        label=label,
        inputs={"params": dict(params)},
        run=_params_run,
        expect={"get_params": expected, "clone": expected},
        compare=fields(get_params=equal(), clone=equal()),
        call=f"DecisionTreeClassifier({shown}).get_params(); clone(...).get_params()",
        hint=_hint_params,
        part="scikit-learn API",
        kind="api",
    )
