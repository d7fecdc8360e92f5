"""``course/extensions.csv``: a later due date for one student and one assignment.

The file has the header ``student_id,assignment,due`` and one row per
extension; ``due`` is an ISO 8601 time with its time zone
(``2026-11-22T17:00:00+01:00``, ``2026-11-22 16:00Z``). Blank lines are
skipped. A row that cannot be read (a missing cell, a time without a zone, a
second row for the same student and assignment) is an :class:`LmsError`
naming the row: nothing is graded with a file the instructor did not mean.
"""

import csv
import datetime
import io
import os

from .errors import LmsError

HEADER = ["student_id", "assignment", "due"]


def parse_due(text):
    """A timezone-aware UTC datetime from an ISO 8601 string with a zone; ValueError otherwise."""
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    when = datetime.datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError("it has no time zone (write e.g. 2026-11-22T17:00:00+01:00 or ...Z)")
    return when.astimezone(datetime.timezone.utc)


def read_extensions(path):
    """{(student_id, assignment): due as an aware UTC datetime}; {} when `path` does not exist.

    Raises :class:`LmsError` (one line, naming the file and row) for a malformed file.
    """
    if not path or not os.path.exists(path):
        return {}
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise LmsError(f"{name}: cannot be read ({exc})") from None
    rows = list(csv.reader(io.StringIO(text)))
    while rows and not any(cell.strip() for cell in rows[0]):
        rows.pop(0)
    if not rows:
        return {}
    header = [cell.strip() for cell in rows[0]]
    if header != HEADER:
        raise LmsError(f"{name} row 1: the header must be {','.join(HEADER)}, not {','.join(header)}")
    out = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3 or not all(cell.strip() for cell in row):
            raise LmsError(f"{name} row {number}: expected student_id,assignment,due, got {','.join(row)!r}")
        student, assignment, due = (cell.strip() for cell in row)
        try:
            when = parse_due(due)
        except ValueError as exc:
            raise LmsError(f"{name} row {number}: due {due!r} is no ISO 8601 time with a zone ({exc})") from None
        if (student, assignment) in out:
            raise LmsError(f"{name} row {number}: a second extension for {student} on {assignment}")
        out[(student, assignment)] = when
    return out
