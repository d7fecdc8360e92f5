"""The trusted verdict: student code runs in a sandboxed worker, comparisons run here.

:func:`~autograder.verdict.submission.read_submission` parses the submitted notebook
(JSON only, never executed here) and says what is wrong with it. :func:`run_in_worker` runs the
given and answer cells and every case in :mod:`autograder.sandbox.worker` inside the
sandbox, one step at a time: a step that hangs or kills the worker (an
infinite loop, ``os._exit``, a segfault, a memory bomb) is recorded as failed
and the worker is restarted after it. :func:`judge` rebuilds the cases from the
same seed in this process, where no student code has run, and compares.

What the worker gets is built here (:func:`build_steps`): each case's plain
inputs, the name of its run recipe in ``fmnist_checks`` and the isolation
table of :mod:`autograder.verdict.isolation`; the sandbox holds neither the hidden
case generators nor the reference package nor the seed's secret. Results come
back as frames a supervisor tags with the step (:mod:`autograder.sandbox.worker`),
read with every size bounded first.
"""

import functools
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

from fmnist_checks.core import format_error, judge as judge_case
from ..hidden import all_cases, failure_text, grading_seed, score_outcomes
from fmnist_checks.pieces import ASSIGNMENTS
from fmnist_checks.plain import dumps
from fmnist_checks.refban import find_in_source
from .submission import Submission, read_submission, source_cells  # noqa: F401 (Submission: part of this API)
from ..sandbox.bwrap import STUDENT_SIDE_ROOT, Limits
from ..sandbox.sandbox_spec import WORK_FOLDER, open_folder, sandbox_command, worker_inside_argv
from ..sandbox.worker_sealed import pack_job
from .worker_records import MAX_FRAME_BYTES, give_up_at, read_frames

# --- the worker: cases built here, plain inputs and recipes sent, frames read back

WORKER_ROOT = STUDENT_SIDE_ROOT  # where the worker and fmnist_checks appear in the sandbox
_PRELOAD = {"a2_decision_tree": ["sklearn.base", "sklearn.model_selection"],
            "a3_neural_network": [], "a4_lenet5": ["torch"], "a1_data_pca": [], "a5_evaluation": []}


def recipe_of(case):
    """(recipe name, keyword arguments by name) of a case's run; ValueError when it has none.

    A recipe is a module-level function of ``fmnist_checks`` (shipped to
    students: it only calls the answer), or a ``functools.partial`` of one
    whose keyword arguments are such functions too.
    """
    run, extra = case.run, {}
    if isinstance(run, functools.partial):
        if run.args:
            raise ValueError(f"{case.piece}: a run recipe's partial takes keyword arguments only")
        extra = {k: _function_name(v, case) for k, v in run.keywords.items()}
        run = run.func
    return _function_name(run, case), extra


def _function_name(fn, case):
    module, qualname = getattr(fn, "__module__", "") or "", getattr(fn, "__qualname__", "") or ""
    if not module.startswith("fmnist_checks.") or not qualname.isidentifier():
        raise ValueError(f"{case.piece} ({case.label}): its run recipe {module}:{qualname} is not a "
                         f"module-level function of fmnist_checks, so the sandboxed worker cannot run it")
    return f"{module}:{qualname}"


def build_steps(assignment, seed, isolate=True, skip=()):
    """The worker's case steps: plain inputs, recipe names and isolation tables, built here.

    `skip`: the names of steps not wanted (those already run).
    """
    from .isolation import hidden_keys, isolation_table, signatures

    withheld = hidden_keys(assignment, seed) if isolate else {}
    steps = []
    for piece in ASSIGNMENTS[assignment]:
        params = signatures(piece) if isolate else {}
        others = sorted(params)
        visible, hidden = all_cases(piece, seed)
        for i, case in enumerate(visible + hidden):
            if f"case:{piece}:{i}" in skip:
                continue
            recipe, recipe_kwargs = recipe_of(case)
            steps.append({"step": f"case:{piece}:{i}", "piece": piece, "recipe": recipe, "others": others,
                          "signatures": params, "recipe_kwargs": recipe_kwargs, "inputs": dumps(case.inputs),
                          "table": dumps(isolation_table(case, withheld) if isolate else {})})
    return steps


def worker_argv(sandbox):
    """The command that starts the worker (inside the sandbox: only what WORKER_ROOT holds)."""
    if not sandbox:
        return [sys.executable, "-I", "-m", "autograder.sandbox.worker"]
    return worker_inside_argv()


def run_in_worker(assignment, student, seed, cells, workdir, limits=None, step_timeout=60.0,
                  total_timeout=600.0, sandbox=True, readable=(), max_restarts=6, uid=None,
                  steps=None):
    """Run cells and cases in the sandboxed worker; return {step: record} and notes.

    `workdir` is a folder this process created (stubs for the banned modules
    live there); the sandbox never sees it. The worker runs each step in a
    fresh child and reports a step that hung, crashed or sent too much; a
    worker that dies itself is restarted after the step it was running.

    One pass: each case's other pieces answer from its isolation table
    (:mod:`autograder.verdict.isolation`), else are the student's own; nothing the
    student's code asks reaches the reference.
    """
    limits = limits or Limits()
    steps = build_steps(assignment, seed) if steps is None else steps
    deadline = time.monotonic() + total_timeout
    run = functools.partial(_run_pass, assignment, cells, limits=limits, step_timeout=step_timeout,
                            deadline=deadline, total_timeout=total_timeout, sandbox=sandbox,
                            readable=readable, max_restarts=max_restarts, uid=uid,
                            stub_dir=os.path.join(workdir, "stubs"))
    cell_steps = [{"step": f"cell:{gid}"} for gid, _ in cells]
    return run(cell_steps + list(steps), skip_cells=[])


def _run_pass(assignment, cells, todo, skip_cells, limits, step_timeout, deadline, total_timeout,
              sandbox, readable, max_restarts, uid, stub_dir):
    records, notes = {}, []
    skip_cells = list(skip_cells)
    for _ in range(max_restarts + 1):
        job = {"cells": [list(c) for c in cells], "steps": todo, "skip_cells": skip_cells,
               "step_timeout": step_timeout, "max_frame": MAX_FRAME_BYTES, "sandboxed": bool(sandbox),
               "preload": _PRELOAD.get(assignment, []),
               "cells_seconds": 0 if any(s["step"].startswith("cell:") for s in todo) else step_timeout,
               "writable": ["/tmp", "/dev/shm", "/var/tmp", WORK_FOLDER] if sandbox else []}
        argv, fds = worker_argv(sandbox), []
        if sandbox:  # a request of autograder.sandbox.sandbox_spec: through the root launcher where one serves us
            request = {"spec": "worker", "uid": uid, "assignment": assignment, "limits": asdict(limits),
                       "binds": []}
            for path in readable:
                request["binds"].append([len(fds), os.path.abspath(path)])
                fds.append(open_folder(path))
            argv = sandbox_command(request, fds, stub_dir)
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, start_new_session=True, pass_fds=fds)
        finally:
            for fd in fds:
                os.close(fd)
        try:
            proc.stdin.write(pack_job(job))  # each case's body apart: only its piece's child gets it
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        done = read_frames(proc.stdout.fileno(), todo, records, notes, step_timeout, deadline)
        _kill(proc)
        if done:
            return records, notes
        remaining = [s for s in todo if s["step"] not in records]
        if not remaining:
            return records, notes
        if time.monotonic() >= deadline:
            notes.append(f"the whole notebook ran out of time ({total_timeout:.0f} s) at {remaining[0]['step']}")
            return records, notes
        current = remaining[0]["step"]
        if not records and current == todo[0]["step"] and proc.returncode not in (None, -9):
            notes.append("the grader's worker stopped before running anything")
            return records, notes
        notes.append(give_up_at(records, remaining, "ended the grader's worker"))
        if current.startswith("cell:"):
            skip_cells.append(current[5:])
        todo = [s for s in todo if s["step"] not in records]
    notes.append("the worker was restarted too often; the remaining checks count as failed")
    return records, notes


def _kill(proc):
    """Kill the worker's whole session (the sandbox dies with it)."""
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
                     limits=None, step_timeout=60.0, total_timeout=600.0, readable=(), uid=None, seed=None,
                     records=None):
    """The trusted verdict of one submission: (Submission, {piece: PieceVerdict}, notes).

    The hidden inputs come from the course's secret (:func:`grading_seed`
    with `course_dir`); the cases are built here, the worker only gets their
    plain inputs. Nothing under `course_dir` is written, and nothing is read
    through a link.

    `records`: the results the notebook's kernel already sent
    (:mod:`autograder.verdict.kernel_checks`, run with the same seed); only the cases
    they lack run, in a fresh worker. Without them every case runs in the worker.
    """
    source_path = os.path.join(course_dir, "source", assignment, f"{assignment}.ipynb")
    given, points = source_cells(source_path)
    notebook_path = notebook_path or os.path.join(
        course_dir, "submitted", student, assignment, f"{assignment}.ipynb")
    submission = read_submission(notebook_path, assignment, student,
                                 root=course_dir if _inside(notebook_path, course_dir) else None)
    seed = grading_seed(assignment, student, course_dir=course_dir) if seed is None else int(seed)
    ran, records, notes = dict(records or {}), {}, []
    if submission.readable and submission.answers:
        missing = build_steps(assignment, seed, skip=set(ran))
        if missing:
            cells = list(given) + [(gid, src) for gid, src in submission.answers.items()]
            order = {gid: i for i, gid in enumerate(p.lower() for p in ASSIGNMENTS[assignment])}
            cells = list(given) + sorted(cells[len(given):], key=lambda c: order.get(c[0], 99))
            with tempfile.TemporaryDirectory(prefix=f"grade-{assignment}-") as workdir:
                records, notes = run_in_worker(assignment, student, seed, cells, workdir, limits=limits,
                                               step_timeout=step_timeout, total_timeout=total_timeout,
                                               sandbox=sandbox, readable=readable, uid=uid, steps=missing)
            if ran:
                notes.insert(0, f"{len(missing)} checks ran in a fresh worker (the answer "
                                f"cells ran again there): the notebook's kernel did not run them")
        records.update(ran)  # the kernel's: how the notebook's own answer cells ran, and its cases
    verdicts = judge(assignment, seed, records, submission, points)
    return submission, verdicts, notes


def _inside(path, root):
    root = os.path.abspath(root)
    return os.path.commonpath([root, os.path.abspath(path)]) == root
