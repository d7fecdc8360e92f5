"""nbgrader's whole instructor flow, for real, on one assignment (what ``fmnist-course-demo`` runs).

generate, release to an exchange, fetch/submit/collect (alice), zip_collect
(bob, carol), placement (dave), fmnist-grade (sandboxed autograde), feedback
(generate, release, fetch), export: the sample students must score as they
should.
"""

import os

import pytest

from autograder.cli.demo_flow import COURSE, check_scores, run_flow
from fmnist_checks.pieces import ASSIGNMENTS
from autograder.sandbox.bwrap import SandboxUnavailable, check_available
from autograder.verdict.trusted import source_cells

pytestmark = pytest.mark.course

ASSIGNMENT = "a5_evaluation"


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    try:
        check_available()
    except SandboxUnavailable as exc:
        pytest.skip(str(exc))
    workdir = str(tmp_path_factory.mktemp("flow"))
    rows, results, samples = run_flow(ASSIGNMENT, workdir, jobs=2, progress=False)
    return workdir, rows, results


def test_sample_students_score_as_they_should(flow):
    _, _, results = flow
    _, points = source_cells(os.path.join(COURSE, "source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"))
    points = {p: points[p.lower()] for p in ASSIGNMENTS[ASSIGNMENT]}
    assert check_scores(ASSIGNMENT, results, points) == []
    assert sorted(r.student for r in results) == ["alice", "bob", "carol", "dave"]


def test_export_holds_every_student_with_the_trusted_totals(flow):
    _, rows, results = flow
    exported = {row["student_id"]: float(row["score"]) for row in rows}
    for r in results:
        assert exported[r.student] == pytest.approx(r.total), r.student


def test_feedback_reached_alice_through_the_exchange(flow):
    workdir, _, _ = flow
    fetched = os.path.join(workdir, "home-alice", "fmnist-edu", ASSIGNMENT, "feedback")
    assert os.path.isdir(fetched) and any(f.endswith(".html") for _, _, fs in os.walk(fetched) for f in fs)
    for student in ("alice", "bob", "carol", "dave"):
        html = os.path.join(workdir, "course", "feedback", student, ASSIGNMENT, f"{ASSIGNMENT}.html")
        text = open(html, encoding="utf-8").read()
        assert "BEGIN HIDDEN TESTS" not in text and "autograder.hidden" not in text
