"""What a student sees: demos that wait for unfinished pieces, failed checks as messages, pytest anywhere.

* ``with skip_if_unfinished():`` turns a blank answer's NotImplementedError in
  a demo cell into one line, so "Run All" goes on;
* a failed check shows its message in the notebook, not the frames of
  ``fmnist_checks`` (an IPython handler for CheckFailed);
* ``pytest`` in a folder holding several released assignments runs each
  release's self-check with that release's own checks.
"""

import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.batch.nbgrader_cli import run_nbgrader
from autograder.batch.release import selfcheck_name
from fmnist_checks import runner, skip_if_unfinished
from fmnist_checks.notebook import is_given, nbgrader_meta, source_of
from fmnist_checks.pieces import ASSIGNMENTS

pytestmark = pytest.mark.course

HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.join(os.path.dirname(HERE), "course")


@pytest.fixture(autouse=True)
def _fresh_unfinished():
    runner.UNFINISHED.clear()
    yield
    runner.UNFINISHED.clear()


def test_a_demo_of_an_unfinished_piece_is_one_line(capsys):
    def gini(y):
        raise NotImplementedError()

    with skip_if_unfinished():
        print("before")
        gini([0, 1])
        print("never")
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "before",
        "[skipped] test_a_demo_of_an_unfinished_piece_is_one_line.<locals>.gini is not implemented yet "
        "(it raises NotImplementedError): this demo runs once it is.",
    ]


def test_a_method_is_named_with_its_class(capsys):
    class DecisionTreeClassifier:
        def fit(self, X, y):
            raise NotImplementedError()

    with skip_if_unfinished():
        DecisionTreeClassifier().fit(None, None)
    assert "DecisionTreeClassifier.fit is not implemented yet" in capsys.readouterr().out


def test_a_demo_needing_a_skipped_demos_result_is_skipped_too(capsys):
    with skip_if_unfinished():
        raise NotImplementedError()
    with skip_if_unfinished():
        print(undefined_result)  # noqa: F821
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("[skipped] name 'undefined_result' is not defined: an earlier demo was skipped")


def test_real_errors_in_demos_are_raised():
    with pytest.raises(NameError):  # no piece was skipped: a NameError is the student's own
        with skip_if_unfinished():
            print(undefined_name)  # noqa: F821
    with pytest.raises(ZeroDivisionError):
        with skip_if_unfinished():
            1 / 0


def test_check_failed_has_a_short_repr():
    exc = runner.CheckFailed("✗ gini: 1 of 6 visible checks failed\n\ngini: ...\n    problem: ...")
    assert repr(exc) == "CheckFailed('✗ gini: 1 of 6 visible checks failed')"


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_every_demo_that_calls_a_piece_is_wrapped(assignment):
    """A demo cell calling a piece directly sits in `with skip_if_unfinished():`."""
    with open(os.path.join(COURSE, "source", assignment, f"{assignment}.ipynb"), encoding="utf-8") as fh:
        nb = json.load(fh)
    imports = [source_of(c) for c in nb["cells"] if is_given(c) and nbgrader_meta(c).get("grade_id") == "imports"]
    assert imports and "from fmnist_checks import skip_if_unfinished" in imports[0]
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or nbgrader_meta(cell) or is_given(cell):
            continue
        source = source_of(cell)
        calls = [p for p in ASSIGNMENTS[assignment] if f"{p}(" in source]
        if calls:
            assert "with skip_if_unfinished():" in source, f"a demo calling {calls} is not wrapped:\n{source}"


def _kernel_notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def test_run_all_goes_past_unfinished_demos_and_a_failed_check_is_its_message(tmp_path):
    """In a real kernel: demos of blank pieces print one line; a failed check shows no internals."""
    from nbclient import NotebookClient

    nb = _kernel_notebook([
        "import numpy as np\nfrom fmnist_checks import check, skip_if_unfinished",
        "def gini(y):\n    raise NotImplementedError()",
        "with skip_if_unfinished():\n    print(gini(np.array([0, 1])))",
        "def entropy(y):\n    return 0.0",
        "check('entropy', entropy)",
        "print('still running')",
    ])
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    demo = "".join(o.get("text", "") for o in nb.cells[2].outputs)
    assert demo.strip() == ("[skipped] gini is not implemented yet (it raises NotImplementedError): "
                            "this demo runs once it is.")
    errors = [o for o in nb.cells[4].outputs if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "CheckFailed"
    shown = "\n".join(errors[0].traceback)
    assert "✗ entropy:" in shown and "two equal classes" in shown
    for internal in ("runner.py", "raise CheckFailed", "Traceback", "Cell In["):
        assert internal not in shown, f"{internal!r} in the notebook's error:\n{shown}"
    assert "still running" in "".join(o.get("text", "") for o in nb.cells[5].outputs)


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory):
    root = tmp_path_factory.mktemp("two")
    course = str(root / "course")
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db", "__pycache__", "exchange"))
    student = root / "student"
    student.mkdir()
    for assignment in ("a2_decision_tree", "a5_evaluation"):
        run_nbgrader(["generate_assignment", assignment, "--force"], cwd=course)
        shutil.copytree(os.path.join(course, "release", assignment), student / assignment)
    return student


def test_releases_name_their_self_check_after_the_assignment(two_releases):
    for assignment in ("a2_decision_tree", "a5_evaluation"):
        assert (two_releases / assignment / selfcheck_name(assignment)).exists()
        assert not (two_releases / assignment / "test_selfcheck.py").exists()


def test_pytest_in_a_folder_of_several_releases_runs_each_with_its_own_checks(two_releases):
    # a release whose checks changed: its own copy must be the one that runs
    marker = two_releases / "a5_evaluation" / "fmnist_checks" / "runner.py"
    marker.write_text(marker.read_text(encoding="utf-8").replace(
        "is not implemented yet: it still raises", "is not implemented yet (a5's copy): it still raises"),
        encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=two_releases,
                         env=env, capture_output=True, text=True, timeout=600)
    text = out.stdout + out.stderr
    assert "import file mismatch" not in text, text[-3000:]
    assert "8 failed" in text, text[-3000:]  # 5 pieces of a2, 3 of a5, all blank
    assert "✗ gini is not implemented yet: it still" in text
    assert "✗ accuracy is not implemented yet (a5's copy)" in text
    assert "Traceback" not in text and "raise CheckFailed" not in text
