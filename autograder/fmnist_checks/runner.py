"""What the notebook's cells call: :func:`check` (test cells) and :func:`skip_if_unfinished` (demos).

``check(piece, answer)`` runs the visible cases of a piece in this process,
prints one line per passed piece and raises :class:`CheckFailed` with every
failure's message. Warnings and anything the answer prints to stderr are
captured: nbgrader scores a test cell that writes to stderr as 0.

A failed check shows its message and nothing else: in a notebook (IPython
prints a :class:`CheckFailed` as its message, without the frames of this
package: see :func:`install_ipython_handler`), in ``nbgrader validate`` (which
prints the notebook's error outputs) and in pytest (``__tracebackhide__``).

``with skip_if_unfinished():`` around a demo cell turns a piece that still
raises ``NotImplementedError`` into one printed line, so that "Run All" goes on
to the next cells.
"""

import contextlib
import io
import sys
import warnings
from importlib import import_module

from .core import run_cases
from .pieces import PIECE_ASSIGNMENT
from .refban import cell_source_of, find_in_object, find_in_source


class CheckFailed(AssertionError):
    """Raised by a test cell whose checks found a problem; the message says which."""

    def __repr__(self):
        first = str(self).splitlines()[0] if str(self) else ""
        return f"CheckFailed({first!r})"


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


# ---------------------------------------------------------------- in a notebook

# pieces found unfinished by skip_if_unfinished in this process, in order
UNFINISHED = []


def _raised_in(tb):
    """The qualified name of the function where a traceback ends (``DecisionTreeClassifier.fit``)."""
    name = None
    while tb is not None:
        code = tb.tb_frame.f_code
        name = getattr(code, "co_qualname", code.co_name)
        tb = tb.tb_next
    return name if name and not name.startswith("<") else None


@contextlib.contextmanager
def skip_if_unfinished():
    """Run a demo; when it needs a piece that is not written yet, say so in one line.

    ``NotImplementedError`` (a blank answer) ends the block with one printed
    line naming the function that raised it, instead of a traceback that stops
    "Run All". A ``NameError`` after such a skip (the demo needs a result that
    a skipped demo did not make) is reported the same way. Any other error is
    a real one and is raised as usual.
    """
    try:
        yield
    except NotImplementedError as exc:
        where = _raised_in(exc.__traceback__) or "a piece"
        UNFINISHED.append(where)
        print(f"[skipped] {where} is not implemented yet (it raises NotImplementedError): "
              f"this demo runs once it is.")
    except NameError as exc:
        if not UNFINISHED:
            raise
        print(f"[skipped] {exc}: an earlier demo was skipped ({UNFINISHED[-1]} is not implemented yet).")


def show_check_failed(shell, etype, value, tb, tb_offset=None):
    """IPython's handler of :class:`CheckFailed`: the message, not this package's frames."""
    text = f"\x1b[1;31m{etype.__name__}\x1b[0m: {value}"
    structured = text.splitlines() or [text]
    shell._showtraceback(etype, value, structured)
    return structured


def install_ipython_handler():
    """In IPython, show a :class:`CheckFailed` as its message only; return True when installed.

    Leaves a custom handler that someone else installed alone.
    """
    ipython_module = sys.modules.get("IPython")
    if ipython_module is None:
        return False
    try:
        shell = ipython_module.get_ipython()
    except Exception:  # an IPython too old or half-imported: the default traceback stays
        return False
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    current = tuple(getattr(shell, "custom_exceptions", ()) or ())
    if current and not any(getattr(e, "__name__", "") == "CheckFailed" for e in current):
        return False
    shell.set_custom_exc((CheckFailed,), show_check_failed)
    return True
