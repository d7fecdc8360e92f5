"""Checks as data: what to call with which inputs, kept apart from how to compare.

A :class:`Case` names a graded piece, a short label, plain inputs, a ``run``
recipe that calls the student's answer and returns plain data, an ``expect``
recipe that computes the expected plain data without any student code, and a
``compare`` function that says what is wrong (or ``None``).

The same cases serve two places:

* in the notebook's test cells (and the student's pytest self-check),
  :func:`run_cases` runs and compares them in the student's own process;
* in the trusted grader, a sandboxed worker only runs ``run`` and hands back
  plain data (see :mod:`fmnist_checks.plain`); the comparisons happen in a process
  where no student code has run.

Student code is only ever called through :func:`call_answer`, which turns any
exception into a plain error record that points at the student's own line.
"""

import linecache
import os
import traceback
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .plain import PlainError, to_plain

# frames from these folders are ours or a library's, never the student's
_OUR_DIR = os.path.dirname(os.path.abspath(__file__))
_LIBRARY_MARKERS = ("site-packages", "dist-packages", os.sep + "lib" + os.sep + "python")

MAX_SHOWN_CHARS = 600


@dataclass
class Case:
    """One check of one piece.

    Parameters
    ----------
    piece : str
        The contract name of the graded piece (``"gini"``).
    label : str
        What the case checks, in a few words (``"two classes, 3 to 1"``).
    inputs : dict
        Plain inputs (numbers, strings, numpy arrays, lists, dicts, None).
    run : callable
        ``run(answer, **inputs)`` calls the student's answer and returns plain
        data. It runs in the student's process.
    expect : callable or plain data
        ``expect(**inputs)`` returns the expected plain data; never calls
        student code. A non-callable is the expected value itself.
    compare : callable
        ``compare(expected, got)`` returns ``None`` when `got` is right,
        else a message saying what differs (and the tolerance).
    call : str, optional
        How the call looks to a student, shown in messages
        (``"gini(np.array([0, 0, 0, 1]))"``).
    hint : callable, optional
        ``hint(expected, got, inputs)`` returns a hint or ``None``.
    part : str
        The independent part of the piece this case belongs to (partial credit).
    kind : str
        What the case checks: ``"value"`` (a result the contract defines),
        ``"api"`` (the scikit-learn protocol: ``fit`` returns self, ``clone``,
        ``get_params``), ``"inputs unchanged"`` or ``"validation"`` (an error the
        contract names). A piece none of whose value parts passes earns nothing
        for its other parts (see ``autograder.hidden.score_outcomes``).
    advice : bool
        Advice beyond the contract (other input types, errors it does not
        name): a failure is shown as "advice (no points): ..." and never
        counts in a score nor makes a check fail.
    """

    piece: str
    label: str
    inputs: dict
    run: Callable
    expect: Any
    compare: Callable
    call: Optional[str] = None
    hint: Optional[Callable] = None
    part: str = "main"
    kind: str = "value"
    advice: bool = False
    extra: dict = field(default_factory=dict)

    def expected(self):
        """The expected plain result, computed without student code."""
        if callable(self.expect):
            return to_plain(self.expect(**self.inputs))
        return to_plain(self.expect)


KINDS = ("value", "api", "inputs unchanged", "validation")


@dataclass
class Outcome:
    """What one case gave: passed or not, and the message when not."""

    case: Case
    passed: bool
    message: str = ""


def describe_exception(exc):
    """Return a plain error record for an exception raised by student code.

    The record names the exception type, its message (shortened) and the
    deepest line of the student's own code in the traceback, if any.
    """
    where = None
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        filename = frame.filename or ""
        if os.path.abspath(filename).startswith(_OUR_DIR):
            continue
        if any(marker in filename for marker in _LIBRARY_MARKERS):
            continue
        text = frame.line or linecache.getline(filename, frame.lineno).strip()
        where = f"line {frame.lineno} of {_cell_name(filename, frame.name)}: {text}"
        break
    try:
        message = str(exc)
    except Exception:  # a hostile __str__
        message = "<message could not be read>"
    return {
        "__error__": {
            "type": type(exc).__name__,
            "message": shorten(message),
            "where": where,
        }
    }


def _cell_name(filename, function):
    if filename.startswith("<cell "):
        return f"your cell {filename[6:-1]!r} (in {function})"
    return f"your code (in {function})"


def is_error(result):
    """True when `result` is an error record made by :func:`describe_exception`."""
    return isinstance(result, dict) and set(result) == {"__error__"}


def format_error(record):
    """One readable line for an error record."""
    err = record["__error__"]
    text = f"your code raised {err['type']}: {err['message']}"
    if err.get("where"):
        text += f"\n      at {err['where']}"
    return text


def call_answer(case, answer):
    """Run `case` on the student's `answer`; return plain data or an error record."""
    try:
        return to_plain(case.run(answer, **case.inputs))
    except PlainError as exc:
        return {"__error__": {"type": "WrongType", "message": str(exc), "where": None}}
    except BaseException as exc:  # the student's code may raise anything, SystemExit too
        if isinstance(exc, KeyboardInterrupt):
            raise
        return describe_exception(exc)


def judge(case, expected, got):
    """Compare plain `got` with plain `expected`; return an :class:`Outcome`."""
    if is_error(expected):
        # the expected value is itself an error record: the piece must raise
        if is_error(got) and got["__error__"]["type"] == expected["__error__"]["type"]:
            return Outcome(case, True)
        if is_error(got):
            problem = (
                f"expected {expected['__error__']['type']} to be raised, "
                f"but {format_error(got)}"
            )
        else:
            why = expected["__error__"]["message"]
            problem = (
                f"expected {expected['__error__']['type']} to be raised"
                + (f" ({why})" if str(why).strip() else "")  # an error without a message: no "()"
                + f", but it returned {show(got)}"
            )
        return Outcome(case, False, _message(case, problem, expected, got))
    if is_error(got):
        return Outcome(case, False, _message(case, format_error(got), expected, got))
    try:
        problem = case.compare(expected, got)
    except Exception as exc:  # a comparison must never crash the grader
        problem = f"the result could not be compared ({type(exc).__name__}: {exc})"
    if problem is None:
        return Outcome(case, True)
    return Outcome(case, False, _message(case, problem, expected, got))


def _message(case, problem, expected, got):
    lines = [f"{case.piece}: {case.label}"]
    if case.call:
        lines.append(f"    call:     {case.call}")
    lines.append(f"    problem:  {problem}")
    if case.hint is not None and not is_error(got):
        try:
            hint = case.hint(expected, got, case.inputs)
        except Exception:
            hint = None
        if hint:
            lines.append(f"    hint:     {hint}")
    return "\n".join(lines)


def run_cases(cases, answer):
    """Run and judge `cases` in this process; return the list of outcomes."""
    outcomes = []
    for case in cases:
        got = call_answer(case, answer)
        outcomes.append(judge(case, case.expected(), got))
    return outcomes


def shorten(text, limit=MAX_SHOWN_CHARS):
    """`text` cut to `limit` characters, saying how much was left out.

    >>> shorten("abcdefgh", limit=3)
    'abc ... (5 more characters)'
    """
    text = str(text)
    if len(text) <= limit:
        return text
    return text[:limit] + f" ... ({len(text) - limit} more characters)"


def show(value):
    """A short, readable rendering of plain data for messages."""
    import numpy as np

    if isinstance(value, np.ndarray):
        with np.printoptions(precision=6, threshold=40, edgeitems=4, linewidth=100):
            body = np.array2string(value, separator=", ").replace("\n", "\n" + " " * 16)
        return shorten(f"array({body}, shape={value.shape}, dtype={value.dtype})")
    if isinstance(value, float):
        return repr(value)
    return shorten(repr(value))


def namespace_of(answer):
    """The global namespace (the notebook's) that `answer`'s code runs in, or None."""
    if isinstance(answer, types.FunctionType):
        return answer.__globals__
    if isinstance(answer, type):
        for value in vars(answer).values():
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, types.FunctionType):
                return value.__globals__
    return None
