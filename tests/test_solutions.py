"""solutions/ is what fmnist-solutions makes from course/source: fails when they drift apart."""

import filecmp
import os

import pytest

from autograder.cli.solutions import PROJECT, generate

pytestmark = pytest.mark.course


def _files(folder):
    return sorted(os.path.relpath(os.path.join(r, f), folder)
                  for r, _, fs in os.walk(folder) if "__pycache__" not in r for f in fs)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("solutions"))
    generate(os.path.join(PROJECT, "course"), out)
    return out


@pytest.mark.parametrize("assignment", ["a1_data_pca", "a2_decision_tree", "a3_neural_network",
                                        "a4_lenet5", "a5_evaluation"])
def test_solutions_match_the_source(fresh, assignment):
    committed = os.path.join(PROJECT, "solutions", assignment)
    regenerated = os.path.join(fresh, assignment)
    assert _files(committed) == _files(regenerated), "run fmnist-solutions to regenerate solutions/"
    for rel in _files(committed):
        assert filecmp.cmp(os.path.join(committed, rel), os.path.join(regenerated, rel), shallow=False), \
            f"solutions/{assignment}/{rel} drifted from course/source: run fmnist-solutions"


def test_solutions_hold_no_hidden_test_and_no_output(fresh):
    import json

    for assignment in os.listdir(fresh):
        nb = json.load(open(os.path.join(fresh, assignment, f"{assignment}.ipynb"), encoding="utf-8"))
        text = json.dumps(nb)
        assert "BEGIN HIDDEN TESTS" not in text and "autograder.hidden" not in text
        assert not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
