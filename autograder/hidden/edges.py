"""No graded input on a knife edge: every formulation the contract allows must agree.

The hidden generators draw random inputs; some draws land where two correct
ways of writing a piece disagree in floating point (a loss that differs from
the best by exactly ``min_delta``, a cumulative share equal to the threshold
up to rounding, two split gains 1e-12 apart). :func:`redraw` draws until a
check says every allowed formulation gives the same answer; the checks below
evaluate the alternatives explicitly.
"""

import numpy as np

MAX_TRIES = 500


class KnifeEdge(RuntimeError):
    """No draw off the knife edge was found (the generator needs fixing)."""


def redraw(draw, clear, what, tries=MAX_TRIES):
    """``draw()`` until ``clear(value)`` holds; return that value."""
    for _ in range(tries):
        value = draw()
        if clear(value):
            return value
    raise KnifeEdge(f"{what}: no draw off the knife edge in {tries} tries")


def all_equal(results):
    """True when every result equals the first (arrays, lists, numbers, None)."""
    first = results[0]
    for other in results[1:]:
        if isinstance(first, np.ndarray) or isinstance(other, np.ndarray):
            if not np.array_equal(np.asarray(first), np.asarray(other)):
                return False
        elif first != other:
            return False
    return True


def agree(formulations, *args):
    """True when every function in `formulations` gives the same result on `args`."""
    return all_equal([f(*args) for f in formulations])


# --- EarlyStopping: val < best - min_delta, in every allowed spelling ---------------

IMPROVES = (
    lambda val, best, md: val < best - md,
    lambda val, best, md: best - val > md,
    lambda val, best, md: val + md < best,
    lambda val, best, md: md < best - val,
    lambda val, best, md: -(val - best) > md,
)


def _stopping_run(improves, losses, patience, min_delta):
    best, count, returned = float("inf"), 0, []
    for val in losses:
        if improves(val, best, min_delta):
            best, count = val, 0
        else:
            count += 1
        returned.append(count >= patience)
    return returned, best


def stopping_is_clear(losses, patience, min_delta, margin=1e-6):
    """Every spelling of the rule agrees, and no loss is within `margin` of best - min_delta.

    An exact repeat of the best with ``min_delta == 0`` is allowed: 0 > 0 and
    val < val are False in every spelling, with no rounding involved.
    """
    best = float("inf")
    for val in losses:
        if np.isfinite(best):
            gap = best - val
            if not (min_delta == 0 and gap == 0) and abs(gap - min_delta) < margin:
                return False
        if val < best - min_delta:
            best = val
    runs = [_stopping_run(f, losses, patience, min_delta) for f in IMPROVES]
    return all(r == runs[0] for r in runs)


# --- n_components_for: the smallest k whose cumulative share is >= threshold -------

def _k_first_ge(cum, threshold):
    hits = np.flatnonzero(cum >= threshold)
    return int(hits[0]) + 1 if hits.size else None


def _k_loop(values, threshold, divide_each):
    total, acc = values.sum(), 0.0
    for i, v in enumerate(values):
        acc += v / total if divide_each else v
        if (acc if divide_each else acc / total) >= threshold:
            return i + 1
    return None


N_COMPONENTS_FORMULATIONS = (
    lambda v, t: _k_first_ge(np.cumsum(v) / np.sum(v), t),
    lambda v, t: _k_first_ge(np.cumsum(v / np.sum(v)), t),
    lambda v, t: _k_loop(v, t, True),
    lambda v, t: _k_loop(v, t, False),
    lambda v, t: int(np.searchsorted(np.cumsum(v) / v.sum(), t, side="left")) + 1,
    # scikit-learn's PCA(n_components=t) uses >: equal off exact ties
    lambda v, t: int(np.searchsorted(np.cumsum(v) / v.sum(), t, side="right")) + 1,
)


def threshold_is_clear(eigenvalues, threshold, margin=1e-9):
    """No cumulative share within `margin` of `threshold`, and every formulation agrees."""
    values = np.asarray(eigenvalues, dtype=float)
    cum = np.cumsum(values) / values.sum()
    if np.min(np.abs(cum - threshold)) < margin:
        return False
    return agree(N_COMPONENTS_FORMULATIONS, values, threshold)


# --- best_split and the tree: thresholds and gains -------------------------------

MIDPOINTS = (
    lambda a, b: (a + b) / 2,
    lambda a, b: a + (b - a) / 2,
    lambda a, b: (a + b) * 0.5,
    lambda a, b: a / 2 + b / 2,
    lambda a, b: b - (b - a) / 2,
)


def thresholds_are_clear(X, *others):
    """Every way of computing a midpoint sends the same samples left.

    Checked for every pair of distinct values of a feature (any pair can be
    consecutive in some node), on the rows of `X` and of each array in `others`.
    """
    X = np.asarray(X, dtype=float)
    rows = np.vstack([X] + [np.asarray(o, dtype=float) for o in others])
    for j in range(X.shape[1]):
        values = np.unique(X[:, j])
        a, b = np.meshgrid(values, values, indexing="ij")
        upper = a < b
        a, b = a[upper], b[upper]
        if a.size == 0:
            continue
        sides = [rows[:, j][:, None] <= f(a, b)[None, :] for f in MIDPOINTS]
        if not all(np.array_equal(sides[0], s) for s in sides[1:]):
            return False
    return True


def _impurity(counts, criterion):
    """Impurity of each row of class counts (n_rows, n_classes)."""
    n = counts.sum(axis=1, keepdims=True)
    p = counts / np.maximum(n, 1)
    if criterion == "gini":
        return 1.0 - np.sum(p ** 2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return -np.sum(terms, axis=1)


def candidate_gains(X, y, criterion="gini", min_samples_leaf=1):
    """The gains of every allowed split (any order), computed from cumulative counts."""
    X = np.asarray(X, dtype=float)
    _, y_index = np.unique(y, return_inverse=True)
    k = int(y_index.max()) + 1 if y_index.size else 1
    onehot = np.eye(k)[y_index]
    n = len(y_index)
    parent = _impurity(onehot.sum(axis=0, keepdims=True), criterion)[0]
    gains = []
    for j in range(X.shape[1]):
        order = np.argsort(X[:, j], kind="stable")
        xs = X[order, j]
        left = np.cumsum(onehot[order], axis=0)[:-1]
        n_left = np.arange(1, n)
        allowed = (xs[1:] > xs[:-1]) & (n_left >= min_samples_leaf) & (n - n_left >= min_samples_leaf)
        if not np.any(allowed):
            continue
        left, n_left = left[allowed], n_left[allowed]
        right = onehot.sum(axis=0) - left
        children = (n_left * _impurity(left, criterion) + (n - n_left) * _impurity(right, criterion)) / n
        gains.append(parent - children)
    return np.concatenate(gains) if gains else np.zeros(0)


def gains_are_clear(X, y, criterion="gini", min_samples_leaf=1, tie=1e-12):
    """Two candidate gains are either equal up to rounding or clearly apart.

    The contract calls gains within 1e-12 ties; gains that differ by about that
    much would tie under one order of operations and not under another.
    """
    gains = np.sort(candidate_gains(X, y, criterion, min_samples_leaf))
    if gains.size < 2:
        return True
    gaps = np.abs(gains[:, None] - gains[None, :])
    return not np.any((gaps > tie * 1e-2) & (gaps < tie * 1e3))


# --- evaluate: the accuracy of a float32 model computed in float64 ----------------

def argmax_is_clear(logits, margin=1e-4):
    """The largest logit of each row beats the second by more than `margin`."""
    logits = np.sort(np.asarray(logits, dtype=np.float64), axis=1)
    return logits.shape[1] < 2 or bool(np.all(logits[:, -1] - logits[:, -2] > margin))
