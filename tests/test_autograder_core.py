"""The check machinery itself: plain data, comparators, the reference ban, the worker protocol."""

import numpy as np
import pytest

from fmnist_checks import compare
from fmnist_checks.cases import function_case, raises_case, unchanged_case
from fmnist_checks.core import call_answer, judge, run_cases
from fmnist_checks.plain import PlainError, dumps, loads, to_plain
from fmnist_checks.refban import find_in_object, find_in_source

pytestmark = pytest.mark.autograder


class AlwaysEqual(float):
    def __eq__(self, other):
        return True


class RiggedArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, bool)


def test_to_plain_keeps_numbers_arrays_lists_and_dicts():
    value = {"a": [1, 2.5, "x", None, True], "b": np.arange(3), "c": np.float64(0.5)}
    plain = to_plain(value)
    assert plain["a"] == [1, 2.5, "x", None, True]
    assert type(plain["c"]) is float
    assert type(plain["b"]) is np.ndarray and plain["b"].tolist() == [0, 1, 2]


@pytest.mark.parametrize("hostile", [AlwaysEqual(1.0), object(), {1: 2}, np.array([object()])])
def test_to_plain_refuses_objects_that_could_rig_a_comparison(hostile):
    with pytest.raises(PlainError):
        to_plain(hostile)


def test_to_plain_turns_an_ndarray_subclass_into_a_base_array():
    rigged = np.arange(3).view(RiggedArray)
    assert type(to_plain(rigged)) is np.ndarray


def test_json_round_trip_keeps_dtype_and_shape():
    value = {"m": np.arange(6, dtype=np.int32).reshape(2, 3), "f": [np.array([0.5, np.nan])]}
    back = loads(dumps(value))
    assert back["m"].dtype == np.int32 and back["m"].shape == (2, 3)
    assert np.isnan(back["f"][0][1])


def test_loads_refuses_object_arrays():
    with pytest.raises(ValueError):
        loads('{"__ndarray__": [1], "dtype": "|O", "shape": [1]}')


@pytest.mark.parametrize("expected, got, fragment", [
    (0.375, 0.625, "expected 0.375, got 0.625"),
    (np.zeros(3), np.zeros(4), "expected shape (3,), got shape (4,)"),
    (np.array([1.0, 2.0]), np.array([1.0, 2.1]), "1 of 2 entries differ; first at index (1,)"),
    (0.0, float("nan"), "got nan"),
    (np.array([1, 2]), "text", "expected an array of shape (2,)"),
])
def test_close_says_what_differs_and_the_tolerance(expected, got, fragment):
    message = compare.close(1e-9, 1e-12)(to_plain(expected), to_plain(got))
    assert message is not None and fragment in message


def test_close_accepts_values_within_tolerance():
    assert compare.close(1e-6, 0)(1.0, 1.0 + 1e-8) is None
    assert compare.close(1e-9, 0)(1.0, 1.0 + 1e-8) is not None


def test_a_gradient_one_percent_off_fails_the_gradient_tolerance():
    grad = np.linspace(-1, 1, 10) + 0.05
    assert compare.close(1e-6, 1e-9)(grad, grad * 1.01) is not None


def test_columns_up_to_sign():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert compare.columns_up_to_sign()(a, a * np.array([-1.0, 1.0])) is None
    assert compare.columns_up_to_sign()(a, a * 2) is not None


def test_integer_dtype_is_enforced_when_asked():
    assert "expected integers" in compare.close(dtype_kind="i")(np.array([1, 2]), np.array([1.0, 2.0]))


def _gini_ok(y):
    y = np.asarray(y)
    if y.size == 0:
        return 0.0
    p = np.bincount(y) / y.size
    return float(1 - np.sum(p ** 2))


def test_a_student_exception_is_reported_with_its_own_line():
    def broken(y):
        return 1 / 0

    case = function_case("gini", "two classes", [np.array([0, 1])], 0.5, compare.close())
    outcome = judge(case, case.expected(), call_answer(case, broken))
    assert not outcome.passed
    assert "ZeroDivisionError" in outcome.message and "return 1 / 0" in outcome.message
    assert "gini(np.array([0, 1]))" in outcome.message


def test_an_always_equal_result_fails():
    case = function_case("gini", "two classes", [np.array([0, 1])], 0.5, compare.close())
    outcome = run_cases([case], lambda y: AlwaysEqual(0.0))[0]
    assert not outcome.passed and "expected numbers" in outcome.message


def test_raises_case_and_unchanged_case():
    def sorts_in_place(y):
        y.sort()
        if y.size == 0:
            raise ValueError("empty")
        return 0.0

    cases = [raises_case("gini", "ValueError for empty y", [np.array([], int)]),
             unchanged_case("gini", "does not modify y", [np.array([2, 0, 1])])]
    raise_ok, unchanged = run_cases(cases, sorts_in_place)
    assert raise_ok.passed
    assert not unchanged.passed and "modified its input" in unchanged.message
    wrong_error = run_cases(cases[:1], lambda y: y[5])[0]
    assert not wrong_error.passed and "expected ValueError" in wrong_error.message


@pytest.mark.parametrize("source", [
    "from sklearn.tree import DecisionTreeClassifier as T",
    "import sklearn.tree",
    "from sklearn import tree",
    "import fmnist_edu",
    "x = __import__('fmnist_edu')",
    "import importlib\nm = importlib.import_module('sklearn.tree')",
    "def f():\n    return sklearn.tree.DecisionTreeClassifier()",
])
def test_the_reference_ban_reads_the_syntax_tree(source):
    assert "reference implementation" in find_in_source(source, "DecisionTreeClassifier")


def test_the_reference_ban_allows_what_the_contract_allows():
    source = "import numpy as np\nfrom sklearn.base import BaseEstimator, ClassifierMixin\n# sklearn.tree in a comment\n"
    assert find_in_source(source, "DecisionTreeClassifier") is None
    assert find_in_source("import torch.nn as nn", "LeNet5") is None
    assert find_in_source("from sklearn.metrics import accuracy_score", "gini") is None


def test_the_reference_ban_sees_a_name_imported_in_another_cell():
    from sklearn.metrics import confusion_matrix as reference

    namespace = {"reference": reference}
    exec("def confusion_matrix(y_true, y_pred, n_classes):\n    return reference(y_true, y_pred)", namespace)
    assert "sklearn.metrics" in find_in_object(namespace["confusion_matrix"], "confusion_matrix")


@pytest.mark.parametrize("seed", [0, 12345, 2**31 + 7])
def test_no_isolation_table_holds_another_pieces_graded_hidden_answer(seed):
    """The sandbox sees each case's isolation table: it must never answer another piece's hidden case.

    Before each piece drew from a stream of its own, precision_recall_f1's
    tables held confusion_matrix's hidden answers (both drew the same labels);
    before the tables withheld other pieces' hidden calls, a child subset that
    a textbook ``best_split`` passed to ``information_gain`` could equal one of
    ``entropy``'s hidden inputs.
    """
    import fmnist_edu
    from autograder.hidden import hidden_cases
    from autograder.verdict.isolation import signature_of
    from autograder.verdict.trusted import build_steps
    from autograder.sandbox.worker_child import call_key
    from fmnist_checks.pieces import ASSIGNMENTS
    from fmnist_checks.plain import loads

    for assignment, pieces in ASSIGNMENTS.items():
        hidden = {}
        for piece in pieces:
            reference = getattr(fmnist_edu, piece)
            if isinstance(reference, type):
                continue  # a class has no table
            for case in hidden_cases(piece, seed):
                if not case.advice and isinstance(case.inputs, dict) and "args" in case.inputs:
                    key = call_key(signature_of(reference), tuple(case.inputs["args"]),
                                   dict(case.inputs.get("kwargs") or {}))
                    hidden[(piece, key)] = case.label
        for step in build_steps(assignment, seed):  # the tables as the sandbox gets them
            for other, table in loads(step["table"]).items():
                leaked = [hidden[(other, k)] for k in table if (other, k) in hidden]
                assert not leaked, f"{step['step']}'s table holds {other}'s hidden answers {leaked}"


@pytest.mark.parametrize("source, why", [
    ("def accuracy(y_true, y_pred):\n    return " + "1+" * 200000 + "1\n", "RecursionError"),
    ("def accuracy(y_true, y_pred):\n    return 1\x00\n", ""),  # ValueError, or SyntaxError since 3.11.4
    ("def accuracy(y_true, y_pred):\n    return (1\n", "SyntaxError"),
])
def test_code_the_parser_cannot_read_costs_its_own_piece_with_a_message(source, why):
    """A RecursionError (once raised out of the ban and the whole submission went ungraded), a NUL or a syntax
    error: that piece gets a message saying why, and nothing is raised for the others."""
    found = find_in_source(source, "accuracy")
    assert found.startswith("accuracy: the grader cannot read your answer's code (" + why)
    assert "0 points for this piece" in found
    assert find_in_source("def confusion_matrix(a, b, n):\n    return 0\n", "confusion_matrix") is None


def test_ipython_syntax_in_an_answer_cell_is_read_as_the_kernel_reads_it():
    source = "%time x = 1\n!echo hi\nimport sklearn.tree\n"
    assert "imports sklearn.tree" in find_in_source(source, "DecisionTreeClassifier")
    assert find_in_source("%time x = 1\ndef gini(y):\n    return 0\n", "gini") is None
