"""The trusted verdict: student code runs in a sandboxed worker, comparisons run here.

:func:`read_submission` parses the submitted notebook (JSON only, never
executed here) and says what is wrong with it. :func:`run_in_worker` runs the
given and answer cells and every case in :mod:`autograder.worker` inside the
sandbox, one step at a time: a step that hangs or kills the worker (an
infinite loop, ``os._exit``, a segfault, a memory bomb) is recorded as failed
and the worker is restarted after it. :func:`judge` rebuilds the cases from the
same seed in this process, where no student code has run, and compares.
"""

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from fmnist_checks.core import format_error, judge as judge_case
from .hidden import all_cases, failure_text, grading_seed, score_outcomes
from fmnist_checks.notebook import is_answer, is_given, is_test, nbgrader_meta, source_of
from fmnist_checks.pieces import ASSIGNMENTS
from fmnist_checks.plain import loads
from fmnist_checks.refban import find_in_source
from .sandbox import Limits, open_for_sandbox, wrap

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_LINE_BYTES = 8 * 1024 * 1024


@dataclass
class Submission:
    """What a submitted notebook holds, as far as it could be read."""

    student: str
    assignment: str
    answers: dict = field(default_factory=dict)  # grade id -> source
    problems: list = field(default_factory=list)  # one line each, for feedback
    readable: bool = True


def source_cells(source_path):
    """(given cells [(id, source)], points {piece: points}) of the instructor's notebook."""
    with open(source_path, encoding="utf-8") as fh:
        nb = json.load(fh)
    given, points = [], {}
    for i, cell in enumerate(nb["cells"]):
        if is_given(cell):
            given.append((nbgrader_meta(cell).get("grade_id", f"given-{i}"), source_of(cell)))
        if is_test(cell):
            gid = nbgrader_meta(cell)["grade_id"]
            points[gid[len("test_"):]] = float(nbgrader_meta(cell).get("points", 0))
    return given, points


def read_submission(path, assignment, student):
    """Parse the submitted notebook at `path` without running anything."""
    sub = Submission(student, assignment)
    if not os.path.exists(path):
        folder = os.path.dirname(path)
        found = sorted(f for f in os.listdir(folder) if f.endswith(".ipynb")) if os.path.isdir(folder) else []
        sub.problems.append(
            f"no notebook named {os.path.basename(path)} was submitted"
            + (f" (found: {', '.join(found)})" if found else "")
        )
        sub.readable = False
        return sub
    if os.path.getsize(path) > MAX_NOTEBOOK_BYTES:
        sub.problems.append(f"the notebook is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB and was not read")
        sub.readable = False
        return sub
    try:
        with open(path, encoding="utf-8") as fh:
            nb = json.load(fh)
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise TypeError("cells is not a list")
    except Exception as exc:
        sub.problems.append(f"the notebook file is not valid notebook JSON ({type(exc).__name__}: {str(exc)[:120]})")
        sub.readable = False
        return sub
    wanted = {p.lower(): p for p in ASSIGNMENTS[assignment]}
    others = {p.lower() for a, ps in ASSIGNMENTS.items() if a != assignment for p in ps}
    seen_other = False
    for cell in cells:
        if not isinstance(cell, dict) or not is_answer(cell):
            continue
        gid = str(nbgrader_meta(cell).get("grade_id", ""))
        if gid in wanted:
            if gid in sub.answers:
                sub.problems.append(f"two answer cells have grade id {gid!r}; the first one counts")
                continue
            sub.answers[gid] = source_of(cell)
        elif gid in others:
            seen_other = True
    missing = [wanted[g] for g in wanted if g not in sub.answers]
    if seen_other and len(missing) == len(wanted):
        sub.problems.append("this is another assignment's notebook: none of this assignment's answers is in it")
    elif missing:
        sub.problems.append(
            f"no answer cell with the grade id of {', '.join(missing)} (deleted, or its grade id changed)"
        )
    return sub


def run_in_worker(assignment, student, seed, cells, workdir, limits=None, step_timeout=60.0,
                  total_timeout=600.0, sandbox=True, readable=(), max_restarts=6, uid=None):
    """Run cells and cases in the sandboxed worker; return {step: record} and notes.

    A step that produces no record within `step_timeout` seconds, or during
    which the worker dies, is recorded as an error and skipped on restart.
    """
    limits = limits or Limits()
    pieces = list(ASSIGNMENTS[assignment])
    records, notes, skip = {}, [], []
    deadline = time.monotonic() + total_timeout
    for _ in range(max_restarts + 1):
        job = {"assignment": assignment, "student": student, "seed": seed, "pieces": pieces,
               "cells": cells, "skip": skip}
        job_path = os.path.join(workdir, ".job.json")
        with open(job_path, "w", encoding="utf-8") as fh:
            json.dump(job, fh)
        argv = [sys.executable, "-I", "-m", "autograder.worker", job_path]
        if sandbox:
            open_for_sandbox(workdir)
            argv = wrap(argv, writable=[workdir], readable=readable, limits=limits, cwd=workdir,
                        env={"FMNIST_EDU_STUDENT": student}, uid=uid)
        proc = subprocess.Popen(argv, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        finished, current = _read_records(proc, records, step_timeout, deadline)
        _kill(proc)
        if finished:
            return records, notes
        if current is None:
            notes.append("the grader's worker stopped before running anything")
            return records, notes
        reason = "timed out" if proc.returncode in (None, -9) else f"ended the process (exit status {proc.returncode})"
        if time.monotonic() >= deadline:
            notes.append(f"the whole notebook ran out of time ({total_timeout:.0f} s) at {current}")
            return records, notes
        records[current] = {"step": current, "ok": False, "result": {"__error__": {
            "type": "Killed", "where": None,
            "message": f"this step {reason}: it took more than {step_timeout:.0f} s, used too much "
                       f"memory, or crashed the process" if reason == "timed out" else
                       f"this step {reason}"}}}
        if current.startswith("case:"):
            piece = current.split(":")[1]
            notes.append(f"a check of {piece} {reason}; {piece}'s remaining checks were not run")
            skip.append(f"case:{piece}:*")
        else:
            notes.append(f"running {current[5:]}'s cell {reason}; the grader went on without it")
            skip.append(current)
    notes.append("the worker was restarted too often; the remaining checks count as failed")
    return records, notes


def _read_records(proc, records, step_timeout, deadline):
    """Read JSON lines until done, a timeout, or the end of output; return (done, step running)."""
    current, buffer = None, b""
    fd = proc.stdout.fileno()
    last = time.monotonic()
    while True:
        now = time.monotonic()
        wait = min(step_timeout - (now - last), deadline - now)
        if wait <= 0:
            return False, current
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            proc.wait()
            return False, current
        buffer += chunk
        if len(buffer) > MAX_LINE_BYTES:
            return False, current
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            last = time.monotonic()
            try:
                record = loads(line.decode("utf-8"))
            except Exception:
                continue  # not ours: the student wrote to the real stdout
            if not isinstance(record, dict) or not isinstance(record.get("step"), str):
                continue
            step = record["step"]
            if step == "done":
                return True, None
            if record.get("started"):
                current = step
            elif step == current and step not in records:
                records[step] = record
                current = None


def _kill(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()


@dataclass
class PieceVerdict:
    piece: str
    points: float
    score: float
    message: str


def judge(assignment, seed, records, submission, points):
    """Compare the worker's plain results with expectations computed here.

    Returns
    -------
    dict
        piece -> :class:`PieceVerdict`.
    """
    verdicts = {}
    for piece in ASSIGNMENTS[assignment]:
        gid = piece.lower()
        max_points = points.get(gid, 1.0)
        source = submission.answers.get(gid)
        if source is None:
            verdicts[piece] = PieceVerdict(piece, max_points, 0.0, f"{piece}: no answer cell was found")
            continue
        banned = find_in_source(source, piece)
        if banned:
            verdicts[piece] = PieceVerdict(piece, max_points, 0.0, banned)
            continue
        cell = records.get(f"cell:{gid}")
        if cell is not None and not cell.get("ok", True) and "error" in cell:
            verdicts[piece] = PieceVerdict(
                piece, max_points, 0.0,
                f"{piece}: running its cell failed: {format_error({'__error__': cell['error']})}")
            continue
        visible, hidden = all_cases(piece, seed)
        outcomes = []
        for i, case in enumerate(visible + hidden):
            record = records.get(f"case:{piece}:{i}")
            if record is None:
                got = {"__error__": {"type": "NotRun", "where": None,
                                     "message": "this check did not run (an earlier step hung or crashed)"}}
            else:
                got = record["result"]
            outcomes.append(judge_case(case, case.expected(), got))
        vis, hid = outcomes[:len(visible)], outcomes[len(visible):]
        score = score_outcomes(vis, hid, max_points)
        _, message = failure_text(piece, vis, hid)
        verdicts[piece] = PieceVerdict(piece, max_points, score, message)
    return verdicts


def grade_submission(course_dir, assignment, student, notebook_path=None, sandbox=True,
                     limits=None, step_timeout=60.0, total_timeout=600.0, readable=(), uid=None):
    """The trusted verdict of one submission: (Submission, {piece: PieceVerdict}, notes)."""
    source_path = os.path.join(course_dir, "source", assignment, f"{assignment}.ipynb")
    given, points = source_cells(source_path)
    notebook_path = notebook_path or os.path.join(
        course_dir, "submitted", student, assignment, f"{assignment}.ipynb")
    submission = read_submission(notebook_path, assignment, student)
    seed = grading_seed(assignment, student)
    records, notes = {}, []
    if submission.readable and submission.answers:
        cells = list(given) + [(gid, src) for gid, src in submission.answers.items()]
        order = {gid: i for i, gid in enumerate(p.lower() for p in ASSIGNMENTS[assignment])}
        cells = list(given) + sorted(cells[len(given):], key=lambda c: order.get(c[0], 99))
        with tempfile.TemporaryDirectory(prefix=f"grade-{assignment}-") as workdir:
            records, notes = run_in_worker(assignment, student, seed, cells, workdir, limits=limits,
                                           step_timeout=step_timeout, total_timeout=total_timeout,
                                           sandbox=sandbox, readable=readable, uid=uid)
    verdicts = judge(assignment, seed, records, submission, points)
    return submission, verdicts, notes
