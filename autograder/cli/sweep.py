"""Grade many answers over many student ids, in this process, fast.

For the grading-accuracy benchmark and its CI test: each answer runs after
the notebook's given cells in its own namespace (each cell compiled under its
own ``<cell ...>`` name, as in a kernel). Per student id the hidden cases and
their expected values are built once and shared by every answer of the piece;
the visible cases are the same for every id, so they run once per answer.
Scoring is :func:`autograder.hidden.score_outcomes`, as in grading.
"""

import linecache
from dataclasses import dataclass, field

from fmnist_checks.core import call_answer, judge
from fmnist_checks.pieces import PIECE_ASSIGNMENT
from fmnist_checks.runner import reference_use

from ..hidden import grading_seed, hidden_cases, isolated, score_outcomes
from fmnist_checks.runner import visible_cases


@dataclass
class Answer:
    """One answer to grade: `source` replaces the `piece` cell of the correct answers."""

    piece: str
    label: str
    source: str
    correct: bool
    scores: list = field(default_factory=list)  # one per student id
    messages: dict = field(default_factory=dict)  # student id -> message, when not full


def run_cell(namespace, name, source):
    filename = f"<cell {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def namespace_for(given, correct, piece=None, source=None):
    """Given cells, then every correct answer with `piece`'s swapped for `source`."""
    namespace = {"__name__": "__notebook__"}
    for i, text in enumerate(given):
        run_cell(namespace, f"given-{i}", text)
    for name, text in correct.items():
        run_cell(namespace, name.lower(), source if name == piece else text)
    return namespace


def _quiet(function, *args):
    import contextlib
    import io
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            return function(*args)


def _outcomes(cases, expected, answer):
    return [judge(case, exp, _quiet(call_answer, case, answer)) for case, exp in zip(cases, expected)]


def _table_outcomes(cases, expected, tables, answer):
    """As the worker isolates: per case, the other pieces answer from its isolation table."""
    from ..verdict.isolation import tabled

    out = []
    for case, exp, table in zip(cases, expected, tables):
        with tabled(case.piece, answer, table):
            out.append(judge(case, exp, _quiet(call_answer, case, answer)))
    return out


def sweep(given, correct, answers, students, points=1.0, isolation="reference"):
    """Grade every answer (a list of :class:`Answer`) for each id in `students`; fill `scores`.

    `isolation`: ``"reference"`` swaps the other pieces for the references
    (the hidden block of a test cell), ``"tables"`` answers them from each
    case's isolation table as the sandboxed grader does
    (:func:`autograder.verdict.isolation.tabled`).
    """
    by_piece = {}
    for answer in answers:
        by_piece.setdefault(answer.piece, []).append(answer)
    for piece, group in by_piece.items():
        prepared = []
        for answer in group:
            namespace = namespace_for(given, correct, piece, answer.source)
            function = namespace.get(piece)
            banned = function is not None and reference_use(piece, function)
            visible = visible_cases(piece)
            if function is None or banned:
                prepared.append((answer, None, None))
                continue
            if isolation == "tables":
                vis = _table_outcomes(visible, [c.expected() for c in visible], _tables(visible), function)
            else:
                with isolated(piece, function):
                    vis = _outcomes(visible, [c.expected() for c in visible], function)
            prepared.append((answer, function, vis))
        for student in students:
            cases = hidden_cases(piece, grading_seed(PIECE_ASSIGNMENT[piece], student))
            expected = [c.expected() for c in cases]
            tables = _tables(cases) if isolation == "tables" else None
            for answer, function, vis in prepared:
                if function is None:
                    answer.scores.append(0.0)
                    answer.messages.setdefault(student, "not defined, or uses a reference")
                    continue
                if tables is not None:
                    hid = _table_outcomes(cases, expected, tables, function)
                else:
                    with isolated(piece, function):
                        hid = _outcomes(cases, expected, function)
                score = score_outcomes(vis, hid, points)
                answer.scores.append(score)
                if score < points:
                    failed = [o.message for o in vis + hid if not o.passed and not o.case.advice]
                    answer.messages.setdefault(student, "\n".join(failed)[:2000])
    return answers


def _tables(cases):
    """Each case's isolation table, as the worker receives it (plain data, through JSON)."""
    from fmnist_checks.plain import dumps, loads

    from ..verdict.isolation import isolation_table

    return [loads(dumps(isolation_table(case))) for case in cases]


def student_ids(n, start=0):
    """`n` student ids from number `start`, the same every run."""
    return [f"student{i:04d}" for i in range(start, start + n)]
