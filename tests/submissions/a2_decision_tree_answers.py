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
     "inhomogeneous shape"),  # predict_proba stacks rows of different lengths
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


# Other correct ways of writing each piece (piece, style, source): loops and
# vectorised code, recursion and explicit stacks, thresholds computed
# different ways, helpers inside the answer cell. Every one must score full
# over any student id (tests/test_grading_corpus.py, benchmarks/grading_accuracy.py).
CORRECT_VARIANTS = [
    ("gini", "np.bincount", '''
def gini(y):
    if y.size == 0:
        return 0.0
    p = np.bincount(y) / y.size
    return float(1 - np.dot(p, p))
'''),
    ("gini", "dict of counts, sum p(1-p)", '''
def gini(y):
    counts = {}
    for label in y:
        counts[label] = counts.get(label, 0) + 1
    n = len(y)
    return sum((c / n) * (1 - c / n) for c in counts.values())
'''),
    ("entropy", "collections.Counter and math.log2", '''
import math
from collections import Counter

def entropy(y):
    n = len(y)
    return -sum(c / n * math.log2(c / n) for c in Counter(y.tolist()).values()) if n else 0.0
'''),
    ("entropy", "bincount with the zero shares masked out", '''
def entropy(y):
    if len(y) == 0:
        return 0.0
    p = np.bincount(y) / len(y)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum() / np.log(2))
'''),
    ("information_gain", "dict of impurity functions", '''
def information_gain(y, y_left, y_right, criterion="gini"):
    impurity = {"gini": gini, "entropy": entropy}[criterion]
    n = len(y)
    children = (len(y_left) * impurity(y_left) + len(y_right) * impurity(y_right)) / n
    return impurity(y) - children
'''),
    ("best_split", "vectorised with cumulative class counts", '''
def _impurities(counts, criterion):
    n = counts.sum(axis=1, keepdims=True)
    p = counts / np.maximum(n, 1)
    if criterion == "gini":
        return 1 - (p ** 2).sum(axis=1)
    logs = np.log2(np.where(p > 0, p, 1.0))
    return -(p * logs).sum(axis=1)

def best_split(X, y, criterion="gini", min_samples_leaf=1):
    n, d = X.shape
    classes, index = np.unique(y, return_inverse=True)
    onehot = np.eye(len(classes))[index]
    parent = _impurities(onehot.sum(axis=0, keepdims=True), criterion)[0]
    best_feature, best_threshold, best_gain = None, None, -np.inf
    for j in range(d):
        order = np.argsort(X[:, j], kind="stable")
        xs = X[order, j]
        left = np.cumsum(onehot[order], axis=0)[:-1]
        right = onehot.sum(axis=0) - left
        n_left = np.arange(1, n)
        ok = (xs[1:] != xs[:-1]) & (n_left >= min_samples_leaf) & (n - n_left >= min_samples_leaf)
        if not ok.any():
            continue
        gains = parent - (n_left * _impurities(left, criterion)
                          + (n - n_left) * _impurities(right, criterion)) / n
        gains = np.where(ok, gains, -np.inf)
        i = int(np.flatnonzero(gains >= gains.max() - 1e-12)[0])  # ties: the lowest threshold
        if gains[i] > best_gain + 1e-12:
            best_feature, best_threshold, best_gain = j, (xs[i] + xs[i + 1]) / 2, float(gains[i])
    if best_feature is None:
        return None, None, 0.0
    return best_feature, best_threshold, best_gain
'''),
    ("best_split", "threshold a + (b - a) / 2, candidates in a list", '''
def best_split(X, y, criterion="gini", min_samples_leaf=1):
    candidates = []
    for feature in range(X.shape[1]):
        values = sorted(set(X[:, feature].tolist()))
        for a, b in zip(values, values[1:]):
            threshold = a + (b - a) / 2
            mask = X[:, feature] <= threshold
            if min(mask.sum(), (~mask).sum()) < min_samples_leaf:
                continue
            candidates.append((feature, threshold,
                               information_gain(y, y[mask], y[~mask], criterion)))
    if not candidates:
        return (None, None, 0.0)
    best = candidates[0]
    for candidate in candidates[1:]:
        if candidate[2] > best[2] + 1e-12:
            best = candidate
    return best
'''),
    ("best_split", "np.mean of the pair, sorted copy, isclose ties", '''
def best_split(X, y, criterion="gini", min_samples_leaf=1):
    best_gain, best_feature, best_threshold = None, None, None
    for f in range(X.shape[1]):
        xs = np.sort(X[:, f])
        for i in range(len(xs) - 1):
            if xs[i] == xs[i + 1]:
                continue
            t = np.mean([xs[i], xs[i + 1]])
            go_left = X[:, f] <= t
            if go_left.sum() < min_samples_leaf or (~go_left).sum() < min_samples_leaf:
                continue
            g = information_gain(y, y[go_left], y[~go_left], criterion=criterion)
            if best_gain is None or (g > best_gain and not np.isclose(g, best_gain, rtol=0, atol=1e-12)):
                best_gain, best_feature, best_threshold = g, f, float(t)
    if best_gain is None:
        return None, None, 0.0
    return best_feature, best_threshold, best_gain
'''),
    ("DecisionTreeClassifier", "explicit stack instead of recursion", '''
class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, criterion="gini", max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.root_ = self._grow(X, y, 0)
        return self

    def _grow(self, X, y, depth):
        limit = np.inf if self.max_depth is None else self.max_depth
        root = Node()
        stack = [(root, np.arange(len(y)), depth)]
        while stack:
            node, rows, level = stack.pop()
            counts = np.array([np.sum(y[rows] == c) for c in self.classes_])
            node.class_probs = counts / counts.sum()
            node.majority_class = self.classes_[np.argmax(counts)]
            if np.count_nonzero(counts) == 1 or level >= limit:
                continue
            feature, threshold, _ = best_split(X[rows], y[rows], self.criterion,
                                               self.min_samples_leaf)
            if feature is None:
                continue
            left = X[rows, feature] <= threshold
            node.feature, node.threshold = feature, threshold
            node.left, node.right = Node(), Node()
            stack.append((node.right, rows[~left], level + 1))
            stack.append((node.left, rows[left], level + 1))
        return root

    def _traverse(self, x):
        node = self.root_
        while node.feature is not None:
            node = node.left if x[node.feature] <= node.threshold else node.right
        return node

    def predict_proba(self, X):
        return np.array([self._traverse(x).class_probs for x in X])

    def predict(self, X):
        return np.array([self._traverse(x).majority_class for x in X])
'''),
    ("DecisionTreeClassifier", "recursive _traverse, class probabilities as a dict in a helper", '''
def _probs_of(y, classes):
    counts = {c: 0 for c in classes}
    for label in y:
        counts[label] += 1
    return np.array([counts[c] / len(y) for c in classes])


class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, criterion="gini", max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_features_in_ = X.shape[1]
        self.root_ = self._grow(X, y, depth=0)
        return self

    def _grow(self, X, y, depth):
        probs = _probs_of(y, self.classes_)
        node = Node(class_probs=probs, majority_class=self.classes_[int(np.argmax(probs))])
        if probs.max() == 1.0 or (self.max_depth is not None and depth == self.max_depth):
            return node
        feature, threshold, _ = best_split(X, y, criterion=self.criterion,
                                           min_samples_leaf=self.min_samples_leaf)
        if feature is not None:
            mask = X[:, feature] <= threshold
            node.feature, node.threshold = feature, threshold
            node.left = self._grow(X[mask], y[mask], depth + 1)
            node.right = self._grow(X[~mask], y[~mask], depth + 1)
        return node

    def _traverse(self, node, x):
        if node.feature is None:
            return node
        child = node.left if x[node.feature] <= node.threshold else node.right
        return self._traverse(child, x)

    def predict_proba(self, X):
        return np.vstack([self._traverse(self.root_, x).class_probs for x in X])

    def predict(self, X):
        return np.array([self._traverse(self.root_, x).majority_class for x in X])
'''),
    ("DecisionTreeClassifier", "labels mapped to indices, max_depth=None turned into inf in fit", _edit(_edit(TREE,
        '''        self.root_ = self._grow(X, y, 0)''',
        '''        self._limit = float("inf") if self.max_depth is None else self.max_depth
        self.root_ = self._grow(X, np.searchsorted(self.classes_, y), 0)'''),
        '''        counts = np.array([np.sum(y == c) for c in self.classes_])
        node = Node(majority_class=self.classes_[np.argmax(counts)],
                    class_probs=counts / len(y))
        if len(np.unique(y)) == 1:
            return node
        if self.max_depth is not None and depth >= self.max_depth:
            return node''',
        '''        counts = np.bincount(y, minlength=len(self.classes_))
        node = Node(majority_class=self.classes_[np.argmax(counts)],
                    class_probs=counts / len(y))
        if len(np.unique(y)) == 1 or depth >= self._limit:
            return node''')),
]

BUGGY += [
    ("DecisionTreeClassifier", "__init__ turns max_depth=None into np.inf (get_params, clone)",
     _edit(TREE, "        self.max_depth = max_depth\n",
           "        self.max_depth = np.inf if max_depth is None else max_depth\n"),
     "get_params and clone with the default arguments"),
]
