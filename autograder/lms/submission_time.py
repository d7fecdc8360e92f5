"""The submission time a late penalty is computed from: one the student cannot choose.

In nbgrader's file-system exchange the student's own process writes
``timestamp.txt`` and names the inbound folder
(``inbound/<student>+<assignment>+<time>+<random>``), so both say what the
student wants. What the exchange can vouch for is the files' change time
(``st_ctime``): the kernel sets it on every change of a file or folder, and no
user can set it back. :func:`resolve` takes, for a submission that came
through the exchange, the latest change time of the inbound copy holding the
collected notebooks, and uses it when it is later than the student's claim (by
more than :data:`TOLERANCE`, the seconds ``nbgrader submit`` takes between
stamping its time and writing the folder), with a note saying so.

A submission that did not come through the exchange (``zip_collect`` from an
LMS download, or placed by hand) has a ``timestamp.txt`` written on the
instructor's side: nbgrader's ``zip_collect`` writes the LMS's time from the
downloaded file's name (a ``timestamp`` group in the course's
``FileNameCollectorPlugin.named_regexp``). That time is taken as it is.

An unreadable ``timestamp.txt`` is that student's note, never an error for the
class: the exchange's time when there is one; else, for a submission the
exchange never saw, ``fmnist-grade`` leaves that row unrecorded with a note
(it needs a look: a time nobody can read is not taken as "never late"), and
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

TOLERANCE = 60.0
NBGRADER_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
MAX_ENTRIES = 10000  # a tree larger than this is walked no further (its latest change so far counts)
UTC = datetime.timezone.utc


def _utc(when):
    """An aware UTC datetime from nbgrader's naive UTC (or an aware one)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


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


def latest_change(folder):
    """The latest ``st_ctime`` of `folder` and everything under it (links not followed), aware UTC."""
    latest = os.lstat(folder).st_ctime
    seen = 0
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            seen += 1
            if seen > MAX_ENTRIES:
                return datetime.datetime.fromtimestamp(latest, UTC)
            try:
                latest = max(latest, os.lstat(os.path.join(root, name)).st_ctime)
            except OSError:
                continue
    return datetime.datetime.fromtimestamp(latest, UTC)


def inbound_copies(exchange_root, course_id, assignment, student):
    """The inbound folders ``<student>+<assignment>+...`` of the exchange (none when it has no inbound)."""
    inbound = os.path.join(exchange_root or "", course_id or "", "inbound")
    prefix = f"{student}+{assignment}+"
    try:
        names = os.listdir(inbound)
    except OSError:
        return []
    return sorted(os.path.join(inbound, n) for n in names
                  if n.startswith(prefix) and os.path.isdir(os.path.join(inbound, n))
                  and not os.path.islink(os.path.join(inbound, n)))


def _notebooks(folder):
    found = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".ipynb"):
            try:
                found[name] = read_regular(os.path.join(folder, name), 64 * 2**20)
            except (UnsafePath, OSError):
                found[name] = None
    return found


def holds_same_notebooks(submitted, inbound):
    """Whether the inbound copy holds exactly the submitted folder's notebooks (regular files, same bytes)."""
    try:
        mine, theirs = _notebooks(submitted), _notebooks(inbound)
    except OSError:
        return False
    return bool(mine) and None not in mine.values() and mine == theirs


def resolve(submitted, student, assignment, exchange_root=None, course_id=None):
    """(aware UTC submission time or None, [notes]) of the submission in the folder `submitted`."""
    claim, problem = read_claim(submitted)
    notes = [problem] if problem else []
    copies = inbound_copies(exchange_root, course_id, assignment, student) if exchange_root else []
    via_exchange = bool(copies) or os.path.lexists(os.path.join(submitted, "submission_secret.txt"))
    if not via_exchange:
        if problem:
            notes.append(NO_TIME)
        return claim, notes  # zip_collect or placed by hand: the time was written on the instructor's side
    matching = [c for c in copies if holds_same_notebooks(submitted, c)]
    if not matching:
        notes.append("the exchange holds no copy of these notebooks: the time is the student's own timestamp.txt"
                     + ("" if claim else ", and there is none: no late penalty"))
        return claim, notes
    vouched = min(latest_change(c) for c in matching)
    if claim is None:
        notes.append(f"graded as submitted at {vouched:%Y-%m-%d %H:%M:%S} UTC, when the exchange last saw its "
                     f"files change")
        return vouched, notes
    if (vouched - claim).total_seconds() > TOLERANCE:
        notes.append(f"timestamp.txt says {claim:%Y-%m-%d %H:%M:%S} UTC, but the exchange saw its files change "
                     f"last at {vouched:%Y-%m-%d %H:%M:%S} UTC: graded as submitted then")
        return vouched, notes
    return claim, notes


def course_exchange(course_dir):
    """(exchange root, course id) from the course's ``nbgrader_config.py``, as nbgrader reads it."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=course_dir).load_config()
    root = config.Exchange.get("root") if "Exchange" in config else None
    course_id = config.CourseDirectory.get("course_id") if "CourseDirectory" in config else None
    return (root if isinstance(root, str) else "/usr/local/share/nbgrader/exchange",
            course_id if isinstance(course_id, str) else "")


def resolve_for_step(course_dir, assignment, student, exchange=None):
    """fmnist-grade's coordinator: ({"timestamp.txt": bytes or None}, [notes]) for one submission.

    The mapping says what the step's ``timestamp.txt`` becomes: the resolved
    time in nbgrader's format, or None to remove it when there is no time to
    take. It is empty when the time could not be resolved and the student's own
    unreadable ``timestamp.txt`` is left as it is: with no exchange to vouch
    for a time, the class's store refuses that row (it needs a look) rather than
    grade it as never late.
    """
    root, course_id = exchange or course_exchange(course_dir)
    folder = os.path.join(course_dir, "submitted", student, assignment)
    when, notes = resolve(folder, student, assignment, root, course_id)
    if when is not None:
        return {"timestamp.txt": nbgrader_stamp(when).encode()}, notes
    if notes and notes[-1] == NO_TIME:
        return {}, notes[:-1]
    return {"timestamp.txt": None}, notes


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
        when, notes = resolve(folder, info["student"], info["assignment"],
                              root if isinstance(root, str) else "/usr/local/share/nbgrader/exchange",
                              coursedir.course_id)
        for note in notes:
            self.log.warning("%s: %s", info["student"], note)
        with Gradebook(info["db_url"]) as gb:
            submission = gb.find_submission(info["assignment"], info["student"])
            submission.timestamp = None if when is None else when.astimezone(UTC).replace(tzinfo=None)
            gb.db.commit()
        return nb, resources
