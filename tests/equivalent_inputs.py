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


INPUTS = {
    "confusion_matrix": _label_pair,
    "precision_recall_f1": _label_pair,
    "accuracy": lambda rng: _label_pair(rng)[:2],
    "gini": _labels,
    "entropy": _labels,
}


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
