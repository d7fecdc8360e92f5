"""Grade each mutant as a student's answer: visible checks, then hidden ones for several ids.

Outside the sandbox, in this process's children: the mutants are the
instructor's own code. As in :mod:`autograder.cli.sweep`, what a piece's
checks compute once is computed once: the visible cases and the reference's
answers to them, and per student id the hidden cases and their expected
values, all before the workers fork, so each mutant only runs its own calls.

A mutant is killed when its piece loses points (:func:`autograder.hidden.score_outcomes`
below full marks) for at least one student id: by the visible checks (then
the hidden ones are not run), or only by the hidden ones. A mutant that does
not load, or runs past its time limit, loses the piece's points as it would
in grading: killed.
"""

import contextlib
import io
import linecache
import multiprocessing
import signal
import time
import types
import warnings
from dataclasses import dataclass

from fmnist_checks.core import call_answer, judge
from fmnist_checks.pieces import PIECE_ASSIGNMENT
from fmnist_checks.runner import visible_cases

from ..hidden import grading_seed, hidden_cases, isolated, score_outcomes

KILLED_VISIBLE = "killed"
KILLED_HIDDEN = "killed_hidden_only"
SURVIVED = "survived"


def student_ids(n):
    """`n` fixed student ids (the same every run): student0000, student0001, ..."""
    return [f"student{i:04d}" for i in range(n)]


@dataclass
class Prepared:
    """A piece's cases and the reference's answers, drawn once for every mutant."""

    piece: str
    visible: list
    visible_expected: list
    hidden: list  # [(cases, expected)] per student id
    time_limit: float  # seconds a mutant may take over all its cases


class MutantTimeout(KeyboardInterrupt):
    """A mutant ran past its time limit (a KeyboardInterrupt: :func:`call_answer` lets it through)."""


def _quiet_outcomes(cases, expected, answer):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            return [judge(case, exp, call_answer(case, answer)) for case, exp in zip(cases, expected)]


def prepare(piece, n_students=3):
    """The :class:`Prepared` cases of `piece`, timed on the reference to set the mutants' limit."""
    import fmnist_edu

    assignment = PIECE_ASSIGNMENT[piece]
    visible = visible_cases(piece)
    hidden = []
    for student in student_ids(n_students):
        cases = hidden_cases(piece, grading_seed(assignment, student))
        hidden.append((cases, [c.expected() for c in cases]))
    prepared = Prepared(piece, visible, [c.expected() for c in visible], hidden, 0.0)
    reference = getattr(fmnist_edu, piece)
    start = time.perf_counter()
    with isolated(piece, reference):
        _quiet_outcomes(prepared.visible, prepared.visible_expected, reference)
        for cases, expected in hidden:
            _quiet_outcomes(cases, expected, reference)
    prepared.time_limit = max(10.0, 10 * (time.perf_counter() - start))
    return prepared


def load(mutant):
    """The mutated piece: `mutant`'s module source run as a fresh module; its `piece` object."""
    filename = f"<mutant {mutant.piece} {mutant.key}>"
    linecache.cache[filename] = (len(mutant.source), None, mutant.source.splitlines(True), filename)
    module = types.ModuleType(f"{mutant.module}__mutant_{mutant.key}")
    module.__file__ = filename
    exec(compile(mutant.source, filename, "exec"), module.__dict__)
    return module.__dict__[mutant.piece]


def _on_alarm(signum, frame):
    raise MutantTimeout()


def verdict(prepared, mutant):
    """(status, note) of `mutant`: KILLED_VISIBLE, KILLED_HIDDEN or SURVIVED, and why."""
    points = 1.0
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, prepared.time_limit)
    try:
        try:
            answer = load(mutant)
        except Exception as exc:  # noqa: BLE001 - a mutant that does not load loses the piece
            return KILLED_VISIBLE, f"does not load: {type(exc).__name__}"
        with isolated(mutant.piece, answer):
            visible = _quiet_outcomes(prepared.visible, prepared.visible_expected, answer)
            if score_outcomes(visible, [], points) < points:
                return KILLED_VISIBLE, _first_failure(visible)
            for i, (cases, expected) in enumerate(prepared.hidden):
                hidden = _quiet_outcomes(cases, expected, answer)
                if score_outcomes(visible, hidden, points) < points:
                    return KILLED_HIDDEN, f"student{i:04d}: " + _first_failure(hidden)
        return SURVIVED, ""
    except MutantTimeout:
        return KILLED_VISIBLE, f"ran past {prepared.time_limit:.0f} s"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _first_failure(outcomes):
    for o in outcomes:
        if not o.passed and not o.case.advice:
            return (o.case.label + ": " + (o.message or "")).splitlines()[0][:200]
    return ""


def one_torch_thread():
    """Torch on one thread in this process, before it forks: a forked child of a process whose
    torch thread pool is running waits forever on that pool's lock."""
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


# the prepared cases the forked workers inherit (set before the pool forks)
_PREPARED = {}


def _work(mutant):
    return mutant, verdict(_PREPARED[mutant.piece], mutant)


def grade_mutants(prepared, mutants, jobs=2, progress=None):
    """Yield (mutant, (status, note)) for every mutant, `jobs` at a time in forked children.

    `prepared` maps each piece to its :class:`Prepared`. Each child grades a
    few mutants and is replaced, so a mutant that spoils its process's state
    (a changed global, a leaked thread) spoils few others.
    """
    _PREPARED.clear()
    _PREPARED.update(prepared)
    one_torch_thread()
    context = multiprocessing.get_context("fork")
    with context.Pool(max(1, jobs), maxtasksperchild=25) as pool:
        for result in pool.imap_unordered(_work, mutants, chunksize=1):
            if progress is not None:
                progress()
            yield result
