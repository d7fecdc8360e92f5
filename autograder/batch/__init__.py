"""One grading step and the batch around it: where nbgrader is driven.

The batch (:mod:`.pipeline`: one step per submission, run by :mod:`.cluster`
on threads or Dask), the step (:mod:`.step`: nbgrader's autograde through
the warm nbgrader server, :mod:`.warm_nbgrader`), nbgrader's preprocessors
that run in it (:mod:`.nbexec`: the notebook in the sandbox; :mod:`.annotate`:
the trusted verdict where nbgrader reads scores), the class gradebook's one
writer (:mod:`.gradebook`), the release hook (:mod:`.release`) and nbgrader's
own command line (:mod:`.nbgrader_cli`).

It may import :mod:`autograder.lms` (the late policy and the submission
time), :mod:`autograder.reports`, :mod:`autograder.verdict`,
:mod:`autograder.hidden`, :mod:`autograder.sandbox` and :mod:`fmnist_checks`;
never :mod:`autograder.cli`.
"""
