"""Six of the similarity corpus's independent a2 answers (the other six: ``a2_similarity_honest_2``).

Each student's answers were written apart from every other's, in a style of
their own (amara and goran both wrote the textbook ``gini`` and ``entropy``,
as many students do: the short pieces two honest students can share whole);
every answer is correct (``tests/test_similarity.py`` runs them
against the reference on small data). They run after the notebook's given
cells (numpy as np, BaseEstimator, ClassifierMixin, check_is_fitted, Node).
"""

AMARA = {  # numpy.unique, a loop over the unique values' midpoints, a recursive tree
    "gini": '''
def gini(y):
    y = np.asarray(y)
    if y.size == 0:
        return 0.0
    _, counts = np.unique(y, return_counts=True)
    p = counts / y.size
    return float(1.0 - np.sum(p ** 2))
''',
    "entropy": '''
def entropy(y):
    y = np.asarray(y)
    if y.size == 0:
        return 0.0
    _, counts = np.unique(y, return_counts=True)
    p = counts / y.size
    return float(-np.sum(p * np.log2(p)))
''',
    "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    measure = gini if criterion == "gini" else entropy
    n = len(y)
    if n == 0:
        return 0.0
    w_left = len(y_left) / n
    w_right = len(y_right) / n
    return measure(y) - w_left * measure(y_left) - w_right * measure(y_right)
''',
    "best_split": '''
def best_split(X, y, criterion="gini", min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    best_feature, best_threshold, best_gain = None, None, -np.inf
    for j in range(X.shape[1]):
        column = X[:, j]
        levels = np.unique(column)
        midpoints = (levels[:-1] + levels[1:]) / 2
        for t in midpoints:
            mask = column <= t
            n_left = int(mask.sum())
            if n_left < min_samples_leaf or len(y) - n_left < min_samples_leaf:
                continue
            g = information_gain(y, y[mask], y[~mask], criterion)
            if g > best_gain + 1e-12:
                best_feature, best_threshold, best_gain = j, float(t), g
    if best_feature is None:
        return None, None, 0.0
    return best_feature, best_threshold, float(best_gain)
''',
    "DecisionTreeClassifier": '''
class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, criterion="gini", max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        self.n_features_in_ = X.shape[1]
        self.root_ = self._grow(X, codes, depth=0)
        return self

    def _grow(self, X, codes, depth):
        tally = np.bincount(codes, minlength=len(self.classes_))
        node = Node(majority_class=self.classes_[tally.argmax()], class_probs=tally / tally.sum())
        reached = self.max_depth is not None and depth >= self.max_depth
        if reached or (tally > 0).sum() == 1:
            return node
        feature, threshold, _ = best_split(X, codes, self.criterion, self.min_samples_leaf)
        if feature is None:
            return node
        go = X[:, feature] <= threshold
        node.feature, node.threshold = feature, threshold
        node.left = self._grow(X[go], codes[go], depth + 1)
        node.right = self._grow(X[~go], codes[~go], depth + 1)
        return node

    def _traverse(self, node, x):
        if node.feature is None:
            return node.class_probs
        child = node.left if x[node.feature] <= node.threshold else node.right
        return self._traverse(child, x)

    def predict_proba(self, X):
        check_is_fitted(self)
        X = np.asarray(X, dtype=float)
        return np.vstack([self._traverse(self.root_, row) for row in X])

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
''',
}

BJORN = {  # plain Python: Counter, math.log2, sorted (value, row) pairs
    "gini": '''
from collections import Counter


def gini(y):
    total = len(y)
    if total == 0:
        return 0.0
    tally = Counter(np.asarray(y).tolist())
    return 1.0 - sum((c / total) ** 2 for c in tally.values())
''',
    "entropy": '''
import math
from collections import Counter


def entropy(y):
    total = len(y)
    if total == 0:
        return 0.0
    h = 0.0
    for c in Counter(np.asarray(y).tolist()).values():
        share = c / total
        h -= share * math.log2(share)
    return h
''',
    "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    if criterion == "gini":
        f = gini
    elif criterion == "entropy":
        f = entropy
    else:
        raise ValueError(f"unknown criterion {criterion!r}")
    total = len(y)
    if total == 0:
        return 0.0
    weighted = (len(y_left) * f(y_left) + len(y_right) * f(y_right)) / total
    return f(y) - weighted
''',
    "best_split": '''
def best_split(X, y, criterion="gini", min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    n_rows, n_cols = X.shape
    result = (None, None, 0.0)
    top = None
    for col in range(n_cols):
        pairs = sorted(zip(X[:, col].tolist(), range(n_rows)))
        for pos in range(min_samples_leaf, n_rows - min_samples_leaf + 1):
            lo, hi = pairs[pos - 1][0], pairs[pos][0]
            if lo == hi:
                continue
            left_rows = [i for _, i in pairs[:pos]]
            right_rows = [i for _, i in pairs[pos:]]
            score = information_gain(y, y[left_rows], y[right_rows], criterion)
            if top is None or score > top + 1e-12:
                top = score
                result = (col, (lo + hi) / 2, score)
    return result
''',
    "DecisionTreeClassifier": '''
class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, criterion="gini", max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def _leaf_stats(self, y):
        counts = [int(np.sum(y == label)) for label in self.classes_]
        best = 0
        for k in range(1, len(counts)):
            if counts[k] > counts[best]:
                best = k
        return self.classes_[best], np.array(counts, dtype=float) / len(y)

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        self.classes_ = np.array(sorted(set(y.tolist())))
        self.n_features_in_ = X.shape[1]
        self.root_ = self._grow(X, y, 0)
        return self

    def _grow(self, X, y, depth):
        majority, probs = self._leaf_stats(y)
        here = Node(majority_class=majority, class_probs=probs)
        if len(set(y.tolist())) == 1:
            return here
        if self.max_depth is not None and depth == self.max_depth:
            return here
        feature, threshold, gain = best_split(X, y, criterion=self.criterion,
                                              min_samples_leaf=self.min_samples_leaf)
        if feature is None:
            return here
        here.feature = feature
        here.threshold = threshold
        on_left = X[:, feature] <= threshold
        here.left = self._grow(X[on_left], y[on_left], depth + 1)
        here.right = self._grow(X[~on_left], y[~on_left], depth + 1)
        return here

    def _traverse(self, node, x):
        current = node
        while current.left is not None:
            if x[current.feature] <= current.threshold:
                current = current.left
            else:
                current = current.right
        return current.class_probs

    def predict_proba(self, X):
        check_is_fitted(self, "root_")
        rows = np.asarray(X, dtype=float)
        out = np.zeros((len(rows), len(self.classes_)))
        for r in range(len(rows)):
            out[r] = self._traverse(self.root_, rows[r])
        return out

    def predict(self, X):
        probs = self.predict_proba(X)
        return np.array([self.classes_[int(np.argmax(p))] for p in probs])
''',
}

CHEN = {  # bincount, cumulative class counts per sorted feature (vectorised)
    "gini": '''
def gini(y):
    labels = np.asarray(y, dtype=int)
    if not len(labels):
        return 0.0
    shares = np.bincount(labels) / len(labels)
    return float(1 - np.dot(shares, shares))
''',
    "entropy": '''
def entropy(y):
    labels = np.asarray(y, dtype=int)
    if not len(labels):
        return 0.0
    shares = np.bincount(labels) / len(labels)
    shares = shares[shares > 0]
    return float(np.dot(shares, -np.log2(shares)))
''',
    "information_gain": '''
IMPURITY = {"gini": lambda labels: gini(labels), "entropy": lambda labels: entropy(labels)}


def information_gain(y, y_left, y_right, criterion="gini"):
    impurity = IMPURITY[criterion]
    sizes = np.array([len(y_left), len(y_right)], dtype=float)
    if sizes.sum() == 0:
        return 0.0
    children = np.array([impurity(y_left), impurity(y_right)])
    return float(impurity(y) - sizes @ children / sizes.sum())
''',
    "best_split": '''
def _impurity_rows(counts, criterion):
    totals = counts.sum(axis=1, keepdims=True)
    p = counts / np.where(totals == 0, 1, totals)
    if criterion == "gini":
        return 1.0 - np.einsum("ij,ij->i", p, p)
    safe = np.where(p > 0, p, 1.0)
    return -np.einsum("ij,ij->i", p, np.log2(safe))


def best_split(X, y, criterion="gini", min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    _, codes = np.unique(np.asarray(y), return_inverse=True)
    m = len(codes)
    indicator = np.eye(codes.max() + 1 if m else 1)[codes]
    total = indicator.sum(axis=0)
    root = _impurity_rows(total[None, :], criterion)[0]
    sizes = np.arange(1, m)
    winner = (None, None, 0.0)
    record = -np.inf
    for f in range(X.shape[1]):
        order = np.argsort(X[:, f], kind="mergesort")
        sorted_x = X[order, f]
        below = np.cumsum(indicator[order], axis=0)[:-1]
        above = total - below
        gains = root - (sizes * _impurity_rows(below, criterion)
                        + (m - sizes) * _impurity_rows(above, criterion)) / m
        valid = (np.diff(sorted_x) > 0) & (sizes >= min_samples_leaf) & (m - sizes >= min_samples_leaf)
        if not valid.any():
            continue
        gains[~valid] = -np.inf
        i = int(np.argmax(gains >= gains.max() - 1e-12))
        if gains[i] > record + 1e-12:
            record = gains[i]
            winner = (f, float((sorted_x[i] + sorted_x[i + 1]) / 2), float(gains[i]))
    return winner
''',
    "DecisionTreeClassifier": '''
class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, criterion="gini", max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def fit(self, X, y):
        features = np.asarray(X, dtype=float)
        self.classes_ = np.unique(y)
        encoded = np.searchsorted(self.classes_, np.asarray(y))
        self.n_features_in_ = features.shape[1]
        self.root_ = self._grow(features, encoded, 0)
        return self

    def _grow(self, X, labels, depth):
        hist = np.bincount(labels, minlength=self.classes_.size)
        node = Node(majority_class=self.classes_[int(np.argmax(hist))],
                    class_probs=hist / labels.size)
        pure = np.count_nonzero(hist) <= 1
        too_deep = self.max_depth is not None and depth >= self.max_depth
        if pure or too_deep:
            return node
        split = best_split(X, labels, self.criterion, self.min_samples_leaf)
        if split[0] is None:
            return node
        node.feature, node.threshold = split[0], split[1]
        side = X[:, node.feature] <= node.threshold
        node.left = self._grow(X[side], labels[side], depth + 1)
        node.right = self._grow(X[~side], labels[~side], depth + 1)
        return node

    def _traverse(self, node, x):
        while node.feature is not None:
            node = (node.left, node.right)[int(x[node.feature] > node.threshold)]
        return node.class_probs

    def predict_proba(self, X):
        check_is_fitted(self)
        return np.array([self._traverse(self.root_, x) for x in np.asarray(X, dtype=float)])

    def predict(self, X):
        return np.take(self.classes_, np.argmax(self.predict_proba(X), axis=1))
''',
}

DILNOZA = {  # while loops and explicit indices throughout
    "gini": '''
def gini(y):
    n = len(y)
    if n == 0:
        return 0.0
    seen = {}
    i = 0
    while i < n:
        key = y[i]
        seen[key] = seen.get(key, 0) + 1
        i += 1
    result = 1.0
    for count in seen.values():
        result = result - (count / n) * (count / n)
    return result
''',
    "entropy": '''
def entropy(y):
    n = len(y)
    if n == 0:
        return 0.0
    seen = {}
    i = 0
    while i < n:
        seen[y[i]] = seen.get(y[i], 0) + 1
        i += 1
    result = 0.0
    for count in seen.values():
        prob = count / n
        result = result - prob * np.log2(prob)
    return float(result)
''',
    "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    n = len(y)
    if n == 0:
        return 0.0
    if criterion == "entropy":
        parent, left, right = entropy(y), entropy(y_left), entropy(y_right)
    else:
        parent, left, right = gini(y), gini(y_left), gini(y_right)
    return parent - (len(y_left) / n * left + len(y_right) / n * right)
''',
    "best_split": '''
def best_split(X, y, criterion="gini", min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    n_samples = X.shape[0]
    n_features = X.shape[1]
    best = None
    feature = 0
    while feature < n_features:
        values = np.sort(X[:, feature])
        k = 0
        while k < n_samples - 1:
            if values[k] != values[k + 1]:
                threshold = (values[k] + values[k + 1]) / 2.0
                goes_left = X[:, feature] <= threshold
                size_left = np.count_nonzero(goes_left)
                size_right = n_samples - size_left
                if size_left >= min_samples_leaf and size_right >= min_samples_leaf:
                    gain = information_gain(y, y[goes_left], y[~goes_left], criterion)
                    if best is None or gain > best[2] + 1e-12:
                        best = (feature, threshold, gain)
            k += 1
        feature += 1
    if best is None:
        return (None, None, 0.0)
    return (best[0], float(best[1]), float(best[2]))
''',
    "DecisionTreeClassifier": '''
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
        n_classes = len(self.classes_)
        counts = np.zeros(n_classes)
        c = 0
        while c < n_classes:
            counts[c] = np.sum(y == self.classes_[c])
            c += 1
        node = Node()
        node.majority_class = self.classes_[np.argmax(counts)]
        node.class_probs = counts / len(y)
        if np.sum(counts > 0) == 1:
            return node
        if self.max_depth is not None:
            if depth >= self.max_depth:
                return node
        f, t, g = best_split(X, y, self.criterion, self.min_samples_leaf)
        if f is None:
            return node
        node.feature = f
        node.threshold = t
        mask = X[:, f] <= t
        node.left = self._grow(X[mask], y[mask], depth + 1)
        node.right = self._grow(X[~mask], y[~mask], depth + 1)
        return node

    def _traverse(self, node, x):
        while True:
            if node.feature is None:
                return node.class_probs
            if x[node.feature] <= node.threshold:
                node = node.left
            else:
                node = node.right

    def predict_proba(self, X):
        check_is_fitted(self)
        X = np.asarray(X, dtype=float)
        result = np.zeros((X.shape[0], len(self.classes_)))
        i = 0
        while i < X.shape[0]:
            result[i, :] = self._traverse(self.root_, X[i])
            i += 1
        return result

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
''',
}

EMEKA = {  # small helpers (_shares, _score), comprehensions, a majority helper
    "gini": '''
def _shares(y):
    values = np.asarray(y)
    return np.array([np.mean(values == c) for c in np.unique(values)])


def gini(y):
    return 0.0 if len(y) == 0 else float(1 - sum(s ** 2 for s in _shares(y)))
''',
    "entropy": '''
def entropy(y):
    if len(y) == 0:
        return 0.0
    return float(sum(-s * np.log2(s) for s in _shares(y)))
''',
    "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    score = {"gini": gini, "entropy": entropy}[criterion]
    if len(y) == 0:
        return 0.0
    parts = [(len(part) / len(y)) * score(part) for part in (y_left, y_right)]
    return score(y) - sum(parts)
''',
    "best_split": '''
def _candidates(column):
    distinct = np.unique(column)
    return [(lo + hi) / 2 for lo, hi in zip(distinct, distinct[1:])]


def best_split(X, y, criterion="gini", min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    champion = (None, None, 0.0)
    champion_gain = float("-inf")
    for feature_index in range(X.shape[1]):
        for threshold in _candidates(X[:, feature_index]):
            left = X[:, feature_index] <= threshold
            if min(left.sum(), (~left).sum()) < min_samples_leaf:
                continue
            gain = information_gain(y, y[left], y[~left], criterion)
            if gain - champion_gain > 1e-12:
                champion_gain = gain
                champion = (feature_index, float(threshold), float(gain))
    return champion
''',
    "DecisionTreeClassifier": '''
class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, criterion="gini", max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def _make_node(self, y):
        probs = np.array([np.mean(y == c) for c in self.classes_])
        return Node(majority_class=self.classes_[np.argmax(probs)], class_probs=probs)

    def _should_stop(self, y, depth):
        if np.unique(y).size == 1:
            return True
        return self.max_depth is not None and depth >= self.max_depth

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        self.classes_ = np.unique(y)
        self.n_features_in_ = X.shape[1]
        self.root_ = self._grow(X, y, 0)
        return self

    def _grow(self, X, y, depth):
        node = self._make_node(y)
        if self._should_stop(y, depth):
            return node
        feature, threshold, _ = best_split(X, y, self.criterion, self.min_samples_leaf)
        if feature is None:
            return node
        node.feature, node.threshold = feature, threshold
        left = X[:, feature] <= threshold
        node.left, node.right = (self._grow(X[left], y[left], depth + 1),
                                 self._grow(X[~left], y[~left], depth + 1))
        return node

    def _traverse(self, node, x):
        return node.class_probs if node.feature is None else self._traverse(
            node.left if x[node.feature] <= node.threshold else node.right, x)

    def predict_proba(self, X):
        check_is_fitted(self)
        return np.array([self._traverse(self.root_, x) for x in np.asarray(X, dtype=float)])

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
''',
}

FARAH = {  # functional: map, lambda, functools.reduce, itertools
    "gini": '''
def gini(y):
    y = list(np.asarray(y).ravel())
    n = len(y)
    return 0.0 if n == 0 else 1.0 - sum(map(lambda c: (y.count(c) / n) ** 2, set(y)))
''',
    "entropy": '''
import math


def entropy(y):
    y = list(np.asarray(y).ravel())
    n = len(y)
    shares = map(lambda c: y.count(c) / n, set(y))
    return -sum(p * math.log2(p) for p in shares) if n else 0.0
''',
    "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    h = entropy if criterion == "entropy" else gini
    n = len(y)
    return h(y) - sum(len(s) / n * h(s) for s in (y_left, y_right)) if n else 0.0
''',
    "best_split": '''
import itertools


def best_split(X, y, criterion="gini", min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)

    def options(j):
        xs = np.unique(X[:, j])
        return ((j, (a + b) / 2) for a, b in itertools.pairwise(xs))

    def allowed(option):
        j, t = option
        k = int((X[:, j] <= t).sum())
        return min_samples_leaf <= k <= len(y) - min_samples_leaf

    scored = [(j, t, information_gain(y, y[X[:, j] <= t], y[X[:, j] > t], criterion))
              for j, t in filter(allowed, itertools.chain.from_iterable(map(options, range(X.shape[1]))))]
    if not scored:
        return None, None, 0.0
    top = max(g for _, _, g in scored)
    j, t, g = next(s for s in scored if s[2] >= top - 1e-12)
    return j, float(t), float(g)
''',
    "DecisionTreeClassifier": '''
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
        probs = np.fromiter(map(lambda c: np.mean(y == c), self.classes_), dtype=float)
        leaf = Node(majority_class=self.classes_[probs.argmax()], class_probs=probs)
        stop = (np.count_nonzero(probs) == 1
                or (self.max_depth is not None and depth >= self.max_depth))
        if stop:
            return leaf
        j, t, _ = best_split(X, y, criterion=self.criterion, min_samples_leaf=self.min_samples_leaf)
        if j is None:
            return leaf
        mask = X[:, j] <= t
        return Node(feature=j, threshold=t,
                    left=self._grow(X[mask], y[mask], depth + 1),
                    right=self._grow(X[~mask], y[~mask], depth + 1),
                    majority_class=leaf.majority_class, class_probs=probs)

    def _traverse(self, node, x):
        return node.class_probs if node.left is None else self._traverse(
            node.left if x[node.feature] <= node.threshold else node.right, x)

    def predict_proba(self, X):
        check_is_fitted(self)
        return np.stack(list(map(lambda row: self._traverse(self.root_, row), np.asarray(X, dtype=float))))

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
''',
}

STUDENTS = {"amara": AMARA, "bjorn": BJORN, "chen": CHEN, "dilnoza": DILNOZA, "emeka": EMEKA, "farah": FARAH}
