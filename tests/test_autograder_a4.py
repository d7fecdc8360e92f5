"""The a4 checks score a correct answer full and catch realistic buggy answers.

Each answer runs after the notebook's given cells, in a namespace built like the
self-check's (each cell compiled under its own ``<cell ...>`` name so the
reference ban can read its source), then is graded by
``autograder.hidden.grade_namespace`` with the hidden checks included.
"""

import pytest

from autograder.hidden import grade_namespace
from fmnist_checks.pieces import ASSIGNMENTS

import answer_namespace
from submissions import a4_lenet5_answers as answers

pytestmark = [pytest.mark.autograder, pytest.mark.usefixtures("one_torch_thread")]

AID = "a4_lenet5"


def build_namespace(replace=None):
    """Given cells then the correct answers; `replace` = (piece, source) swaps one in."""
    return answer_namespace.build_namespace(AID, answers, replace)


@pytest.fixture(scope="module")
def correct_results():
    return grade_namespace(AID, build_namespace(), student="tester")


def test_correct_answers_score_full(correct_results):
    assert set(correct_results) == set(ASSIGNMENTS[AID])
    for piece, (score, message) in correct_results.items():
        assert score == pytest.approx(1.0), f"{piece}: {message}"


@pytest.mark.parametrize("piece,variant,source", answers.CORRECT_VARIANTS,
                         ids=[f"{p}-{v}" for p, v, _ in answers.CORRECT_VARIANTS])
def test_other_correct_answers_score_full(piece, variant, source):
    assert source != answers.CORRECT[piece]
    score, message = grade_namespace(AID, build_namespace((piece, source)), student="tester")[piece]
    assert score == pytest.approx(1.0), f"{variant}: {message}"


def test_every_piece_has_three_buggy_answers():
    for piece in ASSIGNMENTS[AID]:
        assert sum(1 for p, *_ in answers.BUGGY if p == piece) >= 3, piece


@pytest.mark.parametrize("piece,bug,source,fragment", answers.BUGGY,
                         ids=[f"{p}-{b}" for p, b, _, _ in answers.BUGGY])
def test_buggy_answer_is_caught(piece, bug, source, fragment):
    results = grade_namespace(AID, build_namespace((piece, source)), student="tester")
    score, message = results[piece]
    assert score < 1.0, f"{bug} was not caught"
    assert fragment in message, f"{bug}: {fragment!r} not in\n{message}"
    for other, (other_score, other_message) in results.items():
        if other != piece:
            assert other_score == pytest.approx(1.0), f"{other} lost points: {other_message}"


def test_reference_ban():
    source = "from fmnist_edu.lenet import EarlyStopping\n"
    score, message = grade_namespace(AID, build_namespace(("EarlyStopping", source)),
                                     student="tester")["EarlyStopping"]
    assert score == 0.0
    assert "reference implementation" in message
