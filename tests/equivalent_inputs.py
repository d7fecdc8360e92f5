"""Random inputs of the contract, per piece, for the audit's equivalent mutants (tests/test_audit.py).

``INPUTS[piece](rng)`` returns the positional arguments of one call drawn as
the contract allows (``../shared/COURSE_SPEC.md``); :func:`same_outputs` says
whether two results are the same (arrays: same dtype, shape and values).
"""

import numpy as np


def _label_pair(rng):
    k = int(rng.integers(1, 9))
    n = int(rng.integers(1, 60))
    # a few classes left out of one side or both, as in real predictions
    allowed_true = rng.choice(k, size=int(rng.integers(1, k + 1)), replace=False)
    allowed_pred = rng.choice(k, size=int(rng.integers(1, k + 1)), replace=False)
    return rng.choice(allowed_true, n), rng.choice(allowed_pred, n), k


def _labels(rng):
    k = int(rng.integers(1, 6))
    return (rng.choice(rng.choice(k, size=int(rng.integers(1, k + 1)), replace=False), int(rng.integers(0, 40))),)


def _split_data(rng):
    """(X, y, criterion, min_samples_leaf): whole-number features (repeated values) or floats."""
    n, d, k = int(rng.integers(2, 25)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    X = rng.integers(0, 5, (n, d)).astype(float) if rng.random() < 0.5 else rng.normal(size=(n, d))
    return X, rng.integers(0, k, n), str(rng.choice(["gini", "entropy"])), int(rng.integers(1, 4))


def _gain(rng):
    (y,) = _labels(rng)
    y = y if len(y) else np.array([0])
    left = rng.random(len(y)) < rng.random()
    return y, y[left], y[~left], str(rng.choice(["gini", "entropy"]))


def _tree(rng):
    """(X, y, X_test, params) for fit then predict and predict_proba."""
    X, y, criterion, leaf = _split_data(rng)
    depth = None if rng.random() < 0.3 else int(rng.integers(1, 5))
    X_test = rng.normal(size=(10, X.shape[1])) * 2 + 2
    return X, y, X_test, {"criterion": criterion, "max_depth": depth, "min_samples_leaf": leaf}


def _fit_predict(cls, args):
    X, y, X_test, params = args
    model = cls(**params).fit(X, y)
    return model.predict(X_test), model.predict_proba(X_test)


# how a piece is called on its inputs (default: piece(*args))
CALLS = {"DecisionTreeClassifier": _fit_predict}

INPUTS = {
    "confusion_matrix": _label_pair,
    "precision_recall_f1": _label_pair,
    "accuracy": lambda rng: _label_pair(rng)[:2],
    "gini": _labels,
    "entropy": _labels,
    "information_gain": _gain,
    "best_split": _split_data,
    "DecisionTreeClassifier": _tree,
}


def outputs(piece, answer, args):
    """What `answer` (the piece's function or class) gives on `args`."""
    return CALLS.get(piece, lambda f, a: f(*a))(answer, args)


def same_outputs(a, b):
    """True when `a` and `b` are the same result: equal types, array dtypes, shapes and values."""
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(same_outputs(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, float):
        return type(a) is type(b) and (a == b or (a != a and b != b))
    return type(a) is type(b) and a == b
