"""A piece's verdict is read once, whole and as sentences: in the autograded notebook and in feedback.

The case of issue 24: a transposed confusion matrix fails visible and hidden
checks (the headline counts both), a blank piece is one line, a long verdict
is shortened by whole checks, and an advice check for an error without a
message reads as a sentence.
"""

import re

import nbformat
import numpy as np
import pytest

from autograder.batch.annotate import verdict_outputs
from autograder.reports.feedback import one_verdict_per_piece
from autograder.reports.feedback_notes import headline
from autograder.hidden import all_cases
from autograder.hidden.verdict_text import piece_verdict, read_verdict, shorten
from fmnist_checks.core import run_cases


def transposed(y_true, y_pred, n_classes):
    out = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred):
        out[p, t] += 1
    return out


def blank(*args, **kwargs):
    raise NotImplementedError()


def _outcomes(piece, answer, seed=7):
    visible, hidden = all_cases(piece, seed)
    return run_cases(visible, answer), run_cases(hidden, answer)


def test_the_headline_counts_every_failed_check_visible_and_hidden():
    vis, hid = _outcomes("confusion_matrix", transposed)
    ok, text = piece_verdict("confusion_matrix", vis, hid)
    failed_v = sum(not o.passed for o in vis if not o.case.advice)
    failed_h = sum(not o.passed for o in hid if not o.case.advice)
    assert not ok and failed_v and failed_h
    head = text.splitlines()[0]
    n_v = sum(not o.case.advice for o in vis)
    n_h = sum(not o.case.advice for o in hid)
    assert head == (f"✗ confusion_matrix: {failed_v + failed_h} of {n_v + n_h} checks failed "
                    f"({failed_v} of {n_v} visible, {failed_h} of {n_h} hidden)")
    assert text.count("✗") == 1, "one headline per piece"


def test_a_blank_piece_is_one_line_once():
    vis, hid = _outcomes("precision_recall_f1", blank)
    ok, text = piece_verdict("precision_recall_f1", vis, hid)
    assert not ok
    assert text == "✗ precision_recall_f1 is not implemented yet: it still raises NotImplementedError"


def test_an_error_without_a_message_leaves_no_empty_parentheses():
    vis, hid = _outcomes("confusion_matrix", transposed)
    _, text = piece_verdict("confusion_matrix", vis, hid)
    assert "ValueError to be raised, but it returned" in text
    assert "()" not in text.replace("np.array(", "").replace("array(", "")


def test_a_long_verdict_is_shortened_by_whole_checks():
    vis, hid = _outcomes("confusion_matrix", transposed)
    _, text = piece_verdict("confusion_matrix", vis, hid)
    short = shorten(text, limit=1500)
    assert len(short) < len(text)
    blocks = short.split("\n\n")
    assert blocks[0] == text.split("\n\n")[0]
    for block in blocks[1:-1]:
        assert block in text.split("\n\n"), "a check was cut inside"
    tail = " ".join(blocks[-1].split())  # wrapped at 100 characters
    assert all(len(line) <= 100 for line in blocks[-1].splitlines())
    left_out = [b for b in text.split("\n\n")[1:] if b not in blocks]
    checks = [b for b in left_out if not b.startswith("advice")]
    assert tail.startswith(f"… and {len(checks)} more failed check")
    for block in checks:  # each left-out check is named
        assert block.splitlines()[0].split(": ", 1)[1] in tail


@pytest.mark.parametrize("piece, answer", [("confusion_matrix", transposed), ("precision_recall_f1", blank)])
def test_the_notebook_and_the_feedback_show_the_verdict_once(piece, answer):
    vis, hid = _outcomes(piece, answer)
    _, text = piece_verdict(piece, vis, hid)
    headline_text = text.splitlines()[0]
    cell = nbformat.v4.new_code_cell(f"check({piece!r}, {piece})")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": f"test_{piece}", "points": 2}
    cell.outputs = verdict_outputs(piece, 0.0, 2.0, text)

    def shown(c):
        return "\n".join(o.get("text") or "\n".join(o.get("traceback", [])) for o in c.outputs)

    assert shown(cell).count(headline_text) == 1  # formgrader shows the autograded notebook
    assert read_verdict(shown(cell))[:3] == (piece, 0.0, 2.0)
    feedback = one_verdict_per_piece([nbformat.from_dict(cell)])[0]
    assert len(feedback["outputs"]) == 1
    assert shown(feedback).count(headline_text) == 1
    assert "CheckFailed" not in shown(feedback) and "Trusted grader" not in shown(feedback)


def test_the_notes_say_what_awaits_a_grader_and_what_was_given():
    base = {"auto": 3.0, "auto_max": 5.0, "written_max": 6.0}
    assert headline(dict(base, awaiting=6.0, written_given=0.0)).endswith(
        "3 of 5 autograded points. 6 points of written answers await a grader.")
    assert headline(dict(base, awaiting=3.0, written_given=0.0)).endswith(
        "3 points of written answers await a grader (0 of 3 given so far).")
    line = headline(dict(base, awaiting=0.0, written_given=4.5))
    assert line.endswith("Written answers: 4.5 of 6 points.") and "await" not in line
    assert not re.search(r"\(\s*\)", line)



def test_checks_a_hang_kept_from_running_are_one_line():
    from fmnist_checks.core import Outcome

    visible, hidden = all_cases("precision_recall_f1", 7)
    hung = "precision_recall_f1: per-class values\n    problem:  your code raised Killed: this step took too long"
    skipped = "your code raised Killed: this step was not run: an earlier check of this piece hung or crashed"
    vis = [Outcome(visible[0], False, hung)] + [Outcome(c, False, f"x: {c.label}\n    problem:  {skipped}")
                                                 for c in visible[1:]]
    hid = [Outcome(c, False, f"x: {c.label}\n    problem:  {skipped}") for c in hidden]
    _, text = piece_verdict("precision_recall_f1", vis, hid)
    graded = [o for o in vis + hid if not o.case.advice]
    assert text.count("was not run") == 0 and text.count("took too long") == 1
    assert f"{len(graded) - 1} more checks did not run (an earlier check of this piece hung or crashed)" in text
    assert "advice (no points)" not in text  # advice that never ran says nothing
