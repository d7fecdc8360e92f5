"""Hidden checks: run only at grading time, never released to students.

The hidden test block of each test cell calls :func:`grade`. Its inputs are
drawn from a seed derived from the student and the assignment
(:func:`grading_seed`), so a regrade gives the same result while two students
see different inputs.

Scores and partial credit (:func:`score_outcomes`):

* Each case belongs to one part of its piece (``case.part``: say
  ``fit/predict``, ``predict_proba``, ``inputs unchanged``); a part passes when
  all its graded cases pass, visible and hidden alike. A piece earns
  ``points * parts passed / parts``: a part that fails, on visible or hidden
  inputs, costs that part, not the piece.
* Each case says what it checks (``case.kind``): ``"value"`` (a result the
  contract defines), ``"api"``, ``"inputs unchanged"`` or ``"validation"``. A
  part holding at least one value case is a value part. A piece none of whose
  value parts passes -- its values are wrong on the hidden inputs, as for an
  answer that reproduces only the visible values -- earns nothing for its
  other parts either: 0.
* Advice cases (``case.advice``: other input types, errors the contract does
  not name) are shown as "advice (no points): ..." and never count.

nbgrader reads the number the cell shows as the cell's score.
"""

import contextlib
import hashlib
import os
from importlib import import_module

from fmnist_checks.core import namespace_of
from fmnist_checks.pieces import ASSIGNMENTS, PIECE_ASSIGNMENT
from fmnist_checks import runner
from fmnist_checks.runner import (CheckFailed, advice_notes, quietly_run, reference_use, summarise,
                                  visible_cases)


def student_id_from_path(path):
    """The student id of an nbgrader ``autograded/<student>/<assignment>`` path, or None."""
    parts = os.path.abspath(path).split(os.sep)
    for marker in ("autograded", "submitted"):
        if marker in parts:
            i = parts.index(marker)
            if i + 1 < len(parts):
                return parts[i + 1]
    return None


def grading_seed(assignment, student=None):
    """A 32-bit seed from the assignment and the student (``$FMNIST_EDU_STUDENT`` or the path)."""
    if student is None:
        student = os.environ.get("FMNIST_EDU_STUDENT") or student_id_from_path(os.getcwd()) or ""
    digest = hashlib.sha256(f"{assignment}/{student}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def hidden_cases(piece, seed):
    """The hidden cases of `piece` drawn from `seed`."""
    import numpy as np

    module = import_module(f"{__name__}.{PIECE_ASSIGNMENT[piece]}")
    return module.HIDDEN[piece](np.random.default_rng(seed))


def all_cases(piece, seed):
    """Visible cases then hidden ones."""
    return visible_cases(piece), hidden_cases(piece, seed)


def part_results(outcomes):
    """{part: passed} over the graded (non-advice) `outcomes`, in first-seen order."""
    results = {}
    for o in outcomes:
        if o.case.advice:
            continue
        results[o.case.part] = results.get(o.case.part, True) and o.passed
    return results


def value_parts(outcomes):
    """The parts that hold at least one graded value case."""
    return {o.case.part for o in outcomes if not o.case.advice and o.case.kind == "value"}


def score_outcomes(visible, hidden, points):
    """Points earned: by parts passed, and 0 when no value part passes (see the module doc)."""
    outcomes = list(visible) + list(hidden)
    parts = part_results(outcomes)
    if not parts:
        return float(points)
    values = value_parts(outcomes)
    if values and not any(parts[p] for p in values):
        return 0.0
    return points * sum(parts.values()) / len(parts)


def failure_text(piece, visible_out, hidden_out):
    """(all graded cases passed, the message a student sees)."""
    ok_v, text_v = summarise(piece, visible_out, "visible")
    ok_h, text_h = summarise(piece, hidden_out, "hidden")
    if ok_v and ok_h:
        n = sum(1 for o in visible_out + hidden_out if not o.case.advice)
        notes = advice_notes(visible_out + hidden_out)
        return True, "\n\n".join([f"✓ {piece}: all {n} checks passed"] + notes)
    return False, "\n\n".join(t for ok, t in ((ok_v, text_v), (ok_h, text_h)) if not ok)


@contextlib.contextmanager
def isolated(piece, answer):
    """Swap the assignment's other pieces in `answer`'s namespace for the references.

    A bug in ``gini`` then costs the ``gini`` points only, not those of
    ``information_gain`` or the tree that call it. The namespace is restored after.
    """
    namespace = namespace_of(answer)
    if namespace is None:
        yield
        return
    import fmnist_edu

    saved, missing = {}, []
    for other in ASSIGNMENTS[PIECE_ASSIGNMENT[piece]]:
        if other == piece:
            continue
        if other in namespace:
            saved[other] = namespace[other]
        else:
            missing.append(other)  # a piece that is not defined at all: the reference stands in
        namespace[other] = getattr(fmnist_edu, other)
    try:
        yield
    finally:
        namespace.update(saved)
        for other in missing:
            namespace.pop(other, None)


# where the instructor's grader runs, the visible checks isolate the piece too
runner.set_isolation(isolated)


def grade(piece, answer, points, student=None):
    """Run visible and hidden checks; return the partial score, or None for full marks.

    Raises :class:`~fmnist_checks.runner.CheckFailed` (0 points) when the
    score is 0 (no part passes, or no value part does) or when the answer uses
    a reference.
    """
    __tracebackhide__ = True
    banned = reference_use(piece, answer)
    if banned:
        raise CheckFailed(banned)
    seed = grading_seed(PIECE_ASSIGNMENT[piece], student)
    visible, hidden = all_cases(piece, seed)
    with isolated(piece, answer):
        visible_out = quietly_run(visible, answer)
        hidden_out = quietly_run(hidden, answer)
    ok, text = failure_text(piece, visible_out, hidden_out)
    if ok:
        print(text)
        return None
    score = score_outcomes(visible_out, hidden_out, points)
    if score == 0:
        raise CheckFailed(text)
    print(text)
    print(f"partial credit: {score:g} of {points:g} points")
    return round(score, 4)


def grade_namespace(assignment, namespace, student="", points=1.0):
    """Grade every piece of `assignment` found in `namespace` (tests, trusted grader).

    Returns
    -------
    dict
        piece -> (score, message): the score in [0, points] and the printed or
        raised message.
    """
    import io
    from contextlib import redirect_stdout

    results = {}
    for piece in ASSIGNMENTS[assignment]:
        if piece not in namespace:
            results[piece] = (0.0, f"{piece} is not defined")
            continue
        out = io.StringIO()
        try:
            with redirect_stdout(out):
                score = grade(piece, namespace[piece], points, student=student)
            results[piece] = (points if score is None else score, out.getvalue())
        except CheckFailed as exc:
            results[piece] = (0.0, str(exc))
    return results
