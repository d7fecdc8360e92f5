"""fmnist-edu's autograder: the instructor's side of the course's checks.

The student side is the package :mod:`fmnist_checks` (in ``autograder/fmnist_checks/``,
installed under that name): the visible checks, the self-check, comparisons
and plain data. This package builds on it and is never shipped to students.
Its subpackages, in layers: each imports only those below it
(``tests/test_imports.py`` holds the order):

* :mod:`autograder.cli` - the commands: ``fmnist-grade`` (a whole class) and
  ``fmnist-grade report``, ``fmnist-course-demo``, ``fmnist-solutions``,
  describe, the grading-accuracy sweep;
* :mod:`autograder.similarity` - which submissions share code (copydetect's
  fingerprints, flags calibrated to the class), for a person to look at;
* :mod:`autograder.batch` - one grading step per submission and the batch
  around it: nbgrader's autograde with the notebook run in the sandbox and the
  trusted verdict written where nbgrader reads scores, the warm nbgrader
  server, threads or Dask, the class gradebook (one writer), the release hook;
* :mod:`autograder.lms` - rosters from the LMS, grades to it (nbgrader export
  plugins) and the late policy with per-student extensions;
* :mod:`autograder.reports` - feedback without the hidden checks, the class
  results and their page, escaping of what a student controls;
* :mod:`autograder.verdict` - the trusted verdict: the submission read as
  data, its answers run in a sandboxed worker that sees neither this package
  nor the reference, the comparisons here;
* :mod:`autograder.hidden` - the hidden checks and the grading rule;
* :mod:`autograder.sandbox` - bubblewrap, file access no submission can
  redirect, and the worker (which runs in the sandbox as standalone files
  beside ``fmnist_checks``); the sandboxes grading starts, as fixed requests
  (``sandbox_spec``), the small root launcher that alone starts them while the
  rest runs as the grading user (``privsep``), and the notebook kernel's
  sockets, made by the host and handed to the sandbox as descriptors
  (``kernel_host``, ``kernel_launch``: no sandbox writes a host folder);
* :mod:`autograder.untrusted` - one sink per output for what a student
  controls: escaping for text, the HTML sanitiser for pages.
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
