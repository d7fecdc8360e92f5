"""The course's late policy: nbgrader's ``LateSubmissionPlugin`` with days, a grace period, a cap, extensions.

The penalty, in percent of the notebook's score, for a submission ``late``
seconds after the student's due date (the assignment's, or the student's
extension in ``course/extensions.csv``)::

    0                                                             if late <= grace
    min(max_percent, percent_per_day * ceil((late - grace) / 1 day))  otherwise

nbgrader's ``AssignLatePenalties`` (in the course's autograde preprocessors)
asks the plugin for each notebook of a late submission and stores the points
it returns as the notebook's ``late_submission_penalty``, which nbgrader's
export, formgrader and the class report subtract. ``course/nbgrader_config.py``
installs it with :func:`configure`; ``nbgrader autograde`` and
``fmnist-grade`` both use it.

nbgrader calls the plugin only when the submission is later than the
assignment's due date; an extension can only extend.
"""

import datetime
import math
import os
import sys

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float, Unicode

from .errors import LmsError
from ..untrusted.escape import terminal
from .extensions import read_extensions

DAY = 86400.0


def penalty_percent(seconds_late, percent_per_day=10.0, grace_minutes=5.0, max_percent=100.0):
    """The penalty in percent for a submission `seconds_late` after its due date."""
    grace = 60.0 * grace_minutes
    if seconds_late <= grace:
        return 0.0
    return float(min(max_percent, percent_per_day * math.ceil((seconds_late - grace) / DAY)))


def _naive_utc(when):
    """nbgrader keeps times as naive UTC."""
    if when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return when


class LatePolicy(LateSubmissionPlugin):
    """A percentage off per started day late, after a grace period, up to a cap; per-student extensions."""

    percent_per_day = Float(10.0, help="percent of the score taken off per started day late").tag(config=True)
    grace_minutes = Float(5.0, help="minutes after the due date that are not late").tag(config=True)
    max_percent = Float(100.0, help="the most that is taken off, in percent").tag(config=True)
    extensions_file = Unicode("", help="CSV of student_id,assignment,due (ISO 8601 with a zone)").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.extensions = read_extensions(self.extensions_file)  # LmsError: nothing graded with a bad file

    def _submission_time(self, assignment, student_id):
        """(the submission's time, the assignment's due date), naive UTC, as nbgrader holds them.

        The time is the one :class:`autograder.lms.submission_time.VouchedTime`
        stored (autograde's first preprocessor), not the student's claim.
        """
        gradebook = getattr(self.parent, "gradebook", None)
        if gradebook is None or not assignment:
            return None, None
        submission = gradebook.find_submission(assignment, student_id)
        return submission.timestamp, submission.assignment.duedate

    def penalty(self, student_id, assignment, score, submitted, due):
        """Points off `score` for `student_id`'s `assignment` submitted at `submitted`, due `due` (naive UTC)."""
        extension = self.extensions.get((student_id, assignment))
        if extension is not None:
            due = _naive_utc(extension)
        late = (submitted - due).total_seconds()
        percent = penalty_percent(late, self.percent_per_day, self.grace_minutes, self.max_percent)
        self.log.info("%s: %.0f s late%s: %g%% off", terminal(str(student_id)), late,
                      f" (extension to {due:%Y-%m-%d %H:%M} UTC)" if extension is not None else "", percent)
        return (score or 0.0) * percent / 100.0

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        assignment = getattr(self.parent, "assignment_id", "")
        when, due = self._submission_time(assignment, student_id)
        if when is not None and due is not None:
            return self.penalty(student_id, assignment, score, when, due)
        percent = penalty_percent(total_seconds_late, self.percent_per_day, self.grace_minutes, self.max_percent)
        return (score or 0.0) * percent / 100.0


def fallback_penalties(course_dir, assignment, student, stamp, duedate, notebooks):
    """Set ``late_submission_penalty`` in a step's fallback results, as ``AssignLatePenalties`` would.

    fmnist-grade's step grades a notebook nbgrader cannot read without nbgrader's
    preprocessors (:func:`autograder.batch.step._fallback`); `notebooks` is its
    ``{notebook: {"grades": ..., "late_submission_penalty": ...}}``, `stamp`
    the resolved ``timestamp.txt`` text and `duedate` the gradebook's (ISO), or None.
    """
    from nbgrader.utils import parse_utc
    from traitlets.config.loader import PyFileConfigLoader

    if not stamp or not duedate:
        return
    config = PyFileConfigLoader("nbgrader_config.py", path=course_dir).load_config()
    if config.AssignLatePenalties.get("plugin_class") != "autograder.lms.late_policy.LatePolicy":
        return
    submitted, due = _naive_utc(parse_utc(stamp)), _naive_utc(parse_utc(duedate))
    if submitted <= due:
        return  # nbgrader asks the plugin only about submissions after the assignment's due date
    policy = LatePolicy(config=config)
    for nb in notebooks.values():
        score = sum(g["auto_score"] or 0.0 for g in nb["grades"].values())
        nb["late_submission_penalty"] = min(score, policy.penalty(student, assignment, score, submitted, due))


def configure(c, extensions_file):
    """Install :class:`LatePolicy` in the nbgrader config `c`, with `extensions_file`.

    A malformed extensions file stops a command-line ``nbgrader`` at once (one
    line, exit status 2, nothing graded); in any other host (JupyterLab's
    formgrader) the plugin refuses when it is used.
    """
    c.AssignLatePenalties.plugin_class = "autograder.lms.late_policy.LatePolicy"
    c.LatePolicy.extensions_file = extensions_file
    try:
        read_extensions(extensions_file)
    except LmsError as exc:
        if os.path.basename(sys.argv[0]).startswith("nbgrader"):
            print(f"nbgrader: error: {terminal(str(exc))}", file=sys.stderr)
            raise SystemExit(2) from None


def policy_table(due, submissions, percent_per_day=10.0, grace_minutes=5.0, max_percent=100.0):
    """Lines of a table: submission time -> seconds late -> penalty, for `submissions` [(label, time, due)]."""
    lines = [f"{'case':<34} {'submitted (UTC)':<20} {'due (UTC)':<17} {'late':>12}  penalty"]
    for label, when, own_due in submissions:
        own_due = own_due or due
        late = (when - own_due).total_seconds()
        pct = penalty_percent(late, percent_per_day, grace_minutes, max_percent) if late > 0 else 0.0
        lines.append(f"{label:<34} {when:%Y-%m-%d %H:%M:%S} {own_due:%Y-%m-%d %H:%M} {_span(late):>12}  {pct:g}%")
    return "\n".join(lines)


def _span(seconds):
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(round(seconds)))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{days}d {hours:02d}:{minutes:02d}:{secs:02d}"
