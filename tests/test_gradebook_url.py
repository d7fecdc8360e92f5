"""Which gradebook the commands use: the course's own ``CourseDirectory.db_url``, as nbgrader reads it."""

import os

from autograder.batch.gradebook import default_db_url


def test_the_courses_configured_gradebook_is_the_one_used(tmp_path):
    """The guide's grading user moves the gradebook to ``grading/`` and says so in nbgrader_config.py:
    fmnist-grade, roster and export must write that one, not a new ``gradebook.db`` beside it."""
    url = f"sqlite:///{tmp_path}/grading/gradebook.db"
    (tmp_path / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.db_url = {url!r}\n")
    assert default_db_url(str(tmp_path)) == url


def test_without_one_it_is_nbgraders_default(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'x'\n")
    assert default_db_url(str(tmp_path)) == "sqlite:///" + os.path.join(str(tmp_path), "gradebook.db")
    (tmp_path / "nbgrader_config.py").write_text("this is not python (\n")
    assert default_db_url(str(tmp_path)) == "sqlite:///" + os.path.join(str(tmp_path), "gradebook.db")
