"""Hostile and broken submissions, graded for real by fmnist-grade: each gets the grade it must.

The corpus is ``tests/submissions/hostile_a5.py``. The test course is a copy of
``course/`` with assignment 5 only, its demo cells left out to keep the run
short; everything else is nbgrader's real flow (generate_assignment, the
sandboxed autograde, the gradebook, generate_feedback).
"""

import copy
import hashlib
import json
import os
import shutil
import socket
import threading

import pytest

from autograder.grade_class import Options, format_table, grade_class
from autograder.nbgrader_cli import run_nbgrader
from fmnist_checks.notebook import is_answer, is_given, is_test, nbgrader_meta
from autograder.samples import answer_sources, fill
from autograder.sandbox import SandboxUnavailable, check_available
from submissions.hostile_a5 import CORPUS

pytestmark = pytest.mark.grading

ASSIGNMENT = "a5_evaluation"
HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.join(os.path.dirname(HERE), "course")


def _sandbox_or_skip():
    try:
        check_available()
    except SandboxUnavailable as exc:
        pytest.skip(str(exc))


def _strip_demos(nb):
    """Keep markdown, given, answer and test cells: the graded skeleton of the notebook."""
    nb = copy.deepcopy(nb)
    nb["cells"] = [c for c in nb["cells"]
                   if c["cell_type"] != "code" or is_given(c) or is_answer(c) or is_test(c)]
    return nb


def _listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(1.0)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server.getsockname()[1], stop, server


def _apply(op, nb, release_nb, solved, folder, course):
    kind, arg = op
    name = f"{ASSIGNMENT}.ipynb"
    if kind == "answers":
        answers = {k: v.replace("{COURSE}", course) for k, v in arg.items()}
        return fill(release_nb, dict(solved, **answers)), name
    if kind == "raw":
        return arg, name
    if kind == "rename":
        return nb, arg
    if kind == "drop_given":
        nb = copy.deepcopy(nb)
        nb["cells"] = [c for c in nb["cells"] if not (is_given(c) or is_test(c))]
        return nb, name
    if kind == "edit_given":
        nb = copy.deepcopy(nb)
        for cell in nb["cells"]:
            if is_given(cell):
                cell["source"] = arg
        return nb, name
    if kind == "grade_id":
        nb = copy.deepcopy(nb)
        for cell in nb["cells"]:
            if is_answer(cell) and nbgrader_meta(cell)["grade_id"] == arg[0]:
                cell["metadata"]["nbgrader"]["grade_id"] = arg[1]
        return nb, name
    if kind == "other_assignment":
        with open(os.path.join(COURSE, "source", "a1_data_pca", "a1_data_pca.ipynb"), encoding="utf-8") as fh:
            return json.load(fh), name
    if kind == "extra_file":
        path = os.path.join(folder, arg[0])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(arg[1].replace("{COURSE}", course))
        return nb, name
    raise ValueError(kind)


def _digest(folder):
    h = hashlib.sha256()
    for root, _, files in sorted(os.walk(folder)):
        for name in sorted(files):
            with open(os.path.join(root, name), "rb") as fh:
                h.update(name.encode() + fh.read())
    return h.hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    _sandbox_or_skip()
    course = str(tmp_path_factory.mktemp("hostile") / "course")
    os.makedirs(os.path.join(course, "source"))
    shutil.copy(os.path.join(COURSE, "nbgrader_config.py"), course)
    shutil.copytree(os.path.join(COURSE, "source", ASSIGNMENT), os.path.join(course, "source", ASSIGNMENT),
                    ignore=shutil.ignore_patterns("__pycache__"))
    src_path = os.path.join(course, "source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
    with open(src_path, encoding="utf-8") as fh:
        source_nb = _strip_demos(json.load(fh))
    with open(src_path, "w", encoding="utf-8") as fh:
        json.dump(source_nb, fh)
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], cwd=course)
    with open(os.path.join(course, "release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), encoding="utf-8") as fh:
        release_nb = json.load(fh)
    solved = answer_sources(source_nb)
    port, stop, server = _listener()
    for student, (_, build, _) in CORPUS.items():
        folder = os.path.join(course, "submitted", student, ASSIGNMENT)
        os.makedirs(folder)
        nb, name = fill(release_nb, solved), f"{ASSIGNMENT}.ipynb"
        for op in build if isinstance(build, list) else [build]:
            nb, name = _apply(op, nb, release_nb, solved, folder, course)
        text = nb if isinstance(nb, str) else json.dumps(nb).replace("{PORT}", str(port))
        with open(os.path.join(folder, name), "w", encoding="utf-8") as fh:
            fh.write(text)
        with open(os.path.join(folder, "timestamp.txt"), "w", encoding="utf-8") as fh:
            fh.write("2026-11-20 17:00:00.000000 UTC")
    before = {s: _digest(os.path.join(course, "submitted", s)) for s in CORPUS}
    try:
        results = grade_class(course, ASSIGNMENT, options=Options(jobs=2, cell_timeout=15,
                                                                  notebook_timeout=300), progress=False)
    finally:
        stop.set()
        server.close()
    print(format_table(ASSIGNMENT, results))
    return course, {r.student: r for r in results}, before


@pytest.mark.parametrize("student", sorted(CORPUS))
def test_each_submission_gets_its_grade(graded, student):
    _, results, _ = graded
    what, _, expected = CORPUS[student]
    result = results[student]
    for piece, want in expected.items():
        got = result.scores.get(piece)
        full = result.points[piece]
        target = full if want == "full" else want
        assert got == pytest.approx(target), (
            f"{student} ({what}): {piece} scored {got}, expected {target}; notes: {result.notes}; "
            f"message: {result.messages.get(piece, '')[:500]}")


def test_broken_submissions_say_what_is_wrong_in_one_line(graded):
    _, results, _ = graded
    assert any("no notebook named" in n for n in results["renamed"].notes)
    assert any("not valid notebook JSON" in n for n in results["corrupt"].notes)
    assert any("grade id" in n for n in results["changed_grade_id"].notes)
    assert any("another assignment" in n for n in results["other_assignment"].notes)
    assert any("accuracy" in n for n in results["infinite_loop"].notes)


def test_the_trusted_verdict_overrides_a_fooled_kernel(graded):
    course, results, _ = graded
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        for student in ("transformer", "swallow", "fake_autograder_wrong"):
            grade = gb.find_grade("test_accuracy", ASSIGNMENT, ASSIGNMENT, student)
            assert grade.score == 0, f"{student}: the gradebook says {grade.score}"
        grade = gb.find_grade("test_accuracy", ASSIGNMENT, ASSIGNMENT, "solved")
        assert grade.score == grade.max_score


def test_nothing_outside_a_submission_was_touched(graded):
    course, _, before = graded
    assert not os.path.exists(os.path.join(course, "pwned.txt"))
    assert not os.path.exists(os.path.join(course, "pwned_root.txt"))
    for student, digest in before.items():
        assert _digest(os.path.join(course, "submitted", student)) == digest, student


def test_feedback_for_every_submission_hides_the_hidden_tests(graded):
    course, _, _ = graded
    run_nbgrader(["generate_feedback", ASSIGNMENT, "--force"], cwd=course)
    for student in CORPUS:
        html = os.path.join(course, "feedback", student, ASSIGNMENT, f"{ASSIGNMENT}.html")
        assert os.path.exists(html), student
        with open(html, encoding="utf-8") as fh:
            text = fh.read()
        assert "autograder.hidden" not in text and "BEGIN HIDDEN TESTS" not in text, student
        assert "Trusted grader" in text or "Grading notes" in text
