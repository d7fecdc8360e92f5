"""``fmnist-solutions``: regenerate ``solutions/`` from ``course/source`` with nbgrader.

What an instructor publishes after the deadline: each notebook with its
solutions, its visible tests, no hidden tests and no outputs (so the files are
deterministic and ``tests/test_solutions.py`` can tell when they have drifted
from the source). It runs nbgrader's own ``generate_solution`` in a temporary
copy of the course, with ``ClearHiddenTests`` added and ``Execute`` left out.
"""

import argparse
import os
import shutil
import sys
import tempfile

from ..batch.nbgrader_cli import run_nbgrader
from fmnist_checks.pieces import ASSIGNMENTS

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # autograder/
PROJECT = os.path.dirname(HERE)

PREPROCESSORS = (
    "[ 'nbgrader.preprocessors.IncludeHeaderFooter', 'nbgrader.preprocessors.LockCells',"
    " 'nbgrader.preprocessors.ClearOutput', 'nbgrader.preprocessors.ClearMarkScheme',"
    " 'nbgrader.preprocessors.ClearHiddenTests' ]"
)


def generate(course_dir, out_dir, assignments=None):
    """Write ``out_dir/<assignment>/`` for each assignment; return the folders written."""
    course_dir = os.path.abspath(course_dir)
    written = []
    with tempfile.TemporaryDirectory(prefix="fmnist-solutions-") as tmp:
        course = os.path.join(tmp, "course")
        shutil.copytree(course_dir, course, ignore=shutil.ignore_patterns(
            "release", "submitted", "autograded", "feedback", "gradebook.db", "__pycache__",
            ".ipynb_checkpoints", "exchange"))
        for assignment in assignments or ASSIGNMENTS:
            if not os.path.isdir(os.path.join(course, "source", assignment)):
                continue
            run_nbgrader(["db", "assignment", "add", assignment], cwd=course)
            run_nbgrader(["generate_solution", assignment, "--force",
                          f"--GenerateSolution.preprocessors={PREPROCESSORS}"], cwd=course)
            src = os.path.join(course, "solution", assignment)
            dst = os.path.join(out_dir, assignment)
            shutil.rmtree(dst, ignore_errors=True)
            os.makedirs(dst)
            for name in sorted(os.listdir(src)):  # the solved notebooks, nothing else
                if name.endswith(".ipynb"):
                    shutil.copy(os.path.join(src, name), os.path.join(dst, name))
            written.append(dst)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(prog="fmnist-solutions", description=__doc__.splitlines()[0])
    parser.add_argument("--course", default=os.path.join(PROJECT, "course"))
    parser.add_argument("--out", default=os.path.join(PROJECT, "solutions"))
    parser.add_argument("assignments", nargs="*", help="default: all five")
    args = parser.parse_args(argv)
    for folder in generate(args.course, args.out, args.assignments or None):
        print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
