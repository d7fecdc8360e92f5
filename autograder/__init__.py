"""fmnist-edu's autograder: the checks behind the course's test cells.

Test cells call :func:`check` (visible checks, also shipped to students as
``fmnist_checks`` beside each released notebook) and, in their hidden block,
:func:`autograder.hidden.grade`. Each check is a :class:`~autograder.core.Case`:
what to call with which inputs, kept apart from how to compare the results, so
the trusted grader can run student code in a sandbox and compare plain results
where no student code ever ran.
"""

from .core import Case
from .runner import CheckFailed, check

__all__ = ["Case", "CheckFailed", "check"]
