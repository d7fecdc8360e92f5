"""The trusted side: a submission read as data, its answers run in the sandbox, judged here.

:mod:`.submission` (the submitted notebook, parsed, never run), :mod:`.trusted`
(building the cases, running them in the sandboxed worker, the verdict),
:mod:`.isolation` (each piece graded without the others' bugs),
:mod:`.worker_records` (the worker's frames read back, every size bounded)
and :mod:`.kernel_checks` (the driver of the checks in the notebook's own
kernel). Nothing here imports nbgrader.

It may import :mod:`autograder.hidden`, :mod:`autograder.sandbox` and
:mod:`fmnist_checks`; never :mod:`autograder.reports`, :mod:`autograder.batch`
or :mod:`autograder.cli`.
"""
