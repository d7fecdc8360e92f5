"""The similarity corpus of ``tests/submissions`` as a class: submitted notebooks in a course folder.

``tests/submissions/a2_similarity_honest_1.py`` and ``_2.py`` hold twelve
independent a2 answer sets (``STUDENTS``); ``a2_similarity_added.py`` the
code cells five of them added beside the answer cells (``ADDED``);
``a2_similarity_planted.py`` the planted copies (``PLANTED``, the cells they
added in ``ADDED_CELLS``) and a public solution (``PUBLIC_SOLUTION``).
:func:`build_class` writes them as real submissions: the released notebook
(the source through nbgrader's ClearSolutions and ClearHiddenTests) with each answer cell replaced
and the added cells inserted,
at ``COURSE/submitted/<student>/a2_decision_tree/a2_decision_tree.ipynb``.
The test, the benchmark and the guide's figures all use it.
"""

import copy
import importlib.util
import json
import os
import shutil
import sys

from fmnist_checks.notebook import is_answer, nbgrader_meta
from fmnist_checks.pieces import ASSIGNMENTS

from .corpus import SUBMISSIONS

ASSIGNMENT = "a2_decision_tree"
ROOT = os.path.dirname(os.path.dirname(SUBMISSIONS))  # the project


def _module(name):
    if SUBMISSIONS not in sys.path:
        sys.path.insert(0, SUBMISSIONS)  # the planted module imports the honest ones
    spec = importlib.util.spec_from_file_location(name, os.path.join(SUBMISSIONS, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def honest():
    """{student: {piece: source}} of the twelve independent students."""
    return dict(_module("a2_similarity_honest_1").STUDENTS, **_module("a2_similarity_honest_2").STUDENTS)


def added():
    """{student: (answers, [(piece, source)])}: the honest students who added code cells (``a2_similarity_added``)."""
    return _module("a2_similarity_added").ADDED


def planted():
    """The planted module: ``PLANTED``, ``PUBLIC``, ``PUBLIC_SOLUTION``."""
    return _module("a2_similarity_planted")


def release_notebook(source_path):
    """The released notebook (a dict) of the instructor's `source_path`, by nbgrader's ClearSolutions and
    ClearHiddenTests (what ``nbgrader generate_assignment`` does to the code)."""
    import nbformat
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    nb = nbformat.read(source_path, as_version=4)
    nb, _ = ClearSolutions().preprocess(nb, {})
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    return json.loads(nbformat.writes(nb))


def student_notebook(release_nb, answers, added=()):
    """A copy of the released notebook whose answer cells hold `answers` {piece: source}, and the code
    cells the student `added` [(piece, source)], each just above `piece`'s answer cell."""
    by_grade_id = {piece.lower(): source for piece, source in answers.items()}
    above = {}
    for piece, source in added:
        above.setdefault(piece.lower(), []).append(source)
    nb = copy.deepcopy(release_nb)
    cells = []
    for cell in nb["cells"]:
        gid = nbgrader_meta(cell).get("grade_id") if is_answer(cell) else None
        cells += [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": s}
                  for s in above.get(gid, [])]
        if gid in by_grade_id:
            cell["source"] = by_grade_id[gid]
        cells.append(cell)
    nb["cells"] = cells
    return nb


def course_with_source(course_dir, assignment=ASSIGNMENT):
    """Make `course_dir` a course holding `assignment`'s source notebook; return the notebook's path."""
    source = os.path.join(ROOT, "course", "source", assignment, f"{assignment}.ipynb")
    target = os.path.join(course_dir, "source", assignment)
    os.makedirs(target, exist_ok=True)
    shutil.copy(source, target)
    return os.path.join(target, f"{assignment}.ipynb")


def submit(course_dir, release_nb, student, answers, assignment=ASSIGNMENT, added=()):
    """Write `student`'s notebook (with the code cells they `added`) into the course's ``submitted/``; return its path."""
    folder = os.path.join(course_dir, "submitted", student, assignment)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{assignment}.ipynb")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(student_notebook(release_nb, answers, added), fh)
    return path


def build_class(course_dir, public_dir=None):
    """Write the corpus class into `course_dir` (and the public solution into `public_dir`).

    Returns {student: answers} of everybody submitted.
    """
    release_nb = release_notebook(course_with_source(course_dir))
    module = planted()
    students = dict(honest(), **{name: entry[3] for name, entry in module.PLANTED.items()})
    cells = dict(module.ADDED_CELLS)
    for student, (answers, more) in added().items():
        students[student], cells[student] = answers, more
    for student, answers in students.items():
        assert set(answers) == set(ASSIGNMENTS[ASSIGNMENT]), student
        submit(course_dir, release_nb, student, answers, added=cells.get(student, ()))
    if public_dir:
        os.makedirs(public_dir, exist_ok=True)
        with open(os.path.join(public_dir, "solution.py"), "w", encoding="utf-8") as fh:
            fh.write(module.PUBLIC_SOLUTION)
    return students
