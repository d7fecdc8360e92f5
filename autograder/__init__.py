"""fmnist-edu's autograder: the instructor's side of the course's checks.

The student side is the package :mod:`fmnist_checks` (in ``autograder/fmnist_checks/``,
installed under that name): the visible checks, the self-check, comparisons
and plain data. This package builds on it and is never shipped to students:

* :mod:`autograder.hidden` - the hidden checks and the grading rule;
* :mod:`autograder.trusted`, :mod:`autograder.worker`, :mod:`autograder.sandbox`,
  :mod:`autograder.isolation` - the trusted verdict, with student code in a
  sandboxed worker that sees neither this package nor the reference (the
  worker runs there as a standalone file beside ``fmnist_checks``);
* :mod:`autograder.safefs`, :mod:`autograder.escape` - file access no
  submission can redirect, and escaping of what a student controls;
* :mod:`autograder.grade_class` - ``fmnist-grade``, a whole class, over
  :mod:`autograder.pipeline` (one grading step per submission, the batch),
  :mod:`autograder.nbexec` (the notebook cell by cell in the sandbox),
  :mod:`autograder.annotate` (the trusted verdict where nbgrader reads scores),
  :mod:`autograder.gradebook` (the class gradebook, one writer) and
  :mod:`autograder.cluster` (threads or Dask);
* :mod:`autograder.report` - the class report (``fmnist-grade report``);
* :mod:`autograder.similarity` - which submissions share code (``fmnist-grade similarity``);
* :mod:`autograder.release` - nbgrader's pre-convert hook that puts the student
  side beside each released notebook;
* :mod:`autograder.solutions`, :mod:`autograder.demo_flow` - ``fmnist-solutions``
  and ``fmnist-course-demo``.
"""

import sys as _sys

# jsonschema (under nbformat, so under every nbgrader command) imports
# rfc3987_syntax when it is installed, for an optional "iri" format checker that
# compiles a Lark grammar at import: 1.3-2 CPU s in each process that imports
# nbformat. Nothing here or in nbgrader validates that format (nbformat passes no
# format checker), so the grader's own processes (fmnist-grade, its warm nbgrader
# server) go without it, as jsonschema does where the package is not installed.
if "rfc3987_syntax" not in _sys.modules and "jsonschema" not in _sys.modules:
    _sys.modules["rfc3987_syntax"] = None
