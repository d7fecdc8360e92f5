"""The commands: what an instructor runs.

``fmnist-grade`` and its subcommands (:mod:`.grade_class`, :mod:`.report`,
:mod:`.feedback`, :mod:`.roster`, :mod:`.export`,
:mod:`.similarity`, :mod:`.audit`),
``fmnist-course-demo`` (:mod:`.demo_flow`, with :mod:`.samples`),
``fmnist-solutions`` (:mod:`.solutions`), ``python -m autograder.cli.describe``
and the grading-accuracy sweep over the answer corpus (:mod:`.sweep`,
:mod:`.corpus`).

The top layer: it may import every other subpackage (:mod:`autograder.audit`, :mod:`autograder.batch`, :mod:`autograder.lms`,
:mod:`autograder.reports`, :mod:`autograder.verdict`, :mod:`autograder.hidden`,
:mod:`autograder.sandbox`) and :mod:`fmnist_checks`; nothing imports it.
"""
