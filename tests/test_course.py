"""The nbgrader course: layout per the contract, clean sources, releases without answers.

The end-to-end instructor flow (generate, release, collect, autograde,
feedback, export) is ``tests/test_course_flow.py``.
"""

import ast
import json
import os
import shutil

import pytest

from autograder.nbgrader_cli import run_nbgrader
from autograder.notebook import is_answer, is_given, is_test, nbgrader_meta, source_of
from autograder.pieces import ASSIGNMENTS
from autograder.ship import shipped_files

pytestmark = pytest.mark.course

HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.join(os.path.dirname(HERE), "course")


def _notebook(assignment, folder="source"):
    with open(os.path.join(COURSE, folder, assignment, f"{assignment}.ipynb"), encoding="utf-8") as fh:
        return json.load(fh)


def test_config_sets_the_course_id():
    text = open(os.path.join(COURSE, "nbgrader_config.py"), encoding="utf-8").read()
    assert 'c.CourseDirectory.course_id = "fmnist-edu"' in text


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_answer_and_test_cells_follow_the_contract(assignment):
    nb = _notebook(assignment)
    answers = [nbgrader_meta(c)["grade_id"] for c in nb["cells"] if is_answer(c)]
    tests = {nbgrader_meta(c)["grade_id"]: nbgrader_meta(c) for c in nb["cells"] if is_test(c)}
    pieces = [p.lower() for p in ASSIGNMENTS[assignment]]
    assert answers == pieces  # one answer cell per piece, in the contract's order
    for piece in pieces:
        assert f"test_{piece}" in tests and tests[f"test_{piece}"]["points"] >= 1
    for cell in nb["cells"]:
        if is_answer(cell):
            src = source_of(cell)
            assert "### BEGIN SOLUTION" in src and '"""' in src  # signature and docstring kept


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_source_notebooks_are_committed_without_outputs(assignment):
    nb = _notebook(assignment)
    assert not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")


def test_node_is_given_before_the_tree():
    nb = _notebook("a2_decision_tree")
    given = [i for i, c in enumerate(nb["cells"]) if is_given(c) and "class Node" in source_of(c)]
    tree = [i for i, c in enumerate(nb["cells"]) if is_answer(c)
            and nbgrader_meta(c)["grade_id"] == "decisiontreeclassifier"]
    assert given and tree and given[0] < tree[0]


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_shipped_checks_match_the_autograder(assignment):
    for rel, text in shipped_files(assignment).items():
        path = os.path.join(COURSE, "source", assignment, rel)
        assert os.path.exists(path), f"{rel} missing: run python -m autograder.ship"
        with open(path, encoding="utf-8") as fh:
            assert fh.read() == text, f"{path} drifted from autograder/: run python -m autograder.ship"


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_what_students_get_imports_no_answer(assignment):
    folder = os.path.join(COURSE, "source", assignment)
    for root, _, files in os.walk(folder):
        for name in files:
            if not name.endswith(".py"):
                continue
            tree = ast.parse(open(os.path.join(root, name), encoding="utf-8").read())
            guarded = {id(n) for t in ast.walk(tree) if isinstance(t, ast.Try)
                       and any(getattr(h.type, "id", "") == "ImportError" for h in t.handlers)
                       for n in ast.walk(ast.Module(body=t.body, type_ignores=[]))}
            for node in ast.walk(tree):
                modules = []
                if isinstance(node, ast.Import):
                    modules = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    modules = [node.module]
                for module in modules:
                    # the grader's isolation, imported only where the instructor grades
                    if module == "autograder.hidden" and id(node) in guarded:
                        continue
                    assert not module.startswith(("fmnist_edu", "autograder")), \
                        f"{os.path.join(root, name)} imports {module}"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    course = str(tmp_path_factory.mktemp("release") / "course")
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db", "__pycache__"))
    for assignment in ASSIGNMENTS:
        run_nbgrader(["generate_assignment", assignment, "--force"], cwd=course)
    return course


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_releases_hold_no_solution_and_no_hidden_test(released, assignment):
    folder = os.path.join(released, "release", assignment)
    nb = json.load(open(os.path.join(folder, f"{assignment}.ipynb"), encoding="utf-8"))
    text = json.dumps(nb)
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.hidden", "grade("):
        assert marker not in text, f"{marker!r} in the released {assignment}"
    for cell in nb["cells"]:
        if is_answer(cell):
            assert "raise NotImplementedError()" in source_of(cell)
    names = set()
    for root, dirs, files in os.walk(folder):
        names |= set(files) | set(dirs)
    assert "hidden" not in names and "test_selfcheck.py" in names and "fmnist_checks" in names
