"""The checks of assignment 3 tell a correct answer from realistic buggy ones.

Each answer is run as the notebook would run it: the notebook's given cells,
then the answer cells (``tests/submissions/a3_neural_network_answers.py``),
in one namespace that :func:`autograder.hidden.grade_namespace` grades.
"""

import importlib.util
import os

import numpy as np
import pytest

from fmnist_checks import a3_neural_network as visible
from autograder.hidden import grade_namespace
from fmnist_checks.notebook import read, runnable_cells
from fmnist_checks.pieces import ASSIGNMENTS

from answer_namespace import run_cell

pytestmark = pytest.mark.autograder

AID = "a3_neural_network"
PIECES = ASSIGNMENTS[AID]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = os.path.join(ROOT, "course", "source", AID, f"{AID}.ipynb")


def _load_answers():
    path = os.path.join(ROOT, "tests", "submissions", f"{AID}_answers.py")
    spec = importlib.util.spec_from_file_location("a3_answers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ANSWERS = _load_answers()


def _given_cells():
    nb = read(NOTEBOOK)
    return [(name, src) for name, src in runnable_cells(nb) if name.startswith("given-")]


def build_namespace(replace=None):
    """Given cells then every correct answer; `replace` = (piece, source) swaps one in."""
    namespace = {"__name__": "__notebook__"}
    for name, source in _given_cells():
        run_cell(source, name, namespace)
    for piece in PIECES:
        source = ANSWERS.CORRECT[piece]
        if replace and replace[0] == piece:
            source = replace[1]
        run_cell(source, piece.lower(), namespace)
    return namespace


@pytest.fixture(scope="module")
def correct_scores():
    return grade_namespace(AID, build_namespace(), student="alice")


def test_correct_answers_score_full(correct_scores):
    for piece in PIECES:
        score, message = correct_scores[piece]
        assert score == 1.0, f"{piece}: {message}"


def test_every_piece_has_at_least_three_buggy_answers():
    counts = {piece: 0 for piece in PIECES}
    for piece, *_ in ANSWERS.BUGGY:
        counts[piece] += 1
    assert min(counts.values()) >= 3, counts


@pytest.mark.parametrize("piece, bug, source, fragment", ANSWERS.BUGGY,
                         ids=[f"{p}-{b}" for p, b, _, _ in ANSWERS.BUGGY])
def test_buggy_answer_loses_points_on_its_piece_only(piece, bug, source, fragment):
    scores = grade_namespace(AID, build_namespace(replace=(piece, source)), student="alice")
    score, message = scores[piece]
    assert score < 1.0, f"{bug}: scored {score}\n{message}"
    assert fragment in message, f"{bug}: {fragment!r} not in\n{message}"
    for other in PIECES:
        if other != piece:
            assert scores[other][0] == 1.0, f"{bug} cost {other} points:\n{scores[other][1]}"


def test_a_buggy_piece_costs_nothing_elsewhere():
    """Full grading of a notebook with one bug in every building block but the network."""
    bugs = {}
    for piece, _, source, _ in ANSWERS.BUGGY:
        bugs.setdefault(piece, source)
    namespace = build_namespace()
    for piece, source in bugs.items():
        if piece != "NeuralNetworkClassifier":
            run_cell(source, piece.lower(), namespace)
    scores = grade_namespace(AID, namespace, student="bob")
    for piece in PIECES:
        expected_full = piece == "NeuralNetworkClassifier"
        assert (scores[piece][0] == 1.0) == expected_full, (piece, scores[piece])


def test_an_answer_calling_the_reference_scores_zero():
    source = "from fmnist_edu.network import softmax as reference\n\ndef softmax(z):\n    return reference(z)\n"
    namespace = build_namespace(replace=("softmax", source))
    score, message = grade_namespace(AID, {"softmax": namespace["softmax"]})["softmax"]
    assert score == 0.0
    assert "reference implementation" in message


def test_missing_layer_class_costs_only_its_own_piece():
    """Isolation: under grading the reference DenseLayer stands in for a missing one."""
    namespace = build_namespace()
    del namespace["DenseLayer"]
    scores = grade_namespace(AID, namespace)
    assert scores["DenseLayer"][0] == 0.0 and "DenseLayer is not defined" in scores["DenseLayer"][1]
    assert scores["NeuralNetworkClassifier"][0] == 1.0


# -- the gradient check is tight enough -------------------------------------------------


def _network_case():
    X, y, Ws, bs = visible._visible_network()
    return X, y, Ws, bs


def test_finite_differences_agree_with_autograd_far_below_the_tolerance():
    X, y, Ws, bs = _network_case()
    exact = visible._net_autograd(X, y, Ws, bs)
    numeric = visible._net_numeric(X, y, Ws, bs)
    for key in ("grad_weights", "grad_biases"):
        for a, b in zip(exact[key], numeric[key]):
            assert visible.rel_error(a, b) < 1e-8


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_a_gradient_one_percent_off_fails(layer):
    X, y, Ws, bs = _network_case()
    numeric = visible._net_numeric(X, y, Ws, bs)
    got = visible._net_autograd(X, y, Ws, bs)
    compare = visible.fields(grad_weights=visible.gradient_close(), grad_biases=visible.gradient_close())
    assert compare(numeric, got) is None
    got["grad_weights"][layer] = got["grad_weights"][layer] * 1.01
    message = compare(numeric, got)
    assert message is not None and "relative error" in message
    # and it is no accident of one comparator: the torch comparison fails too
    exact = visible._net_autograd(X, y, Ws, bs)
    assert visible._list_close(1e-7, 1e-12)(exact["grad_weights"], got["grad_weights"]) is not None


def test_source_notebook_solutions_score_full():
    nb = read(NOTEBOOK)
    namespace = {"__name__": "__notebook__"}
    for name, source in runnable_cells(nb):
        run_cell(source, name, namespace)
    scores = grade_namespace(AID, namespace, student="carol")
    for piece in PIECES:
        assert scores[piece][0] == 1.0, scores[piece][1]


def test_grading_is_deterministic_per_student_and_differs_between_students():
    from autograder.hidden import hidden_cases

    a = hidden_cases("softmax", 1)[0].inputs["args"][0]
    b = hidden_cases("softmax", 1)[0].inputs["args"][0]
    c = hidden_cases("softmax", 2)[0].inputs["args"][0]
    assert np.array_equal(a, b)
    assert a.shape != c.shape or not np.allclose(a, c)


def test_test_cell_of_the_network_survives_a_dense_layer_bug():
    from autograder.hidden import grade
    from fmnist_checks.runner import check

    bug = next(src for piece, name, src, _ in ANSWERS.BUGGY if name == "grad_biases averaged")
    namespace = build_namespace(replace=("DenseLayer", bug))
    answer = namespace["NeuralNetworkClassifier"]
    check("NeuralNetworkClassifier", answer)  # what the test cell runs first
    assert grade("NeuralNetworkClassifier", answer, points=6, student="alice") is None
