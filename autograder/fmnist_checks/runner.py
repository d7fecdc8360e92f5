"""What the notebook's test cells call: :func:`check` (visible) and :func:`report`.

``check(piece, answer)`` runs the visible cases of a piece in this process,
prints one line per passed piece and raises :class:`CheckFailed` with every
failure's message. Warnings and anything the answer prints to stderr are
captured: nbgrader scores a test cell that writes to stderr as 0.
"""

import contextlib
import io
import warnings
from importlib import import_module

from .core import run_cases
from .pieces import PIECE_ASSIGNMENT
from .refban import cell_source_of, find_in_object, find_in_source


class CheckFailed(AssertionError):
    """Raised by a test cell whose checks found a problem; the message says which."""


def visible_cases(piece):
    """The visible cases of `piece`, from its assignment's module."""
    module = import_module(f"{__package__}.{PIECE_ASSIGNMENT[piece]}")
    return module.VISIBLE[piece]()


def reference_use(piece, answer, source=None):
    """A message when `answer` uses a reference implementation of itself, else None."""
    if source is None:
        source = cell_source_of(answer)
    found = find_in_source(source, piece) if source else None
    return found or find_in_object(answer, piece)


def quietly_run(cases, answer):
    """Run `cases` with warnings and stderr captured (nbgrader zeroes stderr)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stderr(io.StringIO()):
            return run_cases(cases, answer)


def advice_notes(outcomes):
    """The messages of failed advice cases, each marked as costing no points."""
    return [f"advice (no points): {o.message}" for o in outcomes if o.case.advice and not o.passed]


def summarise(piece, outcomes, kind):
    """Return (all graded cases passed, text) for a list of outcomes.

    Advice cases (``case.advice``) never make it False; their failures are
    listed after the graded ones as "advice (no points): ...".
    """
    graded = [o for o in outcomes if not o.case.advice]
    failed = [o for o in graded if not o.passed]
    notes = advice_notes(outcomes)
    if not failed:
        return True, "\n\n".join([f"✓ {piece}: all {len(graded)} {kind} checks passed"] + notes)
    if all("NotImplementedError" in o.message for o in failed):
        return False, f"✗ {piece} is not implemented yet: it still raises NotImplementedError"
    head = f"✗ {piece}: {len(failed)} of {len(graded)} {kind} checks failed"
    return False, "\n\n".join([head] + [o.message for o in failed] + notes)


def check(piece, answer):
    """Run the visible checks of `piece` against `answer`; raise when one fails.

    Parameters
    ----------
    piece : str
        The contract name of the piece (``"gini"``).
    answer : callable or class
        The student's definition.
    """
    __tracebackhide__ = True
    if piece not in PIECE_ASSIGNMENT:
        raise ValueError(f"unknown piece {piece!r}")
    banned = reference_use(piece, answer)
    if banned:
        raise CheckFailed(banned)
    with _isolated_when_grading(piece, answer):
        outcomes = quietly_run(visible_cases(piece), answer)
    ok, text = summarise(piece, outcomes, "visible")
    if not ok:
        raise CheckFailed(text)
    print(text)


# Set by the instructor's grader (``autograder.hidden``), never by this package:
# a function (piece, answer) -> context manager under which the assignment's
# other pieces are stand-ins, so that a test cell's visible check does not fail
# (and zero the cell) for another piece's bug. On a student's machine it stays
# None and the checks use the student's own pieces.
isolation = None


def set_isolation(factory):
    """Install `factory(piece, answer)` as the isolation of :func:`check` (None: none)."""
    global isolation
    isolation = factory


def _isolated_when_grading(piece, answer):
    """The isolation the instructor's grader installed, else no isolation."""
    if isolation is None:
        return contextlib.nullcontext()
    return isolation(piece, answer)
