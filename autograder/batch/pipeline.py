"""The batch: one grading step per submission (:mod:`autograder.batch.step`), one writer of the results.

:func:`grade_class` builds the steps' plain inputs (:func:`make_jobs`: the
submitted files, the assignment's source, the course's ``nbgrader_config.py``,
the assignment as the gradebook holds it, the seed derived from the course's
secret), runs them (``jobs`` at once, or on Dask: :mod:`autograder.batch.cluster`)
and, as the only writer, puts each result into ``autograded/`` and the class
gradebook (:func:`autograder.batch.gradebook.record`), with ``grading.json`` beside
each autograded notebook for the class report.
"""

import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field

from fmnist_checks.pieces import ASSIGNMENTS
from . import gradebook
from .bounds import Caps, grader_memory_mb, planned_digests, survey
from .outcome import PartlyRecorded, StudentResult, stored  # noqa: F401 - StudentResult: the batch's result
from ..hidden import grading_seed
from ..lms.errors import LmsError
from ..lms.extensions import read_extensions
from ..lms.submission_time import course_exchange, resolve_for_step
from .nbexec import CELL_TIMEOUT
from ..untrusted.escape import clean_text
from .step import grade_step, grader_fingerprint, read_tree, step_key, write_tree
from ..sandbox.bwrap import Limits, SandboxUnavailable, check_available
from .warm_nbgrader import fork_server



@dataclass
class Options:
    jobs: int = 2
    sandbox: bool = True
    cell_timeout: float = float(CELL_TIMEOUT)
    notebook_timeout: float = 600.0
    limits: Limits = field(default_factory=Limits)
    db_url: str = ""  # default: sqlite:///<course>/gradebook.db
    cluster: str = ""  # "" local threads; "local:N" a Dask LocalCluster; "tcp://HOST:PORT" a scheduler
    resume: bool = False  # skip submissions whose step inputs are unchanged since they were graded
    caps: Caps = field(default_factory=Caps)  # what the trusted side holds at most (autograder.batch.bounds)


# -- the batch ---------------------------------------------------------------------------------

def submitted_students(course_dir, assignment):
    """Students with a folder for `assignment` under ``submitted/``."""
    root = os.path.join(course_dir, "submitted")
    if not os.path.isdir(root):
        return []
    return sorted(s for s in os.listdir(root) if os.path.isdir(os.path.join(root, s, assignment)))


def template_gradebook(db_url, assignment):
    """(plain export, bytes of a SQLite gradebook holding only `assignment`)."""
    plain = gradebook.export_assignment(db_url, assignment)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "gradebook.db")
        old = os.environ.get("PATH", "")
        os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + old  # nbgrader runs alembic
        try:
            gradebook.import_assignment(f"sqlite:///{path}", plain)
        finally:
            os.environ["PATH"] = old
        with open(path, "rb") as fh:
            return plain, fh.read()


def make_jobs(course_dir, assignment, students, options, db_url):
    plain, db_bytes = template_gradebook(db_url, assignment)
    with open(os.path.join(course_dir, "nbgrader_config.py"), encoding="utf-8") as fh:
        config = fh.read()
    source = read_tree(os.path.join(course_dir, "source", assignment))
    grader = grader_fingerprint()
    from .cluster import local_data

    data = local_data()[1]  # the data's SHA-256: new data redoes a --resume'd step
    opts = {"sandbox": options.sandbox, "cell_timeout": options.cell_timeout,
            "notebook_timeout": options.notebook_timeout, "memory_mb": options.limits.memory_mb,
            "grader_memory_mb": grader_memory_mb(options)}
    extensions = None  # the late policy's per-student due dates travel with each step
    if os.path.isfile(os.path.join(course_dir, "extensions.csv")):
        with open(os.path.join(course_dir, "extensions.csv"), "rb") as fh:
            extensions = fh.read()
    exchange = course_exchange(course_dir)
    first = [f"{nb['name']}.ipynb" for nb in plain["notebooks"]] + ["timestamp.txt"]
    jobs = []
    for s in students:
        # what of the submission is taken is decided here, from lstat alone; its files are
        # read when its step is handed out (autograder.batch.bounds.with_files), never all at once
        folder = os.path.join(course_dir, "submitted", s, assignment)
        files, notes, over = survey(folder, options.caps, first)
        # the time the late policy uses is resolved here, where the exchange is: the step gets it
        # as timestamp.txt (autograder.lms.submission_time), and the notes say why
        replace, time_notes, hold = resolve_for_step(course_dir, assignment, s, exchange)
        # the hidden inputs' seed, derived here from the course's secret: steps (and Dask
        # workers) get the seed, never the secret, and a regrade repeats it exactly
        jobs.append({"assignment": assignment, "student": s, "config": config, "source": source,
                     "plan": {"folder": folder, "root": course_dir, "files": files, "over": over,
                              "replace": replace},
                     "notes": time_notes + notes, "extensions": extensions, "gradebook": plain,
                     "gradebook_db": db_bytes, "options": opts, "grader": grader, "data_sha256": data,
                     "seed": grading_seed(assignment, s, course_dir=course_dir)})
        if hold:  # the exchange says the copy may be someone else's: not graded, the row needs a look
            jobs[-1]["hold"] = hold
    return jobs


def check_request(course_dir, assignment, students, options):
    """Raise :class:`gradebook.CourseError` (one line) for anything that cannot be graded; nothing is written."""
    if assignment not in ASSIGNMENTS:
        raise gradebook.CourseError(f"unknown assignment {assignment!r}; one of {', '.join(ASSIGNMENTS)}")
    gradebook.check_course(course_dir)
    try:  # a malformed extensions.csv: nothing is graded
        read_extensions(os.path.join(course_dir, "extensions.csv"))
    except LmsError as exc:
        raise gradebook.CourseError(str(exc)) from None
    db_url = options.db_url or gradebook.default_db_url(course_dir)
    gradebook.check_generated(db_url, assignment)
    if not os.path.isfile(os.path.join(course_dir, "source", assignment, f"{assignment}.ipynb")):
        raise gradebook.CourseError(f"{assignment}'s source notebook is missing from {course_dir}/source")
    found = submitted_students(course_dir, assignment)
    unknown = [s for s in (students or []) if s not in found]
    if unknown:
        raise gradebook.CourseError(
            f"no submission of {assignment} from {', '.join(unknown)} in {os.path.join(course_dir, 'submitted')}")
    return db_url, list(students or found)


def store(course_dir, db_url, result):
    """The coordinator's part of one step: ``autograded/`` and the class gradebook; a StudentResult."""
    aid, student = result["assignment"], result["student"]
    # what a student's code raised or printed reaches JSON, the terminal and the CSV clean
    notes = [clean_text(n) for n in result["notes"]]
    r = StudentResult(student, notes=notes, seconds=result["seconds"], assignment=aid)
    for piece, v in result["pieces"].items():
        r.scores[piece], r.points[piece], r.messages[piece] = v["score"], v["points"], clean_text(v["message"])
    if result["results"] is None:
        return r  # nothing to record: the note says why
    # the gradebook first, in one transaction (nothing written when it fails, e.g. an unreadable
    # timestamp.txt), then the files: a failure is this student's note (autograder.batch.outcome)
    gradebook.record(db_url, aid, student, result["results"])
    try:
        folder = os.path.join(course_dir, "autograded", student, aid)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        write_tree(folder, result["files"])
        _gradebook_part(db_url, r)
        write_grading_json(course_dir, r)
        _save_done(course_dir, result)
    except Exception as exc:
        raise PartlyRecorded(f"recorded in the gradebook, but its autograded folder could not be written "
                             f"({type(exc).__name__}); grade this student again (--student)") from exc
    return r


def write_grading_json(course_dir, result):
    """The trusted verdict as data, beside the autograded notebook (read by :mod:`autograder.cli.report`)."""
    folder = os.path.join(course_dir, "autograded", result.student, result.assignment)
    os.makedirs(folder, exist_ok=True)
    data = {"student": result.student, "assignment": result.assignment, "scores": result.scores,
            "points": result.points, "messages": result.messages, "notes": result.notes,
            "disagreements": [], "seconds": round(result.seconds, 3)}
    path = os.path.join(folder, "grading.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, ensure_ascii=False)
    return path


def _done_path(course_dir, assignment, student):
    return os.path.join(course_dir, ".fmnist-grade", assignment, f"{student}.json")


def _save_done(course_dir, result):
    """Remember the step's key and verdict: ``--resume`` skips a step whose key is unchanged."""
    path = _done_path(course_dir, result["assignment"], result["student"])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    keep = {k: result[k] for k in ("assignment", "student", "key", "pieces", "notes", "seconds")}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(keep, fh)


def _resumed(course_dir, db_url, job):
    """The stored result of `job` when its key is unchanged and its output is there, else None."""
    path = _done_path(course_dir, job["assignment"], job["student"])
    notebook = os.path.join(course_dir, "autograded", job["student"], job["assignment"], f"{job['assignment']}.ipynb")
    try:
        with open(path, encoding="utf-8") as fh:
            done = json.load(fh)
    except (OSError, ValueError):
        return None
    plan = job["plan"]  # its files are read one at a time for their digests, none kept
    sums = planned_digests(plan)  # a resolved timestamp.txt is what the step was given
    if done.get("key") != step_key(dict(job, submission_sha256=sums)) or not os.path.exists(notebook):
        return None
    r = store(course_dir, db_url, dict(done, results=None))
    r.notes.append("unchanged since it was graded: not graded again (--resume)")
    _gradebook_part(db_url, r)
    return r


def _gradebook_part(db_url, r, assignment=None):
    from nbgrader.api import MissingEntry

    try:
        found = gradebook.scores(db_url, assignment or r.assignment, r.student)
    except MissingEntry:
        return
    for gid, (score, most, auto, manual) in found.items():
        r.gradebook_total += score or 0.0
        if not gid.startswith("test_"):  # a blank written answer nbgrader scored 0 awaits nobody
            r.manual[gid] = (manual if manual is not None else auto, most)


def held(job):
    """The row of a job that is not graded because of its ``hold`` (who handed it in): it needs a look."""
    r = StudentResult(job["student"], notes=list(job["notes"]) + [job["hold"]], assignment=job["assignment"])
    r.needs_look = job["hold"]
    return r


def grade_class(course_dir, assignment, students=None, options=None, progress=True):
    """Grade every submission of `assignment`; return a list of :class:`StudentResult`.

    Raises :class:`gradebook.CourseError` or :class:`SandboxUnavailable` before
    anything is written when the request cannot be graded.
    """
    options = options or Options()
    course_dir = os.path.abspath(course_dir)
    db_url, students = check_request(course_dir, assignment, students, options)
    if options.sandbox:
        check_available()
    jobs = make_jobs(course_dir, assignment, students, options, db_url)
    results = [held(job) for job in jobs if job.get("hold")]
    jobs = [job for job in jobs if not job.get("hold")]
    if options.resume:
        todo = []
        for job in jobs:
            try:
                done = _resumed(course_dir, db_url, job)
            except Exception:  # noqa: BLE001 - graded again: storing it then says what fails
                done = None
            if done:
                results.append(done)
            else:
                todo.append(job)
        jobs = todo
    from .cluster import run_steps

    over = {job["student"]: job["plan"]["over"] for job in jobs}
    if not options.cluster:  # before any step thread starts: the server shares this process's imports
        fork_server(assignment)
    for result in run_steps(grade_step, jobs, options, progress=progress, desc=f"grading {assignment}",
                            key=step_key):
        # this process is the only writer; what fails for one student is that student's note
        results.append(stored(store, course_dir, db_url, result, over.get(result["student"], False)))
    return sorted(results, key=lambda r: r.student)


__all__ = ["Options", "StudentResult", "SandboxUnavailable", "grade_class", "grade_step", "store",
           "submitted_students", "check_request", "make_jobs"]
