"""Copy the visible checks beside each source notebook, where nbgrader releases them.

A released assignment folder must be self-contained: the student has no
``autograder`` installed. ``python -m autograder.ship`` writes, for each
assignment, ``course/source/<id>/fmnist_checks/`` (the check machinery and that
assignment's visible cases, never ``autograder/hidden``) and
``test_selfcheck.py`` (the pytest self-check) and ``fmnist_data.py`` (the
students' data loader, from ``course/common/``). ``tests/test_ship.py`` fails when
the copies drift from ``autograder/``.
"""

import argparse
import os

from .pieces import ASSIGNMENTS

HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED_PACKAGE = "fmnist_checks"
COMMON_MODULES = (
    "core.py", "plain.py", "compare.py", "cases.py", "pieces.py",
    "refban.py", "runner.py", "notebook.py", "selfcheck.py",
)

INIT = '''"""The visible checks of this assignment (a copy of fmnist-edu's autograder).

Test cells call ``check("<piece>", <piece>)``; ``pytest`` in this folder runs
the same checks against the saved notebook. Do not edit: this folder is
replaced by the instructor's copy when your work is graded.
"""

from .runner import CheckFailed, check

__all__ = ["CheckFailed", "check"]
'''

SELFCHECK = '''"""Self-check: run `pytest` in this folder to test the saved notebook with the visible checks."""

import os

from fmnist_checks.selfcheck import make_tests

make_tests({assignment!r}, os.path.dirname(os.path.abspath(__file__)), globals())
'''


def shipped_files(assignment):
    """{relative path: text} of everything shipped beside `assignment`'s notebook."""
    files = {f"{SHIPPED_PACKAGE}/__init__.py": INIT}
    for name in COMMON_MODULES + (f"{assignment}.py",):
        with open(os.path.join(HERE, name), encoding="utf-8") as fh:
            files[f"{SHIPPED_PACKAGE}/{name}"] = fh.read()
    files["test_selfcheck.py"] = SELFCHECK.format(assignment=assignment)
    data_loader = os.path.join(os.path.dirname(HERE), "course", "common", "fmnist_data.py")
    if os.path.exists(data_loader):
        with open(data_loader, encoding="utf-8") as fh:
            files["fmnist_data.py"] = fh.read()
    return files


def ship(course_dir, assignments=None):
    """Write the shipped files into ``<course_dir>/source/<assignment>/``; return the paths."""
    written = []
    for assignment in assignments or ASSIGNMENTS:
        folder = os.path.join(course_dir, "source", assignment)
        for rel, text in shipped_files(assignment).items():
            path = os.path.join(folder, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            written.append(path)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", default=os.path.join(os.path.dirname(HERE), "course"))
    args = parser.parse_args(argv)
    for path in ship(args.course):
        print(path)


if __name__ == "__main__":
    main()
