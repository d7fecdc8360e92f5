"""Grade exactly what the contract says: no correct answer loses a point.

* every correct answer of ``tests/submissions`` (the main one and the
  ``CORRECT_VARIANTS`` in many styles) scores full over 50 student ids
  (``benchmarks/grading_accuracy.py`` sweeps 500 and counts misses too);
* no visible input sits on a knife edge, and the knife-edge checks of
  ``autograder.hidden.edges`` do reject the inputs they are meant to;
* scoring by parts: a failed part costs that part, advice costs nothing, and
  an answer whose values are right on the visible inputs only scores 0.
"""

import os
import re

import numpy as np
import pytest

from autograder.cli.corpus import correct_answers, given_sources, submissions
from autograder.hidden import edges, hidden_cases, score_outcomes
from autograder.cli.sweep import namespace_for, student_ids, sweep
from fmnist_checks.core import Case, Outcome
from fmnist_checks.pieces import ASSIGNMENTS
from fmnist_checks.runner import summarise, visible_cases

pytestmark = pytest.mark.autograder

N_IDS = int(os.environ.get("FMNIST_CORPUS_IDS", "50"))
# the tree and the network are the slow ones: fewer ids in CI, 500 in the benchmark
FEWER = {"a2_decision_tree": 12, "a3_neural_network": 12, "a4_lenet5": 20}


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_every_correct_answer_scores_full_over_many_ids(assignment):
    module = submissions(assignment)
    n = min(N_IDS, FEWER.get(assignment, N_IDS)) if "FMNIST_CORPUS_IDS" not in os.environ else N_IDS
    answers = sweep(given_sources(assignment), module.CORRECT, correct_answers(module), student_ids(n))
    lost = [f"{a.piece} [{a.label}] {s}: {a.messages[s]}" for a in answers
            for s, score in zip(student_ids(n), a.scores) if score < 1.0 and s in a.messages]
    assert not lost, "\n\n".join(lost[:3])


def test_corpus_has_several_styles_per_piece():
    for assignment, pieces in ASSIGNMENTS.items():
        answers = correct_answers(submissions(assignment))
        for piece in pieces:
            assert sum(a.piece == piece for a in answers) >= 2, piece


# --- knife edges -----------------------------------------------------------------

def test_stopping_edge_is_rejected():
    # 1.0 - 0.995 is not exactly 0.005 in floating point: the two spellings disagree
    assert not edges.stopping_is_clear([1.0, 0.995, 0.99], 2, 0.005)
    assert edges.stopping_is_clear([1.0, 0.99, 0.987], 2, 0.005)
    assert edges.stopping_is_clear([1.0, 1.0, 0.8], 1, 0.0)  # an exact repeat with min_delta 0


def test_visible_stopping_curves_are_clear():
    for case in visible_cases("EarlyStopping"):
        if "patience" in case.inputs:
            inputs = case.inputs
            assert edges.stopping_is_clear(inputs["losses"], inputs["patience"],
                                           inputs["min_delta"]), case.label


def test_n_components_edges():
    values = np.array([4.0, 2.0, 1.0, 1.0])
    assert not edges.threshold_is_clear(values, 0.75)  # an exact tie: scikit-learn's > differs
    assert edges.threshold_is_clear(values, 0.7)
    # the exact ties the checks do use agree under every >= formulation
    for case in visible_cases("n_components_for") + hidden_cases("n_components_for", 0):
        if getattr(case.run, "__name__", None) != "call_function":  # property cases run a partial
            continue
        args = case.inputs["args"]
        values = np.asarray(args[0], dtype=float)
        results = {f(values, args[1]) for f in edges.N_COMPONENTS_FORMULATIONS[:-1]}
        assert len(results) == 1, case.label


def test_midpoint_edges():
    # (a + b) / 2 and a + (b - a) / 2 differ in the last bit here: a sample at the
    # larger of the two goes left under one formula and right under the other
    a, b = 1.653, 90.711
    m1, m2 = (a + b) / 2, a + (b - a) / 2
    assert m1 != m2
    X = np.array([[a], [b]])
    assert not edges.thresholds_are_clear(X, np.array([[max(m1, m2)]]))
    assert edges.thresholds_are_clear(X, np.array([[40.0]]))
    assert edges.thresholds_are_clear(np.arange(6.0).reshape(-1, 1) / 4, np.array([[0.125]]))


def test_gain_edges():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    assert edges.gains_are_clear(X, np.array([0, 1, 1, 0]))
    gains = edges.candidate_gains(X, np.array([0, 0, 1, 1]))
    assert gains.max() == pytest.approx(0.5)
    # gains 4/9 and 1/9: clear at the contract's 1e-12, a knife edge if ties were 0.2 wide
    assert edges.gains_are_clear(X[:3], np.array([0, 1, 1]))
    assert not edges.gains_are_clear(X[:3], np.array([0, 1, 1]), tie=0.2)


def test_visible_split_and_tree_inputs_are_clear():
    from autograder.hidden.a2_decision_tree import split_is_clear, tree_is_clear

    for case in visible_cases("best_split"):
        if case.run.__name__ == "call_function":
            X, y = case.inputs["args"]
            assert split_is_clear(X, y, **case.inputs["kwargs"]), case.label
    for case in visible_cases("DecisionTreeClassifier"):
        if "want" in case.inputs:
            i = case.inputs
            assert tree_is_clear(i["X"], i["y"], i["X_test"], i["params"]), case.label


def test_visible_evaluate_accuracy_is_clear():
    from autograder.hidden.a4_lenet5 import accuracy_is_clear

    for case in visible_cases("evaluate"):
        assert accuracy_is_clear(case.inputs), case.label


# --- scores ------------------------------------------------------------------------

def _outcome(part, passed, kind="value", advice=False):
    case = Case("gini", f"{part} {kind}", {}, None, None, None, part=part, kind=kind, advice=advice)
    return Outcome(case, passed, "" if passed else f"{part} failed")


def test_a_failed_part_costs_that_part_visible_or_hidden():
    visible = [_outcome("fit", True), _outcome("proba", False)]
    hidden = [_outcome("fit", True), _outcome("proba", True), _outcome("api", True, "api")]
    assert score_outcomes(visible, hidden, 3.0) == pytest.approx(2.0)


def test_values_wrong_on_hidden_inputs_earn_nothing():
    visible = [_outcome("main", True), _outcome("inputs unchanged", True, "inputs unchanged")]
    hidden = [_outcome("main", False), _outcome("inputs unchanged", True, "inputs unchanged")]
    assert score_outcomes(visible, hidden, 2.0) == 0.0


def test_advice_costs_nothing_and_is_shown():
    outcomes = [_outcome("main", True), _outcome("main", False, "validation", advice=True)]
    assert score_outcomes(outcomes, [], 1.0) == 1.0
    ok, text = summarise("gini", outcomes, "visible")
    assert ok and "advice (no points): main failed" in text


def test_only_named_errors_and_array_inputs_are_graded():
    """Graded raises cases only for class_distribution; graded list inputs nowhere."""
    for assignment, pieces in ASSIGNMENTS.items():
        for piece in pieces:
            for case in visible_cases(piece) + hidden_cases(piece, 1):
                if case.advice:
                    continue
                if case.kind == "validation":
                    assert piece == "class_distribution", (piece, case.label)
                args = case.inputs.get("args", [])
                assert not any(isinstance(a, list) for a in args), (piece, case.label)


def _shallow_copy_stopper():
    module = submissions("a4_lenet5")
    source = next(s for p, b, s, _ in module.BUGGY if b == "shallow copy of the state_dict")
    namespace = namespace_for(given_sources("a4_lenet5"), module.CORRECT, "EarlyStopping", source)
    return source, namespace["EarlyStopping"]


def test_a_visible_failure_costs_its_part_only_in_grade():
    from autograder.hidden import grade_namespace

    _, stopper = _shallow_copy_stopper()
    score, message = grade_namespace("a4_lenet5", {"EarlyStopping": stopper},
                                     student="s1")["EarlyStopping"]
    assert score == pytest.approx(0.5), message  # "best state" fails, "stopping rule" passes
    assert re.search(r"checks failed \(\d+ of \d+ visible, \d+ of \d+ hidden\)", message), message


def test_a_visible_failure_costs_its_part_only_in_the_trusted_judge():
    from autograder.hidden import all_cases, grading_seed
    from autograder.verdict.trusted import Submission, judge
    from fmnist_checks.core import call_answer

    source, stopper = _shallow_copy_stopper()
    seed = grading_seed("a4_lenet5", "s1")
    visible, hidden = all_cases("EarlyStopping", seed)
    records = {f"case:EarlyStopping:{i}": {"result": call_answer(case, stopper)}
               for i, case in enumerate(visible + hidden)}
    submission = Submission("s1", "a4_lenet5", answers={"earlystopping": source})
    verdict = judge("a4_lenet5", seed, records, submission, {"earlystopping": 2.0})["EarlyStopping"]
    assert verdict.score == pytest.approx(1.0), verdict.message


def test_visible_network_predictions_are_clear():
    from autograder.hidden.a3_neural_network import gd_is_clear

    for case in visible_cases("NeuralNetworkClassifier"):
        i = case.inputs
        if "X_new" in i:
            assert gd_is_clear(i["X"], i["y"], i["weights"], i["biases"], i["learning_rate"],
                               i["epochs"], i["X_new"]), case.label
        elif "epochs" in i and i["batch_size"] > len(i["y"]):
            assert gd_is_clear(i["X"], i["y"], i["weights"], i["biases"], i["learning_rate"],
                               i["epochs"]), case.label
