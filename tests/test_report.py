"""The class report (python -m autograder.cli.report) and the one-verdict-per-piece feedback.

The report is built from a small graded class made directly: a real gradebook
(nbgrader's generate_assignment, then scores written as autograde and a
grader would), and grading.json files whose messages come from the real
checks run on real buggy answers (tests/submissions and autograder.cli.samples).
"""

import csv
import json
import linecache
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.cli import report
from autograder.reports import feedback
from autograder.hidden import grade_namespace
from autograder.batch.nbgrader_cli import run_nbgrader
from autograder.cli.samples import BUGS, answer_sources

pytestmark = pytest.mark.course

HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.join(os.path.dirname(HERE), "course")
ASSIGNMENT = "a5_evaluation"
HOSTILE = "eve<script>alert(1)</script>"


def _exec(source, name, namespace):
    filename = f"<cell {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def _answers(bug):
    """The notebook's solved answers, one of them replaced by a realistic bug or left blank."""
    with open(os.path.join(COURSE, "source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), encoding="utf-8") as fh:
        solved = answer_sources(json.load(fh))
    namespace = {"__name__": "__notebook__"}
    _exec("import numpy as np\n", "imports", namespace)  # the notebook's given imports cell
    for grade_id, source in solved.items():
        _exec(source, grade_id, namespace)
    if bug == "blank":
        _exec("def accuracy(y_true, y_pred):\n    raise NotImplementedError()\n", "accuracy", namespace)
    elif bug:
        _exec(BUGS[ASSIGNMENT][1], bug, namespace)
    return namespace


CLASS = {
    # student: (what is wrong, written answers' manual scores: None = not graded yet)
    "alice": (None, {"q1_comparison": 3.0, "q2_shirt": 2.0}),
    "dave": ("confusion_matrix", {"q1_comparison": 1.5, "q2_shirt": None}),
    "frank": ("confusion_matrix", {"q1_comparison": None, "q2_shirt": None}),
    HOSTILE: ("blank", {"q1_comparison": 0.0, "q2_shirt": None}),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from nbgrader.api import Gradebook

    course = str(tmp_path_factory.mktemp("report") / "course")
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db", "__pycache__", "exchange"))
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], cwd=course)
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        for student, (bug, written) in CLASS.items():
            gb.update_or_create_student(student)
            with gb.db.no_autoflush:  # nbgrader's add_submission under SQLAlchemy 2 (see gradebook.record)
                gb.add_submission(ASSIGNMENT, student)
            results = grade_namespace(ASSIGNMENT, _answers(bug), student=student, points=1.0)
            points = {"accuracy": 1.0, "confusion_matrix": 2.0, "precision_recall_f1": 2.0}
            scores = {p: results[p][0] * points[p] for p in points}
            for piece, score in scores.items():
                gb.find_grade(f"test_{piece}", ASSIGNMENT, ASSIGNMENT, student).auto_score = score
            for grade_id, manual in written.items():
                grade = gb.find_grade(grade_id, ASSIGNMENT, ASSIGNMENT, student)
                grade.auto_score = None
                grade.manual_score = manual
            gb.db.commit()
            folder = os.path.join(course, "autograded", student, ASSIGNMENT)
            os.makedirs(folder)
            notes = ["the notebook was renamed <b>bold</b>"] if student == HOSTILE else []
            with open(os.path.join(folder, "grading.json"), "w", encoding="utf-8") as fh:
                json.dump({"student": student, "scores": scores, "points": points,
                           "messages": {p: results[p][1] for p in points}, "notes": notes,
                           "disagreements": ["accuracy"] if student == HOSTILE else []}, fh)
    return course


def test_failures_are_read_from_the_checks_messages():
    message = ("✗ confusion_matrix: 2 of 2 visible checks failed\n\n"
               "confusion_matrix: rows true class, columns predicted\n    call:     confusion_matrix(...)\n"
               "    problem:  6 of 9 entries differ\n    hint:     your matrix is transposed\n\n"
               "confusion_matrix: a class that never occurs keeps its row and column\n    problem:  ...\n\n"
               "advice (no points): confusion_matrix: ValueError for a label outside 0..n_classes-1\n"
               "    problem:  expected ValueError to be raised")
    assert report.parse_failures(message) == [
        ("rows true class, columns predicted", "your matrix is transposed"),
        ("a class that never occurs keeps its row and column", ""),
    ]
    assert report.parse_failures("✗ accuracy is not implemented yet: it still raises NotImplementedError") == [
        (report.NOT_IMPLEMENTED, "")]


def test_the_report_counts_scores_checks_and_written_answers(graded, tmp_path):
    html_path, csv_path = report.write_report(graded, ASSIGNMENT, str(tmp_path))
    data = report.collect(graded, ASSIGNMENT)
    assert [i.key for i in data.items] == ["accuracy", "confusion_matrix", "precision_recall_f1",
                                           "q1_comparison", "q2_shirt"]
    assert [i.kind for i in data.items] == ["autograded"] * 3 + ["written"] * 2
    summary = {item.key: rest for item, *rest in report.item_summary(data)}
    # (mean, full, partial, zero, not graded yet)
    assert summary["confusion_matrix"][1:] == [2, 0, 2, 0]
    assert summary["q2_shirt"][1:] == [0, 1, 0, 3]
    failures = report.top_failures(data)
    assert {f[:3] for f in failures[:2]} == {
        ("confusion_matrix", "rows true class, columns predicted", 2),
        ("confusion_matrix", "a class that never occurs keeps its row and column", 2)}
    hints = {f[1]: f[3] for f in failures}
    assert "transposed" in " ".join(hints["rows true class, columns predicted"])
    assert report.not_implemented(data) == {"accuracy": 1}

    with open(csv_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(CLASS) * 5
    dave = {r["item"]: r for r in rows if r["student"] == "dave"}
    assert dave["confusion_matrix"]["status"] == "zero" and "transposed" in dave["confusion_matrix"]["hints"]
    assert dave["q1_comparison"]["score"] == "1.5" and dave["q1_comparison"]["status"] == "partial"
    assert dave["q2_shirt"]["score"] == "" and dave["q2_shirt"]["status"] == "not graded yet"

    page = open(html_path, encoding="utf-8").read()
    assert page.count('src="data:image/png;base64,') == 3
    assert "rows true class, columns predicted" in page and "your matrix is transposed" in page
    assert "not graded yet" in page and "q2_shirt" in page
    # everything the student controls is escaped
    assert "<script>" not in page and "<b>bold</b>" not in page
    assert "eve&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "the notebook was renamed &lt;b&gt;bold&lt;/b&gt;" in page


def test_the_command_line_writes_both_files_and_explains_a_missing_gradebook(graded, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    out = subprocess.run([sys.executable, "-m", "autograder.cli.report", ASSIGNMENT, "--course", graded,
                          "--out", str(tmp_path / "r")], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert sorted(os.listdir(tmp_path / "r")) == [f"{ASSIGNMENT}_report.html", f"{ASSIGNMENT}_scores.csv"]
    empty = tmp_path / "empty"
    empty.mkdir()
    out = subprocess.run([sys.executable, "-m", "autograder.cli.report", ASSIGNMENT, "--course", str(empty)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 2 and "no gradebook" in out.stderr and "Traceback" not in out.stderr


def test_the_report_reads_the_verdict_cells_when_there_is_no_grading_json(tmp_path):
    folder = tmp_path / "autograded" / "zed" / ASSIGNMENT
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_markdown_cell(
        "**Trusted grader, `accuracy`: 0 of 1 points**\n\n```\n✗ accuracy: 1 of 3 visible checks failed\n\n"
        "accuracy: share of equal entries\n    problem:  expected 0.75, got 0.5\n    hint:     count equal entries\n```")
    cell.metadata["fmnist_grader"] = True
    nb.cells = [cell]
    nbformat.write(nb, str(folder / f"{ASSIGNMENT}.ipynb"))
    verdict = report.read_verdicts(str(tmp_path), ASSIGNMENT, "zed")
    assert verdict["scores"] == {"accuracy": 0.0}
    assert report.parse_failures(verdict["messages"]["accuracy"]) == [("share of equal entries", "count equal entries")]


def _test_cell(piece, outputs):
    cell = nbformat.v4.new_code_cell(
        f'from fmnist_checks import check\ncheck("{piece}", {piece})\n### BEGIN HIDDEN TESTS\n'
        f'from autograder.hidden import grade\ngrade("{piece}", {piece}, points=2)\n### END HIDDEN TESTS\n')
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": f"test_{piece}", "points": 2}
    cell.outputs = outputs
    return cell


def test_feedback_shows_each_verdict_once_under_its_titled_test_cell():
    kernel_error = nbformat.v4.new_output("error", ename="CheckFailed", evalue="✗ confusion_matrix: failed",
                                          traceback=["Traceback", "runner.py", "raise CheckFailed"])
    verdict = nbformat.v4.new_markdown_cell(
        "**Trusted grader, `confusion_matrix`: 0 of 2 points**\n\n```\n✗ confusion_matrix: 1 of 2 checks failed\n```")
    verdict.metadata["fmnist_grader"] = True
    plain = _test_cell("accuracy", [kernel_error.copy()])
    cells = feedback.one_verdict_per_piece([_test_cell("confusion_matrix", [kernel_error]), verdict, plain])
    assert len(cells) == 2  # the verdict cell went into the test cell
    first, second = cells
    assert first.metadata["fmnist_piece"] == "confusion_matrix"
    assert "BEGIN HIDDEN" not in first.source and "autograder.hidden" not in first.source
    assert [o["output_type"] for o in first.outputs] == ["stream"]
    # the verdict alone: its points are in the cell's title
    assert first.outputs[0]["text"].startswith("✗ confusion_matrix: 1 of 2 checks failed")
    # no trusted verdict (plain nbgrader autograde): the kernel's error, without its traceback
    assert second.outputs[0]["traceback"] == ["CheckFailed: ✗ confusion_matrix: failed"]


def test_the_feedback_template_titles_test_cells_by_piece(tmp_path):
    """Render a feedback notebook with the course's template, as GenerateFeedback configures it."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.HTMLExporter.template_name = feedback.TEMPLATE_NAME
    c.HTMLExporter.extra_template_basedirs = [feedback.nbgrader_template_dir(), feedback.TEMPLATE_DIR]
    c.HTMLExporter.extra_template_paths = feedback.template_paths()
    cell = _test_cell("accuracy", [])
    cell.metadata["nbgrader"].update(score=1.5, points=2)
    nb = nbformat.v4.new_notebook()
    nb.cells = feedback.one_verdict_per_piece([cell])
    resources = {"nbgrader": {"notebook": ASSIGNMENT, "score": 1.5, "max_score": 2, "late_penalty": 0}}
    page, _ = HTMLExporter(config=c).from_notebook_node(nb, resources=resources)
    assert "<code>accuracy</code>: checks</a>: 1.5 of 2.0 points" in page  # table of contents
    assert "Test cell" not in page
    assert page.count(f"{ASSIGNMENT} (Score: 1.5 / 2.0)") == 1  # one header, not nbgrader's twice


@pytest.mark.skipif(not shutil.which("chromium"), reason="chromium is not installed (apt-get install chromium)")
def test_the_report_renders_in_a_browser(graded, tmp_path):
    html_path, _ = report.write_report(graded, ASSIGNMENT, str(tmp_path))
    shot = tmp_path / "report.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,2000",
                    f"file://{html_path}"], capture_output=True, timeout=180)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a page with figures, not a blank one


def test_fmnist_grade_report_is_the_same_command(graded, tmp_path, capsys):
    """``fmnist-grade report ASSIGNMENT`` runs the report; its errors are the report's."""
    from autograder.cli import grade_class

    assert grade_class.main(["report", ASSIGNMENT, "--course", graded, "--out", str(tmp_path / "r")]) == 0
    assert sorted(os.listdir(tmp_path / "r")) == [f"{ASSIGNMENT}_report.html", f"{ASSIGNMENT}_scores.csv"]
    assert grade_class.main(["report", ASSIGNMENT, "--course", str(tmp_path)]) == 2
    assert "no gradebook" in capsys.readouterr().err
