"""The submission time fails closed, and a copy handed in under someone else's name is caught.

Each attack of the review is played here as it would be on the exchange: the
student is the OS user running the tests (a student id is an OS user name);
"bob", another user, is played by ``os.chown`` to a second uid (root only).
The time a student cannot choose is the exchange's change time of their own
copy, or else the collection time (``submitted/<student>/<assignment>/``,
written by the instructor's ``collect`` alone), never the claim; a copy that
is not the student's makes the row need a look.
"""

import datetime
import os
import pwd
import shutil
import time

import pytest

from autograder.lms import submission_time as st
from autograder.lms.exchange_copies import inbound_copies
from autograder.lms.submission_time import nbgrader_stamp, resolve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENT = "a5_evaluation"
COURSE_ID = "fmnist-edu"
UTC = datetime.timezone.utc
ME = pwd.getpwuid(os.getuid()).pw_name
BACKDATED = "2026-01-01 00:00:00.000000 UTC"
NB = b'{"cells": [], "by": "me"}'
as_root = pytest.mark.skipif(os.getuid() != 0, reason="playing another user (os.chown) needs root")


def _bob_uid():
    """A uid other than the tests' (an unused one is as good: only the owner is compared)."""
    return next(uid for uid in (65534, 1000, 4242) if uid != os.getuid())


class Exchange:
    """A course and its exchange in `tmp_path`; a student's submit and the instructor's collect."""

    def __init__(self, tmp_path):
        self.root = str(tmp_path / "exchange")
        self.course = tmp_path / "course"
        self.inbound = tmp_path / "exchange" / COURSE_ID / "inbound"
        self.inbound.mkdir(parents=True)
        self.course.mkdir()
        shutil.copy(os.path.join(ROOT, "course", "nbgrader_config.py"), self.course)

    def submit(self, student=ME, content=NB, claim=None, name_time="2026-11-20 16:00:00.000000 UTC", secret=True,
               owner=None):
        """What ``nbgrader submit`` writes: inbound/<student>+<assignment>+<time>+<random>/."""
        copy = self.inbound / f"{student}+{ASSIGNMENT}+{name_time}+{len(os.listdir(self.inbound))}"
        copy.mkdir()
        (copy / f"{ASSIGNMENT}.ipynb").write_bytes(content)
        (copy / "timestamp.txt").write_text(claim or nbgrader_stamp(datetime.datetime.now(UTC)))
        if secret:
            (copy / "submission_secret.txt").write_text("x")
        if owner is not None:
            for path in (copy, *copy.iterdir()):
                os.chown(path, owner, -1)
        return copy

    def collect(self, copy, student=ME):
        """What ``nbgrader collect --update`` does: the copy, whole, into submitted/<student>/<assignment>/."""
        dest = self.course / "submitted" / student / ASSIGNMENT
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(copy, dest, symlinks=True)
        return str(dest)

    def vouch(self, student=ME):
        """(time, notes, hold): resolve's time and notes; a hold (the row needs a look) is its last note."""
        when, notes = resolve(str(self.course / "submitted" / student / ASSIGNMENT), student, ASSIGNMENT, self.root,
                              COURSE_ID)
        if notes and "not recorded" in notes[-1]:
            return when, notes[:-1], notes[-1]
        return when, notes, ""


def collection_time(folder):
    """The latest change time of the collected folder and everything in it: what only collect wrote."""
    latest = os.lstat(folder).st_ctime
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            latest = max(latest, os.lstat(os.path.join(root, name)).st_ctime)
    return datetime.datetime.fromtimestamp(latest, UTC)


def _claim(copy):
    return datetime.datetime.strptime((copy / "timestamp.txt").read_text(), st.NBGRADER_FORMAT).replace(tzinfo=UTC)


@pytest.fixture
def ex(tmp_path, monkeypatch):
    monkeypatch.setattr(st, "TOLERANCE", 1.0)  # the seconds submit may take; 60 in the course, 1 here to be quick
    return Exchange(tmp_path)


def _stamp(when):
    return datetime.datetime.fromtimestamp(when, UTC)


# -- honest cases: unchanged --------------------------------------------------------------------

def test_an_exchange_submission_on_time_keeps_its_claim(ex):
    copy = ex.submit()
    ex.collect(copy)
    when, notes, hold = ex.vouch()
    assert when == _claim(copy) and notes == [] and hold == ""
    assert inbound_copies(ex.root, COURSE_ID, ASSIGNMENT, ME) == [str(copy)]


def test_a_zip_collected_submission_keeps_the_lms_time(ex):
    """zip_collect's evidence: the notebook, byte for byte, in downloaded/<assignment>/extracted/ under ME's name."""
    extracted = ex.course / "downloaded" / ASSIGNMENT / "extracted"
    extracted.mkdir(parents=True)
    (extracted / f"{ME}_attempt_2026-11-20-17-00-00_{ASSIGNMENT}.ipynb").write_bytes(NB)
    folder = ex.course / "submitted" / ME / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / f"{ASSIGNMENT}.ipynb").write_bytes(NB)
    (folder / "timestamp.txt").write_text("2026-11-20 17:00:00")
    assert ex.vouch() == (datetime.datetime(2026, 11, 20, 17, tzinfo=UTC), [], "")


def test_zip_evidence_must_be_the_students_and_the_same_bytes(ex):
    """Another student's LMS file, or one with other bytes, is no evidence: the collection time, with a note."""
    extracted = ex.course / "downloaded" / ASSIGNMENT / "extracted"
    extracted.mkdir(parents=True)
    (extracted / f"someoneelse_{ASSIGNMENT}.ipynb").write_bytes(NB)
    (extracted / f"{ME}_{ASSIGNMENT}.ipynb").write_bytes(NB + b" ")
    folder = ex.course / "submitted" / ME / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / f"{ASSIGNMENT}.ipynb").write_bytes(NB)
    (folder / "timestamp.txt").write_text("2026-11-20 17:00:00")
    when, notes, hold = ex.vouch()
    assert when == collection_time(str(folder)) and "when they were collected" in notes[-1] and hold == ""


# -- F6 (a): a copy too large to walk ------------------------------------------------------------

def test_10001_subfolders_then_an_in_place_rewrite_is_not_graded_at_the_claim(ex):
    """10,001 empty subfolders, then ``open(nb, "r+")`` (the folder's ctime stays): the walk sees the notebook
    first, gives up on the rest, and a walk that gave up vouches for nothing: the collection time."""
    copy = ex.submit(content=NB)
    for i in range(10001):
        (copy / f"d{i:05d}").mkdir()
    time.sleep(1.5)
    with open(copy / f"{ASSIGNMENT}.ipynb", "r+b") as fh:
        fh.write(NB.replace(b"me", b"ME"))
    rewritten = _stamp(os.lstat(copy / f"{ASSIGNMENT}.ipynb").st_ctime)
    submitted = ex.collect(copy)
    when, notes, hold = ex.vouch()
    assert rewritten - _claim(copy) > datetime.timedelta(seconds=1)  # later than the claim, by more than TOLERANCE
    assert when == collection_time(submitted) >= rewritten
    assert any("holds over 10000 entries" in n for n in notes) and "when they were collected" in notes[-1]
    assert hold == ""


# -- F6 (b): no copy the exchange can vouch for ---------------------------------------------------

def test_a_copy_deleted_after_collect_leaves_the_collection_time_not_the_claim(ex):
    copy = ex.submit(claim=BACKDATED)
    submitted = ex.collect(copy)
    shutil.rmtree(copy)  # the student owns it: inbound has no sticky bit
    when, notes, hold = ex.vouch()
    assert when == collection_time(submitted) and when > datetime.datetime(2026, 1, 2, tzinfo=UTC)
    assert "no copy of these notebooks" in notes[-1] and "timestamp.txt says 2026-01-01" in notes[-1]
    assert hold == ""


def test_a_copy_without_submission_secret_is_still_an_exchange_submission(ex):
    copy = ex.submit(claim=BACKDATED, secret=False)
    submitted = ex.collect(copy)
    shutil.rmtree(copy)
    when, notes, _ = ex.vouch()
    assert when == collection_time(submitted) and "when they were collected" in notes[-1]


def test_a_copy_changed_after_collect_vouches_for_nothing_and_the_row_needs_a_look(ex):
    copy = ex.submit(claim=BACKDATED)
    submitted = ex.collect(copy)
    (copy / f"{ASSIGNMENT}.ipynb").write_bytes(b'{"cells": ["other"]}')
    when, notes, hold = ex.vouch()
    assert when == collection_time(submitted) and "when they were collected" in notes[-1]
    assert "none of the 1 inbound copies under this name holds the collected notebooks" in hold


def test_a_copy_touched_after_collect_vouches_no_later_than_collect(ex):
    copy = ex.submit(claim=BACKDATED)
    submitted = ex.collect(copy)
    time.sleep(0.05)
    os.utime(copy / f"{ASSIGNMENT}.ipynb")  # same bytes, a later change time
    when, notes, hold = ex.vouch()
    assert when == collection_time(submitted) and "graded as submitted then" in notes[-1] and hold == ""


def test_a_backdated_claim_on_a_copy_still_there_costs_its_change_time(ex):
    copy = ex.submit(claim=BACKDATED)
    ex.collect(copy)
    when, notes, hold = ex.vouch()
    assert when == collection_time(str(copy)) and "timestamp.txt says 2026-01-01" in notes[0] and hold == ""


# -- F7: a copy handed in under another student's name -------------------------------------------

@as_root
def test_bobs_copy_under_my_name_collected_with_update_needs_a_look(ex):
    mine = ex.submit(claim=BACKDATED)
    ex.collect(mine)
    bobs = ex.submit(content=b'{"cells": [], "by": "bob"}', name_time="2026-11-21 09:00:00.000000 UTC",
                     owner=_bob_uid())
    submitted = ex.collect(bobs)  # nbgrader collect --update: the newest name wins (check_owner only warns)
    when, notes, hold = ex.vouch()
    assert f"which {ME} does not own (its owner is uid {_bob_uid()})" in hold and "not recorded" in hold
    assert when == collection_time(submitted)  # bob's copy vouches for no time of mine
    assert inbound_copies(ex.root, COURSE_ID, ASSIGNMENT, ME) == [str(mine)]


@as_root
def test_a_newer_copy_of_bob_under_my_name_not_yet_collected_needs_a_look(ex):
    mine = ex.submit()
    ex.collect(mine)
    ex.submit(content=b'{"cells": [], "by": "bob"}', name_time="2026-11-21 09:00:00.000000 UTC", owner=_bob_uid())
    when, notes, hold = ex.vouch()
    assert "is newer than theirs: `nbgrader collect --update` takes it" in hold
    assert when == _claim(mine)  # the time is still mine


@as_root
def test_bobs_copy_collected_then_deleted_needs_a_look(ex):
    mine = ex.submit()
    ex.collect(mine)
    bobs = ex.submit(content=b'{"cells": [], "by": "bob"}', name_time="2026-11-21 09:00:00.000000 UTC",
                     owner=_bob_uid())
    ex.collect(bobs)
    shutil.rmtree(bobs)
    assert "none of the 1 inbound copies" in ex.vouch()[2]


@as_root
def test_an_older_copy_of_someone_else_is_left_alone(ex):
    ex.submit(content=b'{"cells": [], "by": "bob"}', name_time="2026-11-19 09:00:00.000000 UTC", owner=_bob_uid())
    mine = ex.submit()
    ex.collect(mine)
    when, notes, hold = ex.vouch()
    assert hold == "" and notes == [] and when == _claim(mine)


def test_a_held_row_is_not_graded_and_needs_a_look():
    """fmnist-grade: a job with a hold is never run; its row needs a look and the exit status says so."""
    from autograder.batch.outcome import EXIT_NEEDS_LOOK, exit_status
    from autograder.batch.pipeline import held

    r = held({"student": "ann", "assignment": ASSIGNMENT, "notes": ["a note"], "hold": "someone else's copy"})
    assert r.needs_look == "someone else's copy" and r.notes == ["a note", "someone else's copy"]
    assert r.scores == {} and exit_status([r]) == EXIT_NEEDS_LOOK


@as_root
def test_nbgrader_autograde_fails_the_student_whose_copy_is_someone_elses(ex):
    """VouchedTime (plain ``nbgrader autograde``) raises: nbgrader records that student as failed."""
    from traitlets.config import Config

    ex.collect(ex.submit(content=b'{"cells": [], "by": "bob"}', owner=_bob_uid()))
    config = Config()
    config.CourseDirectory.root = str(ex.course)
    config.CourseDirectory.course_id = COURSE_ID
    config.Exchange.root = ex.root
    resources = {"nbgrader": {"notebook": ASSIGNMENT, "assignment": ASSIGNMENT, "student": ME, "db_url": "x"}}
    with pytest.raises(st.NotVouched, match="does not own"):
        st.VouchedTime(config=config).preprocess(None, resources)


# -- what cannot be seen vouches for nothing; a copy is compared on what collect copies -----------

def _collect_as_nbgrader(ex, copy, student=ME):
    """``nbgrader collect``'s own copy: nbgrader's ignore function with the course's settings."""
    from nbgrader.utils import ignore_patterns

    from autograder.lms.exchange_copies import course_collect_filter

    dest = ex.course / "submitted" / student / ASSIGNMENT
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(copy, dest, ignore=course_collect_filter(str(ex.course)))
    assert ignore_patterns  # the filter is nbgrader's own
    return str(dest)


def test_a_notebook_collect_ignores_is_no_difference_and_the_claim_still_costs_the_change_time(ex):
    """A ``.decoy.ipynb`` beside the notebook (the course ignores ".*", so collect leaves it out) neither
    makes the copy someone else's nor lets the claim win: the copy's change time, no hold."""
    copy = ex.submit(claim=BACKDATED)
    (copy / ".decoy.ipynb").write_text("{}")
    _collect_as_nbgrader(ex, copy)
    assert not (ex.course / "submitted" / ME / ASSIGNMENT / ".decoy.ipynb").exists()
    when, notes, hold = ex.vouch()
    assert hold == "" and when == collection_time(str(copy)) and "timestamp.txt says 2026-01-01" in notes[0]


def test_a_notebook_collect_copies_is_a_difference(ex):
    """Not less than collect: a notebook collect would copy, present in the copy alone, is a difference."""
    copy = ex.submit(claim=BACKDATED)
    submitted = _collect_as_nbgrader(ex, copy)
    (copy / "extra.ipynb").write_text("{}")
    when, notes, hold = ex.vouch()
    assert when == collection_time(submitted) and "none of the 1 inbound copies" in hold


def _unlistable(monkeypatch, folder):
    """`folder` cannot be listed, as for a grading user who does not own nbgrader's 2733 inbound folder."""
    from autograder.lms import exchange_copies

    real = os.listdir

    def listdir(path="."):
        if str(path) == str(folder):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(exchange_copies.os, "listdir", listdir)


def test_an_inbound_folder_the_grader_cannot_list_vouches_for_nothing(ex, monkeypatch):
    """No copy is seen, so the time is the collection time, never the claim, and a note says why."""
    copy = ex.submit(claim=BACKDATED)
    submitted = _collect_as_nbgrader(ex, copy)
    _unlistable(monkeypatch, ex.inbound)
    when, notes, hold = ex.vouch()
    assert when == collection_time(submitted) and hold == ""
    assert "inbound folder cannot be listed here (PermissionError)" in notes[-1] and "2026-01-01" in notes[-1]


def test_a_copy_that_cannot_be_read_vouches_for_nothing(ex, monkeypatch):
    """A copy whose folder cannot be listed holds nothing: no claim, the row needs a look."""
    copy = ex.submit(claim=BACKDATED)
    submitted = _collect_as_nbgrader(ex, copy)
    _unlistable(monkeypatch, copy)
    when, notes, hold = ex.vouch()
    assert when == collection_time(submitted) and "none of the 1 inbound copies" in hold
