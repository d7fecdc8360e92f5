"""A small real nbgrader gradebook on a temporary SQLite file, for the LMS tests."""

import datetime
import os

from nbgrader.api import Gradebook

from autograder.batch.gradebook import _stamp

FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lms_files")
ASSIGNMENT = "a5_evaluation"
DUE = datetime.datetime(2026, 11, 20, 17, 0, 0)  # naive UTC, as nbgrader keeps it


def alembic_head():
    """nbgrader's schema version, read in-process (``alembic heads`` costs seconds to start)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", "nbgrader:alembic")
    return ScriptDirectory.from_config(cfg).get_current_head()


def new_gradebook(folder, due=DUE, written=True):
    """A gradebook holding a5_evaluation (test_accuracy 20 points, a written answer 10): its URL."""
    url = "sqlite:///" + os.path.join(str(folder), "gradebook.db")
    _stamp(url, alembic_head())
    with Gradebook(url) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=due)
        gb.update_or_create_notebook(ASSIGNMENT, ASSIGNMENT)
        gb.update_or_create_grade_cell("test_accuracy", ASSIGNMENT, ASSIGNMENT, max_score=20, cell_type="code")
        if written:
            gb.update_or_create_grade_cell("comparison", ASSIGNMENT, ASSIGNMENT, max_score=10, cell_type="markdown")
    return url


def grade(url, student, auto, manual=None, when=None, penalty=None, **student_fields):
    """Give `student` a submission with test_accuracy's auto_score and the written answer's manual_score."""
    with Gradebook(url) as gb:
        gb.update_or_create_student(student, **student_fields)
        gb.update_or_create_submission(ASSIGNMENT, student, timestamp=when or DUE)
        gb.find_grade("test_accuracy", ASSIGNMENT, ASSIGNMENT, student).auto_score = auto
        if manual is not None:
            gb.find_grade("comparison", ASSIGNMENT, ASSIGNMENT, student).manual_score = manual
        if penalty is not None:
            gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student).late_submission_penalty = penalty
        gb.db.commit()
