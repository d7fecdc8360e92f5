"""Rosters in, grades out: each LMS's file as its own import rules read it.

The rules each test checks are the LMS's (see autograder/lms/formats.py for
the sources): Canvas's importer (lib/gradebook_importer.rb) wants ``Student``
then ``ID`` and ``Section`` last among the student columns, a ``Points
Possible`` row, assignment headers ``Title (id)``, students found by ID;
Moodle maps a user column (ID number, email) and one column per grade item;
Blackboard keys on ``Username`` and reads a column's id after ``|``;
Brightspace wants ``OrgDefinedId``/``Username``, ``... Points Grade`` columns
and ``End-of-Line Indicator`` last. Real nbgrader gradebooks, temporary SQLite.
"""

import csv
import io
import os
import re
import shutil

import pytest
from nbgrader.api import Gradebook

from autograder.untrusted.escape import csv_cell
from autograder.lms.errors import LmsError
from autograder.lms.formats import FORMATS
from autograder.lms.exporters import build_export, write_export
from autograder.lms.roster import import_roster, read_roster
from lms_helpers import ASSIGNMENT, FILES, grade, new_gradebook

pytestmark = pytest.mark.course
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _roster(lms):
    return read_roster(os.path.join(FILES, f"{lms}_roster.csv"), lms)


def _class(tmp_path, lms):
    """A gradebook with the roster imported: jnunez 18+7, sobrien 20+9 with a 2-point late penalty, jsmith none."""
    url = new_gradebook(tmp_path)
    added, updated, _ = import_roster(url, _roster(lms))
    grade(url, "jnunez", 18, 7)
    grade(url, "sobrien", 20, 9, penalty=2.0)
    return url, added


def _export(tmp_path, lms, **kw):
    url, _ = _class(tmp_path, lms)
    with Gradebook(url) as gb:
        table = build_export(gb, _roster(lms), [ASSIGNMENT], **kw)
    out = tmp_path / f"{lms}.csv"
    write_export(str(out), table)
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # UTF-8 without a BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA), (lms, cell)
    return rows, raw.decode("utf-8"), table


def test_canvas_file_follows_canvas_importer(tmp_path):
    rows, _, table = _export(tmp_path, "canvas")
    header = rows[0]
    # gradebook_importer.rb: row[0] includes "Student", row[1] "ID"; SIS User ID then SIS Login ID;
    # the last student column includes "Section"; then the assignments
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert header[5:] == ["A5 Evaluation (4242)"]  # the roster's own header: matched by id 4242
    assert re.fullmatch(r"(.*)\s\((\d+)\)", header[5])  # Assignment.title_and_id's pattern
    assert "Points Possible" in rows[1][0] and rows[1][5] == "30"
    by_id = {r[1]: r for r in rows[2:]}
    assert by_id["7301"][5] == "25" and by_id["7302"][5] == "27"  # 20+9 less the late penalty of 2
    assert by_id["7303"][5] == ""  # no submission: blank, "no change" in Canvas
    assert by_id["7301"][0] == "Núñez, José María" and by_id["7302"][0] == "O'Brien, Seán"
    assert by_id["7303"][0] == "Smith, Jr., John"
    assert by_id["7304"][0] == "'=\"=1+2, Eve\""  # Canvas's own ="..." quoting, made inert
    assert "7399" not in by_id  # Canvas's Test Student has no login: not a student here
    assert not any("Current Score" in h or "Final" in h for h in header)  # Canvas ignores totals anyway


def test_canvas_new_assignment_gets_its_title_and_missing_zero(tmp_path):
    rows, _, table = _export(tmp_path, "canvas", columns=[f"{ASSIGNMENT}=a5_evaluation"], missing="zero")
    assert rows[0][5] == "a5_evaluation"  # no "(id)": Canvas matches it by title or creates it
    assert {r[1]: r[5] for r in rows[2:]}["7303"] == "0"
    assert any("Canvas creates the assignment" in m for m in table.messages)


def test_moodle_file_has_mappable_identity_columns(tmp_path):
    rows, _, _ = _export(tmp_path, "moodle")
    assert rows[0] == ["First name", "Last name", "ID number", "Email address", "Assignment: a5_evaluation (Real)"]
    by_idnumber = {r[2]: r for r in rows[1:]}
    assert by_idnumber["jnunez"][3] == "jose.nunez@example.edu" and by_idnumber["jnunez"][4] == "25"
    assert by_idnumber["jsmith"][1] == "Smith, Jr."


def test_blackboard_file_keys_on_username_and_keeps_column_id(tmp_path):
    rows, text, _ = _export(tmp_path, "blackboard")
    assert rows[0] == ["Last Name", "First Name", "Username", "Student ID",
                       "a5_evaluation [Total Pts: 30 Score] |664617"]
    assert rows[0][-1].endswith("|664617")
    for line in text.strip().splitlines():  # in CSV every field is quoted
        assert line.startswith('"') and line.endswith('"')
    assert {r[2]: r[4] for r in rows[1:]} == {"jnunez": "25", "sobrien": "27", "jsmith": ""}


def test_brightspace_file_has_points_grade_columns_and_end_of_line(tmp_path):
    rows, _, _ = _export(tmp_path, "brightspace")
    header = rows[0]
    # OrgDefinedId and Username first and second, no other user column, as the sample import file
    assert header[:2] == ["OrgDefinedId", "Username"] and len(header) == 4
    assert re.fullmatch(r".+ Points Grade( <.*>)?", header[2]) and header[-1] == "End-of-Line Indicator"
    assert all(r[-1] == "#" for r in rows[1:])
    assert {r[0]: (r[1], r[2]) for r in rows[1:]} == {"20261001": ("jnunez", "25"), "20261002": ("sobrien", "27"),
                                                     "20261003": ("jsmith", "")}


def test_brightspace_new_item_declares_its_points(tmp_path):
    url = new_gradebook(tmp_path)
    roster = _roster("brightspace")
    import_roster(url, roster)
    roster.header = [h for h in roster.header if "A5" not in h]
    with Gradebook(url) as gb:
        table = build_export(gb, roster, [ASSIGNMENT])
    assert table.header[2] == "a5_evaluation Points Grade <Numeric MaxPoints:30>"


@pytest.mark.parametrize("lms", ["canvas", "moodle", "blackboard", "brightspace"])
def test_round_trip_keeps_names_and_keys(tmp_path, lms):
    url, added = _class(tmp_path, lms)
    roster = _roster(lms)
    assert sorted(added) == sorted(r.id for r in roster.students)
    with Gradebook(url) as gb:
        s = gb.find_student("sobrien")
        assert (s.first_name, s.last_name) == ("Seán", "O'Brien")
        assert gb.find_student("jnunez").last_name == "Núñez"
        assert gb.find_student("jsmith").last_name in ("Smith", "Smith, Jr.")
        assert s.lms_user_id == {"canvas": "7302", "moodle": "sobrien", "blackboard": "sobrien",
                                 "brightspace": "20261002"}[lms]
    with Gradebook(url) as gb:
        table = build_export(gb, roster, [ASSIGNMENT])
    write_export(str(tmp_path / "out.csv"), table)
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as fh:
        written = list(csv.reader(fh))
    # the identity cells are the roster's, cell for cell (only a formula is made inert)
    for r, row in zip(roster.students, written[2:] if lms == "canvas" else written[1:]):
        for h, cell in zip(written[0], row):
            if h in FORMATS[lms].identity:
                assert cell == csv_cell(r.cells[h].lstrip("#")), (h, cell)
        assert r.id in row


def test_students_left_out_are_listed_never_dropped(tmp_path):
    url, _ = _class(tmp_path, "canvas")
    grade(url, "walkin", 15, 5)  # graded in nbgrader, not in the roster
    roster = _roster("canvas")
    roster.students.append(type(roster.students[0])(99, "ghost", cells={"ID": "7999", "Student": "Ghost, A"},
                                                    lms_key="7999"))
    with Gradebook(url) as gb:
        table = build_export(gb, roster, [ASSIGNMENT])
    text = " ".join(table.messages)
    assert "walkin" in text and "not in the roster" in text
    assert "ghost" in text and "unknown to nbgrader" in text
    assert any(r[1] == "7999" and r[5] == "" for r in table.rows)


def test_matching_is_by_key_not_by_name(tmp_path):
    url = new_gradebook(tmp_path)
    with Gradebook(url) as gb:  # nbgrader's id differs from the roster's login; the Canvas ID matches
        gb.update_or_create_student("jn2026", first_name="Someone", last_name="Else", lms_user_id="7301")
    grade(url, "jn2026", 10, 10)
    with Gradebook(url) as gb:
        table = build_export(gb, _roster("canvas"), [ASSIGNMENT])
    assert {r[1]: r[5] for r in table.rows[1:]}["7301"] == "20"


def test_ungraded_written_answers_refuse_unless_partial(tmp_path):
    url, _ = _class(tmp_path, "canvas")
    grade(url, "jsmith", 12)  # the written answer not graded yet
    with Gradebook(url) as gb:
        with pytest.raises(LmsError, match=r"not graded yet: jsmith a5_evaluation/comparison"):
            build_export(gb, _roster("canvas"), [ASSIGNMENT])
        table = build_export(gb, _roster("canvas"), [ASSIGNMENT], partial=True)
    assert {r[1]: r[5] for r in table.rows[1:]}["7303"] == "12"
    assert any("--partial" in m for m in table.messages)


@pytest.mark.parametrize("text, message", [
    ("Student,ID,Section\nAnn,1,A\n", "SIS Login ID"),  # the chosen column is missing
    ("Student,ID,SIS Login ID,Section\n\"B, A\",1,ann,S\n\"C, A\",2,ann,S\n", "rows 2 and 3 have the same"),
    ("Student,ID,SIS Login ID,Section\n\"B, A\",1,../etc,S\n", "cannot be an nbgrader student id"),
    ("Student,ID,SIS Login ID,Section\n\"B, A\",1,ann smith,S\n", "cannot be an nbgrader student id"),
    ("Student,ID,SIS Login ID,Section\n\"B, A\",1,,S\n", "has no SIS Login ID"),
])
def test_roster_refusals(tmp_path, text, message):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LmsError, match=message):
        read_roster(str(path), "canvas")


def test_ambiguous_column_refuses(tmp_path):
    url, _ = _class(tmp_path, "canvas")
    roster = _roster("canvas")
    roster.header = roster.header + ["a5 evaluation (9999)"]
    with Gradebook(url) as gb, pytest.raises(LmsError, match="--column a5_evaluation=HEADER"):
        build_export(gb, roster, [ASSIGNMENT])


def test_blackboard_utf16_tab_download_is_read(tmp_path):
    with open(os.path.join(FILES, "blackboard_roster.csv"), encoding="utf-8") as fh:
        text = fh.read()
    rows = list(csv.reader(io.StringIO(text)))
    path = tmp_path / "gc.xls"
    path.write_bytes("\n".join("\t".join(r) for r in rows).encode("utf-16"))
    assert [s.id for s in read_roster(str(path), "blackboard").students] == ["jnunez", "sobrien", "jsmith"]


def test_cli_roster_and_export_and_refusals(tmp_path, capsys):
    from autograder.cli.grade_class import main

    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    url = new_gradebook(course)
    roster = os.path.join(FILES, "canvas_roster.csv")
    assert main(["roster", roster, "--lms", "canvas", "--course", str(course)]) == 0
    assert "4 added" in capsys.readouterr().out
    grade(url, "jnunez", 18, 7)
    out = tmp_path / "grades.csv"
    bad = tmp_path / "bad.csv"
    shutil.copy(roster, bad)
    assert main(["export", ASSIGNMENT, "--lms", "canvas", "--roster", str(bad), "--out", str(out),
                 "--course", str(course), "--id-column", "Nope"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Nope" in err and not out.exists()
    assert main(["export", "a9_none", "--lms", "canvas", "--roster", roster, "--out", str(out),
                 "--course", str(course)]) == 2
    assert not out.exists()
    assert main(["export", ASSIGNMENT, "--lms", "canvas", "--roster", roster, "--out", str(out),
                 "--course", str(course)]) == 0
    assert "25" in out.read_text(encoding="utf-8")


def test_nbgrader_export_with_the_plugin_gives_the_same_file(tmp_path, monkeypatch):
    from autograder.cli.grade_class import main

    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    url = new_gradebook(course)
    roster = os.path.join(FILES, "canvas_roster.csv")
    import_roster(url, read_roster(roster, "canvas"))
    grade(url, "jnunez", 18, 7)
    grade(url, "sobrien", 20, 9, penalty=2.0)
    ours = tmp_path / "ours.csv"
    assert main(["export", ASSIGNMENT, "--lms", "canvas", "--roster", roster, "--out", str(ours),
                 "--course", str(course)]) == 0
    # nbgrader's own export app, with the plugin (the guide test runs the `nbgrader export` command itself)
    from nbgrader.apps.exportapp import ExportApp

    def nbgrader_export(*args):
        app = ExportApp()
        app.initialize(["--exporter=autograder.lms.exporters.CanvasExport", f"--LmsExport.roster={roster}", *args])
        app.start()

    monkeypatch.chdir(course)
    nbgrader_export("--to=theirs.csv", f"--assignment={ASSIGNMENT}")
    assert (course / "theirs.csv").read_bytes() == ours.read_bytes()
    with pytest.raises(SystemExit) as stop:  # a refusal through nbgrader: exit status 2, no file
        nbgrader_export("--LmsExport.id_column=Nope", "--to=refused.csv")
    assert stop.value.code == 2 and not (course / "refused.csv").exists()
