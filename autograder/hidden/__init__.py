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
import hmac
import os
import stat
from importlib import import_module

from fmnist_checks.core import namespace_of
from fmnist_checks.pieces import ASSIGNMENTS, PIECE_ASSIGNMENT
from fmnist_checks import runner
from fmnist_checks.runner import (CheckFailed, quietly_run, reference_use,
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


SECRET_NAME = ".fmnist-grading-secret"
SEED_ENV = "FMNIST_EDU_GRADING_SEED"


def course_secret(course_dir, create=True):
    """The course's grading secret: 32 random bytes in ``course/.fmnist-grading-secret``.

    Created on first use (mode 0600, the instructor's only; ``.gitignore``
    keeps it out of the repository). It never enters a sandbox: only seeds
    derived from it do. Returns None when it does not exist and `create` is false.
    """
    path = os.path.join(course_dir, SECRET_NAME)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        if not create:
            return None
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except FileExistsError:  # another grading run made it just now
            fd = os.open(path, flags)
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(32))
            fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_mode & 0o077:
            raise PermissionError(f"{path} must be a regular file readable by its owner only (chmod 600)")
        secret = fh.read(65)
    if len(secret) < 32:
        raise ValueError(f"{path} is damaged (fewer than 32 bytes): delete it only if no grade "
                         f"has to be repeated, then grade again")
    return secret


def seed_from_secret(secret, assignment, student):
    """HMAC-SHA256(secret, "assignment/student"), as a 32-bit seed."""
    digest = hmac.new(secret, f"{assignment}/{student}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "little")


def _course_of(path):
    """The course folder of an nbgrader ``autograded/<student>/<assignment>`` path, or None."""
    parts = os.path.abspath(path).split(os.sep)
    for marker in ("autograded", "submitted"):
        if marker in parts:
            i = parts.index(marker)
            if i + 2 < len(parts) and os.path.exists(os.sep.join(parts[:i] + ["nbgrader_config.py"])):
                return os.sep.join(parts[:i]) or os.sep
    return None


def grading_seed(assignment, student=None, course_dir=None):
    """The seed of the hidden inputs of `student` in `assignment`.

    ``HMAC-SHA256(course secret, "assignment/student")`` (see
    :func:`course_secret`), so nobody without the secret can compute the
    hidden inputs, and a regrade with the same secret repeats them exactly.

    * ``fmnist-grade`` passes `course_dir` (the secret is made on first use);
    * nbgrader's kernel (the hidden block of a test cell, `student` None) reads
      the seed fmnist-grade derived for it from ``$FMNIST_EDU_GRADING_SEED``,
      else finds the course folder above its ``autograded/<student>/...`` path;
    * with no course folder at all (the project's own tests), the public
      ``sha256("assignment/student")`` is used: no secret, no secrecy.
    """
    if student is None:
        given = os.environ.get(SEED_ENV, "")
        if given.isdigit():
            return int(given) & 0xFFFFFFFF
        student = os.environ.get("FMNIST_EDU_STUDENT") or student_id_from_path(os.getcwd()) or ""
        course_dir = course_dir or _course_of(os.getcwd())
    if course_dir is not None:
        return seed_from_secret(course_secret(course_dir), assignment, student)
    digest = hashlib.sha256(f"{assignment}/{student}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def hidden_cases(piece, seed):
    """The hidden cases of `piece` drawn from `seed`, in a random stream of the piece's own.

    One stream per piece: two pieces never draw the same inputs, so the
    isolation table of one piece's case (the reference's answers to the calls
    it makes to the others, :mod:`autograder.verdict.isolation`), which the sandbox
    sees, never holds another piece's hidden answer.
    """
    import numpy as np

    module = import_module(f"{__name__}.{PIECE_ASSIGNMENT[piece]}")
    salt = int.from_bytes(hashlib.sha256(f"fmnist-hidden/{piece}".encode()).digest()[:4], "little")
    return module.HIDDEN[piece](np.random.default_rng([int(seed), salt]))


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
    """(all graded cases passed, the message a student sees): one headline counting every
    failed check, visible and hidden, then the checks (:func:`autograder.reports.verdict_text.piece_verdict`)."""
    from ..reports.verdict_text import piece_verdict

    return piece_verdict(piece, visible_out, hidden_out)


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
