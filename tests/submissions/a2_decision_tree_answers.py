"""Answers to assignment 2 as students write them: one correct set and realistic bugs.

``CORRECT`` maps each piece to the source of a correct answer cell, written the
plain way a student would (a loop over thresholds that calls
``information_gain``; slower than the notebook's own solution, which the
tests check separately). ``BUGGY`` lists ``(piece, bug name, source, expected
message fragment)``: the source replaces that piece's answer cell, and the
grader's message must contain the fragment. ``BANNED`` holds answers that use a
reference implementation. The answers run after the notebook's given cells
(numpy as np, BaseEstimator, ClassifierMixin, check_is_fitted, Node).
"""

GINI = '''
def gini(y):
    y = np.asarray(y)
    if len(y) == 0:
        return 0.0
    _, counts = np.unique(y, return_counts=True)
    p = counts / len(y)
    return 1.0 - np.sum(p ** 2)
'''

ENTROPY = '''
def entropy(y):
    y = np.asarray(y)
    if len(y) == 0:
        return 0.0
    _, counts = np.unique(y, return_counts=True)
    p = counts / len(y)
    return -np.sum(p * np.log2(p))
'''

INFORMATION_GAIN = '''
def information_gain(y, y_left, y_right, criterion="gini"):
    impurity = gini if criterion == "gini" else entropy
    n = len(y)
    if n == 0:
        return 0.0
    return impurity(y) - (len(y_left) / n * impurity(y_left)
                          + len(y_right) / n * impurity(y_right))
'''

BEST_SPLIT = '''
def best_split(X, y, criterion="gini", min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    n, d = X.shape
    best = (None, None, 0.0)
    best_gain = -np.inf
    for feature in range(d):
        values = np.unique(X[:, feature])
        for a, b in zip(values[:-1], values[1:]):
            threshold = (a + b) / 2
            left = X[:, feature] <= threshold
            n_left = np.sum(left)
            if n_left < min_samples_leaf or n - n_left < min_samples_leaf:
                continue
            gain = information_gain(y, y[left], y[~left], criterion)
            if gain > best_gain + 1e-12:
                best_gain = gain
                best = (feature, threshold, gain)
    return best
'''

TREE = '''
class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, criterion="gini", max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        self.n_features_in_ = X.shape[1]
        self.root_ = self._grow(X, y, 0)
        return self

    def _grow(self, X, y, depth):
        counts = np.array([np.sum(y == c) for c in self.classes_])
        node = Node(majority_class=self.classes_[np.argmax(counts)],
                    class_probs=counts / len(y))
        if len(np.unique(y)) == 1:
            return node
        if self.max_depth is not None and depth >= self.max_depth:
            return node
        feature, threshold, gain = best_split(X, y, self.criterion, self.min_samples_leaf)
        if feature is None:
            return node
        left = X[:, feature] <= threshold
        node.feature = feature
        node.threshold = threshold
        node.left = self._grow(X[left], y[left], depth + 1)
        node.right = self._grow(X[~left], y[~left], depth + 1)
        return node

    def _traverse(self, node, x):
        while node.feature is not None:
            if x[node.feature] <= node.threshold:
                node = node.left
            else:
                node = node.right
        return node.class_probs

    def predict_proba(self, X):
        check_is_fitted(self)
        X = np.asarray(X, dtype=float)
        return np.array([self._traverse(self.root_, x) for x in X])

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
'''

CORRECT = {
    "gini": GINI,
    "entropy": ENTROPY,
    "information_gain": INFORMATION_GAIN,
    "best_split": BEST_SPLIT,
    "DecisionTreeClassifier": TREE,
}


def _edit(source, old, new):
    """`source` with `old` replaced by `new` (which must occur exactly once)."""
    assert source.count(old) == 1, old
    return source.replace(old, new)


BUGGY = [
    # --- gini
    ("gini", "1 - sum(p) instead of 1 - sum(p**2)",
     _edit(GINI, "np.sum(p ** 2)", "np.sum(p)"),
     "1 - sum(p) is always 0"),
    ("gini", "counts instead of shares",
     _edit(GINI, "np.sum(p ** 2)", "np.sum(counts ** 2)"),
     "not the counts"),
    ("gini", "no special case for an empty array (gives 1.0)",
     _edit(GINI, "    if len(y) == 0:\n        return 0.0\n", ""),
     "an empty array has impurity 0.0"),
    ("gini", "sorts its input in place",
     _edit(GINI, "    y = np.asarray(y)\n", "    y = np.asarray(y)\n    y.sort()\n"),
     "modified its input"),
    # --- entropy
    ("entropy", "natural log (nats)",
     _edit(ENTROPY, "np.log2(p)", "np.log(p)"),
     "nats"),
    ("entropy", "bincount keeps absent classes: 0 * log(0) = nan",
     _edit(ENTROPY, "_, counts = np.unique(y, return_counts=True)", "counts = np.bincount(y)"),
     "0 log 0 counts as 0"),
    ("entropy", "sign flipped",
     _edit(ENTROPY, "return -np.sum(", "return np.sum("),
     "the sign is flipped"),
    ("entropy", "log base 10",
     _edit(ENTROPY, "np.log2(p)", "np.log10(p)"),
     "log base 10"),
    # --- information_gain
    ("information_gain", "children not weighted by their size",
     _edit(INFORMATION_GAIN,
           "(len(y_left) / n * impurity(y_left)\n                          + len(y_right) / n * impurity(y_right))",
           "(impurity(y_left) + impurity(y_right)) / 2"),
     "weight each child's impurity by its share"),
    ("information_gain", "weights of the children swapped",
     _edit(INFORMATION_GAIN, "len(y_left) / n * impurity(y_left)", "len(y_right) / n * impurity(y_left)")
     .replace("+ len(y_right) / n * impurity(y_right)", "+ len(y_left) / n * impurity(y_right)"),
     "children of different sizes are weighted"),
    ("information_gain", "criterion ignored (always gini)",
     _edit(INFORMATION_GAIN, 'impurity = gini if criterion == "gini" else entropy', "impurity = gini"),
     "must use your entropy, not gini"),
    ("information_gain", "children minus parent",
     _edit(INFORMATION_GAIN, "return impurity(y) - (", "return -impurity(y) + ("),
     "the sign is flipped"),
    # --- best_split
    ("best_split", "threshold at the lower value instead of the midpoint",
     _edit(BEST_SPLIT, "threshold = (a + b) / 2", "threshold = a"),
     "one of the data values"),
    ("best_split", "threshold at the upper value with '<' instead of '<='",
     _edit(BEST_SPLIT, "threshold = (a + b) / 2", "threshold = b")
     .replace("left = X[:, feature] <= threshold", "left = X[:, feature] < threshold"),
     "one of the data values"),
    ("best_split", "min_samples_leaf ignored",
     _edit(BEST_SPLIT, "            if n_left < min_samples_leaf or n - n_left < min_samples_leaf:\n"
                       "                continue\n", ""),
     "min_samples_leaf=2"),
    ("best_split", "ties keep the last candidate (>=)",
     _edit(BEST_SPLIT, "if gain > best_gain + 1e-12:", "if gain >= best_gain:"),
     "ties go to the lower feature index, then the lower threshold"),
    ("best_split", "search starts at gain 0: a zero-gain split becomes None",
     _edit(BEST_SPLIT, "best_gain = -np.inf", "best_gain = 0.0"),
     "a split whose gain is 0 is still a split"),
    ("best_split", "repeated values not skipped",
     _edit(BEST_SPLIT, "values = np.unique(X[:, feature])", "values = np.sort(X[:, feature])"),
     "repeated values"),
    # --- the tree
    ("DecisionTreeClassifier", "max_depth off by one (depth > max_depth)",
     _edit(TREE, "depth >= self.max_depth", "depth > self.max_depth"),
     "one level too deep"),
    ("DecisionTreeClassifier", "min_samples_leaf not passed to best_split",
     _edit(TREE, "best_split(X, y, self.criterion, self.min_samples_leaf)",
           "best_split(X, y, self.criterion)"),
     "fewer than min_samples_leaf=5"),
    ("DecisionTreeClassifier", "stops when the best gain is 0",
     _edit(TREE, "if feature is None:", "if feature is None or gain <= 0:"),
     "stopped at the root"),
    ("DecisionTreeClassifier", "classes_ in order of first appearance (columns not sorted)",
     _edit(TREE, "self.classes_ = np.unique(y)", "self.classes_ = np.array(list(dict.fromkeys(y.tolist())))"),
     "classes_ must be the sorted distinct labels"),
    ("DecisionTreeClassifier", "class_probs only over the classes present in the node",
     _edit(TREE, "counts = np.array([np.sum(y == c) for c in self.classes_])",
           "_, counts = np.unique(y, return_counts=True)")
     .replace("majority_class=self.classes_[np.argmax(counts)]",
              "majority_class=np.unique(y)[np.argmax(counts)]"),
     "every node needs one share per class"),
    ("DecisionTreeClassifier", "majority by Counter.most_common (ties to the first seen)",
     _edit(TREE, "    def predict(self, X):\n        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]\n",
           "    def predict(self, X):\n"
           "        out = []\n"
           "        for x in np.asarray(X, dtype=float):\n"
           "            node = self.root_\n"
           "            while node.feature is not None:\n"
           "                node = node.left if x[node.feature] <= node.threshold else node.right\n"
           "            out.append(node.majority_class)\n"
           "        return np.array(out)\n")
     .replace("node = Node(majority_class=self.classes_[np.argmax(counts)],",
              "from collections import Counter\n"
              "        node = Node(majority_class=Counter(y.tolist()).most_common(1)[0][0],"),
     "predicts the lower class"),
    ("DecisionTreeClassifier", "fit does not return self",
     _edit(TREE, "        self.root_ = self._grow(X, y, 0)\n        return self\n",
           "        self.root_ = self._grow(X, y, 0)\n"),
     "fit(X, y) must return self"),
    ("DecisionTreeClassifier", "__init__ renames its parameters (clone breaks)",
     TREE.replace("self.max_depth = max_depth", "self.depth = max_depth")
     .replace("self.max_depth is not None and depth >= self.max_depth",
              "self.depth is not None and depth >= self.depth"),
     "GridSearchCV"),
]

BANNED = [
    ("gini", "imports the course's reference",
     "from fmnist_edu.tree import gini\n",
     "reference implementation"),
    ("DecisionTreeClassifier", "wraps sklearn.tree",
     '''
from sklearn.tree import DecisionTreeClassifier as _SkTree


class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, criterion="gini", max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def fit(self, X, y):
        self.tree_ = _SkTree(criterion=self.criterion, max_depth=self.max_depth,
                             min_samples_leaf=self.min_samples_leaf).fit(X, y)
        self.classes_ = self.tree_.classes_
        return self

    def predict_proba(self, X):
        return self.tree_.predict_proba(X)

    def predict(self, X):
        return self.tree_.predict(X)
''',
     "sklearn.tree"),
]
