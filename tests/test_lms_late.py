"""The late policy at its edges, extensions, and the submission time a student cannot choose.

The penalty runs through nbgrader's own ``AssignLatePenalties`` preprocessor
with the course's plugin (:class:`autograder.lms.late_policy.LatePolicy`) on a
real gradebook, as ``nbgrader autograde`` runs it, and lands in
``late_submission_penalty``. ``pytest -s`` prints the policy's table.
"""

import datetime
import os
import pwd
import shutil
import subprocess
import sys
import time

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.preprocessors import AssignLatePenalties
from traitlets.config import Config

from autograder.lms.errors import LmsError
from autograder.lms.extensions import read_extensions
from autograder.lms.late_policy import penalty_percent, policy_table
from autograder.lms.submission_time import VouchedTime, collection_time, nbgrader_stamp, resolve, resolve_for_step
from lms_helpers import ASSIGNMENT, DUE, grade, new_gradebook

pytestmark = pytest.mark.course
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIN, HOUR, DAY = 60, 3600, 86400
UTC = datetime.timezone.utc
ME = pwd.getpwuid(os.getuid()).pw_name  # the exchange's student is the OS user who handed the copy in


def test_penalty_percent_edges():
    assert penalty_percent(-5) == 0 and penalty_percent(0) == 0
    assert penalty_percent(5 * MIN) == 0  # the last second of the grace period
    assert penalty_percent(5 * MIN + 1) == 10  # the first second after it: a started day
    assert penalty_percent(DAY) == 10  # exactly one day late (less grace: within the first day)
    assert penalty_percent(DAY + 5 * MIN) == 10
    assert penalty_percent(DAY + 5 * MIN + 1) == 20
    assert penalty_percent(9 * DAY + 5 * MIN) == 90
    assert penalty_percent(9 * DAY + 5 * MIN + 1) == 100
    assert penalty_percent(40 * DAY) == 100  # the cap
    assert penalty_percent(40 * DAY, max_percent=30) == 30
    assert penalty_percent(2 * HOUR, percent_per_day=25, grace_minutes=0) == 25


# (label, submitted after DUE, the student's extension after DUE or None, expected percent)
CASES = [
    ("on time", 0, None, 0),
    ("inside grace (4 min 59 s)", 4 * MIN + 59, None, 0),
    ("grace ends (5 min 1 s)", 5 * MIN + 1, None, 10),
    ("exactly one day late", DAY, None, 10),
    ("1 day 5 min 1 s late", DAY + 5 * MIN + 1, None, 20),
    ("3 days late", 3 * DAY, None, 30),
    ("3 days late, extension +2 days", 3 * DAY, 2 * DAY, 10),
    ("3 days late, extension +3 days", 3 * DAY, 3 * DAY, 0),
    ("12 days late: the cap", 12 * DAY, None, 100),
]


@pytest.fixture(scope="module")
def late_class(tmp_path_factory):
    folder = tmp_path_factory.mktemp("late")
    url = new_gradebook(folder, written=False)
    ext = folder / "extensions.csv"
    rows = ["student_id,assignment,due"]
    for i, (label, after, extension, _) in enumerate(CASES):
        student = f"s{i}"
        grade(url, student, 20.0, when=DUE + datetime.timedelta(seconds=after))
        if extension is not None:
            due = (DUE + datetime.timedelta(seconds=extension)).replace(tzinfo=UTC).astimezone(
                datetime.timezone(datetime.timedelta(hours=1)))
            rows.append(f"{student},{ASSIGNMENT},{due.isoformat()}")  # any zone; here +01:00
    ext.write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = Config()
    config.AssignLatePenalties.plugin_class = "autograder.lms.late_policy.LatePolicy"
    config.LatePolicy.extensions_file = str(ext)
    nb = nbformat.v4.new_notebook()
    for i in range(len(CASES)):
        resources = {"nbgrader": {"notebook": ASSIGNMENT, "assignment": ASSIGNMENT, "student": f"s{i}",
                                  "db_url": url}}
        AssignLatePenalties(config=config).preprocess(nb, resources)
    with Gradebook(url) as gb:
        return {f"s{i}": gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, f"s{i}").late_submission_penalty
                for i in range(len(CASES))}


def test_nbgrader_stores_the_policys_penalty(late_class):
    lines = []
    for i, (label, after, extension, percent) in enumerate(CASES):
        penalty = late_class[f"s{i}"] or 0.0
        assert penalty == pytest.approx(20.0 * percent / 100), label
        lines.append((label, DUE + datetime.timedelta(seconds=after),
                      DUE + datetime.timedelta(seconds=extension) if extension is not None else None))
    print("\nlate policy: 10% per started day after 5 min of grace, at most 100%; score 20 points")
    print(policy_table(DUE, lines))
    print("penalties stored by nbgrader (points of 20): "
          + ", ".join(f"{label}: {late_class[f's{i}'] or 0:g}" for i, (label, *_rest) in enumerate(CASES)))


@pytest.mark.parametrize("text, message", [
    ("student,assignment,due\nann,a5_evaluation,2026-11-22T17:00Z\n", "row 1: the header"),
    ("student_id,assignment,due\nann,a5_evaluation,2026-11-22T17:00\n", "row 2: .*no time zone"),
    ("student_id,assignment,due\nann,a5_evaluation,next friday\n", "row 2: due 'next friday'"),
    ("student_id,assignment,due\n\nann,a5_evaluation\n", "row 3: expected"),
    ("student_id,assignment,due\nann,a5_evaluation,2026-11-22T17:00Z\nann,a5_evaluation,2026-11-23T17:00Z\n",
     "row 3: a second extension for ann"),
])
def test_malformed_extensions_name_the_row(tmp_path, text, message):
    path = tmp_path / "extensions.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LmsError, match=message):
        read_extensions(str(path))


def test_extensions_read_any_zone(tmp_path):
    path = tmp_path / "extensions.csv"
    path.write_text("student_id,assignment,due\nann,a5_evaluation,2026-11-22T18:00:00+01:00\n", encoding="utf-8")
    assert read_extensions(str(path)) == {("ann", ASSIGNMENT): datetime.datetime(2026, 11, 22, 17, tzinfo=UTC)}
    assert read_extensions(str(tmp_path / "none.csv")) == {}


def test_a_malformed_extensions_file_stops_fmnist_grade_and_nbgrader(tmp_path, capsys):
    from autograder.cli.grade_class import main

    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(os.path.join(ROOT, "course", "nbgrader_config.py"), course)
    (course / "extensions.csv").write_text("student_id,assignment,due\nann,a5_evaluation,soon\n")
    assert main([ASSIGNMENT, "--course", str(course), "--no-sandbox"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "extensions.csv row 2" in err
    nbgrader = os.path.join(os.path.dirname(sys.executable), "nbgrader")
    proc = subprocess.run([nbgrader, "autograde", ASSIGNMENT], cwd=course, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep
                                                + os.environ.get("PATH", "")))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "extensions.csv row 2" in proc.stderr and not (course / "gradebook.db").exists()
    assert not (course / "autograded").exists()


# -- the submission time ------------------------------------------------------------------------

def _exchange_submission(tmp_path, student=ME, claim=None, content=b'{"cells": []}'):
    """A submission through the exchange: its inbound copy (made now) and the collected folder."""
    exchange = tmp_path / "exchange"
    inbound = exchange / "fmnist-edu" / "inbound" / f"{student}+{ASSIGNMENT}+2026-11-20 16:00:00 UTC+abc"
    submitted = tmp_path / "course" / "submitted" / student / ASSIGNMENT
    for folder in (inbound, submitted):
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_bytes(content)
        (folder / "timestamp.txt").write_text(claim if claim is not None else nbgrader_stamp(
            datetime.datetime.now(UTC)))
    (submitted / "submission_secret.txt").write_text("x")
    return str(exchange), str(submitted)


def _zip_collected(course, student, content=b'{"cells": [0]}'):
    """A submitted folder as nbgrader's zip_collect leaves it: its notebook is also in downloaded/.../extracted/."""
    extracted = course / "downloaded" / ASSIGNMENT / "extracted"
    folder = course / "submitted" / student / ASSIGNMENT
    for where in (extracted, folder):
        where.mkdir(parents=True, exist_ok=True)
    shutil.copy(os.path.join(ROOT, "course", "nbgrader_config.py"), course)
    (extracted / f"{student}_attempt_2026-11-20-17-00-00_{ASSIGNMENT}.ipynb").write_bytes(content)
    (folder / f"{ASSIGNMENT}.ipynb").write_bytes(content)
    return folder


def test_an_honest_timestamp_is_kept(tmp_path):
    exchange, submitted = _exchange_submission(tmp_path)
    when, notes = resolve(submitted, ME, ASSIGNMENT, exchange, "fmnist-edu")
    assert notes == [] and abs((datetime.datetime.now(UTC) - when).total_seconds()) < 60


def test_a_claim_earlier_than_the_exchange_saw_is_replaced_and_noted(tmp_path):
    before = datetime.datetime.now(UTC)
    exchange, submitted = _exchange_submission(tmp_path, claim="2026-01-01 00:00:00.000000 UTC")
    when, notes = resolve(submitted, ME, ASSIGNMENT, exchange, "fmnist-edu")
    assert when >= before - datetime.timedelta(seconds=2)
    assert len(notes) == 1 and "timestamp.txt says 2026-01-01" in notes[0] and "graded as submitted then" in notes[0]
    replace, step_notes, hold = resolve_for_step(str(tmp_path / "course"), ASSIGNMENT, ME, (exchange, "fmnist-edu"))
    assert step_notes == notes and hold == "" and replace["timestamp.txt"].decode() == nbgrader_stamp(when)


def test_a_change_after_submitting_moves_the_time(tmp_path):
    """Setting a file's times back (os.utime) changes its ctime: the exchange sees the change."""
    exchange, submitted = _exchange_submission(tmp_path, claim="2026-01-01 00:00:00.000000 UTC")
    inbound = os.path.join(exchange, "fmnist-edu", "inbound", f"{ME}+{ASSIGNMENT}+2026-11-20 16:00:00 UTC+abc")
    first, _ = resolve(submitted, ME, ASSIGNMENT, exchange, "fmnist-edu")
    time.sleep(0.05)
    os.utime(os.path.join(inbound, f"{ASSIGNMENT}.ipynb"), (0, 0))
    second, _ = resolve(submitted, ME, ASSIGNMENT, exchange, "fmnist-edu")
    assert second > first


def test_an_unreadable_timestamp_is_a_note_never_a_crash(tmp_path):
    exchange, submitted = _exchange_submission(tmp_path, claim="\x1b[31mnot a time")
    when, notes = resolve(submitted, ME, ASSIGNMENT, exchange, "fmnist-edu")
    assert when is not None and "is no time" in notes[0] and "the exchange last saw" in notes[1]
    zipped = _zip_collected(tmp_path / "zip", "bob")
    (zipped / "timestamp.txt").write_text("yesterday-ish")
    when, notes = resolve(str(zipped), "bob", ASSIGNMENT, exchange, "fmnist-edu")
    assert when is None and "no late penalty" in notes[-1]
    # fmnist-grade leaves bob's own timestamp.txt to the class's store, which refuses the row (it needs a look)
    replace, step_notes, hold = resolve_for_step(str(tmp_path / "zip"), ASSIGNMENT, "bob", (exchange, "fmnist-edu"))
    assert replace == {} and hold == "" and "is no time" in step_notes[0]


def test_zip_collected_time_is_the_lms_time(tmp_path):
    folder = _zip_collected(tmp_path, "bob")
    (folder / "timestamp.txt").write_text("2026-11-20 17:00:00")  # written by zip_collect from the LMS's name
    when, notes = resolve(str(folder), "bob", ASSIGNMENT, str(tmp_path / "exchange"), "fmnist-edu")
    assert when == datetime.datetime(2026, 11, 20, 17, tzinfo=UTC) and notes == []


def test_an_inbound_copy_with_other_notebooks_or_a_link_vouches_for_nothing(tmp_path):
    """No copy holds the collected notebooks: the collection time, never the claim, and the row needs a look."""
    exchange, submitted = _exchange_submission(tmp_path, claim="2026-01-01 00:00:00 UTC")
    with open(os.path.join(submitted, f"{ASSIGNMENT}.ipynb"), "wb") as fh:
        fh.write(b'{"cells": [1]}')
    when, notes = resolve(submitted, ME, ASSIGNMENT, exchange, "fmnist-edu")
    assert when == collection_time(submitted) and "no copy" in notes[0] and "when they were collected" in notes[0]
    assert "none of the 1 inbound copies" in notes[-1]
    inbound = os.path.join(exchange, "fmnist-edu", "inbound", f"{ME}+{ASSIGNMENT}+2026-11-20 16:00:00 UTC+abc")
    os.remove(os.path.join(inbound, f"{ASSIGNMENT}.ipynb"))
    os.symlink(os.path.join(submitted, f"{ASSIGNMENT}.ipynb"), os.path.join(inbound, f"{ASSIGNMENT}.ipynb"))
    assert "no copy" in resolve(submitted, ME, ASSIGNMENT, exchange, "fmnist-edu")[1][0]


def test_vouched_time_reaches_the_gradebook_and_the_penalty(tmp_path):
    """autograde's VouchedTime, then AssignLatePenalties: a backdated claim still costs the penalty."""
    exchange, submitted = _exchange_submission(tmp_path, student="ann", claim="2026-01-01 00:00:00.000000 UTC")
    course = str(tmp_path / "course")
    due = datetime.datetime.now(UTC).replace(tzinfo=None) - datetime.timedelta(days=1, hours=1)
    url = new_gradebook(tmp_path, due=due, written=False)
    grade(url, "ann", 20.0, when=datetime.datetime(2026, 1, 1))  # what nbgrader read from timestamp.txt
    config = Config()
    config.CourseDirectory.root = course
    config.CourseDirectory.course_id = "fmnist-edu"
    config.Exchange.root = exchange
    config.AssignLatePenalties.plugin_class = "autograder.lms.late_policy.LatePolicy"
    resources = {"nbgrader": {"notebook": ASSIGNMENT, "assignment": ASSIGNMENT, "student": "ann", "db_url": url}}
    nb = nbformat.v4.new_notebook()
    AssignLatePenalties(config=config).preprocess(nb, resources)
    with Gradebook(url) as gb:
        assert gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "ann").late_submission_penalty is None
    VouchedTime(config=config).preprocess(nb, resources)
    AssignLatePenalties(config=config).preprocess(nb, resources)
    with Gradebook(url) as gb:
        assert gb.find_submission(ASSIGNMENT, "ann").timestamp > due
        assert gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "ann").late_submission_penalty == 4.0  # 20%


def test_a_steps_fallback_gets_the_same_penalty(tmp_path):
    """A notebook nbgrader cannot read is graded without its preprocessors: the policy still applies."""
    from autograder.lms.late_policy import fallback_penalties

    shutil.copy(os.path.join(ROOT, "course", "nbgrader_config.py"), tmp_path)
    (tmp_path / "extensions.csv").write_text(f"student_id,assignment,due\next,{ASSIGNMENT},2026-11-25T00:00Z\n")

    def penalty(student, stamp):
        notebooks = {ASSIGNMENT: {"late_submission_penalty": None,
                                  "grades": {"test_accuracy": {"auto_score": 15.0}, "q1": {"auto_score": None}}}}
        fallback_penalties(str(tmp_path), ASSIGNMENT, student, stamp, DUE.isoformat(), notebooks)
        return notebooks[ASSIGNMENT]["late_submission_penalty"]

    assert penalty("ann", "2026-11-20 17:04:00.000000 UTC") == 0.0  # inside grace
    assert penalty("ann", "2026-11-21 17:04:00.000000 UTC") == pytest.approx(1.5)  # one started day: 10%
    assert penalty("ann", "2026-12-24 17:00:00.000000 UTC") == pytest.approx(15.0)  # the cap
    assert penalty("ext", "2026-11-21 17:04:00.000000 UTC") == 0.0  # the extension
    assert penalty("ann", None) is None
