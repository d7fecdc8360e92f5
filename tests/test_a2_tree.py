"""Assignment 2: the decision tree (fmnist_edu.splits, .tree) and its grid search.

The reference test is scikit-learn's ``DecisionTreeClassifier``: where its
trees do not depend on ``random_state`` (no tied split candidates) ours must
be the same tree; where they differ, the two splits must be tied.
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier as SklearnTree
from sklearn.utils.estimator_checks import parametrize_with_checks

from fmnist_edu.splits import best_split, entropy, gini, information_gain
from fmnist_edu.tree import DecisionTreeClassifier, Node
from fmnist_edu.tree_search import grid_search_tree, sklearn_grid_search

pytestmark = pytest.mark.a2


def _blobs(seed, n_samples=300, n_features=4, n_classes=3):
    """Continuous features, labels from a noisy linear rule: few exact ties."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    scores = X @ rng.normal(size=(n_features, n_classes))
    y = np.argmax(scores + rng.normal(scale=0.7, size=scores.shape), axis=1)
    return X, y


def _preorder(node):
    """Nodes of our tree in depth-first, left-first order (scikit-learn's ids)."""
    yield node
    if node.feature is not None:
        yield from _preorder(node.left)
        yield from _preorder(node.right)


# ---------------------------------------------------------------- impurity


def test_gini_hand_values():
    assert gini([0, 0, 1, 1]) == pytest.approx(0.5)
    assert gini([0, 1, 2]) == pytest.approx(2 / 3)
    assert gini([0, 0, 0, 1]) == pytest.approx(1 - (0.75**2 + 0.25**2))
    assert gini(np.array(["a", "b", "b", "b"])) == pytest.approx(0.375)


def test_gini_edge_cases():
    assert gini([]) == 0.0
    assert gini([3, 3, 3]) == 0.0
    assert isinstance(gini([0, 1]), float)


def test_entropy_in_bits():
    assert entropy([0, 1]) == pytest.approx(1.0)
    assert entropy([0, 1, 2, 3]) == pytest.approx(2.0)
    expected = -(0.75 * np.log2(0.75) + 0.25 * np.log2(0.25))
    assert entropy([0, 0, 0, 1]) == pytest.approx(expected)


def test_entropy_edge_cases():
    assert entropy([]) == 0.0
    assert entropy([7]) == 0.0
    assert entropy(["x", "x"]) == 0.0


def test_impurity_rejects_2d_labels():
    with pytest.raises(ValueError, match="1-D"):
        gini([[0, 1]])
    with pytest.raises(ValueError, match="1-D"):
        entropy([[0, 1]])


def test_information_gain_hand_values():
    y = [0, 0, 1, 1]
    assert information_gain(y, [0, 0], [1, 1]) == pytest.approx(0.5)
    assert information_gain(y, [0, 0], [1, 1], criterion="entropy") == pytest.approx(1.0)
    assert information_gain(y, [0, 1], [0, 1]) == pytest.approx(0.0)
    # 0.5 - (1/4 * 0 + 3/4 * 4/9) = 1/6
    assert information_gain(y, [0], [0, 1, 1]) == pytest.approx(1 / 6)


def test_information_gain_edge_cases():
    assert information_gain([], [], []) == 0.0
    assert information_gain([1, 1], [], [1, 1]) == 0.0


def test_information_gain_rejects_bad_input():
    with pytest.raises(ValueError, match="y_left and y_right"):
        information_gain([0, 1, 1], [0], [1])
    with pytest.raises(ValueError, match="criterion"):
        information_gain([0, 1], [0], [1], criterion="mse")


# ---------------------------------------------------------------- best_split


def test_best_split_simple():
    X = [[1.0], [2.0], [3.0], [4.0]]
    feature, threshold, gain = best_split(X, [0, 0, 1, 1])
    assert (feature, threshold) == (0, 2.5)
    assert gain == pytest.approx(0.5)


def test_best_split_picks_the_informative_feature():
    X = [[5.0, 1.0], [4.0, 2.0], [5.0, 3.0], [4.0, 4.0]]
    feature, threshold, gain = best_split(X, [0, 0, 1, 1], criterion="entropy")
    assert (feature, threshold) == (1, 2.5)
    assert gain == pytest.approx(1.0)


def test_best_split_threshold_halfway_between_distinct_values():
    X = [[0.0], [0.0], [10.0], [10.0], [30.0]]
    feature, threshold, _ = best_split(X, [0, 0, 1, 1, 1])
    assert (feature, threshold) == (0, 5.0)


def test_best_split_min_samples_leaf():
    X = [[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]]
    y = [0, 1, 1, 1, 1, 1]
    assert best_split(X, y)[:2] == (0, 1.5)
    feature, threshold, gain = best_split(X, y, min_samples_leaf=2)
    assert (feature, threshold) == (0, 2.5)
    assert gain == pytest.approx(gini(y) - 2 / 6 * 0.5)
    assert best_split(X, y, min_samples_leaf=4) == (None, None, 0.0)


def test_best_split_ties_go_to_lower_feature_then_lower_threshold():
    # both features separate the classes perfectly: feature 0 wins
    X = [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, 4.0]]
    assert best_split(X[::-1], [1, 1, 0, 0])[:2] == (0, 2.5)
    # one feature, two thresholds with the same gain: the lower wins
    X = [[1.0], [2.0], [3.0], [4.0]]
    y = [0, 1, 1, 0]
    feature, threshold, gain = best_split(X, y)
    assert information_gain(y, y[:1], y[1:]) == pytest.approx(information_gain(y, y[:3], y[3:]))
    assert (feature, threshold) == (0, 1.5)
    assert gain == pytest.approx(information_gain(y, y[:1], y[1:]))


def test_best_split_no_split():
    assert best_split([[2.0], [2.0], [2.0]], [0, 1, 0]) == (None, None, 0.0)
    assert best_split([[1.0]], [0]) == (None, None, 0.0)


def test_best_split_returns_zero_gain_split():
    # XOR: every split has gain 0, a split is still returned
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    feature, threshold, gain = best_split(X, [0, 1, 1, 0])
    assert (feature, threshold) == (0, 0.5)
    assert gain == pytest.approx(0.0)


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("seed", range(4))
def test_best_split_equals_brute_force(criterion, seed):
    """Against every (feature, threshold) scored by information_gain."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 5, size=(25, 3)).astype(float)  # many tied values
    y = rng.integers(0, 3, size=25)
    min_samples_leaf = int(rng.integers(1, 5))
    candidates = []
    for feature in range(X.shape[1]):
        values = np.unique(X[:, feature])
        for threshold in (values[:-1] + values[1:]) / 2:
            left = X[:, feature] <= threshold
            if min(left.sum(), (~left).sum()) >= min_samples_leaf:
                gain = information_gain(y, y[left], y[~left], criterion)
                candidates.append((feature, threshold, gain))
    top = max(gain for _, _, gain in candidates)
    expected = next(c for c in candidates if c[2] >= top - 1e-12)
    feature, threshold, gain = best_split(X, y, criterion, min_samples_leaf)
    assert (feature, threshold) == expected[:2]
    assert gain == pytest.approx(expected[2], abs=1e-12)


def test_best_split_does_not_modify_input():
    X = np.array([[3.0, 1.0], [1.0, 2.0], [2.0, 0.0]])
    y = np.array([1, 0, 1])
    X_copy, y_copy = X.copy(), y.copy()
    best_split(X, y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_best_split_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        best_split([[1.0], [2.0]], [0])
    with pytest.raises(ValueError, match="2-D"):
        best_split([1.0, 2.0], [0, 1])
    with pytest.raises(ValueError, match="NaN"):
        best_split([[np.nan], [2.0]], [0, 1])
    with pytest.raises(ValueError, match="criterion"):
        best_split([[1.0], [2.0]], [0, 1], criterion="log_loss")
    with pytest.raises(ValueError, match="min_samples_leaf"):
        best_split([[1.0], [2.0]], [0, 1], min_samples_leaf=0)


# ---------------------------------------------------------------- Node


def test_node_defaults_and_leaf():
    node = Node()
    assert (node.feature, node.threshold, node.left, node.right,
            node.majority_class, node.class_probs) == (None,) * 6
    assert "majority_class" in repr(Node(majority_class=2))


# ---------------------------------------------------------------- the estimator


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("max_depth, min_samples_leaf", [(None, 1), (3, 1), (None, 7), (5, 3)])
def test_same_tree_as_sklearn_on_one_feature(criterion, max_depth, min_samples_leaf):
    """One continuous feature has no tied candidates: node-by-node equality."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 1))
    y = (np.sin(3 * X[:, 0]) + rng.normal(scale=0.5, size=200) > 0).astype(int)
    params = dict(criterion=criterion, max_depth=max_depth, min_samples_leaf=min_samples_leaf)
    ours = DecisionTreeClassifier(**params).fit(X, y)
    theirs = SklearnTree(random_state=0, **params).fit(X, y).tree_
    nodes = list(_preorder(ours.root_))
    assert len(nodes) == theirs.node_count
    for i, node in enumerate(nodes):
        if node.feature is None:
            assert theirs.children_left[i] == -1
        else:
            assert (node.feature, node.threshold) == (theirs.feature[i], theirs.threshold[i])
        np.testing.assert_allclose(node.class_probs, theirs.value[i, 0], rtol=1e-12)


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("seed", range(3))
def test_splits_equal_sklearn_or_tied(criterion, seed):
    """Every split equals scikit-learn's, or the two are equally good (a tie)."""
    X, y = _blobs(seed)
    ours = DecisionTreeClassifier(criterion, max_depth=8, min_samples_leaf=2).fit(X, y)
    theirs = SklearnTree(criterion=criterion, max_depth=8, min_samples_leaf=2,
                         random_state=seed).fit(X, y).tree_
    X32 = X.astype(np.float32)
    matched, tied = 0, 0
    stack = [(ours.root_, 0, np.arange(len(y)))]
    while stack:
        node, i, rows = stack.pop()
        np.testing.assert_allclose(node.class_probs, theirs.value[i, 0], rtol=1e-12)
        if node.feature is None:
            assert theirs.children_left[i] == -1
            continue
        if (node.feature, node.threshold) != (theirs.feature[i], theirs.threshold[i]):
            ours_left = X32[rows, node.feature] <= node.threshold
            their_left = X32[rows, theirs.feature[i]] <= theirs.threshold[i]
            gains = [information_gain(y[rows], y[rows][left], y[rows][~left], criterion)
                     for left in (ours_left, their_left)]
            assert gains[0] == pytest.approx(gains[1], abs=1e-12)
            tied += 1
            continue
        matched += 1
        left = X32[rows, node.feature] <= node.threshold
        stack.append((node.left, theirs.children_left[i], rows[left]))
        stack.append((node.right, theirs.children_right[i], rows[~left]))
    assert matched >= 20  # the comparison reached well into the tree


def _n_best_splits(X, y, criterion, min_samples_leaf):
    """How many candidate splits of (X, y) reach the best gain (within 1e-12)."""
    def impurity(counts):
        share = counts / counts.sum(axis=-1, keepdims=True)
        if criterion == "gini":
            return 1.0 - np.sum(share**2, axis=-1)
        return -np.sum(share * np.log2(np.where(share > 0, share, 1.0)), axis=-1)

    n = len(y)
    one_hot = np.eye(y.max() + 1)[y]
    sizes = np.arange(min_samples_leaf, n - min_samples_leaf + 1)  # left sizes
    gains = []
    for feature in range(X.shape[1]):
        order = np.argsort(X[:, feature], kind="stable")
        values = X[order, feature]
        left = np.cumsum(one_hot[order], axis=0)[sizes - 1]
        total = one_hot.sum(axis=0)
        gain = impurity(total) - (sizes / n * impurity(left)
                                  + (n - sizes) / n * impurity(total - left))
        gains.append(gain[values[sizes] > values[sizes - 1]])
    gains = np.concatenate(gains)
    return int(np.sum(gains >= gains.max() - 1e-12)) if gains.size else 0


def _tie_free(tree, X, y, criterion, min_samples_leaf):
    """True when every split of a fitted scikit-learn tree had a unique best candidate."""
    stack = [(0, np.arange(len(y)))]
    while stack:
        i, rows = stack.pop()
        if tree.children_left[i] == -1:
            continue
        if _n_best_splits(X[rows], y[rows], criterion, min_samples_leaf) != 1:
            return False
        left = X[rows, tree.feature[i]] <= tree.threshold[i]
        stack += [(tree.children_left[i], rows[left]), (tree.children_right[i], rows[~left])]
    return True


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_predictions_equal_sklearn_on_tie_free_data(criterion):
    """Where no split had tied candidates, predictions and probabilities are equal."""
    X_test = np.random.default_rng(99).normal(size=(500, 4))
    checked = 0
    for seed in range(3):
        X, y = _blobs(seed, n_samples=200)
        X32 = X.astype(np.float32)
        for max_depth, min_samples_leaf in [(2, 1), (3, 4), (4, 5), (5, 10), (None, 20)]:
            params = dict(criterion=criterion, max_depth=max_depth,
                          min_samples_leaf=min_samples_leaf)
            theirs = SklearnTree(random_state=0, **params).fit(X, y)
            if not _tie_free(theirs.tree_, X32, y, criterion, min_samples_leaf):
                continue
            ours = DecisionTreeClassifier(**params).fit(X, y)
            np.testing.assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test),
                                       rtol=1e-12)
            np.testing.assert_array_equal(ours.predict(X_test), theirs.predict(X_test))
            checked += 1
    assert checked >= 5, checked


def test_float32_cast_as_sklearn():
    """Values equal in float32 (or closer than 1e-7) do not split, as in scikit-learn."""
    one32 = np.float32(1.0)
    X = np.array([[1.0], [1.0 + 1e-12], [1.0 + 2e-12], [float(np.nextafter(one32, 2))]])
    y = np.array([0, 1, 0, 1])
    ours = DecisionTreeClassifier().fit(X, y)
    theirs = SklearnTree(random_state=0).fit(X, y)
    assert theirs.tree_.node_count == 1
    assert ours.root_.feature is None
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_zero_gain_split_is_taken():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    tree = DecisionTreeClassifier(max_depth=2).fit(X, y)
    assert tree.root_.feature is not None
    np.testing.assert_array_equal(tree.predict(X), y)


def test_leaf_conditions():
    X = np.arange(10.0).reshape(-1, 1)
    y = np.array([0] * 5 + [1] * 5)
    pure = DecisionTreeClassifier().fit(X, np.zeros(10, dtype=int))
    assert pure.root_.feature is None
    stump = DecisionTreeClassifier(max_depth=1).fit(X, np.arange(10) % 2)
    assert stump.root_.left.feature is None and stump.root_.right.feature is None
    too_few = DecisionTreeClassifier(min_samples_leaf=6).fit(X, y)
    assert too_few.root_.feature is None
    full = DecisionTreeClassifier().fit(X, y)
    assert (full.root_.feature, full.root_.threshold) == (0, 4.5)
    assert full.root_.left.feature is None and full.root_.left.majority_class == 0


def test_arbitrary_labels_and_proba_columns():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
    y = np.array([7, 7, 3, 3, 3])
    tree = DecisionTreeClassifier().fit(X, y)
    np.testing.assert_array_equal(tree.classes_, [3, 7])
    assert tree.n_classes_ == 2
    np.testing.assert_array_equal(tree.predict(X), y)
    np.testing.assert_allclose(tree.predict_proba([[0.2], [3.5]]), [[0.0, 1.0], [1.0, 0.0]])
    words = DecisionTreeClassifier().fit(X, np.array(["dog", "dog", "cat", "cat", "cat"]))
    assert words.predict([[0.0]]).tolist() == ["dog"]
    assert words.root_.left.majority_class == "dog"


def test_majority_tie_goes_to_lowest_class():
    X = np.zeros((4, 1))
    tree = DecisionTreeClassifier().fit(X, ["b", "a", "b", "a"])
    assert tree.root_.majority_class == "a"
    assert tree.predict([[0.0]]).tolist() == ["a"]


def test_fit_sets_attributes_and_returns_self():
    X, y = _blobs(0, n_samples=50)
    tree = DecisionTreeClassifier(max_depth=3)
    assert tree.fit(X, y) is tree
    assert tree.n_features_in_ == 4
    assert isinstance(tree.root_, Node)
    np.testing.assert_array_equal(tree.classes_, [0, 1, 2])


def test_predict_checks_fitted_and_feature_count():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        DecisionTreeClassifier().predict([[0.0]])
    tree = DecisionTreeClassifier().fit(*_blobs(0, n_samples=30))
    with pytest.raises(ValueError, match="X has 3 features, but DecisionTreeClassifier is expecting 4"):
        tree.predict(np.zeros((2, 3)))


def test_input_not_modified():
    X, y = _blobs(1, n_samples=60)
    X32 = X.astype(np.float32)
    copies = X.copy(), y.copy(), X32.copy()
    tree = DecisionTreeClassifier(max_depth=4).fit(X, y)
    tree.predict(X)
    DecisionTreeClassifier().fit(X32, y).predict_proba(X32)
    for array, copy in zip((X, y, X32), copies):
        np.testing.assert_array_equal(array, copy)


@pytest.mark.parametrize("params, name", [
    ({"criterion": "mse"}, "criterion"),
    ({"criterion": None}, "criterion"),
    ({"max_depth": 0}, "max_depth"),
    ({"max_depth": -2}, "max_depth"),
    ({"max_depth": 2.5}, "max_depth"),
    ({"max_depth": "3"}, "max_depth"),
    ({"max_depth": True}, "max_depth"),
    ({"min_samples_leaf": 0}, "min_samples_leaf"),
    ({"min_samples_leaf": 0.1}, "min_samples_leaf"),
])
def test_bad_hyper_parameters_raise_in_fit(params, name):
    tree = DecisionTreeClassifier(**params)  # __init__ only stores them
    with pytest.raises(ValueError, match=name):
        tree.fit([[0.0], [1.0]], [0, 1])


def test_numpy_integer_hyper_parameters():
    X, y = _blobs(2, n_samples=80)
    a = DecisionTreeClassifier(max_depth=np.int64(3), min_samples_leaf=np.int32(2)).fit(X, y)
    b = DecisionTreeClassifier(max_depth=3, min_samples_leaf=2).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_clone_keeps_params_drops_fit():
    tree = DecisionTreeClassifier("entropy", 4, 3).fit(*_blobs(0, n_samples=40))
    copy = clone(tree)
    assert copy.get_params() == {"criterion": "entropy", "max_depth": 4, "min_samples_leaf": 3}
    assert not hasattr(copy, "root_")


@parametrize_with_checks([DecisionTreeClassifier()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------- grid search


GRID = dict(max_depths=range(1, 5), min_samples_leafs=[1, 3, 8], criteria=("gini", "entropy"))


def test_gridsearchcv_with_our_tree():
    X, y = _blobs(3, n_samples=120)
    search = GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1, 3], "criterion": ["gini"]},
                          cv=3).fit(X, y)
    assert search.best_params_["max_depth"] in (1, 3)
    assert search.best_estimator_.predict(X).shape == (120,)


def test_fast_grid_search_equals_gridsearchcv_of_our_tree():
    """The depth-prefix shortcut gives GridSearchCV's numbers exactly."""
    X, y = _blobs(4, n_samples=150)
    fast = grid_search_tree(X, y, cv=3, n_jobs=1, progress=False, **GRID)
    slow = sklearn_grid_search(X, y, cv=3, n_jobs=1, estimator=DecisionTreeClassifier(), **GRID)
    assert fast["mean_test_score"].shape == (2, 4, 3)
    np.testing.assert_array_equal(fast["split_test_scores"], slow["split_test_scores"])
    np.testing.assert_array_equal(fast["mean_test_score"], slow["mean_test_score"])
    np.testing.assert_array_equal(fast["mean_test_score"].ravel(),
                                  slow["search"].cv_results_["mean_test_score"])
    assert fast["best_params"] == slow["best_params"] == slow["search"].best_params_
    assert fast["best_score"] == slow["best_score"]


def test_fast_grid_search_equals_sklearn_tree_without_ties():
    """One continuous feature: no ties, so scikit-learn's own tree gives the same table."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(150, 1))
    y = np.digitize(X[:, 0] + rng.normal(scale=0.6, size=150), [-0.5, 0.5])
    fast = grid_search_tree(X, y, cv=3, n_jobs=2, progress=False, **GRID)
    theirs = sklearn_grid_search(X, y, cv=3, n_jobs=1, **GRID)
    np.testing.assert_array_equal(fast["mean_test_score"], theirs["mean_test_score"])
    assert fast["best_params"] == theirs["best_params"]


def test_grid_search_rejects_bad_grid():
    X, y = _blobs(0, n_samples=30)
    with pytest.raises(ValueError, match="max_depths"):
        grid_search_tree(X, y, max_depths=[0, 1], progress=False)
    with pytest.raises(ValueError, match="criteria"):
        grid_search_tree(X, y, criteria="gini", progress=False)
    with pytest.raises(ValueError, match="min_samples_leaf"):
        grid_search_tree(X, y, min_samples_leafs=[0], progress=False)


@pytest.mark.parametrize("random_state", [0, 3])
def test_fast_grid_search_replays_sklearn_random_state(random_state):
    """With random_state, the table is GridSearchCV's over scikit-learn's tree, ties included."""
    X, y = _blobs(6, n_samples=150)
    X[:4] = X[4]  # duplicated samples: nodes with constant features
    fast = grid_search_tree(X, y, cv=3, n_jobs=1, progress=False, random_state=random_state,
                            **GRID)
    theirs = sklearn_grid_search(X, y, cv=3, n_jobs=1,
                                 estimator=SklearnTree(random_state=random_state), **GRID)
    np.testing.assert_array_equal(fast["split_test_scores"], theirs["split_test_scores"])
    assert fast["best_params"] == theirs["best_params"]
    ours = grid_search_tree(X, y, cv=3, n_jobs=1, progress=False, **GRID)
    assert not np.array_equal(ours["split_test_scores"], theirs["split_test_scores"])  # ties


def test_split_functions_stay_importable_from_tree():
    """The course contract and the autograder import them from fmnist_edu.tree."""
    import fmnist_edu
    from fmnist_edu import tree

    for name in ("gini", "entropy", "information_gain", "best_split"):
        assert getattr(tree, name) is getattr(fmnist_edu, name)


def test_tree_search_imports_no_private_name():
    """tree_search reads the tree through public names only."""
    import ast
    import inspect

    from fmnist_edu import tree_search

    imported = [alias.name for node in ast.walk(ast.parse(inspect.getsource(tree_search)))
                if isinstance(node, ast.ImportFrom) for alias in node.names]
    assert imported and not [name for name in imported if name.startswith("_")]
