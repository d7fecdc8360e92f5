"""nbgrader configuration of the fmnist-edu course for students (not the course folder's).

Where students share a machine (JupyterHub), install it once for everybody,
as root: ``install -D -m 644 course/student_nbgrader_config.py
/etc/jupyter/nbgrader_config.py`` (a student alone copies it to
``~/.jupyter/nbgrader_config.py``). Then ``nbgrader fetch_assignment ID``,
``nbgrader submit ID``, ``nbgrader fetch_feedback ID`` and JupyterLab's
Assignments tab need no options:

* the course is ``fmnist-edu``;
* the exchange is the folder named by ``FMNIST_EDU_EXCHANGE`` where it is
  set, else :data:`EXCHANGE` below (write there the path the instructor's
  ``FMNIST_EDU_EXCHANGE`` names);
* a submission leaves out Jupyter's checkpoints and pytest's cache (nbgrader's
  default list lacks ``.pytest_cache``, which the self-check writes).
"""

c = get_config()  # noqa: F821 (provided by nbgrader)

import os  # noqa: E402

EXCHANGE = "/srv/fmnist-edu/exchange"  # the instructor's FMNIST_EDU_EXCHANGE

c.CourseDirectory.course_id = "fmnist-edu"
c.Exchange.root = os.environ.get("FMNIST_EDU_EXCHANGE") or EXCHANGE
c.CourseDirectory.ignore = [".ipynb_checkpoints", ".pytest_cache", "__pycache__", "*.pyc", "feedback"]
