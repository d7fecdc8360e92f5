"""Six more of the similarity corpus's independent a2 answers (see ``a2_similarity_honest_1``)."""

GORAN = {  # one sort per feature, class counts moved across the cut one sample at a time
    "gini": '''
def gini(y):
    arr = np.asarray(y)
    if arr.size == 0:
        return 0.0
    _, freq = np.unique(arr, return_counts=True)
    p = freq / arr.size
    return float(1.0 - np.sum(p ** 2))
''',
    "entropy": '''
def entropy(y):
    arr = np.asarray(y)
    if arr.size == 0:
        return 0.0
    _, freq = np.unique(arr, return_counts=True)
    p = freq / arr.size
    return float(-np.sum(p * np.log2(p)))
''',
    "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    total = len(y_left) + len(y_right)
    if total == 0:
        return 0.0
    fn = {"gini": gini, "entropy": entropy}.get(criterion)
    return fn(y) - len(y_left) / total * fn(y_left) - len(y_right) / total * fn(y_right)
''',
    "best_split": '''
def _impurity_of_counts(counts, size, criterion):
    if size == 0:
        return 0.0
    p = counts[counts > 0] / size
    if criterion == "gini":
        return 1.0 - float(np.sum(p * p))
    return -float(np.sum(p * np.log2(p)))


def best_split(X, y, criterion="gini", min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    labels, y_codes = np.unique(np.asarray(y), return_inverse=True)
    n = len(y_codes)
    all_counts = np.bincount(y_codes, minlength=len(labels)).astype(float)
    parent = _impurity_of_counts(all_counts, n, criterion)
    best_f, best_t, best_g = None, None, -np.inf
    for f in range(X.shape[1]):
        order = np.argsort(X[:, f], kind="stable")
        left_counts = np.zeros(len(labels))
        for pos in range(n - 1):
            left_counts[y_codes[order[pos]]] += 1
            a, b = X[order[pos], f], X[order[pos + 1], f]
            n_left = pos + 1
            if a == b or n_left < min_samples_leaf or n - n_left < min_samples_leaf:
                continue
            g = parent - (n_left * _impurity_of_counts(left_counts, n_left, criterion)
                          + (n - n_left) * _impurity_of_counts(all_counts - left_counts, n - n_left,
                                                               criterion)) / n
            if g > best_g + 1e-12:
                best_f, best_t, best_g = f, (a + b) / 2, g
    if best_f is None:
        return None, None, 0.0
    return best_f, float(best_t), float(best_g)
''',
    "DecisionTreeClassifier": '''
class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, criterion="gini", max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        self.classes_, idx = np.unique(y, return_inverse=True)
        self.n_features_in_ = X.shape[1]
        self.root_ = self._grow(X, idx, 0)
        return self

    def _grow(self, X, idx, depth):
        freq = np.bincount(idx, minlength=len(self.classes_))
        node = Node(majority_class=self.classes_[np.argmax(freq)], class_probs=freq / freq.sum())
        limit = np.inf if self.max_depth is None else self.max_depth
        if depth >= limit or np.max(freq) == len(idx):
            return node
        f, t, _ = best_split(X, idx, self.criterion, self.min_samples_leaf)
        if f is not None:
            node.feature, node.threshold = f, t
            sel = X[:, f] <= t
            node.left = self._grow(X[sel], idx[sel], depth + 1)
            node.right = self._grow(X[~sel], idx[~sel], depth + 1)
        return node

    def _traverse(self, node, x):
        while node.feature is not None:
            if x[node.feature] > node.threshold:
                node = node.right
            else:
                node = node.left
        return node.class_probs

    def predict_proba(self, X):
        check_is_fitted(self, ["root_", "classes_"])
        X = np.asarray(X, dtype=float)
        return np.array([self._traverse(self.root_, X[i]) for i in range(X.shape[0])])

    def predict(self, X):
        best = np.argmax(self.predict_proba(X), axis=1)
        return self.classes_[best]
''',
}

HANA = {  # every threshold of a feature at once, by broadcasting a mask matrix
    "gini": '''
def gini(y):
    y = np.asarray(y).ravel()
    if y.size == 0:
        return 0.0
    proportions = np.array([np.count_nonzero(y == label) for label in set(y.tolist())]) / y.size
    return float(np.sum(proportions * (1 - proportions)))
''',
    "entropy": '''
def entropy(y):
    y = np.asarray(y).ravel()
    if y.size == 0:
        return 0.0
    proportions = np.array([np.count_nonzero(y == label) for label in set(y.tolist())]) / y.size
    return float(np.sum(proportions * np.log2(1.0 / proportions)))
''',
    "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    assert criterion in ("gini", "entropy"), criterion
    impurity = gini if criterion == "gini" else entropy
    p_left = len(y_left) / max(len(y), 1)
    p_right = len(y_right) / max(len(y), 1)
    return impurity(y) - (p_left * impurity(y_left) + p_right * impurity(y_right))
''',
    "best_split": '''
def best_split(X, y, criterion="gini", min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    answer = (None, None, 0.0)
    best = -np.inf
    for col in range(X.shape[1]):
        v = np.unique(X[:, col])
        if v.size < 2:
            continue
        cuts = (v[1:] + v[:-1]) / 2
        masks = X[:, col][None, :] <= cuts[:, None]          # (n_cuts, n_samples)
        sizes = masks.sum(axis=1)
        keep = (sizes >= min_samples_leaf) & (len(y) - sizes >= min_samples_leaf)
        for cut, mask in zip(cuts[keep], masks[keep]):
            g = information_gain(y, y[mask], y[~mask], criterion)
            if g > best + 1e-12:
                best = g
                answer = (col, float(cut), float(g))
    return answer
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
        self.root_ = self._grow(X, y, depth=0)
        return self

    def _grow(self, X, y, depth):
        onehot = (y[:, None] == self.classes_[None, :])
        probs = onehot.mean(axis=0)
        node = Node(majority_class=self.classes_[np.argmax(onehot.sum(axis=0))], class_probs=probs)
        if probs.max() == 1.0:
            return node
        if self.max_depth is not None and depth >= self.max_depth:
            return node
        feat, thr, _gain = best_split(X, y, self.criterion, self.min_samples_leaf)
        if feat is None:
            return node
        m = X[:, feat] <= thr
        node.feature = feat
        node.threshold = thr
        node.left = self._grow(X[m], y[m], depth + 1)
        node.right = self._grow(X[~m], y[~m], depth + 1)
        return node

    def _traverse(self, node, x):
        if node.left is None and node.right is None:
            return node.class_probs
        if x[node.feature] <= node.threshold:
            return self._traverse(node.left, x)
        return self._traverse(node.right, x)

    def predict_proba(self, X):
        check_is_fitted(self)
        X = np.asarray(X, dtype=float)
        return np.apply_along_axis(lambda row: self._traverse(self.root_, row), 1, X)

    def predict(self, X):
        return self.classes_.take(self.predict_proba(X).argmax(axis=1))
''',
}

INES = {  # candidates collected, then max with a key; the tree grown breadth-first from a queue
    "gini": '''
def gini(y):
    if len(y) == 0:
        return 0.0
    values, freq = np.unique(np.asarray(y), return_counts=True)
    return float(1.0 - sum((f / len(y)) ** 2 for f in freq))
''',
    "entropy": '''
from math import log2


def entropy(y):
    if len(y) == 0:
        return 0.0
    values, freq = np.unique(np.asarray(y), return_counts=True)
    return float(-sum(f / len(y) * log2(f / len(y)) for f in freq))
''',
    "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    crit = entropy if criterion == "entropy" else gini
    n = len(y)
    if not n:
        return 0.0
    after = (len(y_left) * crit(y_left) + len(y_right) * crit(y_right)) / n
    before = crit(y)
    return before - after
''',
    "best_split": '''
def best_split(X, y, criterion="gini", min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    options = []
    for feat in range(X.shape[1]):
        distinct = sorted(set(X[:, feat].tolist()))
        for lower, upper in zip(distinct[:-1], distinct[1:]):
            thr = (lower + upper) / 2
            on_left = X[:, feat] <= thr
            if on_left.sum() >= min_samples_leaf and (~on_left).sum() >= min_samples_leaf:
                options.append((information_gain(y, y[on_left], y[~on_left], criterion), feat, thr))
    if len(options) == 0:
        return None, None, 0.0
    top_gain = max(option[0] for option in options)
    ties = [option for option in options if option[0] >= top_gain - 1e-12]
    gain, feat, thr = min(ties, key=lambda option: (option[1], option[2]))
    return feat, float(thr), float(gain)
''',
    "DecisionTreeClassifier": '''
from collections import deque


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

    def _summary(self, y):
        counts = np.array([(y == c).sum() for c in self.classes_])
        return self.classes_[counts.argmax()], counts / counts.sum()

    def _grow(self, X, y, depth):
        majority, probs = self._summary(y)
        root = Node(majority_class=majority, class_probs=probs)
        queue = deque([(root, np.arange(len(y)), depth)])
        while queue:
            node, rows, d = queue.popleft()
            labels = y[rows]
            if len(np.unique(labels)) < 2 or (self.max_depth is not None and d >= self.max_depth):
                continue
            feat, thr, _ = best_split(X[rows], labels, self.criterion, self.min_samples_leaf)
            if feat is None:
                continue
            node.feature, node.threshold = feat, thr
            left_rows = rows[X[rows, feat] <= thr]
            right_rows = rows[X[rows, feat] > thr]
            for side, part in (("left", left_rows), ("right", right_rows)):
                majority, probs = self._summary(y[part])
                child = Node(majority_class=majority, class_probs=probs)
                setattr(node, side, child)
                queue.append((child, part, d + 1))
        return root

    def _traverse(self, node, x):
        while node.feature is not None:
            node = node.left if x[node.feature] <= node.threshold else node.right
        return node.class_probs

    def predict_proba(self, X):
        check_is_fitted(self)
        return np.array([self._traverse(self.root_, x) for x in np.asarray(X, dtype=float)])

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
''',
}

JAMAL = {  # a tree that routes whole index arrays down at prediction time
    "gini": '''
def gini(y):
    counts = np.unique(np.asarray(y), return_counts=True)[1]
    total = counts.sum()
    if total == 0:
        return 0.0
    return float(1.0 - np.sum((counts / total) ** 2))
''',
    "entropy": '''
def entropy(y):
    counts = np.unique(np.asarray(y), return_counts=True)[1]
    total = counts.sum()
    if total == 0:
        return 0.0
    p = counts / total
    return float(-np.sum(p * np.log2(p)))
''',
    "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    impurity = gini if criterion == "gini" else entropy
    n = len(y)
    if n == 0:
        return 0.0
    child_impurity = sum(len(child) * impurity(child) for child in (y_left, y_right)) / n
    return impurity(y) - child_impurity
''',
    "best_split": '''
def best_split(X, y, criterion="gini", min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    n, d = X.shape
    split = [None, None, 0.0]
    best_gain = None
    for j in range(d):
        col = X[:, j]
        s = np.sort(col)
        gaps = np.nonzero(s[1:] > s[:-1])[0]
        for i in gaps:
            n_left = i + 1
            if n_left < min_samples_leaf or n - n_left < min_samples_leaf:
                continue
            threshold = 0.5 * (s[i] + s[i + 1])
            left = col <= threshold
            gain = information_gain(y, y[left], y[~left], criterion)
            if best_gain is None or gain > best_gain + 1e-12:
                best_gain = gain
                split = [j, float(threshold), float(gain)]
    return tuple(split)
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
        counts = np.array([np.count_nonzero(y == k) for k in self.classes_], dtype=float)
        node = Node(majority_class=self.classes_[int(np.argmax(counts))],
                    class_probs=counts / counts.sum())
        if counts.max() == counts.sum():
            return node
        if self.max_depth is not None and depth >= self.max_depth:
            return node
        j, t, _ = best_split(X, y, self.criterion, self.min_samples_leaf)
        if j is None:
            return node
        node.feature, node.threshold = j, t
        lo = X[:, j] <= t
        node.left = self._grow(X[lo], y[lo], depth + 1)
        node.right = self._grow(X[~lo], y[~lo], depth + 1)
        return node

    def _traverse(self, node, x):
        if node.feature is None:
            return node.class_probs
        return self._traverse(node.left if x[node.feature] <= node.threshold else node.right, x)

    def _route(self, node, X, rows, out):
        if node.feature is None:
            out[rows] = node.class_probs
            return
        go_left = X[rows, node.feature] <= node.threshold
        self._route(node.left, X, rows[go_left], out)
        self._route(node.right, X, rows[~go_left], out)

    def predict_proba(self, X):
        check_is_fitted(self)
        X = np.asarray(X, dtype=float)
        out = np.empty((X.shape[0], len(self.classes_)))
        self._route(self.root_, X, np.arange(X.shape[0]), out)
        return out

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
''',
}

KOFI = {  # defensive and verbose: checks, named intermediate steps, comments
    "gini": '''
def gini(y):
    labels = np.asarray(y)
    number_of_samples = labels.shape[0]
    if number_of_samples == 0:
        # an empty node is perfectly pure by convention
        return 0.0
    unique_labels = np.unique(labels)
    sum_of_squares = 0.0
    for label in unique_labels:
        probability = np.sum(labels == label) / number_of_samples
        sum_of_squares += probability ** 2
    return float(1.0 - sum_of_squares)
''',
    "entropy": '''
def entropy(y):
    labels = np.asarray(y)
    number_of_samples = labels.shape[0]
    if number_of_samples == 0:
        return 0.0
    total_entropy = 0.0
    for label in np.unique(labels):
        probability = np.sum(labels == label) / number_of_samples
        if probability > 0:
            total_entropy -= probability * np.log2(probability)
    return float(total_entropy)
''',
    "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    if criterion not in ("gini", "entropy"):
        raise ValueError("criterion must be 'gini' or 'entropy'")
    impurity_function = gini if criterion == "gini" else entropy
    number_of_samples = len(y)
    if number_of_samples == 0:
        return 0.0
    weight_left = len(y_left) / number_of_samples
    weight_right = len(y_right) / number_of_samples
    impurity_before = impurity_function(y)
    impurity_after = weight_left * impurity_function(y_left) + weight_right * impurity_function(y_right)
    return impurity_before - impurity_after
''',
    "best_split": '''
def best_split(X, y, criterion="gini", min_samples_leaf=1):
    features = np.asarray(X, dtype=float)
    labels = np.asarray(y)
    number_of_samples, number_of_features = features.shape
    best_feature_index = None
    best_threshold_value = None
    best_gain_value = -np.inf
    for feature_index in range(number_of_features):
        sorted_unique_values = np.unique(features[:, feature_index])
        for position in range(len(sorted_unique_values) - 1):
            candidate_threshold = (sorted_unique_values[position] + sorted_unique_values[position + 1]) / 2
            left_mask = features[:, feature_index] <= candidate_threshold
            right_mask = np.logical_not(left_mask)
            # both children must keep enough samples
            if left_mask.sum() < min_samples_leaf or right_mask.sum() < min_samples_leaf:
                continue
            candidate_gain = information_gain(labels, labels[left_mask], labels[right_mask], criterion)
            # strictly better by more than the tolerance: ties keep the earlier candidate
            if candidate_gain > best_gain_value + 1e-12:
                best_gain_value = candidate_gain
                best_feature_index = feature_index
                best_threshold_value = float(candidate_threshold)
    if best_feature_index is None:
        return None, None, 0.0
    return best_feature_index, best_threshold_value, float(best_gain_value)
''',
    "DecisionTreeClassifier": '''
class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, criterion="gini", max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def fit(self, X, y):
        features = np.asarray(X, dtype=float)
        labels = np.asarray(y)
        if features.ndim != 2:
            raise ValueError("X must be a 2-D array")
        if features.shape[0] != labels.shape[0]:
            raise ValueError("X and y have different numbers of samples")
        self.classes_ = np.unique(labels)
        self.n_features_in_ = features.shape[1]
        self.root_ = self._grow(features, labels, 0)
        return self

    def _grow(self, X, y, depth):
        class_counts = np.array([np.sum(y == label) for label in self.classes_])
        current_node = Node(majority_class=self.classes_[np.argmax(class_counts)],
                            class_probs=class_counts / class_counts.sum())
        node_is_pure = np.count_nonzero(class_counts) == 1
        depth_is_reached = self.max_depth is not None and depth >= self.max_depth
        if node_is_pure or depth_is_reached:
            return current_node
        split_feature, split_threshold, split_gain = best_split(
            X, y, criterion=self.criterion, min_samples_leaf=self.min_samples_leaf)
        if split_feature is None:
            return current_node
        left_mask = X[:, split_feature] <= split_threshold
        current_node.feature = split_feature
        current_node.threshold = split_threshold
        current_node.left = self._grow(X[left_mask], y[left_mask], depth + 1)
        current_node.right = self._grow(X[~left_mask], y[~left_mask], depth + 1)
        return current_node

    def _traverse(self, node, x):
        current_node = node
        while current_node.feature is not None:
            if x[current_node.feature] <= current_node.threshold:
                current_node = current_node.left
            else:
                current_node = current_node.right
        return current_node.class_probs

    def predict_proba(self, X):
        check_is_fitted(self)
        features = np.asarray(X, dtype=float)
        if features.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {features.shape[1]} features, but the tree expects {self.n_features_in_}")
        probabilities = [self._traverse(self.root_, sample) for sample in features]
        return np.array(probabilities)

    def predict(self, X):
        probabilities = self.predict_proba(X)
        predicted_indices = np.argmax(probabilities, axis=1)
        return self.classes_[predicted_indices]
''',
}

LUCIA = {  # searchsorted label codes, a generator of candidate splits, an iterative predict
    "gini": '''
def gini(y):
    y = np.asarray(y)
    n = y.size
    if n == 0:
        return 0.0
    counts = np.array(list(collections_counter(y).values()), dtype=float)
    return float(1 - ((counts / n) ** 2).sum())


def collections_counter(y):
    table = {}
    for value in y.tolist():
        table[value] = table.get(value, 0) + 1
    return table
''',
    "entropy": '''
def entropy(y):
    y = np.asarray(y)
    n = y.size
    if n == 0:
        return 0.0
    p = np.array(list(collections_counter(y).values()), dtype=float) / n
    return float((-p * np.log2(p)).sum())
''',
    "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    pick = {"gini": gini, "entropy": entropy}
    h = pick[criterion]
    n = float(len(y))
    if n == 0:
        return 0.0
    return h(y) - (len(y_left) / n) * h(y_left) - (len(y_right) / n) * h(y_right)
''',
    "best_split": '''
def _splits(X, min_samples_leaf):
    n = X.shape[0]
    for j in range(X.shape[1]):
        s = np.sort(X[:, j])
        for i in range(min_samples_leaf - 1, n - min_samples_leaf):
            if s[i] < s[i + 1]:
                yield j, (s[i] + s[i + 1]) / 2


def best_split(X, y, criterion="gini", min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    found, top = (None, None, 0.0), -np.inf
    for j, t in _splits(X, max(1, min_samples_leaf)):
        left = X[:, j] <= t
        g = information_gain(y, y[left], y[~left], criterion)
        if g > top + 1e-12:
            found, top = (j, float(t), float(g)), g
    return found
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
        codes = np.searchsorted(self.classes_, y)
        self.root_ = self._grow(X, codes, 0)
        return self

    def _grow(self, X, codes, depth):
        share = np.bincount(codes, minlength=len(self.classes_)) / len(codes)
        out = Node(majority_class=self.classes_[share.argmax()], class_probs=share)
        if (share > 0).sum() > 1 and (self.max_depth is None or depth < self.max_depth):
            j, t, _ = best_split(X, codes, self.criterion, self.min_samples_leaf)
            if j is not None:
                lhs = X[:, j] <= t
                out.feature, out.threshold = j, t
                out.left = self._grow(X[lhs], codes[lhs], depth + 1)
                out.right = self._grow(X[~lhs], codes[~lhs], depth + 1)
        return out

    def _traverse(self, node, x):
        path = [node]
        while path[-1].feature is not None:
            last = path[-1]
            path.append(last.left if x[last.feature] <= last.threshold else last.right)
        return path[-1].class_probs

    def predict_proba(self, X):
        check_is_fitted(self)
        X = np.asarray(X, dtype=float)
        rows = [self._traverse(self.root_, X[k]) for k in range(len(X))]
        return np.asarray(rows, dtype=float)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
''',
}

STUDENTS = {"goran": GORAN, "hana": HANA, "ines": INES, "jamal": JAMAL, "kofi": KOFI, "lucia": LUCIA}
