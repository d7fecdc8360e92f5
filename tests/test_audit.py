"""The mutation audit (``fmnist-grade audit``): its mutants, its verdicts, its outputs, its equivalents.

CI grades a fixed sample of each piece's mutants (:data:`SAMPLE` per piece,
one student id) and fails when a sampled mutant survives; the full audit is
``fmnist-grade audit`` (see the instructor's guide).
"""

import functools
import json
import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from autograder.audit.equivalent import equivalents
from autograder.audit.grade import KILLED_HIDDEN, KILLED_VISIBLE, SURVIVED, prepare, verdict
from autograder.audit.mutants import mutants_of
from autograder.audit.report import merge, write_html
from autograder.audit.run import audit, sample, tally
from fmnist_checks.pieces import ASSIGNMENTS

from equivalent_inputs import INPUTS, outputs, same_outputs

SAMPLE = 2


def test_mutants_are_single_changes_inside_the_piece():
    mutants = mutants_of("accuracy")
    assert len(mutants) >= 5
    assert len({m.key for m in mutants}) == len(mutants)
    for m in mutants:
        changed = [ln for ln in m.diff.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
        assert len([ln for ln in changed if ln.startswith("-")]) == 1, m.diff
        assert m.function == "accuracy"


def test_the_keys_do_not_move_when_lines_do():
    assert [m.key for m in mutants_of("gini")] == [m.key for m in mutants_of("gini")]


def test_an_obvious_mutant_is_killed_and_the_reference_copy_survives():
    prepared = prepare("accuracy", 1)
    flipped = next(m for m in mutants_of("accuracy") if "y_true != y_pred" in m.diff)
    assert verdict(prepared, flipped)[0] == KILLED_VISIBLE
    unchanged = flipped.__class__(**{**flipped.__dict__, "source": open(
        __import__("fmnist_edu.metrics").metrics.__file__, encoding="utf-8").read()})
    assert verdict(prepared, unchanged)[0] == SURVIVED


def test_tally_counts_and_kill_rate():
    ms = mutants_of("accuracy")[:4]
    results = [(ms[0], (KILLED_VISIBLE, "")), (ms[1], (KILLED_HIDDEN, "")),
               (ms[2], (SURVIVED, "")), (ms[3], (SURVIVED, ""))]
    t = tally("accuracy", results, {ms[3].key: "a reason"})
    assert (t["mutants"], t["killed"], t["killed_hidden_only"], t["survived"], t["equivalent"]) == (4, 2, 1, 1, 1)
    assert t["kill_rate"] == round(2 / 3, 4)
    assert [s["key"] for s in t["survivors"]] == [ms[2].key] and "@@" in t["survivors"][0]["diff"]


def test_the_report_is_escaped_and_has_every_key(tmp_path):
    piece = {"mutants": 1, "killed": 0, "killed_hidden_only": 0, "survived": 1, "equivalent": 0,
             "kill_rate": 0.0, "survivors": [{"key": "k", "function": "f", "line": 1,
                                               "diff": "-a\n+<script>alert(1)</script>"}]}
    result = {"assignment": "a5_evaluation", "students": 3, "seconds": 1.0, "jobs": 1,
              "sampled_per_piece": None, "pieces": {"accuracy<b>": piece}}
    data = merge(str(tmp_path / "audit.json"), [result])
    write_html(str(tmp_path / "audit.html"), data)
    page = (tmp_path / "audit.html").read_text()
    assert "<script" not in page and "&lt;script&gt;" in page and "accuracy&lt;b&gt;" in page
    stored = json.loads((tmp_path / "audit.json").read_text())["assignments"]["a5_evaluation"]["pieces"]
    assert {"mutants", "killed", "killed_hidden_only", "survived", "equivalent", "kill_rate",
            "survivors"} <= set(stored["accuracy<b>"])


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_no_sampled_mutant_survives(assignment):
    """A fixed sample of each piece's mutants, one student id: every one killed or listed equivalent."""
    result = audit(assignment, n_students=1, jobs=2, per_piece=SAMPLE)
    survivors = {piece: [s["diff"] for s in t["survivors"]] for piece, t in result["pieces"].items()
                 if t["survivors"]}
    assert survivors == {}, "a sampled mutant survived: add a check, or list it as equivalent"
    assert all(t["mutants"] == min(SAMPLE, len(mutants_of(p))) for p, t in result["pieces"].items())


def test_the_sample_is_fixed():
    assert [m.key for m in sample(mutants_of("gini"), 3)] == sorted(m.key for m in mutants_of("gini"))[:3]


LISTED = [(piece, key, reason) for piece, keys in sorted(equivalents().items())
          for key, reason in sorted(keys.items())]
N_INPUTS = 1000


@functools.lru_cache(maxsize=None)
def reference_outputs(piece):
    """N_INPUTS random inputs of the contract for `piece` and the reference's outputs on them."""
    import fmnist_edu

    rng = np.random.default_rng(0)
    inputs = [INPUTS[piece](rng) for _ in range(N_INPUTS)]
    with threadpool_limits(limits=1, user_api="blas"):
        return inputs, [outputs(piece, getattr(fmnist_edu, piece), args) for args in inputs]


@pytest.mark.parametrize("piece,key,reason", LISTED, ids=[f"{p}-{k}" for p, k, _ in LISTED])
def test_each_listed_equivalent_gives_the_references_outputs(piece, key, reason):
    """A thousand random inputs of the contract: the mutant's outputs equal the reference's."""
    from autograder.audit.grade import load

    assert reason.strip(), "say why the mutant is equivalent"
    mutant = next((m for m in mutants_of(piece) if m.key == key), None)
    assert mutant is not None, f"{piece} has no mutant {key} any more: remove it from equivalent.toml"
    answer = load(mutant)
    inputs, expected = reference_outputs(piece)
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore")
        for args, reference in zip(inputs, expected):
            assert same_outputs(reference, outputs(piece, answer, args)), (args, mutant.diff)
