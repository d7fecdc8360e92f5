"""Hostile and broken submissions, graded for real by fmnist-grade: each gets the grade it must.

The corpus is ``tests/submissions/hostile_a5.py``. The test course is a copy of
``course/`` with assignment 5 only, its demo cells left out to keep the run
short; everything else is nbgrader's real flow (generate_assignment, the
sandboxed autograde, the gradebook, generate_feedback).
"""

import copy
import hashlib
import json
import os
import shutil
import socket
import threading

import pytest

from autograder.cli.grade_class import Options, format_table, grade_class
from autograder.sandbox.bwrap import Limits
from autograder.batch.nbgrader_cli import run_nbgrader
from fmnist_checks.notebook import is_answer, is_given, is_test, nbgrader_meta
from autograder.cli.samples import answer_sources, fill
from autograder.sandbox.bwrap import SandboxUnavailable, check_available
from submissions.hostile_a5 import CORPUS

pytestmark = pytest.mark.grading

ASSIGNMENT = "a5_evaluation"
HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.join(os.path.dirname(HERE), "course")


def _sandbox_or_skip():
    try:
        check_available()
    except SandboxUnavailable as exc:
        pytest.skip(str(exc))


def _strip_demos(nb):
    """Keep markdown, given, answer and test cells: the graded skeleton of the notebook."""
    nb = copy.deepcopy(nb)
    nb["cells"] = [c for c in nb["cells"]
                   if c["cell_type"] != "code" or is_given(c) or is_answer(c) or is_test(c)]
    return nb


def _listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(1.0)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server.getsockname()[1], stop, server


def _apply(op, nb, release_nb, solved, folder, course):
    kind, arg = op
    name = f"{ASSIGNMENT}.ipynb"
    if kind == "answers":
        answers = {k: v.replace("{COURSE}", course) for k, v in arg.items()}
        return fill(release_nb, dict(solved, **answers)), name
    if kind == "raw":
        return arg, name
    if kind == "rename":
        return nb, arg
    if kind == "drop_given":
        nb = copy.deepcopy(nb)
        nb["cells"] = [c for c in nb["cells"] if not (is_given(c) or is_test(c))]
        return nb, name
    if kind == "edit_given":
        nb = copy.deepcopy(nb)
        for cell in nb["cells"]:
            if is_given(cell):
                cell["source"] = arg
        return nb, name
    if kind == "grade_id":
        nb = copy.deepcopy(nb)
        for cell in nb["cells"]:
            if is_answer(cell) and nbgrader_meta(cell)["grade_id"] == arg[0]:
                cell["metadata"]["nbgrader"]["grade_id"] = arg[1]
        return nb, name
    if kind == "other_assignment":
        with open(os.path.join(COURSE, "source", "a1_data_pca", "a1_data_pca.ipynb"), encoding="utf-8") as fh:
            return json.load(fh), name
    if kind == "symlink":  # the notebook itself is a link
        return ("link", arg.replace("{COURSE}", course)), name
    if kind == "bad_metadata":  # cells whose metadata or source is not what Jupyter writes
        nb = copy.deepcopy(nb)
        nb["cells"] += [
            {"cell_type": "code", "metadata": {"nbgrader": True}, "source": "x = 1\n", "outputs": [],
             "execution_count": None},
            {"cell_type": "code", "metadata": ["not", "a", "dict"], "source": "y = 2\n", "outputs": [],
             "execution_count": None},
            {"cell_type": "markdown", "metadata": {}, "source": 42},
        ]
        return nb, name
    if kind == "extra_file":
        path = os.path.join(folder, arg[0])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(arg[1].replace("{COURSE}", course))
        return nb, name
    raise ValueError(kind)


def _digest(folder):
    h = hashlib.sha256()
    for root, _, files in sorted(os.walk(folder)):
        for name in sorted(files):
            with open(os.path.join(root, name), "rb") as fh:
                h.update(name.encode() + fh.read())
    return h.hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    _sandbox_or_skip()
    course = str(tmp_path_factory.mktemp("hostile") / "course")
    os.makedirs(os.path.join(course, "source"))
    shutil.copy(os.path.join(COURSE, "nbgrader_config.py"), course)
    shutil.copytree(os.path.join(COURSE, "source", ASSIGNMENT), os.path.join(course, "source", ASSIGNMENT),
                    ignore=shutil.ignore_patterns("__pycache__"))
    src_path = os.path.join(course, "source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
    with open(src_path, encoding="utf-8") as fh:
        source_nb = _strip_demos(json.load(fh))
    with open(src_path, "w", encoding="utf-8") as fh:
        json.dump(source_nb, fh)
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], cwd=course)
    with open(os.path.join(course, "release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), encoding="utf-8") as fh:
        release_nb = json.load(fh)
    solved = answer_sources(source_nb)
    port, stop, server = _listener()
    for student, (_, build, _) in CORPUS.items():
        folder = os.path.join(course, "submitted", student, ASSIGNMENT)
        os.makedirs(folder)
        nb, name = fill(release_nb, solved), f"{ASSIGNMENT}.ipynb"
        for op in build if isinstance(build, list) else [build]:
            nb, name = _apply(op, nb, release_nb, solved, folder, course)
        if isinstance(nb, tuple) and nb[0] == "link":
            os.symlink(nb[1], os.path.join(folder, name))
        else:
            text = nb if isinstance(nb, str) else json.dumps(nb).replace("{PORT}", str(port))
            with open(os.path.join(folder, name), "w", encoding="utf-8") as fh:
                fh.write(text)
        with open(os.path.join(folder, "timestamp.txt"), "w", encoding="utf-8") as fh:
            fh.write("2026-11-20 17:00:00.000000 UTC")
    before = {s: _digest(os.path.join(course, "submitted", s)) for s in CORPUS}
    before["course source"] = _digest(os.path.join(course, "source"))
    before["nbgrader_config.py"] = _file_digest(os.path.join(course, "nbgrader_config.py"))
    try:
        # small tmpfs sizes keep the resource attacks cheap; they are what is being tested
        results = grade_class(course, ASSIGNMENT, options=Options(
            jobs=2, cell_timeout=15, notebook_timeout=300, limits=Limits(tmp_mb=64)), progress=False)
    finally:
        stop.set()
        server.close()
    table = format_table(ASSIGNMENT, results)
    print(table)
    return course, {r.student: r for r in results}, dict(before, table=table)


def _file_digest(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


@pytest.mark.parametrize("student", sorted(CORPUS))
def test_each_submission_gets_its_grade(graded, student):
    _, results, _ = graded
    what, _, expected = CORPUS[student]
    result = results[student]
    for piece, want in expected.items():
        got = result.scores.get(piece)
        full = result.points[piece]
        target = full if want == "full" else want
        assert got == pytest.approx(target), (
            f"{student} ({what}): {piece} scored {got}, expected {target}; notes: {result.notes}; "
            f"message: {result.messages.get(piece, '')[:500]}")


def test_broken_submissions_say_what_is_wrong_in_one_line(graded):
    _, results, _ = graded
    assert any("no notebook named" in n for n in results["renamed"].notes)
    assert any("not valid notebook JSON" in n for n in results["corrupt"].notes)
    assert any("grade id" in n for n in results["changed_grade_id"].notes)
    assert any("another assignment" in n for n in results["other_assignment"].notes)
    assert any("accuracy" in n for n in results["infinite_loop"].notes)


def test_the_trusted_verdict_overrides_a_fooled_kernel(graded):
    course, results, _ = graded
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        for student in ("transformer", "swallow", "fake_autograder_wrong"):
            grade = gb.find_grade("test_accuracy", ASSIGNMENT, ASSIGNMENT, student)
            assert grade.score == 0, f"{student}: the gradebook says {grade.score}"
        grade = gb.find_grade("test_accuracy", ASSIGNMENT, ASSIGNMENT, "solved")
        assert grade.score == grade.max_score


def test_nothing_outside_a_submission_was_touched(graded):
    course, _, before = graded
    assert not os.path.exists(os.path.join(course, "pwned.txt"))
    assert not os.path.exists(os.path.join(course, "pwned_root.txt"))
    for student in CORPUS:
        assert _digest(os.path.join(course, "submitted", student)) == before[student], student
    assert _digest(os.path.join(course, "source")) == before["course source"]
    assert _file_digest(os.path.join(course, "nbgrader_config.py")) == before["nbgrader_config.py"]
    # the gradebook is still nbgrader's database, holding every student (not replaced, not a link)
    db = os.path.join(course, "gradebook.db")
    assert not os.path.islink(db)
    with open(db, "rb") as fh:
        assert fh.read(16) == b"SQLite format 3\x00"
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + db) as gb:
        assert {s.id for s in gb.students} >= set(CORPUS)
    # no course folder was made writable for the sandbox
    for root, dirs, _ in os.walk(course):
        for name in dirs:
            mode = os.lstat(os.path.join(root, name)).st_mode
            assert not mode & 0o002, os.path.join(root, name)
    # the autograded folders hold no link the kernel planted
    for root, dirs, files in os.walk(os.path.join(course, "autograded")):
        for name in dirs + files:
            assert not os.path.islink(os.path.join(root, name)), os.path.join(root, name)


def test_feedback_for_every_submission_hides_the_hidden_tests(graded):
    course, _, _ = graded
    run_nbgrader(["generate_feedback", ASSIGNMENT, "--force"], cwd=course)
    for student in CORPUS:
        html = os.path.join(course, "feedback", student, ASSIGNMENT, f"{ASSIGNMENT}.html")
        assert os.path.exists(html), student
        with open(html, encoding="utf-8") as fh:
            text = fh.read()
        assert "autograder.hidden" not in text and "BEGIN HIDDEN TESTS" not in text, student
        assert "Trusted grader" in text or "Grading notes" in text


def test_forged_and_looked_up_answers_score_nothing_in_the_gradebook(graded):
    course, results, _ = graded
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        for student in ("forge", "reach"):
            for piece in ("accuracy", "confusion_matrix", "precision_recall_f1"):
                grade = gb.find_grade(f"test_{piece}", ASSIGNMENT, ASSIGNMENT, student)
                assert grade.score == 0, f"{student}/{piece}: the gradebook says {grade.score}"
    assert "sklearn.metrics is not available" in results["reach"].messages["precision_recall_f1"]


def _feedback(course, student):
    path = os.path.join(course, "feedback", student, ASSIGNMENT, f"{ASSIGNMENT}.html")
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def test_feedback_leaks_nothing_and_runs_nothing(graded):
    course, results, _ = graded
    for student in ("leak", "inject", "inject_name"):  # made by the test above when it ran
        if not os.path.exists(os.path.join(course, "feedback", student)):
            run_nbgrader(["generate_feedback", ASSIGNMENT, "--force", "--student", student], cwd=course)
    leak = _feedback(course, "leak")
    # what the kernel printed (the hidden checks' and the reference's source) is not there
    assert "_random_labels" not in leak and "check_same_length" not in leak
    for student in ("inject", "inject_name"):
        html = _feedback(course, student)
        assert "<script>alert" not in html and "<img src=x" not in html and "\x1b" not in html, student
    # the fake points line is shown as text, never as the grader's bold line
    assert "<strong>Trusted grader, <code>accuracy</code>: 1 of 1 points</strong>" not in _feedback(course, "inject")
    assert any("malformed" in n for n in results["robust"].notes)


def test_the_grade_table_carries_no_escape_sequence(graded):
    _, _, before = graded
    table = before["table"]
    assert "\x1b" not in table and "\u202e" not in table and "\x07" not in table


def test_outputs_are_bounded(graded):
    course, results, _ = graded
    path = os.path.join(course, "autograded", "resources", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
    assert os.path.getsize(path) < 2 * 2**20
    assert results["resources"].scores["accuracy"] == results["resources"].points["accuracy"]


# --- fast checks of the pieces (no sandbox) ------------------------------------------------------

def test_the_grading_secret_is_private_and_repeats(tmp_path, monkeypatch):
    from autograder.hidden import SECRET_NAME, SEED_ENV, course_secret, grading_seed

    monkeypatch.delenv(SEED_ENV, raising=False)
    one = grading_seed(ASSIGNMENT, "alice", course_dir=str(tmp_path))
    path = tmp_path / SECRET_NAME
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600 and len(path.read_bytes()) == 32
    assert grading_seed(ASSIGNMENT, "alice", course_dir=str(tmp_path)) == one
    assert grading_seed(ASSIGNMENT, "bob", course_dir=str(tmp_path)) != one
    # the public rule a student can compute gives another seed
    assert grading_seed(ASSIGNMENT, "alice") != one
    other = tmp_path / "other"
    other.mkdir()
    assert grading_seed(ASSIGNMENT, "alice", course_dir=str(other)) != one
    # the kernel gets only the derived seed
    monkeypatch.setenv(SEED_ENV, str(one))
    assert grading_seed(ASSIGNMENT) == one
    path.chmod(0o644)
    with pytest.raises(PermissionError):
        course_secret(str(tmp_path))


def test_two_runs_never_share_sandbox_uids():
    from autograder.sandbox.uids import UidRange

    with UidRange(4) as one, UidRange(4) as two:
        assert not set(one.uids) & set(two.uids)


def test_plain_loads_bounds_arrays_before_allocating():
    from fmnist_checks.plain import loads

    for text in ('{"__ndarray__": ["a"], "dtype": "<U200000000", "shape": [1]}',
                 '{"__ndarray__": [], "dtype": "<f8", "shape": [100000, 100000]}',
                 '{"__ndarray__": [1, 2, 3], "dtype": "<f8", "shape": [1]}',
                 '{"__ndarray__": [1], "dtype": "|O", "shape": [1]}'):
        with pytest.raises(Exception):
            loads(text)


def test_escaping_leaves_nothing_live():
    from autograder.untrusted.escape import md_block, md_inline, terminal

    text = "<script>x</script> **1 of 1 points** \x1b[2J\x1b]0;t\x07 \u202e"
    assert "<" not in md_inline(text) and "**" not in md_inline(text)
    assert "\x1b" not in terminal(text) and "\u202e" not in terminal(text)
    assert md_block("a </pre> <b>").count("</pre>") == 1


def test_the_grader_reads_no_link(tmp_path):
    from autograder.sandbox.safefs import UnsafePath, read_regular, replace_file

    target = tmp_path / "target.txt"
    target.write_text("course file")
    link = tmp_path / "notebook.ipynb"
    link.symlink_to(target)
    with pytest.raises(UnsafePath):
        read_regular(str(link), 1000)
    replace_file(str(link), b"new")
    assert target.read_text() == "course file" and not link.is_symlink()


def test_the_sandbox_finds_matplotlibs_font_list_built_and_cannot_change_it():
    """A kernel's /tmp is new each time; matplotlib would scan every font to rebuild its list
    in it (0.35 CPU s a kernel). The grader's own list is bound there, read-only."""
    import subprocess
    import sys

    from autograder.sandbox.bwrap import matplotlib_font_list, wrap

    _sandbox_or_skip()
    fonts = matplotlib_font_list()
    assert fonts and os.path.basename(fonts).startswith("fontlist-"), fonts
    code = ("import os, matplotlib.font_manager as fm\n"
            "name = [n for n in os.listdir('/tmp') if n.startswith('fontlist-')]\n"
            "try:\n    open('/tmp/' + name[0], 'a').write('x'); wrote = True\n"
            "except OSError:\n    wrote = False\n"
            "print(name, wrote, len(fm.fontManager.ttflist) > 0)")
    proc = subprocess.run(wrap([sys.executable, "-c", code], writable=[], limits=Limits()),
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == f"['{os.path.basename(fonts)}'] False True", proc.stdout + proc.stderr[-2000:]
