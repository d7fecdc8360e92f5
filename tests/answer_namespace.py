"""A notebook's given cells and a set of answers in one namespace, as the hidden grader grades it.

The tests of the hidden checks (``tests/test_autograder_a*.py``) run answers
written as a student would (``tests/submissions/<assignment>_answers.py``)
after the notebook's given cells. Each cell is compiled under its own
``<cell NAME>`` filename, readable through linecache, so the reference ban
reads its source as it reads a submitted cell's.
"""

import linecache
import os

from fmnist_checks.notebook import is_given, read, source_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def notebook_path(aid):
    """The instructor's source notebook of assignment `aid`."""
    return os.path.join(ROOT, "course", "source", aid, f"{aid}.ipynb")


def run_cell(source, name, namespace):
    """Exec `source` in `namespace` as the notebook cell `name` (its source readable by the ban)."""
    filename = f"<cell {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def given_sources(aid, answers):
    """The notebook's given cells (the submissions' own copy, ``answers.GIVEN``, when there is no notebook)."""
    path = notebook_path(aid)
    if os.path.exists(path):
        return [source_of(c) for c in read(path)["cells"] if is_given(c)]
    return [answers.GIVEN]


def build_namespace(aid, answers, replace=None):
    """Given cells then ``answers.CORRECT``; `replace` = (piece, source) swaps one in."""
    namespace = {"__name__": "__notebook__"}
    for i, source in enumerate(given_sources(aid, answers)):
        run_cell(source, f"given-{i}", namespace)
    for piece, source in answers.CORRECT.items():
        if replace and replace[0] == piece:
            source = replace[1]
        run_cell(source, piece.lower(), namespace)
    return namespace
