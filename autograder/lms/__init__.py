"""Grades into the LMS, and the late policy: the course's side of the registrar.

* :mod:`autograder.lms.errors` - :class:`LmsError`, the one-line refusal;
* :mod:`autograder.lms.formats` - what each LMS (Canvas, Moodle, Blackboard,
  Brightspace) exports and imports: key columns, grade column names, delimiter;
* :mod:`autograder.lms.roster` - reading an LMS's gradebook file into students
  (``fmnist-grade roster``);
* :mod:`autograder.lms.exporters` - nbgrader ``ExportPlugin`` classes that write
  the file each LMS imports (``fmnist-grade export``, ``nbgrader export --exporter=...``);
* :mod:`autograder.lms.extensions` - ``course/extensions.csv``, per-student due dates;
* :mod:`autograder.lms.late_policy` - the course's ``LateSubmissionPlugin``
  (a percentage per started day late, a grace period, a cap, the extensions);
* :mod:`autograder.lms.submission_time` - the submission time a student cannot choose,
  weighed from :mod:`autograder.lms.exchange_copies` (whose inbound copies are
  whose, and evidence that ``nbgrader zip_collect`` wrote a submission).

Its two commands, ``fmnist-grade roster`` and ``fmnist-grade export``, are
:mod:`autograder.cli.roster` and :mod:`autograder.cli.export`.

It may import :mod:`autograder.reports`, :mod:`autograder.untrusted` (the CSV cell sanitiser),
:mod:`autograder.verdict`, :mod:`autograder.hidden`, :mod:`autograder.sandbox`
(safe file access) and :mod:`fmnist_checks`; never :mod:`autograder.batch` or
:mod:`autograder.cli`, which use it.
"""
