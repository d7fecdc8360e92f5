"""The a4 and a5 checks score a correct answer full and catch realistic buggy answers.

Each answer runs after the notebook's given cells, in a namespace built like the
self-check's (each cell compiled under its own ``<cell ...>`` name so the
reference ban can read its source), then is graded by
``autograder.hidden.grade_namespace`` with the hidden checks included. The two
assignments' corpora (``tests/submissions/<assignment>_answers.py``) are
tested alike; each case carries its assignment's marker (``pytest -m a4``).
"""

import pytest

from autograder.hidden import grade_namespace
from fmnist_checks.pieces import ASSIGNMENTS

import answer_namespace
from submissions import a4_lenet5_answers, a5_evaluation_answers

pytestmark = [pytest.mark.autograder, pytest.mark.usefixtures("one_torch_thread")]

CORPORA = {"a4_lenet5": a4_lenet5_answers, "a5_evaluation": a5_evaluation_answers}
MARKS = {"a4_lenet5": pytest.mark.a4, "a5_evaluation": pytest.mark.a5}
# an answer that is the reference itself: (piece, source)
REFERENCE_ANSWERS = {
    "a4_lenet5": ("EarlyStopping", "from fmnist_edu.lenet import EarlyStopping\n"),
    "a5_evaluation": ("confusion_matrix", "from sklearn.metrics import confusion_matrix\n"),
}


def cases(field):
    """pytest params (aid, *row) for each row of each corpus's `field`, marked by assignment."""
    return [pytest.param(aid, *row, marks=MARKS[aid], id=f"{aid}-{row[0]}-{row[1]}")
            for aid, answers in CORPORA.items() for row in getattr(answers, field)]


def by_assignment():
    return [pytest.param(aid, marks=MARKS[aid], id=aid) for aid in CORPORA]


def build_namespace(aid, replace=None):
    """Given cells then the correct answers; `replace` = (piece, source) swaps one in."""
    return answer_namespace.build_namespace(aid, CORPORA[aid], replace)


@pytest.mark.parametrize("aid", by_assignment())
def test_correct_answers_score_full(aid):
    results = grade_namespace(aid, build_namespace(aid), student="tester")
    assert set(results) == set(ASSIGNMENTS[aid])
    for piece, (score, message) in results.items():
        assert score == pytest.approx(1.0), f"{piece}: {message}"


@pytest.mark.parametrize("aid,piece,variant,source", cases("CORRECT_VARIANTS"))
def test_other_correct_answers_score_full(aid, piece, variant, source):
    assert source != CORPORA[aid].CORRECT[piece]
    score, message = grade_namespace(aid, build_namespace(aid, (piece, source)), student="tester")[piece]
    assert score == pytest.approx(1.0), f"{variant}: {message}"


@pytest.mark.parametrize("aid", by_assignment())
def test_every_piece_has_three_buggy_answers(aid):
    for piece in ASSIGNMENTS[aid]:
        assert sum(1 for p, *_ in CORPORA[aid].BUGGY if p == piece) >= 3, piece


@pytest.mark.parametrize("aid,piece,bug,source,fragment", cases("BUGGY"))
def test_buggy_answer_is_caught(aid, piece, bug, source, fragment):
    results = grade_namespace(aid, build_namespace(aid, (piece, source)), student="tester")
    score, message = results[piece]
    assert score < 1.0, f"{bug} was not caught"
    assert fragment in message, f"{bug}: {fragment!r} not in\n{message}"
    for other, (other_score, other_message) in results.items():
        if other != piece:
            assert other_score == pytest.approx(1.0), f"{other} lost points: {other_message}"


@pytest.mark.parametrize("aid", by_assignment())
def test_reference_ban(aid):
    piece, source = REFERENCE_ANSWERS[aid]
    score, message = grade_namespace(aid, build_namespace(aid, (piece, source)), student="tester")[piece]
    assert score == 0.0
    assert "reference implementation" in message
