"""Checks of best_split: midpoints, repeated values, min_samples_leaf, ties, no split."""

import numpy as np

from .cases import function_case, unchanged_case
from .compare import close, equal, sequence


# --- best_split --------------------------------------------------------------

SPLIT = sequence(equal(), close(1e-9, 1e-12), close(1e-9, 1e-12),
                 names=["feature", "threshold", "gain"])


def _hint_best_split(expected, got, inputs):
    if not isinstance(got, list) or len(got) != 3:
        return "return a tuple (feature, threshold, gain)"
    feature, threshold, gain = got
    exp_feature, exp_threshold, exp_gain = expected
    X = np.asarray(inputs["args"][0], dtype=float)
    msl = inputs["kwargs"].get("min_samples_leaf", 1)
    if exp_feature is None and feature is not None:
        return ("no split is allowed here (a constant feature cannot be split, and each side "
                "must keep min_samples_leaf samples): return (None, None, 0.0)")
    if exp_feature is not None and feature is None:
        return ("a split whose gain is 0 is still a split: start the search from gain -inf "
                "(or take the first candidate), and return (None, None, 0.0) only when no "
                "threshold is allowed")
    if not isinstance(feature, int) or not isinstance(threshold, (int, float)):
        return None
    if 0 <= feature < X.shape[1] and np.any(np.isclose(X[:, feature], threshold, rtol=0, atol=1e-12)):
        return ("your threshold is one of the data values; candidate thresholds lie halfway "
                "between consecutive distinct sorted values")
    if isinstance(gain, (int, float)) and abs(gain - exp_gain) <= 1e-9 and (
            feature != exp_feature or threshold != exp_threshold):
        return ("several splits have this gain: ties go to the lower feature index, then the "
                "lower threshold (keep the first best; replace it only when a gain is larger "
                "by more than 1e-12)")
    if msl > 1:
        return f"each side of the split must keep at least min_samples_leaf={msl} samples"
    return None


def split_case(label, X, y, expected, **kwargs):
    """A best_split case: `expected` is (feature, threshold, gain)."""
    return function_case("best_split", label,
                         [np.array(X, dtype=float), np.array(y, dtype=np.int64)],
                         list(expected), SPLIT, kwargs=kwargs, hint=_hint_best_split)


def best_split_cases():
    """Hand-made splits: midpoints, duplicates, min_samples_leaf, ties, no split."""
    six = [[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]]
    six_y = [1, 0, 0, 0, 0, 0]
    return [
        # x <= 6.5 separates the classes: parent gini 4/9, children pure
        split_case("the threshold lies halfway between consecutive values",
                   [[1.0], [3.0], [10.0]], [0, 0, 1], (0, 6.5, 4 / 9)),
        # feature 1 separates the classes at 2.5 (gain 0.5); feature 0 at best gains 1/6
        split_case("the best feature is the second one",
                   [[0.3, 4.0], [0.1, 1.0], [0.2, 3.0], [0.4, 2.0]], [1, 0, 1, 0], (1, 2.5, 0.5)),
        # rows unsorted; sorted: 0.1->0, 0.2->0, 0.3->1, 0.4->1; parent 1 bit, children pure
        split_case("unsorted rows, entropy",
                   [[0.3], [0.1], [0.4], [0.2]], [1, 0, 1, 0], (0, 0.25, 1.0), criterion="entropy"),
        # equal values are one candidate: only 1.5 lies between distinct values
        split_case("repeated values: thresholds only between distinct values",
                   [[1.0], [2.0], [1.0], [2.0]], [0, 1, 0, 1], (0, 1.5, 0.5)),
        # parent gini 10/36; x <= 1.5 leaves both children pure
        split_case("min_samples_leaf=1 allows a single sample on one side", six, six_y,
                   (0, 1.5, 10 / 36), min_samples_leaf=1),
        # 2.5 keeps 2 samples on the left: 10/36 - 2/6 * 0.5 = 4/36 (3.5 gives 2/36, 4.5 1/36)
        split_case("min_samples_leaf=2 keeps at least 2 samples on each side", six, six_y,
                   (0, 2.5, 4 / 36), min_samples_leaf=2),
        # both features separate the classes perfectly: the lower feature wins
        split_case("a tie between features goes to the lower feature",
                   [[1.0, 5.0], [2.0, 5.0], [3.0, 6.0]], [0, 0, 1], (0, 2.5, 4 / 9)),
        # 1.5 and 3.5 both give 0.5 - 3/4 * 4/9 = 1/6; 2.5 gives 0
        split_case("a tie between thresholds goes to the lower threshold",
                   [[1.0], [2.0], [3.0], [4.0]], [0, 1, 1, 0], (0, 1.5, 1 / 6)),
        # XOR: every split leaves both children half and half, gain 0, and is still a split
        split_case("every split has gain 0: still the first candidate, not None",
                   [[1.0, 1.0], [1.0, 2.0], [2.0, 1.0], [2.0, 2.0]], [0, 1, 1, 0], (0, 1.5, 0.0)),
        split_case("a constant feature cannot be split: (None, None, 0.0)",
                   [[2.0, 7.0], [2.0, 7.0], [2.0, 7.0]], [0, 1, 0], (None, None, 0.0)),
        split_case("no split keeps min_samples_leaf=2 on both sides of 3 samples: (None, None, 0.0)",
                   [[1.0], [2.0], [3.0]], [0, 1, 1], (None, None, 0.0), min_samples_leaf=2),
        unchanged_case("best_split", "does not modify its inputs (sort a copy)",
                       [np.array([[0.3, 2.0], [0.1, 1.0], [0.2, 3.0]]), np.array([1, 0, 1])]),
    ]
