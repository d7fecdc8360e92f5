"""The class gradebook, written by one process only, through nbgrader's Gradebook API.

The gradebook is named by a URL (``--db``; default ``sqlite:///<course>/gradebook.db``;
``postgresql://...`` works too, nbgrader's schema unchanged). A grading step
(:mod:`autograder.batch.pipeline`) grades a submission against a temporary gradebook
of its own holding only the assignment (:func:`export_assignment`,
:func:`import_assignment`) and hands back plain results (:func:`read_results`);
the coordinating process copies them into the class gradebook
(:func:`record`) the way nbgrader's autograde writes them: ``auto_score`` and
``needs_manual_grade`` as ``SaveAutoGrades`` sets them, ``auto_comment``, the
submission's timestamp and late penalty. A grader's ``manual_score`` is never
touched, so it survives a regrade.
"""

import contextlib
import os

from nbgrader.api import Gradebook, MissingEntry


class CourseError(ValueError):
    """The command cannot grade here; the message says why in one line."""


def default_db_url(course_dir):
    """The course's gradebook: ``CourseDirectory.db_url`` of its ``nbgrader_config.py``, as nbgrader reads it,
    else nbgrader's default, ``sqlite:///COURSE/gradebook.db`` (the guide's grading user moves it to ``grading/``)."""
    from traitlets.config.loader import PyFileConfigLoader

    try:
        config = PyFileConfigLoader("nbgrader_config.py", path=os.path.abspath(course_dir)).load_config()
        configured = config.CourseDirectory.db_url if "CourseDirectory" in config else ""
    except Exception:  # noqa: BLE001 - no readable config: check_course says so where it matters
        configured = ""
    if isinstance(configured, str) and configured:
        return configured
    return "sqlite:///" + os.path.join(os.path.abspath(course_dir), "gradebook.db")


def check_course(course_dir):
    """Raise :class:`CourseError` unless `course_dir` is an nbgrader course folder."""
    if not os.path.isdir(course_dir):
        raise CourseError(f"{course_dir} is no folder")
    if not os.path.isfile(os.path.join(course_dir, "nbgrader_config.py")):
        raise CourseError(f"{os.path.abspath(course_dir)} is no nbgrader course: it has no nbgrader_config.py "
                          f"(run fmnist-grade in the course folder, or give --course)")


def _has_tables(db_url):
    if db_url.startswith("sqlite:///"):
        path = db_url[len("sqlite:///"):].split("?")[0]
        if not os.path.isfile(path):
            return False
    from sqlalchemy import create_engine, inspect

    engine = create_engine(db_url)
    try:
        return "assignment" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def check_generated(db_url, assignment):
    """Raise :class:`CourseError` unless the gradebook holds `assignment` (``generate_assignment`` ran)."""
    hint = f"run `nbgrader generate_assignment {assignment}` first"
    if not _has_tables(db_url):
        raise CourseError(f"no gradebook at {_shown(db_url)}: {assignment} was never generated; {hint}")
    with Gradebook(db_url) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(f"{assignment} is not in the gradebook {_shown(db_url)}: it was never generated; "
                              f"{hint}") from None


def _shown(db_url):
    """The URL without a password."""
    from sqlalchemy.engine import make_url

    return make_url(db_url).render_as_string(hide_password=True)


def export_assignment(db_url, assignment):
    """The assignment as nbgrader's gradebook holds it, as plain data (for a step's own gradebook)."""
    with Gradebook(db_url) as gb:
        a = gb.find_assignment(assignment)
        out = {"name": a.name, "duedate": a.duedate.isoformat() if a.duedate else None, "notebooks": [],
               "alembic_version": _alembic_version(gb)}
        for nb in a.notebooks:
            out["notebooks"].append({
                "name": nb.name, "kernelspec": nb.kernelspec,
                "grade_cells": [{"name": c.name, "max_score": c.max_score, "cell_type": c.cell_type}
                                for c in nb.grade_cells],
                "solution_cells": [{"name": c.name} for c in nb.solution_cells],
                "task_cells": [{"name": c.name, "max_score": c.max_score, "cell_type": c.cell_type}
                               for c in nb.task_cells],
                "source_cells": [{"name": c.name, "cell_type": c.cell_type, "locked": c.locked,
                                  "source": c.source, "checksum": c.checksum} for c in nb.source_cells],
            })
    return out


def _alembic_version(gb):
    """The schema version nbgrader stamped on the gradebook `gb` (None when it has none)."""
    from sqlalchemy import text

    try:
        return gb.db.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - a gradebook without the table: nbgrader stamps the new one itself
        gb.db.rollback()
        return None


def _stamp(db_url, version):
    """Give a new SQLite gradebook nbgrader's ``alembic_version`` table before nbgrader opens it.

    nbgrader stamps a new gradebook with the version ``alembic heads`` prints, a
    command that costs ~4 CPU s to start; the class gradebook's stamp is the same.
    """
    import sqlite3

    path = db_url[len("sqlite:///"):]
    if not version or os.path.exists(path):
        return
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (version,))
        db.commit()


def import_assignment(db_url, plain):
    """Create the assignment of :func:`export_assignment` in the (new) gradebook at `db_url`."""
    from nbgrader.utils import parse_utc

    if db_url.startswith("sqlite:///"):
        _stamp(db_url, plain.get("alembic_version"))
    with Gradebook(db_url) as gb:
        duedate = parse_utc(plain["duedate"]) if plain["duedate"] else None
        gb.update_or_create_assignment(plain["name"], duedate=duedate)
        for nb in plain["notebooks"]:
            gb.update_or_create_notebook(nb["name"], plain["name"], kernelspec=nb["kernelspec"])
            for c in nb["grade_cells"]:
                gb.update_or_create_grade_cell(c["name"], nb["name"], plain["name"],
                                               max_score=c["max_score"], cell_type=c["cell_type"])
            for c in nb["solution_cells"]:
                gb.update_or_create_solution_cell(c["name"], nb["name"], plain["name"])
            for c in nb["task_cells"]:
                gb.update_or_create_task_cell(c["name"], nb["name"], plain["name"],
                                              max_score=c["max_score"], cell_type=c["cell_type"])
            for c in nb["source_cells"]:
                gb.update_or_create_source_cell(c["name"], nb["name"], plain["name"], cell_type=c["cell_type"],
                                                locked=c["locked"], source=c["source"], checksum=c["checksum"])


def read_results(db_url, assignment, student):
    """What autograde wrote for one submission, as plain data (None when it wrote no submission)."""
    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return None
        out = {"timestamp": sub.timestamp.isoformat() if sub.timestamp else None, "notebooks": {}}
        for snb in sub.notebooks:
            out["notebooks"][snb.name] = {
                "late_submission_penalty": snb.late_submission_penalty,
                "grades": {g.name: {"auto_score": g.auto_score, "max_score": g.max_score,
                                    "cell_type": g.cell_type} for g in snb.grades},
                "comments": {c.name: c.auto_comment for c in snb.comments},
            }
    return out


class NotRecorded(ValueError):
    """One submission's results cannot go into the gradebook; nothing of it was written."""


def submission_time(results):
    """The submission's time as nbgrader stores it (None when it has none).

    Raises :class:`NotRecorded` for a ``timestamp.txt`` nbgrader cannot read:
    the student wrote it, and a time the grader cannot read is not taken as none.
    """
    from nbgrader.utils import parse_utc

    stamp = results.get("timestamp")
    if not stamp:
        return None
    try:
        return parse_utc(stamp)
    except Exception:  # noqa: BLE001 - dateutil raises ValueError, OverflowError, TypeError...
        raise NotRecorded(f"timestamp.txt holds {str(stamp)[:60]!r}, which is not a time: fix or remove it, "
                          f"then grade this student again (--student)") from None


@contextlib.contextmanager
def one_transaction(gb):
    """All of `gb`'s writes inside the block in one transaction: committed at its end, or none of them.

    nbgrader's ``update_or_create_*`` commit as they go (a student, then a
    submission, each committed); inside the block their commits only flush, so
    a failure half-way leaves the gradebook as it was.
    """
    session = gb.db.registry()
    session.commit = session.flush  # nbgrader's own commits, in the block: a flush
    try:
        yield gb
    except BaseException:
        del session.commit
        session.rollback()
        raise
    del session.commit
    session.commit()


def record(db_url, assignment, student, results):
    """Copy a step's :func:`read_results` into the class gradebook (the only writer), in one transaction.

    Raises :class:`NotRecorded` before writing anything when the timestamp cannot be read.
    """
    timestamp = submission_time(results)
    with Gradebook(db_url) as gb, one_transaction(gb):
        gb.update_or_create_student(student)
        attrs = {"timestamp": timestamp} if timestamp else {}
        # nbgrader's add_submission reads assignment.notebooks while the new submission is not yet
        # in the session: SQLAlchemy 2 would autoflush it then and warn (SAWarning) that the
        # half-built submission is not in the session. Built without autoflush, it is added whole.
        with gb.db.no_autoflush:
            gb.update_or_create_submission(assignment, student, **attrs)
        for notebook, nb in results["notebooks"].items():
            for name, g in nb["grades"].items():
                grade = gb.find_grade(name, notebook, assignment, student)
                grade.auto_score = g["auto_score"]
                # nbgrader's SaveAutoGrades: a grader's score or no autograder score needs review
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            for name, text in nb["comments"].items():
                gb.find_comment(name, notebook, assignment, student).auto_comment = text
            gb.find_submission_notebook(notebook, assignment, student).late_submission_penalty = \
                nb["late_submission_penalty"]


def scores(db_url, assignment, student):
    """{grade id: (score nbgrader counts, max, auto_score, manual_score)} of one submission."""
    out = {}
    with Gradebook(db_url) as gb:
        sub = gb.find_submission(assignment, student)
        for snb in sub.notebooks:
            for g in snb.grades:
                out[g.name] = (g.score, g.max_score, g.auto_score, g.manual_score)
    return out
