"""The checks of assignment 1 catch realistic bugs, and only in the buggy piece.

The notebook's given cells and a correct answer to every piece run in one
namespace; one piece at a time is replaced by a buggy answer written as a
student would write it (``tests/submissions/a1_data_pca_answers.py``), and the
hidden grader must give that piece less than full marks, with a message naming
the bug, while every other piece keeps full marks.
"""

from pathlib import Path

import pytest

from autograder.hidden import grade_namespace
from fmnist_checks.notebook import read, runnable_cells
from fmnist_checks.pieces import ASSIGNMENTS

from answer_namespace import run_cell
from submissions.a1_data_pca_answers import BUGGY, CORRECT, REFERENCE_USE

pytestmark = pytest.mark.autograder

AID = "a1_data_pca"
NOTEBOOK = Path(__file__).resolve().parents[1] / "course" / "source" / AID / f"{AID}.ipynb"
PIECES = ASSIGNMENTS[AID]


def namespace_with(replace=None):
    """Given cells, every correct answer, then `replace` = (piece, source) if any."""
    namespace = {"__name__": "__notebook__"}
    for grade_id, source in runnable_cells(read(NOTEBOOK)):
        if grade_id.startswith("given-"):
            run_cell(source, grade_id, namespace)
    for piece, source in CORRECT.items():
        run_cell(source, piece.lower(), namespace)
    if replace:
        run_cell(replace[1], replace[0].lower(), namespace)
    return namespace


@pytest.fixture(scope="module")
def correct_results():
    return grade_namespace(AID, namespace_with(), student="test-student")


def test_every_piece_has_a_correct_answer_and_three_bugs():
    assert set(CORRECT) == set(PIECES)
    for piece in PIECES:
        assert sum(1 for p, *_ in BUGGY if p == piece) >= 3, piece


def test_correct_answers_score_full(correct_results):
    for piece in PIECES:
        score, message = correct_results[piece]
        assert score == 1.0, f"{piece}: {message}"


def test_the_notebook_solutions_score_full():
    """The answers in the source notebook itself (the instructor's solutions)."""
    namespace = {"__name__": "__notebook__"}
    for grade_id, source in runnable_cells(read(NOTEBOOK)):
        run_cell(source, grade_id, namespace)
    results = grade_namespace(AID, namespace, student="another-student")
    for piece in PIECES:
        assert results[piece][0] == 1.0, f"{piece}: {results[piece][1]}"


@pytest.mark.parametrize("piece, bug, source, fragment", BUGGY, ids=[f"{p}-{b}" for p, b, *_ in BUGGY])
def test_buggy_answer_loses_points_on_its_piece_only(piece, bug, source, fragment):
    results = grade_namespace(AID, namespace_with((piece, source)), student="test-student")
    score, message = results[piece]
    assert score < 1.0, f"{piece} / {bug} was not caught"
    assert fragment in message, f"{piece} / {bug}: {fragment!r} not in\n{message}"
    for other in PIECES:
        if other != piece:
            assert results[other][0] == 1.0, f"{bug} in {piece} cost {other}: {results[other][1]}"


@pytest.mark.parametrize("piece, what, source, fragment", REFERENCE_USE,
                         ids=[f"{p}-{w}" for p, w, *_ in REFERENCE_USE])
def test_reference_use_scores_zero(piece, what, source, fragment):
    results = grade_namespace(AID, namespace_with((piece, source)), student="test-student")
    score, message = results[piece]
    assert score == 0.0
    assert "reference implementation" in message and fragment in message


def test_hidden_inputs_depend_on_the_student():
    from autograder.hidden import hidden_cases, grading_seed

    one = hidden_cases("class_distribution", grading_seed(AID, "alice"))[0].inputs
    two = hidden_cases("class_distribution", grading_seed(AID, "bob"))[0].inputs
    again = hidden_cases("class_distribution", grading_seed(AID, "alice"))[0].inputs
    assert str(one) != str(two) and str(one) == str(again)
