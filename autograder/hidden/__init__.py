"""Hidden checks: run only at grading time, never released to students.

The hidden test block of each test cell calls :func:`grade`. Its inputs are
drawn from a seed derived from the student and the assignment
(:func:`grading_seed`), so a regrade gives the same result while two students
see different inputs. A submission that fails a visible check gets 0 here too.

Partial credit: a piece whose cases belong to several independent parts (say
``fit``/``predict`` and ``predict_proba``) earns ``points * parts passed /
parts``; nbgrader reads the number the cell shows as the cell's score.
"""

import contextlib
import hashlib
import os
from importlib import import_module

from fmnist_checks.core import namespace_of
from fmnist_checks.pieces import ASSIGNMENTS, PIECE_ASSIGNMENT
from fmnist_checks import runner
from fmnist_checks.runner import CheckFailed, quietly_run, reference_use, summarise, visible_cases


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


def score_outcomes(visible, hidden, points):
    """Points earned: 0 if any visible case failed, else by parts passed."""
    if any(not o.passed for o in visible):
        return 0.0
    outcomes = visible + hidden
    parts = []
    for o in outcomes:
        if o.case.part not in parts:
            parts.append(o.case.part)
    passed = [p for p in parts if all(o.passed for o in outcomes if o.case.part == p)]
    return points * len(passed) / len(parts)


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

    Raises :class:`~fmnist_checks.runner.CheckFailed` (0 points) when a visible
    check fails, when no part passes, or when the answer uses a reference.
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
    ok, text = summarise(piece, visible_out, "visible")
    if not ok:
        raise CheckFailed(text)
    ok, text = summarise(piece, hidden_out, "hidden")
    if ok:
        print(f"✓ {piece}: all {len(visible) + len(hidden)} checks passed")
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
