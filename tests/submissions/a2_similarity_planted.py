"""The similarity corpus's planted copies: five levels of disguise, a partial copy, a public solution.

``PLANTED`` maps each copier to ``(source student, pieces copied, disguise,
answers)``; ``PUBLIC_SOLUTION`` is a known public solution as a ``.py`` file
(what an instructor passes with ``--against``), which ``rosa`` and ``sven``
both copied. Everything else in their notebooks is theirs. ``ADDED_CELLS``
maps a copier to the code cells they added to the notebook, ``[(piece,
source)]``, each just above the answer cell of `piece` (``tariq``: each
copied answer moved into a cell of its own under another name, the answer
cell a one-line wrapper that calls it; the grader runs every cell).
"""

import io
import tokenize

from a2_similarity_honest_1 import AMARA, BJORN, CHEN, DILNOZA, EMEKA
from a2_similarity_honest_2 import GORAN


def renamed(source, mapping):
    """`source` with every name token in `mapping` replaced (what a renaming copier does)."""
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string in mapping:
            tok = tok._replace(string=mapping[tok.string])
        out.append(tok)
    return tokenize.untokenize(out)


# -- level 1: verbatim ---------------------------------------------------------------------------
NADIA = dict(AMARA)

# -- level 2: every local name renamed, comments rewritten ------------------------------------------
_OSKAR_NAMES = {
    "total": "n_items", "tally": "counter", "c": "cnt", "h": "ent", "share": "prob", "f": "impurity_fn",
    "weighted": "children", "n_rows": "rows_total", "n_cols": "cols_total", "result": "best_result",
    "top": "best_score", "col": "column", "pairs": "ordered", "pos": "cut_at", "lo": "left_value",
    "hi": "right_value", "left_rows": "left_idx", "right_rows": "right_idx", "score": "gain_here",
    "counts": "per_class", "best": "winner", "k": "idx", "majority": "top_label", "probs": "shares",
    "here": "node", "on_left": "goes_left", "current": "walker", "rows": "samples", "out": "proba",
    "r": "row_i", "label": "lab", "gain": "_gain",
}
OSKAR = {piece: renamed(source, _OSKAR_NAMES) for piece, source in BJORN.items()}

# -- level 3: reformatted (quotes, line breaks, spacing) and reordered (helpers, methods) -----------
PRIYA = {
    "gini": '''
def gini(y):
    # impurity via bincount
    labels = np.asarray(y, dtype = int)
    if not len(labels): return 0.0
    shares = np.bincount(labels)/len(labels)
    return float(1-np.dot(shares,
                          shares))
''',
    "entropy": '''
def entropy(y):
    labels = np.asarray(y, dtype = int)
    if not len(labels): return 0.0
    shares = np.bincount(labels)/len(labels)
    shares = shares[shares>0]  # drop the empty classes
    return float(np.dot(shares, - np.log2(shares)))
''',
    "information_gain": '''
IMPURITY = {'entropy': lambda labels: entropy(labels),
            'gini': lambda labels: gini(labels)}

def information_gain(y, y_left, y_right, criterion='gini'):
    impurity = IMPURITY[criterion]
    sizes = np.array([len(y_left), len(y_right)],
                     dtype=float)
    if sizes.sum() == 0: return 0.0
    children = np.array([impurity(y_left),
                         impurity(y_right)])
    return float(impurity(y) - sizes@children/sizes.sum())
''',
    "best_split": '''
def best_split(X, y, criterion='gini', min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    _, codes = np.unique(np.asarray(y), return_inverse=True)
    m = len(codes)
    indicator = np.eye(codes.max()+1 if m else 1)[codes]
    total = indicator.sum(axis=0)
    root = _impurity_rows(total[None, :], criterion)[0]
    sizes = np.arange(1, m)
    winner = (None, None, 0.0); record = -np.inf
    for f in range(X.shape[1]):
        order = np.argsort(X[:, f], kind='mergesort')
        sorted_x = X[order, f]
        below = np.cumsum(indicator[order], axis=0)[:-1]
        above = total-below
        gains = root-(sizes*_impurity_rows(below, criterion)+(m-sizes)*_impurity_rows(above, criterion))/m
        valid = ((np.diff(sorted_x) > 0)
                 & (sizes >= min_samples_leaf)
                 & (m - sizes >= min_samples_leaf))
        if not valid.any(): continue
        gains[~valid] = -np.inf
        i = int(np.argmax(gains >= gains.max()-1e-12))
        if gains[i] > record+1e-12:
            record = gains[i]
            winner = (f, float((sorted_x[i]+sorted_x[i+1])/2), float(gains[i]))
    return winner

# helper: impurity of every row of a count matrix
def _impurity_rows(counts, criterion):
    totals = counts.sum(axis=1, keepdims=True)
    p = counts/np.where(totals==0, 1, totals)
    if criterion == 'gini': return 1.0-np.einsum('ij,ij->i', p, p)
    safe = np.where(p>0, p, 1.0)
    return -np.einsum('ij,ij->i', p, np.log2(safe))
''',
    "DecisionTreeClassifier": '''
class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, criterion='gini', max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def predict(self, X):
        return np.take(self.classes_,
                       np.argmax(self.predict_proba(X), axis=1))

    def predict_proba(self, X):
        check_is_fitted(self)
        return np.array([self._traverse(self.root_, x)
                         for x in np.asarray(X, dtype=float)])

    def _traverse(self, node, x):
        # walk down until a leaf
        while node.feature is not None:
            node = (node.left, node.right)[int(x[node.feature]>node.threshold)]
        return node.class_probs

    def fit(self, X, y):
        features = np.asarray(X, dtype=float)
        self.classes_ = np.unique(y)
        encoded = np.searchsorted(self.classes_, np.asarray(y))
        self.n_features_in_ = features.shape[1]
        self.root_ = self._grow(features, encoded, 0)
        return self

    def _grow(self, X, labels, depth):
        hist = np.bincount(labels, minlength=self.classes_.size)
        node = Node(majority_class=self.classes_[int(np.argmax(hist))], class_probs=hist/labels.size)
        pure = np.count_nonzero(hist) <= 1
        too_deep = (self.max_depth is not None
                    and depth >= self.max_depth)
        if pure or too_deep: return node
        split = best_split(X, labels, self.criterion, self.min_samples_leaf)
        if split[0] is None: return node
        node.feature, node.threshold = split[0], split[1]
        side = X[:, node.feature] <= node.threshold
        node.left = self._grow(X[side], labels[side], depth+1)
        node.right = self._grow(X[~side], labels[~side], depth+1)
        return node
''',
}

# -- level 4: the loops rewritten (while -> for, loops -> numpy) and the names changed ---------------
QUENTIN = {
    "gini": '''
def gini(y):
    size = len(y)
    if size == 0:
        return 0.0
    freq = {}
    for lab in y:
        freq[lab] = freq.get(lab, 0) + 1
    out = 1.0
    for cnt in freq.values():
        out = out - (cnt / size) * (cnt / size)
    return out
''',
    "entropy": '''
def entropy(y):
    size = len(y)
    if size == 0:
        return 0.0
    freq = {}
    for lab in y:
        freq[lab] = freq.get(lab, 0) + 1
    out = 0.0
    for cnt in freq.values():
        pr = cnt / size
        out = out - pr * np.log2(pr)
    return float(out)
''',
    "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    size = len(y)
    if size == 0:
        return 0.0
    if criterion == "entropy":
        before, l_imp, r_imp = entropy(y), entropy(y_left), entropy(y_right)
    else:
        before, l_imp, r_imp = gini(y), gini(y_left), gini(y_right)
    return before - (len(y_left) / size * l_imp + len(y_right) / size * r_imp)
''',
    "best_split": '''
def best_split(X, y, criterion="gini", min_samples_leaf=1):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    rows = X.shape[0]
    cols = X.shape[1]
    winner = None
    for col in range(cols):
        vals = np.sort(X[:, col])
        for pos in range(rows - 1):
            if vals[pos] != vals[pos + 1]:
                cut = (vals[pos] + vals[pos + 1]) / 2.0
                mask = X[:, col] <= cut
                n_l = np.count_nonzero(mask)
                n_r = rows - n_l
                if n_l >= min_samples_leaf and n_r >= min_samples_leaf:
                    g = information_gain(y, y[mask], y[~mask], criterion)
                    if winner is None or g > winner[2] + 1e-12:
                        winner = (col, cut, g)
    if winner is None:
        return (None, None, 0.0)
    return (winner[0], float(winner[1]), float(winner[2]))
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
        k = len(self.classes_)
        tally = np.zeros(k)
        for idx in range(k):
            tally[idx] = np.sum(y == self.classes_[idx])
        nd = Node()
        nd.majority_class = self.classes_[np.argmax(tally)]
        nd.class_probs = tally / len(y)
        if np.sum(tally > 0) == 1:
            return nd
        if self.max_depth is not None:
            if depth >= self.max_depth:
                return nd
        feat, thr, gn = best_split(X, y, self.criterion, self.min_samples_leaf)
        if feat is None:
            return nd
        nd.feature = feat
        nd.threshold = thr
        sel = X[:, feat] <= thr
        nd.left = self._grow(X[sel], y[sel], depth + 1)
        nd.right = self._grow(X[~sel], y[~sel], depth + 1)
        return nd

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
        res = np.zeros((X.shape[0], len(self.classes_)))
        for i, row in enumerate(X):
            res[i, :] = self._traverse(self.root_, row)
        return res

    def predict(self, X):
        pr = self.predict_proba(X)
        return self.classes_[np.argmax(pr, axis=1)]
''',
}

# -- a partial copy: mateo wrote the impurities himself and took emeka's best_split and tree ---------
_MATEO_NAMES = {"champion": "best", "champion_gain": "best_gain", "feature_index": "j", "distinct": "uniq",
                "threshold": "t", "_candidates": "_midpoints", "_make_node": "_new_node",
                "_should_stop": "_is_leaf", "probs": "p"}
MATEO = {
    "gini": '''
def gini(y):
    if len(y) == 0:
        return 0.0
    p = np.bincount(np.asarray(y)) / len(y)
    p = p[p > 0]
    return 1.0 - float(np.sum(p ** 2))
''',
    "entropy": '''
def entropy(y):
    if len(y) == 0:
        return 0.0
    p = np.bincount(np.asarray(y)) / len(y)
    p = p[p > 0]
    return -float(np.sum(p * np.log2(p)))
''',
    "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    imp = entropy if criterion == "entropy" else gini
    if len(y) == 0:
        return 0.0
    frac = len(y_left) / len(y)
    return imp(y) - frac * imp(y_left) - (1 - frac) * imp(y_right)
''',
    "best_split": renamed(EMEKA["best_split"], _MATEO_NAMES),
    "DecisionTreeClassifier": renamed(EMEKA["DecisionTreeClassifier"], _MATEO_NAMES),
}

# -- a public solution (GitHub) and two students who copied it --------------------------------------
PUBLIC = {
    "gini": '''
def gini(y):
    """Gini impurity."""
    if len(y) == 0:
        return 0.0
    _, n_per_class = np.unique(y, return_counts=True)
    probs = n_per_class / float(len(y))
    return float(1.0 - np.sum(np.power(probs, 2)))
''',
    "entropy": '''
def entropy(y):
    """Entropy in bits."""
    if len(y) == 0:
        return 0.0
    _, n_per_class = np.unique(y, return_counts=True)
    probs = n_per_class / float(len(y))
    return float(-np.sum(probs * np.log2(probs)))
''',
    "information_gain": '''
CRITERIA = {"gini": gini, "entropy": entropy}


def information_gain(y, y_left, y_right, criterion="gini"):
    """Parent impurity minus the weighted child impurities."""
    func = CRITERIA[criterion]
    if len(y) == 0:
        return 0.0
    weights = np.array([len(y_left), len(y_right)]) / float(len(y))
    return func(y) - (weights[0] * func(y_left) + weights[1] * func(y_right))
''',
    "best_split": '''
def _best_threshold(x, y, criterion, min_samples_leaf):
    """Best (threshold, gain) on one feature column, or (None, -inf)."""
    values = np.unique(x)
    best_t, best_g = None, -np.inf
    for t in (values[:-1] + values[1:]) / 2.0:
        left = x <= t
        if left.sum() < min_samples_leaf or (~left).sum() < min_samples_leaf:
            continue
        g = information_gain(y, y[left], y[~left], criterion)
        if g > best_g + 1e-12:
            best_t, best_g = t, g
    return best_t, best_g


def best_split(X, y, criterion="gini", min_samples_leaf=1):
    """Exhaustive search over features and midpoints."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    result, result_gain = (None, None, 0.0), -np.inf
    for feature in range(X.shape[1]):
        t, g = _best_threshold(X[:, feature], y, criterion, min_samples_leaf)
        if t is not None and g > result_gain + 1e-12:
            result, result_gain = (feature, float(t), float(g)), g
    return result
''',
    "DecisionTreeClassifier": '''
class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    """CART-style tree."""

    def __init__(self, criterion="gini", max_depth=None, min_samples_leaf=1):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        self.classes_ = np.unique(y)
        self.n_features_in_ = X.shape[1]
        self.root_ = self._grow(X, y, depth=0)
        return self

    def _grow(self, X, y, depth):
        dist = np.array([np.sum(y == c) for c in self.classes_]) / float(len(y))
        node = Node(majority_class=self.classes_[np.argmax(dist)], class_probs=dist)
        if np.max(dist) == 1.0 or (self.max_depth is not None and depth >= self.max_depth):
            return node
        feature, threshold, _ = best_split(X, y, self.criterion, self.min_samples_leaf)
        if feature is None:
            return node
        node.feature, node.threshold = feature, threshold
        mask = X[:, feature] <= threshold
        node.left = self._grow(X[mask], y[mask], depth + 1)
        node.right = self._grow(X[~mask], y[~mask], depth + 1)
        return node

    def _traverse(self, node, x):
        if node.feature is None:
            return node.class_probs
        if x[node.feature] <= node.threshold:
            return self._traverse(node.left, x)
        return self._traverse(node.right, x)

    def predict_proba(self, X):
        check_is_fitted(self)
        X = np.asarray(X, dtype=float)
        return np.array([self._traverse(self.root_, x) for x in X])

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
''',
}

PUBLIC_SOLUTION = ('"""Decision tree from scratch: my solution to the fmnist course, assignment 2."""\n'
                   "import numpy as np\nfrom sklearn.base import BaseEstimator, ClassifierMixin\n"
                   "from sklearn.utils.validation import check_is_fitted\n\n\n"
                   "class Node:\n    def __init__(self, feature=None, threshold=None, left=None, right=None,\n"
                   "                 majority_class=None, class_probs=None):\n"
                   "        self.feature, self.threshold = feature, threshold\n"
                   "        self.left, self.right = left, right\n"
                   "        self.majority_class, self.class_probs = majority_class, class_probs\n"
                   + "".join("\n" + source for source in PUBLIC.values()))

ROSA = {piece: source.replace('"""', "# ").replace("# \n", "\n") for piece, source in PUBLIC.items()}
_SVEN_NAMES = {"n_per_class": "class_counts", "probs": "p", "func": "measure", "weights": "w",
               "values": "uniq", "best_t": "t_best", "best_g": "g_best", "result": "answer",
               "result_gain": "answer_gain", "dist": "shares", "mask": "to_left", "_best_threshold": "_scan"}
SVEN = {piece: renamed(source, _SVEN_NAMES).replace("    ", "  ") for piece, source in PUBLIC.items()}

# -- level 5: renamed, each answer moved into an added cell, the answer cell a one-line wrapper --------
_TARIQ_NAMES = {
    "gini": "_gini_impl", "entropy": "_entropy_impl", "information_gain": "_gain_impl",
    "best_split": "_split_impl", "DecisionTreeClassifier": "_TreeImpl", "_impurity_of_counts": "_node_score",
    "arr": "values", "freq": "tally", "p": "share", "fn": "measure", "total": "n_all", "y_codes": "codes",
    "all_counts": "everything", "parent": "root_score", "best_f": "top_feature", "best_t": "top_cut",
    "best_g": "top_gain", "order": "ranks", "left_counts": "lower", "n_left": "n_low", "idx": "coded",
    "node": "leaf", "limit": "deepest", "sel": "goes_left", "best": "winners",
}
TARIQ = {
    "gini": "def gini(*a, **k): return _gini_impl(*a, **k)\n",
    "entropy": "def entropy(*a, **k): return _entropy_impl(*a, **k)\n",
    "information_gain": "def information_gain(*a, **k): return _gain_impl(*a, **k)\n",
    "best_split": "def best_split(*a, **k): return _split_impl(*a, **k)\n",
    "DecisionTreeClassifier": "class DecisionTreeClassifier(_TreeImpl): pass\n",
}
ADDED_CELLS = {"tariq": [(piece, renamed(source, _TARIQ_NAMES)) for piece, source in GORAN.items()]}

PLANTED = {
    # copier: (source, pieces copied, disguise, answers)
    "nadia": ("amara", "all", "verbatim", NADIA),
    "oskar": ("bjorn", "all", "renamed", OSKAR),
    "priya": ("chen", "all", "reformatted and reordered", PRIYA),
    "quentin": ("dilnoza", "all", "loops rewritten and renamed", QUENTIN),
    "mateo": ("emeka", ("best_split", "DecisionTreeClassifier"), "partial copy, renamed", MATEO),
    "rosa": ("public", "all", "the public solution, docstrings turned to comments", ROSA),
    "sven": ("public", "all", "the public solution, renamed and re-indented", SVEN),
    "tariq": ("goran", "all", "renamed, moved into added cells behind one-line wrappers", TARIQ),
}
