"""Visible checks of assignment 2: gini, entropy, information_gain, best_split, the tree.

The functions are checked against hand-computed values (each one is worked
out in a comment, so a student can redo it on paper). The tree is checked
against scikit-learn's ``sklearn.tree.DecisionTreeClassifier`` on small data
whose split candidates have no ties, where the contract says the two trees
agree; scikit-learn is allowed here, in the checks, never in answers.

The data are made by formulas, not random draws, so the checks are the same
whatever numpy a student has: every feature takes distinct values k / 8, and
the labels follow a linear rule of the features with some flipped.
"""

import copy

import numpy as np

from .cases import function_case, unchanged_case
from .compare import close, equal, fields, sequence, true
from .core import Case

# --- impurities ------------------------------------------------------------

SCALAR = close(1e-9, 1e-12)


def _hint_gini(expected, got, inputs):
    y = np.asarray(inputs["args"][0])
    if y.size == 0 or not isinstance(got, (int, float)):
        return None
    counts = np.unique(y, return_counts=True)[1]
    if abs(got) < 1e-12 and expected > 0:
        return "1 - sum(p) is always 0: the Gini impurity is 1 - sum(p_k ** 2)"
    if abs(got - (1.0 - np.sum(counts.astype(float) ** 2))) < 1e-9:
        return "use the class shares p_k = count_k / n, not the counts"
    if abs(got - np.sum((counts / y.size) ** 2)) < 1e-9:
        return "you returned sum(p_k ** 2); the impurity is 1 minus that"
    return None


def _hint_entropy(expected, got, inputs):
    if not isinstance(got, (int, float)):
        return None
    if got != got:  # NaN
        return "a class with no sample gives 0 * log(0) = nan: leave out the zero shares (0 log 0 counts as 0)"
    if expected > 0 and abs(got - expected * np.log(2.0)) < 1e-9:
        return "your entropy is in nats (natural log): the contract wants bits, use np.log2"
    if expected > 0 and abs(got - expected * np.log10(2.0)) < 1e-9:
        return "your entropy uses log base 10: use np.log2 (bits)"
    if expected > 0 and abs(got + expected) < 1e-9:
        return "the sign is flipped: entropy is -sum(p_k log2 p_k), which is >= 0"
    return None


def gini_cases():
    """Hand-computed Gini impurities."""
    def case(label, y, value):
        return function_case("gini", label, [np.array(y, dtype=np.int64)], value, SCALAR,
                             hint=_hint_gini)

    return [
        # 1 - (3/4)**2 - (1/4)**2 = 1 - 9/16 - 1/16 = 6/16
        case("three of one class, one of another", [0, 0, 0, 1], 0.375),
        # five classes, one sample each: 1 - 5 * (1/5)**2
        case("five classes, equal shares", [0, 1, 2, 3, 4], 0.8),
        # counts 2, 1, 3 of 6: 1 - (4 + 1 + 9) / 36 = 22/36
        case("labels in any order", [0, 2, 2, 1, 2, 0], 22 / 36),
        case("a pure node has impurity 0", [2, 2, 2], 0.0),
        case("an empty array has impurity 0.0", [], 0.0),
        unchanged_case("gini", "does not modify its input", [np.array([3, 1, 1, 0])]),
    ]


def entropy_cases():
    """Hand-computed entropies in bits."""
    def case(label, y, value):
        return function_case("entropy", label, [np.array(y, dtype=np.int64)], value, SCALAR,
                             hint=_hint_entropy)

    return [
        # two equal classes: exactly one bit
        case("two equal classes: 1 bit", [0, 0, 1, 1], 1.0),
        # four equal classes: log2(4)
        case("four equal classes: 2 bits", [0, 1, 2, 3], 2.0),
        # -(3/4 log2 3/4 + 1/4 log2 1/4)
        case("three of one class, one of another", [0, 0, 0, 1], 0.8112781244591328),
        # labels 0 and 2 only (class 1 absent): -(2/3 log2 2/3 + 1/3 log2 1/3)
        case("a label value that does not occur (class 1 absent)", [0, 2, 0], 0.9182958340544896),
        case("a pure node has entropy 0", [1, 1, 1], 0.0),
        case("an empty array has entropy 0.0", [], 0.0),
        unchanged_case("entropy", "does not modify its input", [np.array([3, 1, 1, 0])]),
    ]


def _hint_information_gain(expected, got, inputs):
    if isinstance(got, (int, float)) and expected != 0 and abs(got + expected) < 1e-9:
        return "the sign is flipped: the gain is the parent's impurity minus the children's"
    return None


WEIGHTS = ("weight each child's impurity by its share of the samples: "
           "n_left/n * impurity(y_left) + n_right/n * impurity(y_right)")
CRITERION = "criterion='entropy' must use your entropy, not gini"


def _known_wrong(*pairs):
    """A hint for the values that known bugs give on one hand-made case: (value, hint) pairs."""
    def hint(expected, got, inputs):
        if isinstance(got, (int, float)):
            for value, text in pairs:
                if abs(got - value) < 1e-9:
                    return text
        return _hint_information_gain(expected, got, inputs)

    return hint


def information_gain_cases():
    """Hand-computed gains, gini and entropy."""
    def case(label, args, value, criterion=None, hint=_hint_information_gain):
        kwargs = {} if criterion is None else {"criterion": criterion}
        return function_case("information_gain", label,
                             [np.array(a, dtype=np.int64) for a in args], value, SCALAR,
                             kwargs=kwargs, hint=hint)

    halves = ([0, 0, 1, 1], [0, 0], [1, 1])
    uneven = ([0, 0, 0, 1, 1, 1], [0, 0, 0, 1], [1, 1])
    entropy_of_left = 0.8112781244591328  # entropy of [0, 0, 0, 1]
    return [
        # parent 0.5, both children pure
        case("a perfect split of two equal classes", halves, 0.5),
        # parent 1 bit, both children pure (gini would give 0.5)
        case("a perfect split, entropy", halves, 1.0, criterion="entropy",
             hint=_known_wrong((0.5, CRITERION))),
        # parent 0.5; left gini 0.375 weighted 4/6, right pure: 0.5 - 0.25
        # (unweighted: 0.5 - 0.375/2; weights swapped: 0.5 - 2/6 * 0.375)
        case("children of different sizes are weighted by their share", uneven, 0.25,
             hint=_known_wrong((0.3125, WEIGHTS), (0.375, WEIGHTS))),
        # parent 1 bit; left 0.8112781244591328 weighted 4/6 (gini would give 0.25)
        case("children of different sizes, entropy", uneven,
             1.0 - 4 / 6 * entropy_of_left, criterion="entropy",
             hint=_known_wrong((0.25, CRITERION), (1.0 - entropy_of_left / 2, WEIGHTS),
                               (1.0 - 2 / 6 * entropy_of_left, WEIGHTS))),
        # nothing moves: the gain is 0 (unweighted: 4/9 - 4/9 / 2; weights swapped: 4/9)
        case("an empty child: gain 0", ([0, 1, 1], [], [0, 1, 1]), 0.0,
             hint=_known_wrong((2 / 9, WEIGHTS), (4 / 9, WEIGHTS))),
        unchanged_case("information_gain", "does not modify its inputs",
                       [np.array([0, 1, 1]), np.array([0]), np.array([1, 1])]),
    ]


# --- best_split --------------------------------------------------------------

SPLIT = sequence(equal(), close(1e-9, 1e-12), close(1e-9, 1e-12),
                 names=["feature", "threshold", "gain"])


def _hint_best_split(expected, got, inputs):
    if not isinstance(got, list) or len(got) != 3:
        return "return a tuple (feature, threshold, gain)"
    feature, threshold, gain = got
    exp_feature, exp_threshold, exp_gain = expected
    X = np.asarray(inputs["args"][0], dtype=float)
    msl = inputs["kwargs"].get("min_samples_leaf", 1)
    if exp_feature is None and feature is not None:
        return ("no split is allowed here (a constant feature cannot be split, and each side "
                "must keep min_samples_leaf samples): return (None, None, 0.0)")
    if exp_feature is not None and feature is None:
        return ("a split whose gain is 0 is still a split: start the search from gain -inf "
                "(or take the first candidate), and return (None, None, 0.0) only when no "
                "threshold is allowed")
    if not isinstance(feature, int) or not isinstance(threshold, (int, float)):
        return None
    if 0 <= feature < X.shape[1] and np.any(np.isclose(X[:, feature], threshold, rtol=0, atol=1e-12)):
        return ("your threshold is one of the data values; candidate thresholds lie halfway "
                "between consecutive distinct sorted values")
    if isinstance(gain, (int, float)) and abs(gain - exp_gain) <= 1e-9 and (
            feature != exp_feature or threshold != exp_threshold):
        return ("several splits have this gain: ties go to the lower feature index, then the "
                "lower threshold (keep the first best; replace it only when a gain is larger "
                "by more than 1e-12)")
    if msl > 1:
        return f"each side of the split must keep at least min_samples_leaf={msl} samples"
    return None


def split_case(label, X, y, expected, **kwargs):
    """A best_split case: `expected` is (feature, threshold, gain)."""
    return function_case("best_split", label,
                         [np.array(X, dtype=float), np.array(y, dtype=np.int64)],
                         list(expected), SPLIT, kwargs=kwargs, hint=_hint_best_split)


def best_split_cases():
    """Hand-made splits: midpoints, duplicates, min_samples_leaf, ties, no split."""
    six = [[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]]
    six_y = [1, 0, 0, 0, 0, 0]
    return [
        # x <= 6.5 separates the classes: parent gini 4/9, children pure
        split_case("the threshold lies halfway between consecutive values",
                   [[1.0], [3.0], [10.0]], [0, 0, 1], (0, 6.5, 4 / 9)),
        # feature 1 separates the classes at 2.5 (gain 0.5); feature 0 at best gains 1/6
        split_case("the best feature is the second one",
                   [[0.3, 4.0], [0.1, 1.0], [0.2, 3.0], [0.4, 2.0]], [1, 0, 1, 0], (1, 2.5, 0.5)),
        # rows unsorted; sorted: 0.1->0, 0.2->0, 0.3->1, 0.4->1; parent 1 bit, children pure
        split_case("unsorted rows, entropy",
                   [[0.3], [0.1], [0.4], [0.2]], [1, 0, 1, 0], (0, 0.25, 1.0), criterion="entropy"),
        # equal values are one candidate: only 1.5 lies between distinct values
        split_case("repeated values: thresholds only between distinct values",
                   [[1.0], [2.0], [1.0], [2.0]], [0, 1, 0, 1], (0, 1.5, 0.5)),
        # parent gini 10/36; x <= 1.5 leaves both children pure
        split_case("min_samples_leaf=1 allows a single sample on one side", six, six_y,
                   (0, 1.5, 10 / 36), min_samples_leaf=1),
        # 2.5 keeps 2 samples on the left: 10/36 - 2/6 * 0.5 = 4/36 (3.5 gives 2/36, 4.5 1/36)
        split_case("min_samples_leaf=2 keeps at least 2 samples on each side", six, six_y,
                   (0, 2.5, 4 / 36), min_samples_leaf=2),
        # both features separate the classes perfectly: the lower feature wins
        split_case("a tie between features goes to the lower feature",
                   [[1.0, 5.0], [2.0, 5.0], [3.0, 6.0]], [0, 0, 1], (0, 2.5, 4 / 9)),
        # 1.5 and 3.5 both give 0.5 - 3/4 * 4/9 = 1/6; 2.5 gives 0
        split_case("a tie between thresholds goes to the lower threshold",
                   [[1.0], [2.0], [3.0], [4.0]], [0, 1, 1, 0], (0, 1.5, 1 / 6)),
        # XOR: every split leaves both children half and half, gain 0, and is still a split
        split_case("every split has gain 0: still the first candidate, not None",
                   [[1.0, 1.0], [1.0, 2.0], [2.0, 1.0], [2.0, 2.0]], [0, 1, 1, 0], (0, 1.5, 0.0)),
        split_case("a constant feature cannot be split: (None, None, 0.0)",
                   [[2.0, 7.0], [2.0, 7.0], [2.0, 7.0]], [0, 1, 0], (None, None, 0.0)),
        split_case("no split keeps min_samples_leaf=2 on both sides of 3 samples: (None, None, 0.0)",
                   [[1.0], [2.0], [3.0]], [0, 1, 1], (None, None, 0.0), min_samples_leaf=2),
        unchanged_case("best_split", "does not modify its inputs (sort a copy)",
                       [np.array([[0.3, 2.0], [0.1, 1.0], [0.2, 3.0]]), np.array([1, 0, 1])]),
    ]


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
    """'ok' when every node is a leaf (feature None) or has feature, threshold and two children,
    and every node's class_probs has one share per class."""
    if _level > 500:
        return "the tree is deeper than 500 levels (or has a cycle)"
    missing = [name for name in ("feature", "threshold", "left", "right", "majority_class",
                                 "class_probs") if not hasattr(node, name)]
    if missing:
        return f"a node of root_ has no attribute {', '.join(missing)}: build the tree from Node objects"
    probs = np.asarray(node.class_probs, dtype=float).ravel() if node.class_probs is not None else None
    if probs is None or len(probs) != n_classes:
        return (f"a node's class_probs is {node.class_probs!r}; every node needs one share per "
                f"class of classes_ ({n_classes}), 0.0 for a class absent from the node")
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
