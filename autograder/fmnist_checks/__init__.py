"""fmnist_checks: the student side of fmnist-edu's autograder.

What a student receives beside each released notebook, and what the
instructor's grader builds on:

* :func:`check` - the visible checks a test cell runs (``check("gini", gini)``);
* :mod:`~fmnist_checks.selfcheck` - ``pytest`` in a released folder runs the
  same checks against the saved notebook (``test_<assignment>_selfcheck.py``);
* :mod:`~fmnist_checks.core`, :mod:`~fmnist_checks.compare`,
  :mod:`~fmnist_checks.cases`, :mod:`~fmnist_checks.plain` - checks as data,
  comparisons that say what differs, plain data that crosses process borders;
* :mod:`~fmnist_checks.data` - the students' loader of the course subset
  (numpy and the standard library only).

The package never imports the instructor's side (``autograder``): the hidden
checks, the grading rules, the sandbox and the class grader import it. In the
repository it lives in ``autograder/fmnist_checks/`` and is installed under
the name ``fmnist_checks``; a release gets a copy through nbgrader's
pre-convert hook (:mod:`autograder.batch.release`), so nothing here is committed twice.
"""

from .runner import CheckFailed, check, install_ipython_handler, skip_if_unfinished

__all__ = ["CheckFailed", "check", "skip_if_unfinished"]

install_ipython_handler()
