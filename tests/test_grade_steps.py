"""fmnist-grade's grading steps: clear errors, nbgrader's own auto_score, the student's own notebook.

The errors are checked on a generated course without the sandbox; the grading
tests grade a5 for real in the sandbox (two submissions, one of which hangs in
precision_recall_f1), regrade after a TA's manual score, and read the
autograded notebooks and the gradebook.
"""

import json
import os

import pytest

from autograder.cli import grade_class as command
from autograder.batch.gradebook import CourseError, check_course
from autograder.batch.nbexec import DATA_FILES, data_folder
from autograder.batch.nbgrader_cli import run_nbgrader
from autograder.batch.pipeline import Options, grade_class
from autograder.cli.samples import answer_sources, fill
from autograder.sandbox.bwrap import SandboxUnavailable, check_available
from grading_helpers import ASSIGNMENT, HANG, WRITTEN, _course, _digest, _notebooks, _submit, _with_written

pytestmark = pytest.mark.grading



# -- clear errors: one line, exit status 2, nothing written ---------------------------------------

@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    course = _course(str(tmp_path_factory.mktemp("errors")))
    source, release = _notebooks(course)
    _submit(course, "ann", fill(release, answer_sources(source)))
    return course


def _fails_cleanly(capsys, argv, folder, words):
    before = _digest(folder)
    assert command.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for word in words:
        assert word in err, err
    assert _digest(folder) == before, "something was written"


def test_an_unknown_student_is_an_error(generated, capsys):
    _fails_cleanly(capsys, [ASSIGNMENT, "--course", generated, "--student", "zed", "--no-sandbox"],
                   generated, ["zed", "no submission"])
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook("sqlite:///" + os.path.join(generated, "gradebook.db")) as gb:
        with pytest.raises(MissingEntry):
            gb.find_student("zed")


def test_a_folder_that_is_no_course_is_an_error(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a course")
    _fails_cleanly(capsys, [ASSIGNMENT, "--course", str(tmp_path), "--no-sandbox"], str(tmp_path),
                   ["no nbgrader course"])
    with pytest.raises(CourseError):
        check_course(str(tmp_path / "missing"))


def test_an_assignment_never_generated_is_an_error(generated, tmp_path, capsys):
    _fails_cleanly(capsys, ["a1_data_pca", "--course", generated, "--no-sandbox"], generated,
                   ["a1_data_pca", "never generated", "generate_assignment"])
    bare = _course(str(tmp_path), generate=False)  # no gradebook at all: none is created
    _fails_cleanly(capsys, [ASSIGNMENT, "--course", bare, "--no-sandbox"], bare, ["never generated"])
    assert not os.path.exists(os.path.join(bare, "gradebook.db"))


def test_a_steps_gradebook_has_nbgraders_schema_without_running_alembic(generated, tmp_path, monkeypatch):
    """The step's gradebook is stamped with the class gradebook's version, as nbgrader stamps a new one."""
    import sqlite3

    from autograder.batch.gradebook import default_db_url, export_assignment, import_assignment

    plain = export_assignment(default_db_url(generated), ASSIGNMENT)
    assert plain["alembic_version"]
    monkeypatch.setenv("PATH", str(tmp_path))  # no alembic to run: nbgrader would fail to stamp
    import_assignment(f"sqlite:///{tmp_path}/step.db", plain)

    def schema(path):
        with sqlite3.connect(path) as db:
            tables = sorted(db.execute("SELECT name, sql FROM sqlite_master").fetchall())
            return tables, db.execute("SELECT version_num FROM alembic_version").fetchall()

    assert schema(tmp_path / "step.db") == schema(os.path.join(generated, "gradebook.db"))


def test_table_says_which_points_await_a_grader_and_keeps_notes_whole():
    from autograder.batch.outcome import StudentResult

    long_note = "word " * 60 + "end-of-the-note"
    r = StudentResult("ann", scores={"accuracy": 1.0}, points={"accuracy": 1.0}, notes=[long_note],
                      manual={"q1_comparison": (None, 3.0), "q2_shirt": (2.0, 3.0)}, gradebook_total=3.0)
    table = command.format_table(ASSIGNMENT, [r])
    assert "3 of 6 to grade (2 given)" in table and "auto_score" in table and "manual_score" in table
    assert "end-of-the-note" in table  # nothing cut
    assert all(not line.endswith("wor") for line in table.splitlines())


def test_the_data_folder_is_the_one_students_code_resolves(monkeypatch, tmp_path):
    monkeypatch.delenv("FMNIST_EDU_DATA", raising=False)
    cache = tmp_path / "fmnist-edu"
    cache.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr("fmnist_checks.data.DEBIAN_DIR", tmp_path / "nowhere")
    folder, why = data_folder()
    assert folder is None and "none of" in why
    for name in DATA_FILES:
        (cache / name).write_bytes(b"")
    assert data_folder() == (str(cache), "the per-user cache")
    monkeypatch.setenv("FMNIST_EDU_DATA", str(tmp_path))
    assert data_folder() == (str(tmp_path), "FMNIST_EDU_DATA")


# -- grading for real, in the sandbox ---------------------------------------------------------

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    try:
        check_available()
    except SandboxUnavailable as exc:
        pytest.skip(str(exc))
    course = _course(str(tmp_path_factory.mktemp("steps")))
    _late_policy_setup(course)
    source, release = _notebooks(course)
    solved = answer_sources(source)
    _submit(course, "hana", _with_written(fill(release, dict(solved, precision_recall_f1=HANG))))
    _submit(course, "sol", _with_written(fill(release, solved)))
    options = Options(jobs=2, cell_timeout=10, notebook_timeout=240)
    first = {r.student: r for r in grade_class(course, ASSIGNMENT, options=options, progress=False)}
    # a TA grades sol's first written answer, then the class is graded again
    from nbgrader.api import Gradebook

    db = "sqlite:///" + os.path.join(course, "gradebook.db")
    with Gradebook(db) as gb:
        gb.find_grade("q1_comparison", ASSIGNMENT, ASSIGNMENT, "sol").manual_score = 2.5
        gb.db.commit()
    second = {r.student: r for r in grade_class(course, ASSIGNMENT, ["sol"], options=options, progress=False)}
    # formgrader's Autograde button: nbgrader's API, in this process, with the course's config
    _submit(course, "btn", _with_written(fill(release, dict(solved, accuracy="def accuracy(a, b):\n    return 0.5\n"))))
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=course).load_config()
    config.CourseDirectory.root = course
    config.SandboxedExecute.timeout = 10
    config.TrustedVerdict.step_timeout = 10.0
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    button = api.autograde(ASSIGNMENT, "btn")
    return course, db, first, second, button


def _late_policy_setup(course):
    """A due date every submission (timestamp.txt 2026-11-20 17:00 UTC) is 1 day 2 h past; sol's extension."""
    import datetime

    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=datetime.datetime(2026, 11, 19, 15, 0))
    with open(os.path.join(course, "extensions.csv"), "w", encoding="utf-8") as fh:
        fh.write(f"student_id,assignment,due\nsol,{ASSIGNMENT},2026-11-21T00:00:00Z\n")


def test_the_late_policy_reaches_the_steps_and_the_class_gradebook(graded):
    """fmnist-grade's steps and formgrader's button apply the course's late policy: 20% for 1 day 2 h late."""
    course, db, first, _, _ = graded
    from nbgrader.api import Gradebook

    with Gradebook(db) as gb:
        hana = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "hana")
        assert hana.late_submission_penalty == pytest.approx(0.2 * hana.score) and hana.score > 0
        assert not gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "sol").late_submission_penalty  # extension
        btn = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "btn")
        assert btn.late_submission_penalty == pytest.approx(0.2 * btn.score)


def _autograded(course, student):
    with open(os.path.join(course, "autograded", student, ASSIGNMENT, f"{ASSIGNMENT}.ipynb"),
              encoding="utf-8") as fh:
        return json.load(fh)


def test_scores_are_nbgrader_auto_scores(graded):
    course, db, first, _, _ = graded
    from nbgrader.api import Gradebook

    assert first["hana"].scores == {"accuracy": 1.0, "confusion_matrix": 2.0, "precision_recall_f1": 0.0}
    with Gradebook(db) as gb:
        for student, r in first.items():
            for piece, score in r.scores.items():
                grade = gb.find_grade(f"test_{piece.lower()}", ASSIGNMENT, ASSIGNMENT, student)
                assert grade.auto_score == pytest.approx(score), (student, piece)
                assert grade.manual_score is None and not grade.needs_manual_grade
            written = gb.find_grade("q1_comparison", ASSIGNMENT, ASSIGNMENT, student)
            assert written.auto_score is None and written.needs_manual_grade


def test_a_manual_score_survives_a_regrade_and_counts(graded):
    course, db, first, second, _ = graded
    from nbgrader.api import Gradebook

    with Gradebook(db) as gb:
        grade = gb.find_grade("q1_comparison", ASSIGNMENT, ASSIGNMENT, "sol")
        assert grade.manual_score == 2.5 and grade.needs_manual_grade
        assert gb.find_submission(ASSIGNMENT, "sol").score == pytest.approx(5 + 2.5)
    assert second["sol"].gradebook_total == pytest.approx(7.5)
    assert second["sol"].awaiting == 3.0


def test_the_autograded_notebook_is_the_students_own(graded):
    course, _, first, _, _ = graded
    nb = _autograded(course, "hana")
    text = "\n".join("".join(c["source"]) for c in nb["cells"])
    for answer in WRITTEN.values():
        assert answer in text
    assert "while True" in text and "YOUR ANSWER HERE" not in text
    kinds = [c["metadata"].get("fmnist_grader") for c in nb["cells"]]
    assert "stopped" in kinds, "the hanging cell is not marked"
    stopped = kinds.index("stopped")
    assert "precision_recall_f1(" in "".join(nb["cells"][stopped - 1]["source"])
    # the cells after it still ran: the accuracy check shows the verdict, the figure is there
    images = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert images, "no figure in the autograded notebook"
    assert any("stopped" in n for n in first["hana"].notes)


def test_feedback_shows_the_students_work_and_the_verdict(graded):
    course, _, _, _, _ = graded
    run_nbgrader(["generate_feedback", ASSIGNMENT, "--force"], cwd=course)
    with open(os.path.join(course, "feedback", "hana", ASSIGNMENT, f"{ASSIGNMENT}.html"), encoding="utf-8") as fh:
        html = fh.read()
    assert WRITTEN["q1_comparison"].split(";")[0] in html
    assert "BEGIN HIDDEN TESTS" not in html
    # each piece's verdict once, under its titled cell: no head line, no CheckFailed line repeating it
    assert html.count("✓ accuracy: all") == 1 and html.count("✗ precision_recall_f1") == 1
    assert "CheckFailed" not in html and "Trusted grader" not in html


def test_formgraders_autograde_button_runs_the_same_grading(graded):
    course, db, _, _, button = graded
    from nbgrader.api import Gradebook

    assert button["success"], button.get("error") or button.get("log")
    with Gradebook(db) as gb:
        assert gb.find_grade("test_accuracy", ASSIGNMENT, ASSIGNMENT, "btn").auto_score == 0
        assert gb.find_grade("test_confusion_matrix", ASSIGNMENT, ASSIGNMENT, "btn").auto_score == 2
    nb = _autograded(course, "btn")
    assert nb["cells"][0]["metadata"].get("fmnist_grader") == "notes"
    assert any(o.get("ename") == "CheckFailed" for c in nb["cells"] for o in c.get("outputs", []))
    # the checks ran in the notebook's kernel, with the seed the verdict was judged with
    assert not any("fresh worker" in n for n in nb["metadata"]["fmnist_grader"]["notes"])


def test_the_checks_ran_in_the_notebooks_kernel(graded):
    _, _, first, second, _ = graded
    for r in list(first.values()) + list(second.values()):
        assert not any("fresh worker" in n for n in r.notes), (r.student, r.notes)


@pytest.mark.parametrize("score", [0.0, 0.5, 1.25, 2.0])
def test_nbgrader_reads_the_verdict_as_the_score(score):
    import nbformat
    from nbgrader.utils import determine_grade

    from autograder.batch.annotate import verdict_outputs

    cell = nbformat.v4.new_code_cell("check('x', x)")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_x", "points": 2}
    cell.outputs = verdict_outputs("x", score, 2.0, "why " * 3000)
    assert determine_grade(cell) == (score, 2.0)
    first = cell.outputs[0]
    text = first["text"] if first["output_type"] == "stream" else "\n".join(first["traceback"])
    assert not text.rstrip("\n…").endswith("wh")
    # the verdict once: an error (0 points) carries it whole, never a second "CheckFailed" line
    assert sum("why why" in (o.get("text") or "\n".join(o.get("traceback", []))) for o in cell.outputs) == 1
