"""Visible checks of assignment 5: accuracy, confusion_matrix, precision_recall_f1.

Expected values come from scikit-learn's ``sklearn.metrics`` (``zero_division=0``),
never from the course's reference answers.
"""

import numpy as np

from .cases import function_case, raises_case, unchanged_case
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


def _hint_swapped(expected, got, inputs):
    if isinstance(got, list) and len(got) == 3:
        p, r, _ = got
        if np.allclose(np.asarray(p, float), expected[1]) and np.allclose(np.asarray(r, float), expected[0]):
            return "precision and recall are swapped: precision divides by the predicted count, recall by the true count"
    return None


PRF = sequence(close(1e-9, 1e-12), close(1e-9, 1e-12), close(1e-9, 1e-12),
               names=["precision", "recall", "f1"])


def accuracy_cases(y_true=Y_TRUE, y_pred=Y_PRED, tag=""):
    return [
        function_case("accuracy", f"share of equal entries{tag}", [y_true, y_pred],
                      _sk_accuracy, close(1e-12, 1e-12)),
    ]


def confusion_cases(y_true=Y_TRUE, y_pred=Y_PRED, n_classes=3, tag=""):
    return [
        function_case("confusion_matrix", f"rows true class, columns predicted{tag}",
                      [y_true, y_pred, n_classes], _sk_confusion, equal(), hint=_hint_transposed),
    ]


def prf_cases(y_true=Y_TRUE, y_pred=Y_PRED, n_classes=3, tag=""):
    return [
        function_case("precision_recall_f1", f"per-class values{tag}",
                      [y_true, y_pred, n_classes], _sk_prf, PRF, hint=_hint_swapped),
    ]


VISIBLE = {
    "accuracy": lambda: accuracy_cases() + [
        function_case("accuracy", "all correct", [np.array([1, 0, 1]), np.array([1, 0, 1])], 1.0,
                      close(1e-12, 1e-12)),
    ],
    "confusion_matrix": lambda: confusion_cases() + [
        function_case("confusion_matrix", "a class that never occurs keeps its row and column",
                      [np.array([0, 0, 1]), np.array([0, 1, 1]), 3], _sk_confusion, equal()),
    ],
    "precision_recall_f1": lambda: prf_cases() + [
        function_case("precision_recall_f1", "a class never predicted has precision 0, not NaN",
                      [np.array([0, 1, 2, 2]), np.array([0, 1, 1, 1]), 3], _sk_prf, PRF),
    ],
}
