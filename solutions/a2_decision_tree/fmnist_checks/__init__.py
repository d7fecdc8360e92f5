"""The visible checks of this assignment (a copy of fmnist-edu's autograder).

Test cells call ``check("<piece>", <piece>)``; ``pytest`` in this folder runs
the same checks against the saved notebook. Do not edit: this folder is
replaced by the instructor's copy when your work is graded.
"""

from .runner import CheckFailed, check

__all__ = ["CheckFailed", "check"]
