"""Hidden checks of assignment 5: random labels, absent classes.

The contract names no error for these pieces and gives the labels as int
arrays: Python lists and ValueErrors on bad input are advice (no points).
"""

import numpy as np

from fmnist_checks.a5_evaluation import accuracy_cases, confusion_cases, prf_cases
from fmnist_checks.cases import raises_case, unchanged_case


def _random_labels(rng, n_classes=5, n=None):
    n = n or int(rng.integers(20, 60))
    y_true = rng.integers(0, n_classes, n)
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, n_classes, n))
    return y_true, y_pred


def _hidden(piece, builder, rng, needs_k):
    y_true, y_pred = _random_labels(rng)
    cases = builder(y_true, y_pred, 5, tag=", random labels") if needs_k else builder(y_true, y_pred, tag=", random labels")
    # a class absent from both y_true and y_pred
    y_true2, y_pred2 = _random_labels(rng, n_classes=3)
    args = (y_true2, y_pred2, 5) if needs_k else (y_true2, y_pred2)
    cases += builder(*args, tag=", classes 3 and 4 absent")
    cases.append(unchanged_case(piece, "does not modify its inputs", list(args)))
    short = (np.array([0, 1, 1]), np.array([0, 1]))
    cases.append(raises_case(piece, "ValueError when the lengths differ",
                             list(short) + ([3] if needs_k else []), advice=True))
    return cases


def _one_class_predicted(rng):
    """Every sample predicted as one class: the others are never predicted (precision 0)."""
    y_true, _ = _random_labels(rng, n=int(rng.integers(10, 30)))
    return y_true, np.full_like(y_true, int(rng.integers(0, 5)))


HIDDEN = {
    "accuracy": lambda rng: _hidden("accuracy", accuracy_cases, rng, False) + accuracy_cases(
        *[list(map(int, a)) for a in _random_labels(rng)], tag=", Python lists", advice=True),
    "confusion_matrix": lambda rng: _hidden("confusion_matrix", confusion_cases, rng, True)
    + confusion_cases(*_one_class_predicted(rng), 5, tag=", one class always predicted") + [
        raises_case("confusion_matrix", "ValueError for a label outside 0..n_classes-1",
                    [np.array([0, 1, 3]), np.array([0, 1, 1]), 3], advice=True),
        raises_case("confusion_matrix", "ValueError for a negative label",
                    [np.array([0, 1, 1]), np.array([0, -1, 1]), 3], advice=True),
    ],
    "precision_recall_f1": lambda rng: _hidden("precision_recall_f1", prf_cases, rng, True)
    + prf_cases(*_one_class_predicted(rng), 5, tag=", one class always predicted"),
}
