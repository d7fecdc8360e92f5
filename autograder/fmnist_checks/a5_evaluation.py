"""Visible checks of assignment 5: accuracy, confusion_matrix, precision_recall_f1.

Expected values come from scikit-learn's ``sklearn.metrics`` (``zero_division=0``),
never from the course's reference answers.
"""

import numpy as np

from .cases import function_case
from .compare import close, equal, sequence

Y_TRUE = np.array([0, 1, 2, 2, 1, 0, 2, 1])
Y_PRED = np.array([0, 2, 2, 2, 1, 1, 0, 1])


def _sk_accuracy(y_true, y_pred):
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(y_true, y_pred))


def _sk_confusion(y_true, y_pred, n_classes):
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(y_true, y_pred, labels=np.arange(n_classes))


def _sk_prf(y_true, y_pred, n_classes):
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=np.arange(n_classes), average=None, zero_division=0
    )
    return [p, r, f]


def _hint_transposed(expected, got, inputs):
    got = np.asarray(got)
    if got.shape == np.shape(expected) and np.array_equal(got, np.asarray(expected).T):
        return "your matrix is transposed: rows are the true class, columns the predicted class"
    return None


def _hint_prf(expected, got, inputs):
    """Swapped precision/recall, NaN where undefined, F1 as the arithmetic mean."""
    if not (isinstance(got, list) and len(got) == 3):
        return None
    try:
        p, r, f = (np.asarray(v, dtype=float) for v in got)
        exp_p, exp_r, exp_f = (np.asarray(v, dtype=float) for v in expected)
        if p.shape != exp_p.shape or r.shape != exp_r.shape or f.shape != exp_f.shape:
            return None
    except (TypeError, ValueError):
        return None
    if np.any(np.isnan(p)) or np.any(np.isnan(r)) or np.any(np.isnan(f)):
        return ("a NaN came back where a value is undefined (0/0): return 0.0 there, as "
                "scikit-learn's zero_division=0 does")
    if np.allclose(p, exp_r) and np.allclose(r, exp_p) and not np.allclose(p, exp_p):
        return "precision and recall are swapped: precision divides by the predicted count, recall by the true count"
    if np.allclose(f, (exp_p + exp_r) / 2) and not np.allclose(f, exp_f):
        return "F1 is the harmonic mean 2 * p * r / (p + r), not the arithmetic mean (p + r) / 2"
    return None


def _hint_lists(expected, got, inputs):
    args = inputs.get("args", [])
    if args and isinstance(args[0], list) and got in (0.0, 1.0, False, True, 0, 1) and got != expected:
        return ("on Python lists, y_true == y_pred compares the whole lists and gives a single bool: "
                "convert them with np.asarray first")
    return None


def int_matrix():
    """Exactly equal integer arrays: a float matrix of the right counts is not enough."""
    inner = equal()

    def compare(expected, got):
        problem = inner(expected, got)
        if problem:
            return problem
        if isinstance(got, np.ndarray) and got.dtype.kind not in "iu":
            return (f"the counts are right but the dtype is {got.dtype}: a confusion matrix holds "
                    f"integer counts (np.zeros((K, K), dtype=int))")
        return None

    return compare


PRF = sequence(close(1e-9, 1e-12), close(1e-9, 1e-12), close(1e-9, 1e-12),
               names=["precision", "recall", "f1"])


def accuracy_cases(y_true=Y_TRUE, y_pred=Y_PRED, tag="", advice=False):
    return [
        function_case("accuracy", f"share of equal entries{tag}", [y_true, y_pred],
                      _sk_accuracy, close(1e-12, 1e-12), hint=_hint_lists if advice else _hint_count,
                      advice=advice),
    ]


def _hint_count(expected, got, inputs):
    n = len(inputs["args"][0])
    if isinstance(got, (int, float)) and not isinstance(got, bool) and abs(got - expected * n) < 1e-9 and n > 1:
        return "that is the number of equal entries: divide by the number of samples"
    if isinstance(got, (int, float)) and got == 0 and expected > 0:
        return "integer division? use / (true division), or np.mean(y_true == y_pred)"
    return None


def confusion_cases(y_true=Y_TRUE, y_pred=Y_PRED, n_classes=3, tag=""):
    return [
        function_case("confusion_matrix", f"rows true class, columns predicted{tag}",
                      [y_true, y_pred, n_classes], _sk_confusion, int_matrix(), hint=_hint_transposed),
    ]


def prf_cases(y_true=Y_TRUE, y_pred=Y_PRED, n_classes=3, tag=""):
    return [
        function_case("precision_recall_f1", f"per-class values{tag}",
                      [y_true, y_pred, n_classes], _sk_prf, PRF, hint=_hint_prf),
    ]


VISIBLE = {
    "accuracy": lambda: accuracy_cases() + [
        function_case("accuracy", "all correct", [np.array([1, 0, 1]), np.array([1, 0, 1])], 1.0,
                      close(1e-12, 1e-12)),
        # the contract's labels are int arrays: lists are advice (no points)
        function_case("accuracy", "Python lists work too", [[0, 1, 2, 2], [0, 2, 2, 2]], 0.75,
                      close(1e-12, 1e-12), hint=_hint_lists, advice=True),
    ],
    "confusion_matrix": lambda: confusion_cases() + [
        function_case("confusion_matrix", "a class that never occurs keeps its row and column",
                      [np.array([0, 0, 1]), np.array([0, 1, 1]), 3], _sk_confusion, int_matrix(),
                      hint=_hint_transposed),
    ],
    "precision_recall_f1": lambda: prf_cases() + [
        function_case("precision_recall_f1", "a class never predicted has precision 0, not NaN",
                      [np.array([0, 1, 2, 2]), np.array([0, 1, 1, 1]), 3], _sk_prf, PRF,
                      hint=_hint_prf),
    ],
}
