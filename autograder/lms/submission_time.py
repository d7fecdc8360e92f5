"""The submission time a late penalty is computed from: one the student cannot choose.

In nbgrader's file-system exchange the student's own process writes
``timestamp.txt`` and names the inbound folder
(``inbound/<student>+<assignment>+<time>+<random>``), so both say what the
student wants. What the exchange can vouch for is the files' change time
(``st_ctime``): the kernel sets it on every change of a file or folder, and no
user can set it back. The rule fails closed: the student's claim wins only
where the exchange vouches for a time no earlier than it.

* zip-collected: only with positive evidence that ``nbgrader zip_collect``
  wrote the submitted folder (:func:`zip_collected`: each notebook is, byte for
  byte, a file of the course's ``downloaded/<assignment>/extracted/`` that the
  course's ``FileNameCollectorPlugin.named_regexp`` gives to that student). Its
  ``timestamp.txt`` was written on the instructor's side (the LMS's time from
  the downloaded file's name, when the regexp has a ``timestamp`` group) and is
  taken as it is.
* any other submission is an exchange submission. Its time is the claim when
  an inbound copy that the student's OS user owns holds exactly the collected
  notebooks (compared on what ``nbgrader collect`` copies: the course's
  ``CourseDirectory.ignore``, ``include`` and ``max_file_size``, no more and
  no less) and the latest change time of that copy (walked whole, files before
  folders, at most :data:`MAX_ENTRIES` entries) is no later than the claim plus
  :data:`TOLERANCE` (the seconds ``nbgrader submit`` takes between stamping its
  time and writing the folder); else that change time, but never later than the
  collection time. With no such copy (an inbound folder this user cannot list,
  a copy it cannot read), or a copy too large to walk whole, the
  time is the *collection time* (:func:`collection_time`: the latest change of
  ``submitted/<student>/<assignment>/``, which only the instructor's ``collect``
  wrote), never the claim. Each replaced time is a note.
* who handed it in (:func:`vouch`'s hold): any user can create an inbound
  folder under another student's name, and ``nbgrader collect --update`` takes
  the newest. When the collected notebooks come from a copy that the OS user
  named like the student (``pwd.getpwnam``) does not own, or a newer copy under
  that name is someone else's, or copies exist but none holds the collected
  notebooks, the row needs a look and no grade is recorded (``fmnist-grade``
  exits 3; ``nbgrader autograde`` fails that student). With no such OS user on
  this machine owners cannot be checked, and a note says so.

An unreadable ``timestamp.txt`` is that student's note, never an error for the
class: the exchange's time when there is one; else, for a zip-collected
submission, ``fmnist-grade`` leaves that row unrecorded with a note (it needs a
look: a time nobody can read is not taken as "never late"), and
``nbgrader autograde`` grades it with no time.

:class:`VouchedTime`, the first of the course's autograde preprocessors, puts
the resolved time into nbgrader's gradebook before ``AssignLatePenalties``
reads it (``nbgrader autograde``); ``fmnist-grade`` resolves it in its
coordinator (:func:`resolve_for_step`) and hands each step the resolved
``timestamp.txt``.
"""

import datetime
import os

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

from ..sandbox.safefs import UnsafePath, read_regular
from ..untrusted.escape import terminal
from .exchange_copies import (MAX_ENTRIES, UTC, _name_time, _named_copies, _owner, _utc, course_collect_filter,
                              holds_same_notebooks, student_uid, zip_collected)

TOLERANCE = 60.0
NBGRADER_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"


def nbgrader_stamp(when):
    """`when` as nbgrader's ``submit`` writes ``timestamp.txt``."""
    return _utc(when).strftime(NBGRADER_FORMAT)


NO_TIME = "no submission time: no late penalty"  # resolve's note for an unreadable time the exchange never saw


def read_claim(folder):
    """(the time in ``folder/timestamp.txt`` as aware UTC, or None; a note when it is unreadable)."""
    path = os.path.join(folder, "timestamp.txt")
    if not os.path.lexists(path):
        return None, None
    try:
        text = read_regular(path, 4096).decode("utf-8").strip()
    except (UnsafePath, OSError, UnicodeDecodeError) as exc:
        return None, f"timestamp.txt could not be read ({exc})"
    return parse_claim(text)


def parse_claim(text):
    """(aware UTC time, None) from a ``timestamp.txt`` text, or (None, a note saying why not)."""
    from nbgrader.utils import parse_utc

    shown = text[:60].encode("ascii", "backslashreplace").decode()
    if not text:
        return None, "timestamp.txt is empty"
    try:
        return _utc(parse_utc(text)), None
    except Exception as exc:  # noqa: BLE001 - dateutil raises several kinds; each is this student's note
        return None, f"timestamp.txt ({shown!r}) is no time ({type(exc).__name__})"


def latest_change(folder, first=()):
    """(the latest ``st_ctime`` of `folder` and everything under it as aware UTC, whether all was seen).

    Links are not followed. The names in `first` (the notebooks that matter)
    are looked at first, then each folder's files before its subfolders; the
    walk gives up after :data:`MAX_ENTRIES` entries and then says so (False):
    a time from a walk that did not see everything vouches for nothing.
    """
    latest = os.lstat(folder).st_ctime
    seen = 0
    for name in first:
        try:
            latest = max(latest, os.lstat(os.path.join(folder, name)).st_ctime)
        except OSError:
            continue
    queue = [folder]
    while queue:
        here = queue.pop(0)
        try:
            with os.scandir(here) as found:
                entries = list(found)
        except OSError:
            return datetime.datetime.fromtimestamp(latest, UTC), False
        subfolders = []
        for entry in sorted(entries, key=lambda e: e.is_dir(follow_symlinks=False)):  # files first
            seen += 1
            if seen > MAX_ENTRIES:
                return datetime.datetime.fromtimestamp(latest, UTC), False
            try:
                latest = max(latest, entry.stat(follow_symlinks=False).st_ctime)
            except OSError:
                return datetime.datetime.fromtimestamp(latest, UTC), False
            if entry.is_dir(follow_symlinks=False):
                subfolders.append(entry.path)
        queue.extend(subfolders)
    return datetime.datetime.fromtimestamp(latest, UTC), True


def collection_time(submitted):
    """The time the instructor's side last wrote the collected folder `submitted` (aware UTC), or None.

    Only the instructor's ``collect`` writes ``submitted/<student>/<assignment>/``
    (its ``copytree`` sets the folder's own times last), so any change time
    seen there is one a student cannot choose, and never earlier than the
    submission: a walk that stops early still counts.
    """
    try:
        return latest_change(submitted, _notebook_names(submitted) + ["timestamp.txt"])[0]
    except OSError:
        return None


def _notebook_names(folder):
    try:
        return sorted(n for n in os.listdir(folder) if n.endswith(".ipynb"))
    except OSError:
        return []


def _when(when):
    return f"{when:%Y-%m-%d %H:%M:%S} UTC"


def vouch(submitted, student, assignment, exchange_root=None, course_id=None, course_dir=None, ignored=None):
    """(aware UTC submission time or None, [notes], hold) of the submission in the folder `submitted`.

    `hold` is "" or why the row needs a look and no grade should be recorded
    from it: the exchange shows that someone other than the OS user `student`
    handed in the collected notebooks, or a newer copy under that name, or no
    copy under that name holds them any more. `ignored` is what ``nbgrader
    collect`` leaves out of a copy (the course's, by default): a copy and the
    collected folder are compared on what collect copies. Whatever cannot be
    seen (an inbound folder that cannot be listed, a copy that cannot be read)
    vouches for nothing: the collection time, or a hold.
    """
    claim, problem = read_claim(submitted)
    notes = [problem] if problem else []
    if course_dir is None:
        course_dir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(submitted))))
    if zip_collected(course_dir, submitted, student, assignment):
        if problem:
            notes.append(NO_TIME)
        return claim, notes, ""  # zip_collect wrote it: the LMS's time, written on the instructor's side
    collected = collection_time(submitted)
    unseen = []
    copies = _named_copies(exchange_root, course_id, assignment, student, unseen) if exchange_root else []
    if ignored is None:
        ignored = course_collect_filter(course_dir)
    uid = student_uid(student)
    own = [c for c in copies if uid is None or _owner(c) == uid]
    matching = [c for c in copies if holds_same_notebooks(submitted, c, ignored)]
    foreign = [c for c in matching if c not in own]
    hold = ""
    if copies and uid is None:
        notes.append(f"there is no OS user named {student!r} on this machine: who handed in the exchange's "
                     f"copies under that name is not checked")
    if foreign:
        hold = (f"the collected notebooks are those of inbound copy {os.path.basename(foreign[0])!r}, which "
                f"{student} does not own (its owner is uid {_owner(foreign[0])}): someone else handed it in; "
                f"not recorded")
    elif copies and not matching:
        hold = (f"none of the {len(copies)} inbound copies under this name holds the collected notebooks (they "
                f"changed after collect, or the copy collected is gone): who handed them in cannot be told; "
                f"not recorded")
    else:
        newest_own = max((_name_time(c) for c in own if _name_time(c) is not None), default=None)
        for c in copies:
            if c in own:
                continue
            when = _name_time(c)
            if newest_own is None or when is None or when > newest_own:
                hold = (f"inbound copy {os.path.basename(c)!r} under this name is not {student}'s (its owner "
                        f"is uid {_owner(c)}) and is newer than theirs: `nbgrader collect --update` takes "
                        f"it; not recorded")
                break
    if collected is None:
        return None, notes + ["the collected folder cannot be looked at: no time"], (
            hold or "the collected folder cannot be looked at: no submission time; not recorded")
    names = _notebook_names(submitted)
    seen = []
    for c in (c for c in matching if c in own):
        try:
            latest, complete = latest_change(c, names)
        except OSError:
            continue
        if complete:
            seen.append(latest)
        else:
            notes.append(f"inbound copy {os.path.basename(c)!r} holds over {MAX_ENTRIES} entries: its "
                         f"time vouches for nothing")
    if not seen:
        why = ("; ".join(unseen) + ": no copy vouches for a time, and who handed it in is not checked" if unseen
               else "the exchange holds no copy of these notebooks that " + student + " handed in"
               if not [c for c in matching if c in own] else "no copy of these notebooks could be looked at whole")
        notes.append(f"{why}: graded as submitted at {_when(collected)}, when they were collected"
                     + (f" (timestamp.txt says {_when(claim)})" if claim else ""))
        return collected, notes, hold
    vouched = min(min(seen), collected)  # a copy changed after collect vouches no later than collect
    if claim is None:
        notes.append(f"graded as submitted at {_when(vouched)}, when the exchange last saw its files change")
        return vouched, notes, hold
    if (vouched - claim).total_seconds() > TOLERANCE:
        notes.append(f"timestamp.txt says {_when(claim)}, but the exchange saw its files change "
                     f"last at {_when(vouched)}: graded as submitted then")
        return vouched, notes, hold
    return claim, notes, hold


def resolve(submitted, student, assignment, exchange_root=None, course_id=None, course_dir=None):
    """(aware UTC submission time or None, [notes]) of the submission in `submitted`; a hold is the last note."""
    when, notes, hold = vouch(submitted, student, assignment, exchange_root, course_id, course_dir)
    return when, notes + ([hold] if hold else [])


def course_exchange(course_dir):
    """(exchange root, course id) from the course's ``nbgrader_config.py``, as nbgrader reads it."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=course_dir).load_config()
    root = config.Exchange.get("root") if "Exchange" in config else None
    course_id = config.CourseDirectory.get("course_id") if "CourseDirectory" in config else None
    return (root if isinstance(root, str) else "/usr/local/share/nbgrader/exchange",
            course_id if isinstance(course_id, str) else "")


def resolve_for_step(course_dir, assignment, student, exchange=None):
    """fmnist-grade's coordinator: ({"timestamp.txt": bytes or None}, [notes], hold) for one submission.

    The mapping says what the step's ``timestamp.txt`` becomes: the resolved
    time in nbgrader's format, or None to remove it when there is no time to
    take. It is empty when the time could not be resolved and the student's own
    unreadable ``timestamp.txt`` is left as it is: with no exchange to vouch
    for a time, the class's store refuses that row (it needs a look) rather than
    grade it as never late. `hold` is "" or why the row needs a look and is not
    graded (:func:`vouch`).
    """
    root, course_id = exchange or course_exchange(course_dir)
    folder = os.path.join(course_dir, "submitted", student, assignment)
    when, notes, hold = vouch(folder, student, assignment, root, course_id, course_dir)
    if when is not None:
        return {"timestamp.txt": nbgrader_stamp(when).encode()}, notes, hold
    if notes and notes[-1] == NO_TIME:
        return {}, notes[:-1], hold
    return {"timestamp.txt": None}, notes, hold


class NotVouched(RuntimeError):
    """The exchange shows the submission is not (or may not be) the student's own: it needs a look."""


class VouchedTime(NbGraderPreprocessor):
    """autograde's first preprocessor: the submission's time in the gradebook is :func:`resolve`'s."""

    use_exchange_time = Bool(True, help="resolve the time here (fmnist-grade's steps get it resolved)"
                             ).tag(config=True)

    def preprocess(self, nb, resources):
        if not self.use_exchange_time:
            return nb, resources
        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        folder = coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"])
        root = self.config.Exchange.get("root") if "Exchange" in self.config else None
        when, notes, hold = vouch(folder, info["student"], info["assignment"],
                                  root if isinstance(root, str) else "/usr/local/share/nbgrader/exchange",
                                  coursedir.course_id, coursedir.root, course_collect_filter(config=self.config))
        for note in notes:
            self.log.warning("%s: %s", terminal(info["student"]), terminal(note))
        if hold:  # nbgrader autograde records this student as failed, and says why
            raise NotVouched(f"{info['student']}: {hold}")
        with Gradebook(info["db_url"]) as gb:
            submission = gb.find_submission(info["assignment"], info["student"])
            submission.timestamp = None if when is None else when.astimezone(UTC).replace(tzinfo=None)
            gb.db.commit()
        return nb, resources
