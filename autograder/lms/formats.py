"""What each LMS's gradebook file looks like, going out (the roster) and coming back (the grades).

Sources (see also ``/work/shared/LMS_FORMATS.md`` of the project's notes):

* **Canvas**: ``lib/gradebook_exporter.rb`` and ``lib/gradebook_importer.rb``
  of instructure/canvas-lms. The export's header is ``Student, ID, [SIS User
  ID], SIS Login ID, [Integration ID], [Root Account], Section``, custom
  columns, then one ``Title (12345)`` column per assignment and the totals;
  the second row's first cell holds ``Points Possible``. The importer
  requires ``Student`` and ``ID`` first and ``Section`` last among the student
  columns, matches students by Canvas ``ID``, then SIS User ID, then SIS Login
  ID, then name, and an assignment header by ``\\A(.*)\\s\\((\\d+)\\)\\z``
  (else by exact title, else it creates the assignment). A blank cell (or
  ``-``) changes nothing.
* **Moodle**: ``grade/import/csv``: the teacher maps one column to
  ``userid``, ``username``, ``useridnumber`` or ``useremail``, and each
  grade column to a grade item; the export's user columns are ``First name,
  Last name, ID number, Institution, Department, Email address`` and grade
  items are named ``Assignment: Title (Real)``.
* **Blackboard Learn** (Original Grade Center): ``Username`` is the key; an
  existing column's header ends with ``|<column id>``
  (``Quiz 3 [Total Pts: 10 Score] |664617``); a header without one creates
  a text column. In CSV every field is quoted.
* **Brightspace (D2L)**: ``OrgDefinedId`` and/or ``Username``, first and second
  (exported with a leading ``#``; the sample import file has none), no other
  user columns ("do not import ... a user's first name, email"); grade columns
  ``<Item> Points Grade`` (a new item declared as ``<Item> Points Grade
  <Numeric MaxPoints:N>``); the last column ``End-of-Line Indicator`` holds
  ``#`` on every row (community.d2l.com article 3538, "Importing grades").
"""

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Format:
    """One LMS's gradebook file."""

    name: str
    id_column: str  # the roster column that becomes nbgrader's student id by default
    key_column: str  # the LMS's own key, stored as nbgrader's Student.lms_user_id
    identity: tuple  # the roster's student columns an import file carries, in the LMS's order
    required: tuple  # columns the roster must have
    first_name: str = ""
    last_name: str = ""
    full_name: str = ""  # "Last, First" in one column (Canvas)
    email: str = ""
    strip_hash: tuple = ()  # columns exported with a leading '#' (Brightspace)
    quote_all: bool = False
    end_of_line: str = ""  # a last column holding '#' (Brightspace)
    skip_rows: tuple = field(default=())  # first-cell texts of rows that are not students


CANVAS = Format(
    name="canvas", id_column="SIS Login ID", key_column="ID",
    identity=("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Root Account", "Section"),
    required=("Student", "ID", "Section"), full_name="Student",
    skip_rows=("Points Possible",))
MOODLE = Format(
    name="moodle", id_column="ID number", key_column="ID number",
    identity=("First name", "Last name", "Username", "ID number", "Email address"),
    required=("First name", "Last name"), first_name="First name", last_name="Last name", email="Email address")
BLACKBOARD = Format(
    name="blackboard", id_column="Username", key_column="Username",
    identity=("Last Name", "First Name", "Username", "Student ID"),
    required=("Username",), first_name="First Name", last_name="Last Name", quote_all=True)
BRIGHTSPACE = Format(
    name="brightspace", id_column="Username", key_column="OrgDefinedId",
    identity=("OrgDefinedId", "Username"),  # "Do not import other options, such as a user's first name, email"
    required=(), first_name="First Name", last_name="Last Name", email="Email",
    strip_hash=("OrgDefinedId", "Username"), end_of_line="End-of-Line Indicator")

FORMATS = {f.name: f for f in (CANVAS, MOODLE, BLACKBOARD, BRIGHTSPACE)}

# Canvas's computed columns, skipped by its importer (a header that contains one of these)
CANVAS_TOTALS = ("Current Score", "Current Points", "Current Grade", "Final Score", "Final Points",
                 "Final Grade", "Override Score", "Override Grade", "Override Status")


def column_title(lms, header):
    """The title an LMS's grade column header names, without the LMS's decorations.

    >>> column_title("canvas", "A5 Evaluation (1234)")
    'A5 Evaluation'
    >>> column_title("moodle", "Assignment: a5_evaluation (Real)")
    'a5_evaluation'
    >>> column_title("blackboard", "a5_evaluation [Total Pts: 30 Score] |664617")
    'a5_evaluation'
    >>> column_title("brightspace", "a5_evaluation Points Grade <Numeric MaxPoints:30>")
    'a5_evaluation'
    """
    title = header.strip()
    if lms == "canvas":
        title = re.sub(r"\s\(\d+\)$", "", title)
    elif lms == "moodle":
        title = re.sub(r"\s*\((Real|Letter|Percentage|Scale)\)$", "", title)
        title = re.sub(r"^[^:]{1,40}:\s*", "", title)
    elif lms == "blackboard":
        title = re.sub(r"\s*\|\d+$", "", title)
        title = re.sub(r"\s*\[Total Pts:[^\]]*\]$", "", title)
    elif lms == "brightspace":
        title = re.sub(r"\s*<[^>]*>$", "", title)
        title = re.sub(r"\s+(Points Grade|Grade Symbol|Text Grade|Scheme Symbol)$", "", title)
    return title.strip()


def normalise(title):
    """A title compared ignoring case, ``_`` and spaces."""
    return re.sub(r"[\s_]+", "", title).casefold()


def new_column(lms, assignment, max_score):
    """The header of a grade column the roster does not have (the LMS creates the item)."""
    if lms == "brightspace":
        return f"{assignment} Points Grade <Numeric MaxPoints:{format_number(max_score)}>"
    return assignment


def format_number(value):
    """A score as an LMS reads it: at most two decimals, no trailing zeros, a '.' decimal point."""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
