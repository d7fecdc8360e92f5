"""What the grader shows people: feedback, the class results and their page, escaping.

:mod:`.feedback` (nbgrader's feedback without the hidden checks),
:mod:`.class_results` (a graded class read back), :mod:`.report_page` (the
class report as HTML) and :mod:`.escape` (everything a student controls,
made safe for a terminal, markdown, HTML or CSV).

It may import only :mod:`fmnist_checks` and the layers below it
(:mod:`autograder.verdict`, :mod:`autograder.hidden`,
:mod:`autograder.sandbox`); never :mod:`autograder.batch` or
:mod:`autograder.cli`, which use it.
"""
