"""Proof that assignment 2's checks pass correct answers and catch realistic bugs.

The answers are run the way the grader runs them: the notebook's given cells,
then one source per answer cell, in a fresh namespace. Correct answers must
score full on every piece; each buggy answer (``tests/submissions``) must lose
points on its own piece, with a message that names the bug, and keep full
points on every other piece (grading swaps the other pieces for the
references, so one bug costs one piece).
"""

import importlib.util
import linecache
import time
from pathlib import Path

import numpy as np
import pytest

from fmnist_checks.core import run_cases
from autograder.hidden import grade_namespace, hidden_cases
from fmnist_checks.notebook import is_answer, nbgrader_meta, read, runnable_cells, source_of
from fmnist_checks.pieces import ASSIGNMENTS
from fmnist_checks.runner import quietly_run, visible_cases

pytestmark = pytest.mark.autograder

ROOT = Path(__file__).resolve().parents[1]
AID = "a2_decision_tree"
PIECES = ASSIGNMENTS[AID]
NOTEBOOK = ROOT / "course" / "source" / AID / f"{AID}.ipynb"
TREE = "DecisionTreeClassifier"


def _load_submissions():
    path = Path(__file__).parent / "submissions" / f"{AID}_answers.py"
    spec = importlib.util.spec_from_file_location(f"{AID}_answers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SUBMISSIONS = _load_submissions()
NB = read(NOTEBOOK)
GIVEN = [(gid, src) for gid, src in runnable_cells(NB) if gid.startswith("given-")]


def _strip_markers(source):
    return "".join(line for line in source.splitlines(keepends=True)
                   if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


SOLUTIONS = {nbgrader_meta(c)["grade_id"]: _strip_markers(source_of(c))
             for c in NB["cells"] if is_answer(c)}


def _run_cell(namespace, name, source):
    filename = f"<cell {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def namespace_with(answers):
    """The notebook's given cells, then `answers` (piece -> source), run in a fresh namespace."""
    namespace = {"__name__": "__notebook__"}
    for gid, source in GIVEN:
        _run_cell(namespace, gid, source)
    for piece in PIECES:
        _run_cell(namespace, piece.lower(), answers[piece])
    return namespace


def grade_pieces(namespace, pieces):
    """piece -> (score, message) for `pieces` only."""
    results = grade_namespace(AID, {p: namespace[p] for p in pieces})
    return {p: results[p] for p in pieces}


@pytest.fixture(scope="module")
def correct_results():
    return grade_namespace(AID, namespace_with(SUBMISSIONS.CORRECT))


def test_notebook_has_the_contract_cells():
    ids = [nbgrader_meta(c).get("grade_id") for c in NB["cells"] if is_answer(c)]
    assert ids == [p.lower() for p in PIECES]
    tests = {nbgrader_meta(c).get("grade_id"): nbgrader_meta(c).get("points")
             for c in NB["cells"] if nbgrader_meta(c).get("grade") and c["cell_type"] == "code"}
    assert set(tests) == {f"test_{p.lower()}" for p in PIECES}
    assert all(points >= 1 for points in tests.values())
    node = namespace_with(SUBMISSIONS.CORRECT)["Node"]()
    assert [node.feature, node.threshold, node.left, node.right, node.majority_class,
            node.class_probs] == [None] * 6


def test_correct_answers_score_full(correct_results):
    for piece in PIECES:
        score, message = correct_results[piece]
        assert score == pytest.approx(1.0), message


def test_notebook_solutions_score_full():
    results = grade_namespace(AID, namespace_with({p: SOLUTIONS[p.lower()] for p in PIECES}))
    for piece in PIECES:
        score, message = results[piece]
        assert score == pytest.approx(1.0), message


def test_at_least_three_bugs_per_piece():
    counts = {p: sum(1 for piece, *_ in SUBMISSIONS.BUGGY if piece == p) for p in PIECES}
    assert min(counts.values()) >= 3, counts


@pytest.mark.parametrize("piece, bug, source, fragment", SUBMISSIONS.BUGGY,
                         ids=[f"{b[0]}: {b[1]}" for b in SUBMISSIONS.BUGGY])
def test_buggy_answer_loses_points_on_its_piece_only(piece, bug, source, fragment,
                                                     correct_results):
    answers = dict(SUBMISSIONS.CORRECT, **{piece: source})
    namespace = namespace_with(answers)
    # the tree's grade is the slow one; a bug elsewhere is checked against it below
    # (test_tree_keeps_full_points_when_every_other_piece_is_buggy)
    others = [p for p in PIECES if p != piece and (p != TREE or piece == TREE)]
    results = grade_pieces(namespace, [piece] + others)
    score, message = results[piece]
    assert score < 1.0, f"{bug}: not caught\n{message}"
    assert fragment in message, f"{bug}: message lacks {fragment!r}:\n{message}"
    for other in others:
        assert results[other][0] == pytest.approx(1.0), (other, results[other][1])


def test_tree_keeps_full_points_when_every_other_piece_is_buggy():
    answers, replaced = dict(SUBMISSIONS.CORRECT), set()
    for piece, _, source, _ in SUBMISSIONS.BUGGY:  # the first bug listed for each piece
        if piece != TREE and piece not in replaced:
            answers[piece] = source
            replaced.add(piece)
    score, message = grade_pieces(namespace_with(answers), [TREE])[TREE]
    assert score == pytest.approx(1.0), message


@pytest.mark.parametrize("piece, what, source, fragment", SUBMISSIONS.BANNED,
                         ids=[b[1] for b in SUBMISSIONS.BANNED])
def test_reference_use_scores_zero(piece, what, source, fragment):
    namespace = namespace_with(dict(SUBMISSIONS.CORRECT, **{piece: source}))
    score, message = grade_pieces(namespace, [piece])[piece]
    assert score == 0.0
    assert fragment in message and "reference implementation" in message, message


def test_slow_correct_answers_check_within_budget():
    """A plain loop answer: its test cells (visible checks, then grade) run in well under 30 s."""
    namespace = namespace_with(SUBMISSIONS.CORRECT)
    start = time.perf_counter()
    for piece in PIECES:  # the visible check of each test cell, without isolation
        outcomes = quietly_run(visible_cases(piece), namespace[piece])
        assert all(o.passed for o in outcomes), [o.message for o in outcomes if not o.passed]
    grade_namespace(AID, namespace)  # visible again, then hidden, as the hidden block does
    assert time.perf_counter() - start < 30.0


def test_visible_tree_data_have_no_ties():
    """scikit-learn's tree is the same whatever its random_state on every visible tree case."""
    from sklearn.tree import DecisionTreeClassifier as ScikitLearnTree

    for case in visible_cases(TREE):
        inputs = case.inputs
        if "X_test" not in inputs:  # the API cases fit nothing
            continue
        probas = [ScikitLearnTree(random_state=seed, **inputs["params"])
                  .fit(inputs["X"], inputs["y"]).predict_proba(inputs["X_test"])
                  for seed in range(12)]
        assert all(np.array_equal(probas[0], p) for p in probas), case.label


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_passes_hidden_cases(seed):
    """The course's reference passes the hidden cases drawn from a few seeds."""
    import fmnist_edu

    for piece in PIECES:
        outcomes = run_cases(hidden_cases(piece, seed), getattr(fmnist_edu, piece))
        assert all(o.passed for o in outcomes), [o.message for o in outcomes if not o.passed]


def test_test_cell_of_information_gain_survives_an_entropy_bug():
    from autograder.hidden import grade
    from fmnist_checks.runner import check

    bug = next(src for piece, name, src, _ in SUBMISSIONS.BUGGY if name == "natural log (nats)")
    answer = namespace_with(dict(SUBMISSIONS.CORRECT, entropy=bug))["information_gain"]
    check("information_gain", answer)  # what the test cell runs first
    assert grade("information_gain", answer, points=1, student="alice") is None
