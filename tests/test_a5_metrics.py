"""Assignment 5: accuracy, confusion_matrix and precision_recall_f1 against sklearn.metrics."""

import numpy as np
import pytest
from sklearn import metrics as skm

from fmnist_edu import accuracy, confusion_matrix, precision_recall_f1

pytestmark = pytest.mark.a5


def random_labels(seed, n=300, k=5):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, k, size=n)
    # mostly right, sometimes a random class, so every cell can be hit
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k, size=n))
    return y_true, y_pred


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_sklearn_on_random_labels(seed):
    y_true, y_pred = random_labels(seed)
    assert accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))
    np.testing.assert_array_equal(
        confusion_matrix(y_true, y_pred, 5), skm.confusion_matrix(y_true, y_pred, labels=range(5))
    )
    expected = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=range(5), zero_division=0
    )[:3]
    for got, want in zip(precision_recall_f1(y_true, y_pred, 5), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_accuracy_small_example():
    assert accuracy([0, 1, 2, 2], [0, 1, 1, 2]) == pytest.approx(0.75)
    assert accuracy(np.array([3]), np.array([3])) == pytest.approx(1.0)
    assert isinstance(accuracy([0, 1], [1, 0]), float)


def test_confusion_matrix_rows_are_true_columns_predicted():
    matrix = confusion_matrix([0, 0, 0, 1], [1, 1, 0, 1], 3)
    np.testing.assert_array_equal(matrix, [[1, 2, 0], [0, 1, 0], [0, 0, 0]])
    assert np.issubdtype(matrix.dtype, np.integer)
    assert matrix.sum() == 4


def test_class_never_predicted_and_never_present():
    # class 2 is present but never predicted; class 3 is predicted but never present;
    # class 4 is neither
    y_true = np.array([0, 1, 2, 2, 1, 0])
    y_pred = np.array([0, 1, 0, 3, 1, 1])
    precision, recall, f1 = precision_recall_f1(y_true, y_pred, 5)
    expected = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=range(5), zero_division=0
    )[:3]
    for got, want in zip((precision, recall, f1), expected):
        np.testing.assert_allclose(got, want)
    assert precision[2] == 0.0 and recall[2] == 0.0 and f1[2] == 0.0
    assert precision[3] == 0.0 and recall[3] == 0.0
    assert precision[4] == 0.0 and recall[4] == 0.0 and f1[4] == 0.0
    np.testing.assert_allclose(precision[:2], [1 / 2, 2 / 3])
    np.testing.assert_allclose(recall[1], 1.0)
    np.testing.assert_allclose(f1[1], 0.8)


def test_perfect_predictions():
    y = np.array([0, 1, 2, 3, 4, 4])
    for values in precision_recall_f1(y, y, 5):
        np.testing.assert_allclose(values, 1.0)
    np.testing.assert_array_equal(confusion_matrix(y, y, 5), np.diag([1, 1, 1, 1, 2]))


def test_inputs_are_not_modified():
    y_true, y_pred = random_labels(4, n=20)
    before = y_true.copy(), y_pred.copy()
    accuracy(y_true, y_pred)
    confusion_matrix(y_true, y_pred, 5)
    precision_recall_f1(y_true, y_pred, 5)
    np.testing.assert_array_equal(y_true, before[0])
    np.testing.assert_array_equal(y_pred, before[1])


@pytest.mark.parametrize(
    "function, args, match",
    [
        (accuracy, ([0, 1], [0]), "same length"),
        (accuracy, ([], []), "empty"),
        (confusion_matrix, ([0, 1], [0, 1, 1], 2), "same length"),
        (confusion_matrix, ([0, 5], [0, 1], 5), "y_true holds label 5 outside 0..4"),
        (confusion_matrix, ([0, 1], [0, -1], 5), "y_pred holds label -1"),
        (confusion_matrix, ([], [], 5), "empty"),
        (confusion_matrix, ([0, 1], [0, 1], 0), "n_classes"),
        (precision_recall_f1, ([0, 1], [0, 7], 3), "outside 0..2"),
        (precision_recall_f1, ([0, 1.5], [0, 1], 3), "integer"),
        (precision_recall_f1, ([], [], 3), "empty"),
    ],
)
def test_bad_input_is_a_clear_value_error(function, args, match):
    with pytest.raises(ValueError, match=match):
        function(*args)
