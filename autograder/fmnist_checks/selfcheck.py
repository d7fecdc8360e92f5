"""The student's pytest self-check: the visible checks against the saved notebook.

``pytest`` inside a released assignment folder (or above several) collects
``test_<assignment>_selfcheck.py``,
which calls :func:`load_answers` once and gets one test per piece, named
``test_<grade id>``. The notebook's given and answer cells run here, in the
pytest process, not in the Jupyter kernel: what counts is what is saved.
"""

import contextlib
import glob
import io
import linecache
import os
import warnings

from .core import describe_exception, format_error
from .notebook import is_answer, nbgrader_meta, read, runnable_cells
from .pieces import ASSIGNMENTS
from .runner import CheckFailed, check


class Answers:
    """The namespace the notebook's cells built, and what went wrong building it."""

    def __init__(self, path, namespace, cell_errors, notes):
        self.path = path
        self.namespace = namespace
        self.cell_errors = cell_errors  # grade id -> message
        self.notes = notes  # warnings about the notebook itself


def find_notebook(folder, assignment):
    """The assignment's notebook in `folder`; ValueError naming what is there otherwise."""
    path = os.path.join(folder, f"{assignment}.ipynb")
    if os.path.exists(path):
        return path
    found = sorted(os.path.basename(p) for p in glob.glob(os.path.join(folder, "*.ipynb")))
    raise ValueError(
        f"{assignment}.ipynb is not in {folder} (found: {', '.join(found) or 'no notebook'}); "
        f"keep the released notebook's name"
    )


def notebook_notes(nb):
    """Warnings about a notebook that looks unsaved or run out of order."""
    notes = []
    counts = [c.get("execution_count") for c in nb["cells"]
              if isinstance(c, dict) and c.get("cell_type") == "code"]
    ran = [c for c in counts if isinstance(c, int)]
    if any(b < a for a, b in zip(ran, ran[1:])):
        notes.append(
            "the notebook's cells were run out of order (execution counts go down); "
            "use 'Restart Kernel and Run All Cells' to be sure it works top to bottom"
        )
    blank = [nbgrader_meta(c).get("grade_id") for c in nb["cells"]
             if isinstance(c, dict) and is_answer(c) and "raise NotImplementedError" in _src(c)]
    if blank:
        notes.append(
            f"the saved notebook still has 'raise NotImplementedError()' in {', '.join(blank)}; "
            f"if you have implemented them, save the notebook (Ctrl-S) and rerun pytest"
        )
    return notes


def _src(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def load_answers(folder, assignment):
    """Run the notebook's given and answer cells in a fresh namespace."""
    path = find_notebook(folder, assignment)
    nb = read(path)
    namespace = {"__name__": "__notebook__"}
    errors = {}
    old_cwd = os.getcwd()
    os.chdir(folder)
    try:
        for grade_id, source in runnable_cells(nb):
            filename = f"<cell {grade_id}>"
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            try:
                code = compile(source, filename, "exec")
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                    warnings.simplefilter("ignore")
                    exec(code, namespace)
            except BaseException as exc:  # a student's cell may raise anything
                if isinstance(exc, KeyboardInterrupt):
                    raise
                errors[grade_id] = format_error(describe_exception(exc))
    finally:
        os.chdir(old_cwd)
    return Answers(path, namespace, errors, notebook_notes(nb))


def check_piece(answers, piece):
    """Run the visible checks of `piece` on the loaded answers (raises CheckFailed)."""
    __tracebackhide__ = True
    grade_id = piece.lower()
    if grade_id in answers.cell_errors:
        raise CheckFailed(f"{piece}: running its cell failed: {answers.cell_errors[grade_id]}")
    if piece not in answers.namespace:
        raise CheckFailed(
            f"{piece} is not defined: the notebook has no answer cell with grade id "
            f"{grade_id!r} defining it (did you rename it?)"
        )
    check(piece, answers.namespace[piece])


def make_tests(assignment, folder, module_globals):
    """Define ``test_<grade id>`` for each piece of `assignment` in `module_globals`."""
    import pytest

    state = {}

    def answers():
        if "answers" not in state:
            state["answers"] = load_answers(folder, assignment)
            for note in state["answers"].notes:
                warnings.warn(note, UserWarning, stacklevel=1)
        return state["answers"]

    for piece in ASSIGNMENTS[assignment]:
        def test(piece=piece):
            problem = None
            try:
                check_piece(answers(), piece)
            except (ValueError, CheckFailed) as exc:
                problem = str(exc)
            if problem:
                pytest.fail(problem, pytrace=False)

        test.__name__ = f"test_{piece.lower()}"
        test.__doc__ = f"The visible checks of {piece}."
        module_globals[test.__name__] = test
