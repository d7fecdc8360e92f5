"""The nbgrader course: layout per the contract, clean sources, releases without answers.

The end-to-end instructor flow (generate, release, collect, autograde,
feedback, export) is ``tests/test_course_flow.py``.
"""

import ast
import json
import os
import shutil

import pytest

from autograder.batch.nbgrader_cli import run_nbgrader
from fmnist_checks.notebook import is_answer, is_given, is_test, nbgrader_meta, source_of
from fmnist_checks.pieces import ASSIGNMENTS
import subprocess
import sys

from autograder.batch.release import PACKAGE, selfcheck_name

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
def test_nothing_generated_is_committed_beside_the_sources(assignment):
    """The student side reaches releases through the hook, never as committed copies."""
    for top in ("source", os.path.join(os.pardir, "solutions")):
        folder = os.path.normpath(os.path.join(COURSE, top, assignment))
        names = set(os.listdir(folder))
        assert not names & {PACKAGE, selfcheck_name(assignment), "fmnist_data.py"}, f"generated files in {folder}"
    solutions = os.path.join(os.path.dirname(COURSE), "solutions", assignment)
    assert os.listdir(solutions) == [f"{assignment}.ipynb"]


def test_the_student_package_never_imports_the_instructor_side():
    """fmnist_checks is what students get: no import of autograder or fmnist_edu, at any depth."""
    import fmnist_checks

    folder = os.path.dirname(fmnist_checks.__file__)
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".py"):
            continue
        tree = ast.parse(open(os.path.join(folder, name), encoding="utf-8").read())
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            for module in modules:
                assert not module.startswith(("fmnist_edu", "autograder")), \
                    f"fmnist_checks/{name} imports {module}"


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
    assert "hidden" not in names and selfcheck_name(assignment) in names and "fmnist_checks" in names


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_releases_carry_the_generated_student_side(released, assignment):
    folder = os.path.join(released, "release", assignment)
    import fmnist_checks

    package = os.path.dirname(fmnist_checks.__file__)
    for name in os.listdir(package):
        if name.endswith(".py"):
            text = open(os.path.join(folder, PACKAGE, name), encoding="utf-8").read()
            assert text.startswith("# Generated by fmnist-edu's release hook"), name
            assert text.endswith(open(os.path.join(package, name), encoding="utf-8").read())
    selfcheck = open(os.path.join(folder, selfcheck_name(assignment)), encoding="utf-8").read()
    assert f"make_tests({assignment!r}" in selfcheck


def test_the_released_self_check_runs_with_only_the_folder(released, tmp_path):
    """pytest in a release folder: the blank notebook fails each piece, with the folder's own checks."""
    folder = tmp_path / "a5_evaluation"
    shutil.copytree(os.path.join(released, "release", "a5_evaluation"), folder)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=folder, env=env, capture_output=True, text=True,
                         timeout=300)
    assert "3 failed" in out.stdout, out.stdout[-2000:]
    assert "accuracy is not implemented yet" in out.stdout
    assert str(folder / PACKAGE) in _imported_from(folder)


def _imported_from(folder):
    out = subprocess.run([sys.executable, "-c", "import fmnist_checks; print(fmnist_checks.__file__)"],
                         cwd=folder, capture_output=True, text=True, timeout=60)
    return out.stdout


def test_a_failed_release_hook_fails_the_release_loudly(tmp_path):
    """nbgrader only logs a hook's Exception: ours removes the release and exits non-zero."""
    course = tmp_path / "course"
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db", "__pycache__"))
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + (
        "\nimport autograder.batch.release as _release\n"
        "def _broken(assignment):\n    raise OSError('disk full')\n"
        "_release.student_side_files = _broken\n"))
    out = run_nbgrader(["generate_assignment", "a5_evaluation", "--force"], cwd=str(course), check=False)
    assert out.returncode != 0
    assert "checks could not be written (OSError: disk full)" in out.stdout + out.stderr
    assert not (course / "release" / "a5_evaluation").exists()


def test_autograde_replaces_the_student_side_a_student_submitted(tmp_path):
    """A submitted fmnist_checks/ that always passes is overwritten before the kernel runs."""
    from nbconvert.exporters import NotebookExporter
    from traitlets.config import Config

    from autograder.batch.release import InstallStudentSide

    folder = tmp_path / "autograded" / "mallory" / "a5_evaluation"
    (folder / PACKAGE).mkdir(parents=True)
    (folder / PACKAGE / "runner.py").write_text("def check(piece, answer):\n    print('passed')\n")
    (folder / PACKAGE / "evil.py").write_text("")
    exporter = NotebookExporter(config=Config())
    exporter.register_preprocessor(InstallStudentSide)  # as nbgrader's Autograde registers it
    nb = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    import nbformat

    exporter.from_notebook_node(nbformat.from_dict(nb), resources={
        "metadata": {"path": str(folder)}, "nbgrader": {"assignment": "a5_evaluation"}})
    import fmnist_checks

    real = open(os.path.join(os.path.dirname(fmnist_checks.__file__), "runner.py"), encoding="utf-8").read()
    assert (folder / PACKAGE / "runner.py").read_text().endswith(real)
    assert not (folder / PACKAGE / "evil.py").exists()
    assert "InstallStudentSide" in open(os.path.join(COURSE, "nbgrader_config.py"), encoding="utf-8").read()
