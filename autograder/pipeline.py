"""The batch: one grading step per submission (:mod:`autograder.step`), one writer of the results.

:func:`grade_class` builds the steps' plain inputs (:func:`make_jobs`: the
submitted files, the assignment's source, the course's ``nbgrader_config.py``,
the assignment as the gradebook holds it, the seed derived from the course's
secret), runs them (``jobs`` at once, or on Dask: :mod:`autograder.cluster`)
and, as the only writer, puts each result into ``autograded/`` and the class
gradebook (:func:`autograder.gradebook.record`), with ``grading.json`` beside
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
from .escape import clean_text
from .hidden import grading_seed
from .step import grade_step, grader_fingerprint, read_tree, step_key, write_tree
from .sandbox import Limits, SandboxUnavailable, check_available
from .warm_nbgrader import fork_server



@dataclass
class Options:
    jobs: int = 2
    sandbox: bool = True
    cell_timeout: float = 60.0
    notebook_timeout: float = 600.0
    limits: Limits = field(default_factory=Limits)
    db_url: str = ""  # default: sqlite:///<course>/gradebook.db
    cluster: str = ""  # "" local threads; "local:N" a Dask LocalCluster; "tcp://HOST:PORT" a scheduler
    resume: bool = False  # skip submissions whose step inputs are unchanged since they were graded


@dataclass
class StudentResult:
    student: str
    scores: dict = field(default_factory=dict)  # piece -> trusted score (nbgrader's auto_score)
    points: dict = field(default_factory=dict)  # piece -> max points
    messages: dict = field(default_factory=dict)  # piece -> trusted message
    notes: list = field(default_factory=list)
    manual: dict = field(default_factory=dict)  # written-answer grade id -> (manual_score or None, max)
    gradebook_total: float = 0.0  # nbgrader's score: manual_score where set, else auto_score
    seconds: float = 0.0
    assignment: str = ""

    @property
    def total(self):
        return sum(self.scores.values())

    @property
    def awaiting(self):
        """Points of written answers no grader has scored yet."""
        return sum(m for s, m in self.manual.values() if s is None)


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
            "notebook_timeout": options.notebook_timeout, "memory_mb": options.limits.memory_mb}
    # the hidden inputs' seed, derived here from the course's secret: steps (and Dask
    # workers) get the seed, never the secret, and a regrade repeats it exactly
    return [{"assignment": assignment, "student": s, "config": config, "source": source,
             "submission": read_tree(os.path.join(course_dir, "submitted", s, assignment)),
             "gradebook": plain, "gradebook_db": db_bytes, "options": opts, "grader": grader,
             "data_sha256": data, "seed": grading_seed(assignment, s, course_dir=course_dir)}
            for s in students]


def check_request(course_dir, assignment, students, options):
    """Raise :class:`gradebook.CourseError` (one line) for anything that cannot be graded; nothing is written."""
    if assignment not in ASSIGNMENTS:
        raise gradebook.CourseError(f"unknown assignment {assignment!r}; one of {', '.join(ASSIGNMENTS)}")
    gradebook.check_course(course_dir)
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
    folder = os.path.join(course_dir, "autograded", student, aid)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    write_tree(folder, result["files"])
    gradebook.record(db_url, aid, student, result["results"])
    _save_done(course_dir, result)
    _gradebook_part(db_url, r)
    write_grading_json(course_dir, r)
    return r


def write_grading_json(course_dir, result):
    """The trusted verdict as data, beside the autograded notebook (read by :mod:`autograder.report`)."""
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
    if done.get("key") != step_key(job) or not os.path.exists(notebook):
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
        if not gid.startswith("test_"):
            r.manual[gid] = (manual, most)


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
    results = []
    if options.resume:
        todo = []
        for job in jobs:
            done = _resumed(course_dir, db_url, job)
            if done:
                results.append(done)
            else:
                todo.append(job)
        jobs = todo
    from .cluster import run_steps

    if not options.cluster:  # before any step thread starts: the server shares this process's imports
        fork_server(assignment)
    for result in run_steps(grade_step, jobs, options, progress=progress, desc=f"grading {assignment}",
                            key=step_key):
        results.append(store(course_dir, db_url, result))  # this process is the only writer
    return sorted(results, key=lambda r: r.student)


__all__ = ["Options", "StudentResult", "SandboxUnavailable", "grade_class", "grade_step", "store",
           "submitted_students", "check_request", "make_jobs"]
