"""nbgrader ``ExportPlugin`` classes that write the file each LMS imports as it is.

``fmnist-grade export`` and ``nbgrader export --exporter=autograder.lms.exporters.CanvasExport``
(or ``MoodleExport``, ``BlackboardExport``, ``BrightspaceExport``) run the same
:func:`build_export` and :func:`write_export`, so they give the same file::

    nbgrader export --exporter=autograder.lms.exporters.CanvasExport \\
        --LmsExport.roster=canvas_gradebook.csv --to=canvas_grades.csv --assignment=a5_evaluation

One row per roster student, in the roster's order, with the roster's own
identity cells (names as the LMS wrote them); one grade column per
assignment, named as the roster names it (the column whose title matches the
assignment id ignoring case, ``_`` and spaces, and the LMS's decorations), or
``--column ASSIGNMENT=HEADER``, else a new column. The grade is nbgrader's
score less its late penalty. Students are matched by the LMS's key
(``Student.lms_user_id``), else by the roster's id column, never by name.
"""

import csv
import os
import sys
import tempfile
from dataclasses import dataclass, field

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Bool, Enum, List, Unicode

from ..untrusted.escape import csv_cell
from ..untrusted.escape import terminal
from .errors import LmsError
from .formats import FORMATS, column_title, format_number, new_column, normalise
from .roster import read_roster


@dataclass
class ExportTable:
    header: list
    rows: list
    quote_all: bool = False
    messages: list = field(default_factory=list)  # for stderr: students left out, new columns, --partial


def grade_columns(roster, assignments, explicit=None):
    """{assignment: (header, whether the roster has it)}; :class:`LmsError` for an ambiguous match."""
    explicit = dict(explicit or {})
    unknown = sorted(set(explicit) - {a for a, _ in assignments})
    if unknown:
        raise LmsError(f"--column names {', '.join(unknown)}, which is not exported")
    out = {}
    for aid, max_score in assignments:
        if aid in explicit:
            out[aid] = (explicit[aid], explicit[aid] in roster.header)
            continue
        found = [h for h in roster.grade_headers if normalise(column_title(roster.lms, h)) == normalise(aid)]
        if len(found) > 1:
            raise LmsError(f"{aid} matches the roster's columns {', '.join(map(repr, found))}: "
                           f"choose one with --column {aid}=HEADER")
        out[aid] = (found[0], True) if found else (new_column(roster.lms, aid, max_score), False)
    return out


def _parse_columns(items):
    pairs = {}
    for item in items:
        aid, sep, header = item.partition("=")
        if not sep or not aid.strip() or not header.strip():
            raise LmsError(f"--column {item!r}: write ASSIGNMENT=HEADER")
        pairs[aid.strip()] = header.strip()
    return pairs


def _number(text):
    """A number the way Canvas writes it (decimal comma or point), or None."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _scores(gradebook, aid, student_id):
    """(score less the late penalty, or None without a submission; [ungraded grade ids])."""
    try:
        sub = gradebook.find_submission(aid, student_id)
    except MissingEntry:
        return None, []
    ungraded = [g.name for nb in sub.notebooks for g in nb.grades
                if g.max_score and g.auto_score is None and g.manual_score is None]
    return max(0.0, (sub.score or 0.0) - (sub.late_submission_penalty or 0.0)), ungraded


def build_export(gradebook, roster, assignment_ids=(), students=(), columns=(), missing="blank", partial=False):
    """The :class:`ExportTable` of `assignment_ids` (all of the gradebook's when empty) for `roster`."""
    fmt = FORMATS[roster.lms]
    if missing not in ("blank", "zero"):
        raise LmsError(f"--missing {missing!r}: blank or zero")
    ids = list(assignment_ids) or [a.name for a in gradebook.assignments]
    assignments = []
    for aid in ids:
        try:
            assignments.append((aid, gradebook.find_assignment(aid).max_score))
        except MissingEntry:
            raise LmsError(f"{aid} is not in the gradebook (run nbgrader generate_assignment {aid} first)") from None
    if not assignments:
        raise LmsError("the gradebook holds no assignment")
    cols = grade_columns(roster, assignments, _parse_columns(columns))
    table = ExportTable([], [], quote_all=fmt.quote_all)
    nb_students = list(gradebook.students)
    by_key = {s.lms_user_id: s for s in nb_students if s.lms_user_id}
    by_id = {s.id: s for s in nb_students}
    identity = [h for h in roster.header if h in fmt.identity]
    table.header = identity + [cols[a][0] for a, _ in assignments] + ([fmt.end_of_line] if fmt.end_of_line else [])
    if roster.lms == "canvas":
        table.rows.append(["Points Possible"] + [""] * (len(identity) - 1)
                          + [format_number(m) for _, m in assignments])
        for aid, most in assignments:
            header, known = cols[aid]
            had = roster.points.get(header, "")
            if known and _number(had) is not None and abs(_number(had) - most) > 0.005:
                table.messages.append(f"{header}: Canvas will change its points possible from {had} to "
                                      f"{format_number(most)} (nbgrader's)")
    for aid, _ in assignments:
        header, known = cols[aid]
        if not known:
            what = {"canvas": "Canvas creates the assignment", "blackboard": "Blackboard creates a text column "
                    "worth 0 points (download its Grade Center and pass --column to fill an existing one)",
                    "moodle": "map it to a grade item in Moodle's import",
                    "brightspace": "Brightspace creates the grade item"}[roster.lms]
            table.messages.append(f"{aid}: no column of the roster matches; written as {header!r} ({what})")
    matched, unknown, ungraded = set(), [], []
    wanted = set(map(str, students))
    for r in roster.students:
        s = by_key.get(r.lms_key) if r.lms_key else None
        s = s or by_id.get(r.id)
        if wanted and (s is None or s.id not in wanted):
            continue
        # the roster's own cells; Brightspace's key columns without the '#' its export adds
        cells = [r.cells.get(h, "").strip().lstrip("#") if h in fmt.strip_hash else r.cells.get(h, "")
                 for h in identity]
        if s is None:
            unknown.append(f"{r.id} (row {r.line})")
            cells += [""] * len(assignments)
        else:
            matched.add(s.id)
            for aid, _ in assignments:
                score, open_items = _scores(gradebook, aid, s.id)
                ungraded += [f"{s.id} {aid}/{g}" for g in open_items]
                cells.append(format_number(score) if score is not None else ("0" if missing == "zero" else ""))
        table.rows.append(cells + (["#"] if fmt.end_of_line else []))
    if unknown:
        table.messages.append(f"in the roster but unknown to nbgrader (cells left blank): {', '.join(unknown)}")
    absent = []
    for s in nb_students:
        if s.id in matched or (wanted and s.id not in wanted):
            continue
        if any(_scores(gradebook, aid, s.id)[0] is not None for aid, _ in assignments):
            absent.append(s.id)
    if absent:
        table.messages.append(f"graded in nbgrader but not in the roster (not exported): {', '.join(absent)}")
    if ungraded and not partial:
        raise LmsError(f"written answers not graded yet: {', '.join(ungraded)}; grade them in formgrader, "
                       f"or pass --partial to export them as 0")
    if ungraded:
        table.messages.append(f"--partial: {len(ungraded)} written answer(s) not graded yet counted 0")
    return table


def write_export(path, table):
    """Write `table` as UTF-8 CSV (every cell sanitised: none starts a formula); atomically."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".lms-export-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_ALL if table.quote_all else csv.QUOTE_MINIMAL)
            for row in [table.header] + table.rows:
                writer.writerow([csv_cell(str(c)) for c in row])
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


class LmsExport(ExportPlugin):
    """Base of the LMS exporters: the roster file and the options of ``fmnist-grade export``."""

    lms = ""
    roster = Unicode("", help="the LMS's gradebook file (its export), read for students and columns"
                     ).tag(config=True)
    id_column = Unicode("", help="the roster's column holding nbgrader's ids (default: the LMS's)").tag(config=True)
    columns = List(Unicode(), [], help="ASSIGNMENT=HEADER: the LMS column an assignment fills").tag(config=True)
    missing = Enum(("blank", "zero"), "blank", help="a student with no submission: blank (no change) or 0"
                   ).tag(config=True)
    partial = Bool(False, help="export even with written answers not graded yet (they count 0)").tag(config=True)

    def table(self, gradebook):
        if not self.roster:
            raise LmsError(f"no roster: give --LmsExport.roster=FILE (the {self.lms} gradebook export)")
        roster = read_roster(self.roster, self.lms, self.id_column or None)
        return build_export(gradebook, roster, [str(a) for a in self.assignment], [str(s) for s in self.student],
                            self.columns, self.missing, self.partial)

    def export(self, gradebook):
        dest = self.to or f"{self.lms}_grades.csv"
        try:
            table = self.table(gradebook)
        except LmsError as exc:
            self.log.error("%s", terminal(str(exc)))
            sys.exit(2)
        for message in table.messages:
            self.log.warning("%s", terminal(str(message)))
        write_export(dest, table)
        self.log.info("wrote %s: %d students", terminal(dest), len(table.rows) - (self.lms == "canvas"))


class CanvasExport(LmsExport):
    lms = "canvas"


class MoodleExport(LmsExport):
    lms = "moodle"


class BlackboardExport(LmsExport):
    lms = "blackboard"


class BrightspaceExport(LmsExport):
    lms = "brightspace"


EXPORTERS = {c.lms: c for c in (CanvasExport, MoodleExport, BlackboardExport, BrightspaceExport)}
