"""Assignment 1: class_distribution and integrity_report."""

import numpy as np
import pytest

from fmnist_edu import class_distribution, integrity_report

pytestmark = pytest.mark.a1


def test_class_distribution_shares():
    shares = class_distribution(np.array([0, 2, 2, 1, 2]), 4)
    np.testing.assert_allclose(shares, [0.2, 0.2, 0.6, 0.0])
    assert shares.shape == (4,) and shares.dtype == np.float64


def test_class_distribution_sums_to_one_on_random_labels():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, size=997)
    shares = class_distribution(y, 5)
    np.testing.assert_allclose(shares.sum(), 1.0)
    np.testing.assert_allclose(shares, np.bincount(y, minlength=5) / 997)


def test_class_distribution_accepts_integral_floats_and_lists():
    np.testing.assert_allclose(class_distribution([1.0, 1.0, 0.0, 1.0], 2), [0.25, 0.75])


@pytest.mark.parametrize(
    "y, match",
    [
        ([], "empty"),
        ([0, 5], "outside 0..4"),
        ([0, -1], "outside 0..4"),
        ([0, 1.5], "integer"),
        ([[0, 1]], "1-D"),
    ],
)
def test_class_distribution_rejects(y, match):
    with pytest.raises(ValueError, match=match):
        class_distribution(y, 5)


def test_class_distribution_rejects_bad_n_classes():
    with pytest.raises(ValueError, match="n_classes"):
        class_distribution([0, 1], 0)


def test_clean_data_has_nothing_to_report():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(30, 12)).astype(float)
    y = rng.integers(0, 5, size=30)
    assert integrity_report(X, y, 5) == {
        "missing": 0,
        "non_integer": 0,
        "out_of_range": 0,
        "bad_labels": 0,
    }


def test_each_kind_of_problem_is_counted():
    nan, inf = np.nan, np.inf
    X = np.array(
        [
            [0.0, 255.0, nan, 3.0],  # 1 missing
            [1.5, -3.0, inf, 256.0],  # 1 non-integer, 3 out of range (inf included)
            [300.5, -inf, nan, -0.5],  # 2 non-integer, 3 out of range, 1 missing
        ]
    )
    report = integrity_report(X, np.array([0, 1, 2]), 3)
    assert report == {"missing": 2, "non_integer": 3, "out_of_range": 6, "bad_labels": 0}
    assert all(type(value) is int for value in report.values())


def test_nan_counts_only_as_missing_and_inf_not_as_non_integer():
    X = np.array([[np.nan, np.inf, -np.inf]])
    assert integrity_report(X, [0], 2) == {
        "missing": 1,
        "non_integer": 0,
        "out_of_range": 2,
        "bad_labels": 0,
    }


def test_bad_labels_are_counted_not_raised():
    y = np.array([0, 4, 5, -1, 2.5, np.nan, np.inf, 3.0])
    X = np.zeros((8, 2))
    assert integrity_report(X, y, 5)["bad_labels"] == 5


def test_integer_data_and_lists_are_accepted():
    report = integrity_report([[0, 300], [7, 8]], [1, 9], 5)
    assert report == {"missing": 0, "non_integer": 0, "out_of_range": 1, "bad_labels": 1}
    uint8 = np.array([[0, 255]], dtype=np.uint8)
    assert integrity_report(uint8, np.array([0], dtype=np.uint8), 1)["out_of_range"] == 0


def test_integrity_report_does_not_modify_its_inputs():
    X = np.array([[np.nan, 1.5], [300.0, -2.0]])
    y = np.array([0.0, np.nan])
    X_copy, y_copy = X.copy(), y.copy()
    integrity_report(X, y, 2)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.zeros((3, 2)), np.zeros(2), "same length"),
        (np.zeros(3), np.zeros(3), "2-D"),
        (np.zeros((3, 2)), np.zeros((3, 1)), "1-D"),
        (np.array([["a", "b"]]), np.zeros(1), "numbers"),
        (np.zeros((1, 2)), np.array(["cat"]), "real numbers"),
    ],
)
def test_integrity_report_rejects_malformed_input(X, y, match):
    with pytest.raises(ValueError, match=match):
        integrity_report(X, y, 5)
