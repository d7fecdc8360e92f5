"""Reading the gradebook file an LMS exports: its students, and its grade columns.

:func:`read_roster` reads the file (UTF-8, or UTF-16 as Blackboard's
download is; comma, semicolon or tab delimited), finds each student's
nbgrader id in the chosen column (by default the LMS's usual one, see
:mod:`autograder.lms.formats`), names, email, and the LMS's own key. A
roster nbgrader cannot take is refused as a whole with one line
(:class:`LmsError`): the chosen column missing, a student without an id,
two students with the same id, an id that cannot be a folder name.
:func:`import_roster` then adds or updates nbgrader's students.
"""

import csv
import io
import os
import re
from dataclasses import dataclass, field

from .errors import LmsError
from .formats import CANVAS_TOTALS, FORMATS

MAX_BYTES = 20 * 2**20
# an nbgrader student id is a folder name (submitted/<id>/...) and part of the exchange's
# file names (<id>+<assignment>+<time>): letters, digits and . _ @ + -, not starting with . or -
VALID_ID = re.compile(r"[A-Za-z0-9_@+][A-Za-z0-9._@+-]{0,127}")


@dataclass
class RosterStudent:
    line: int  # the row's number in the file (the header is row 1)
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_key: str = ""
    cells: dict = field(default_factory=dict)  # header -> the cell as the LMS wrote it


@dataclass
class Roster:
    lms: str
    path: str
    id_column: str
    header: list
    students: list
    points: dict = field(default_factory=dict)  # header -> points possible (Canvas's row)

    @property
    def grade_headers(self):
        """The columns that are neither a student column nor an LMS total."""
        fmt = FORMATS[self.lms]
        out = []
        for h in self.header:
            if h in fmt.identity or h == fmt.end_of_line or not h:
                continue
            if self.lms == "canvas" and (h in ("Section", "Integration ID", "Root Account")
                                         or any(t in h for t in CANVAS_TOTALS)):
                continue
            out.append(h)
        return out


def read_table(path):
    """(rows as lists of str, delimiter) of a delimited text file."""
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise LmsError(f"{path}: {size / 2**20:.0f} MB is no roster (the most read is {MAX_BYTES // 2**20} MB)")
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise LmsError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise LmsError(f"{path}: not UTF-8 text (export it from the LMS again as CSV, UTF-8)") from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first else (";" if first.count(";") > first.count(",") else ",")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return rows, delimiter


def _not_a_student(lms, row):
    first = row[0].strip() if row else ""
    if lms == "canvas":
        if "Points Possible" in first:
            return True
        # Canvas's row marking muted or manually posted assignments
        if all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c or "", flags=re.I) for c in row):
            return True
    return False


def _split_sortable(name):
    """Canvas's "Last, First" as (first, last); a name Canvas wrote as ="..." (one starting with =) unwrapped."""
    quoted = re.fullmatch(r'="(.*)"', name.strip())
    if quoted:
        name = quoted.group(1)
    if ", " in name:
        last, first = name.split(", ", 1)
        return first.strip(), last.strip()
    return "", name.strip()


def read_roster(path, lms, id_column=None):
    """The :class:`Roster` in the LMS gradebook file `path`; :class:`LmsError` when nbgrader cannot take it."""
    if lms not in FORMATS:
        raise LmsError(f"--lms {lms!r}: one of {', '.join(FORMATS)}")
    fmt = FORMATS[lms]
    id_column = id_column or fmt.id_column
    rows, _ = read_table(path)
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise LmsError(f"{path} is empty")
    header = [h.strip() for h in rows[0]]
    name = os.path.basename(path)
    missing = [c for c in fmt.required + (id_column,) if c not in header]
    if lms == "brightspace" and not {"OrgDefinedId", "Username"} & set(header):
        missing.append("OrgDefinedId or Username")
    if missing:
        raise LmsError(f"{name} is no {lms} gradebook export with the column(s) {', '.join(map(repr, missing))} "
                       f"(its header: {', '.join(header[:8])}{', ...' if len(header) > 8 else ''})")
    roster = Roster(lms, path, id_column, header, [])
    seen = {}
    for line, row in enumerate(rows[1:], start=2):
        cells = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
        if _not_a_student(lms, row):
            if lms == "canvas" and "Points Possible" in (row[0] if row else ""):
                roster.points = {h: v.strip() for h, v in cells.items() if v.strip()}
            continue
        value = {h: (v.strip().lstrip("#") if h in fmt.strip_hash else v.strip()) for h, v in cells.items()}
        sid = value[id_column]
        shown = value.get(fmt.full_name) or " ".join(
            v for v in (value.get(fmt.first_name, ""), value.get(fmt.last_name, "")) if v) or f"row {line}"
        if not sid:
            if lms == "canvas" and value.get("Student") == "Student, Test":
                continue  # Canvas's own test student (Student View) has no login
            raise LmsError(f"{name} row {line}: {shown} has no {id_column}")
        if not VALID_ID.fullmatch(sid):
            raise LmsError(f"{name} row {line}: {id_column} {sid!r} of {shown} cannot be an nbgrader student id "
                           f"(a folder name: letters, digits and . _ @ + -, at most 128, not starting with . or -); "
                           f"choose another column with --id-column")
        if sid in seen:
            raise LmsError(f"{name} rows {seen[sid]} and {line} have the same {id_column} {sid!r}")
        seen[sid] = line
        student = RosterStudent(line, sid, cells=cells, lms_key=value.get(fmt.key_column, ""),
                                email=value.get(fmt.email, "") if fmt.email else "")
        if fmt.full_name:
            student.first_name, student.last_name = _split_sortable(value[fmt.full_name])
        else:
            student.first_name, student.last_name = value.get(fmt.first_name, ""), value.get(fmt.last_name, "")
        roster.students.append(student)
    if not roster.students:
        raise LmsError(f"{name} holds no student")
    return roster


def import_roster(db_url, roster):
    """Add or update nbgrader's students from `roster`; (added ids, updated ids, [notes])."""
    from nbgrader.api import Gradebook, MissingEntry

    added, updated, notes = [], [], []
    with Gradebook(db_url) as gb:
        by_key = {s.lms_user_id: s.id for s in gb.students if s.lms_user_id}
        for r in roster.students:
            fields = {k: v for k, v in (("first_name", r.first_name), ("last_name", r.last_name),
                                        ("email", r.email), ("lms_user_id", r.lms_key)) if v}
            other = by_key.get(r.lms_key)
            if r.lms_key and other and other != r.id:
                notes.append(f"{r.id}: nbgrader's student {other} has the same {FORMATS[roster.lms].key_column} "
                             f"{r.lms_key}; both are kept (was the id column changed?)")
            try:
                gb.find_student(r.id)
            except MissingEntry:
                added.append(r.id)
            else:
                updated.append(r.id)
            gb.update_or_create_student(r.id, **fields)
        ids = {r.id for r in roster.students}
        others = sorted(s.id for s in gb.students if s.id not in ids)
    if others:
        notes.append(f"in nbgrader but not in the roster (kept): {', '.join(others)}")
    return added, updated, notes
