"""Every fenced bash command of the instructor's guide and the README works as written.

The commands of each ```bash block run one by one, in document order, in a
temporary copy of the course (the instructor's blocks from the project root,
a block opening with "# as a student" from a student's home), with the virtual environment's scripts first on PATH and a private
exchange (FMNIST_EDU_EXCHANGE). A command that fails, or that prints an
nbgrader error or a traceback, fails the test.

A few commands cannot run here; :data:`NOT_RUN` says why, and
:data:`STAND_INS` says what runs in their place (a cheaper command that keeps
the flow going). :data:`BEFORE` and :data:`AFTER` do what a person would do
between two commands (a student's work, an LMS download). A command in the
docs that is in none of these runs as written; an entry here whose command
left the docs fails the test, so the lists stay true.
"""

import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
import zipfile

import pytest

from autograder.cli.samples import answer_sources, fill

pytestmark = pytest.mark.course

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = ("docs/instructor_guide.md", "README.md")
ASSIGNMENT = "a5_evaluation"

NOT_RUN = {
    'python3 -m venv .venv && .venv/bin/pip install -e ".[course]" && .venv/bin/fmnist-edu reproduce --out results':
        "installs from the network and reruns the study (minutes); .ci/run runs it on a clean clone",
    ".venv/bin/python -m pytest": "the whole test suite, which this test is part of; .ci/run runs it",
    'python3 -m venv .venv && .venv/bin/pip install -e ".[course]"':
        "installs from the network; this test runs in the environment it made",
    "source .venv/bin/activate": "this test puts the environment's scripts first on PATH instead",
    "$(command -v sudo) apt-get install -y bubblewrap": "needs root and the network; the sandbox tests need bubblewrap",
    'python3 -m pip install numpy scikit-learn matplotlib "torch>=2.2,<2.14" pytest jupyterlab nbgrader==0.9.6':
        "installs from the network; this test runs in the environment it made, which holds them "
        "(test_the_students_install_line_is_what_the_course_uses checks the list)",
    "export FMNIST_EDU_DATA=/path/to/fashion-mnist": "a placeholder path; CI sets FMNIST_EDU_DATA",
    "export FMNIST_EDU_EXCHANGE=/srv/fmnist-edu/exchange":
        "a shared folder an admin provides; this test sets FMNIST_EDU_EXCHANGE to a temporary folder",
    ".venv/bin/fmnist-course-demo a5_evaluation":
        "the whole sandboxed flow of four students (minutes); tests/test_course_flow.py runs it",
    ".venv/bin/fmnist-course-demo a2_decision_tree --keep /tmp/demo":
        "the whole sandboxed flow of four students (minutes); tests/test_course_flow.py runs it",
}

STUDENT_CONFIG = "$(command -v sudo) install -D -m 644 course/student_nbgrader_config.py /etc/jupyter/nbgrader_config.py"

STAND_INS = {
    STUDENT_CONFIG: ("writes /etc/jupyter for every user of this machine: the student's own "
                     "~/.jupyter/nbgrader_config.py gets the same file instead (AFTER)", ":"),
    # command: (why it does not run here, what runs instead)
    "fmnist-grade a5_evaluation --jobs 2": (
        "sandboxed grading takes minutes; tests/test_course_flow.py and tests/test_grading_hostile.py run it",
        "nbgrader autograde a5_evaluation --no-execute --force"),
    "nbgrader validate source/a5_evaluation/a5_evaluation.ipynb": (
        "runs the whole notebook on the Fashion-MNIST files: only where FMNIST_EDU_DATA names them",
        None),  # replaced below when the data is there
}

if os.environ.get("FMNIST_EDU_DATA"):
    del STAND_INS["nbgrader validate source/a5_evaluation/a5_evaluation.ipynb"]
else:
    STAND_INS["nbgrader validate source/a5_evaluation/a5_evaluation.ipynb"] = (
        STAND_INS["nbgrader validate source/a5_evaluation/a5_evaluation.ipynb"][0], ":")

# "jupyter lab" starts a server: instead, check that what the guide points to is installed and
# enabled (the formgrader server extension, the labextension that adds the Nbgrader menu)
STAND_INS["jupyter lab"] = (
    "an interactive server; its formgrader extension and the Nbgrader menu must be installed",
    'prefix="$(python -c "import sys; print(sys.prefix)")" && '
    "grep -q '\"nbgrader.server_extensions.formgrader\": true' "
    '"$prefix/etc/jupyter/jupyter_server_config.d/nbgrader.json" && '
    'test -f "$prefix/share/jupyter/labextensions/@jupyter/nbgrader/package.json"')


def _solve(ctx):
    """The student's work: the fetched notebook, answered (the solutions of the source)."""
    path = os.path.join(ctx["student_home"], ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
    with open(os.path.join(ctx["course"], "source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), encoding="utf-8") as fh:
        source = json.load(fh)
    with open(path, encoding="utf-8") as fh:
        fetched = json.load(fh)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(fill(fetched, answer_sources(source)), fh)


def _lms_download(ctx):
    """bob's notebook as an LMS hands it out: in a zip, with the LMS's file name."""
    archive = os.path.join(ctx["course"], "downloaded", ASSIGNMENT, "archive")
    os.makedirs(archive, exist_ok=True)
    with open(os.path.join(ctx["course"], "release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), encoding="utf-8") as fh:
        blank = fh.read()
    with zipfile.ZipFile(os.path.join(archive, "bob.zip"), "w") as zf:
        zf.writestr(f"bob_attempt_2026-11-20-17-00-00_{ASSIGNMENT}.ipynb", blank)


def _student_config(ctx):
    """The student configuration, where the student's nbgrader reads it (her JUPYTER_CONFIG_DIR)."""
    folder = os.path.join(ctx["student_home"], ".jupyter")
    os.makedirs(folder, exist_ok=True)
    shutil.copyfile(os.path.join(ctx["course"], "student_nbgrader_config.py"),
                    os.path.join(folder, "nbgrader_config.py"))


def _me():
    return pwd.getpwuid(os.getuid()).pw_name


# each LMS's gradebook export of this course's two students (the OS user, who submitted through
# the exchange, and bob), as the instructor downloads it into course/
ROSTERS = {
    "canvas_gradebook.csv": (
        "Student,ID,SIS User ID,SIS Login ID,Section,A5 Evaluation (4242),Current Score,Final Score\n"
        "    Points Possible,,,,,30.00,(read only),(read only)\n"
        '"Núñez, José María",7301,20261001,{me},ML 2026,,,\n"O\'Brien, Bob",7302,20261002,bob,ML 2026,,,\n'),
    "moodle_grades.csv": (
        "First name,Last name,ID number,Institution,Department,Email address,Assignment: a5_evaluation (Real)\n"
        "José María,Núñez,{me},Uni,CS,jose@example.edu,-\nBob,O'Brien,bob,Uni,CS,bob@example.edu,-\n"),
    "blackboard_gc.csv": (
        '"Last Name","First Name","Username","Student ID","Last Access","Availability",'
        '"a5_evaluation [Total Pts: 30 Score] |664617"\n'
        '"Núñez","José María","{me}","20261001","","Available",""\n'
        '"O\'Brien","Bob","bob","20261002","","Available",""\n'),
    "brightspace_grades.csv": (
        "OrgDefinedId,Username,Last Name,First Name,Email,"
        "A5 Evaluation Points Grade <Numeric MaxPoints:30>,End-of-Line Indicator\n"
        "#20261001,#{me},Núñez,José María,jose@example.edu,,#\n#20261002,#bob,O'Brien,Bob,bob@example.edu,,#\n"),
}


def _roster_download(name):
    def download(ctx):
        with open(os.path.join(ctx["course"], name), "w", encoding="utf-8") as fh:
            fh.write(ROSTERS[name].format(me=_me()))
    return download


def _grade_written(ctx):
    """A TA grades the written answers in formgrader (the LMS export refuses while any is ungraded)."""
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + os.path.join(ctx["course"], "gradebook.db")) as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.max_score and g.auto_score is None and g.manual_score is None:
                        g.manual_score = 1.0
        gb.db.commit()


BEFORE = {"nbgrader zip_collect a5_evaluation": _lms_download,
          "fmnist-grade roster canvas_gradebook.csv --lms canvas": _roster_download("canvas_gradebook.csv"),
          "fmnist-grade roster moodle_grades.csv --lms moodle": _roster_download("moodle_grades.csv"),
          "fmnist-grade roster blackboard_gc.csv --lms blackboard": _roster_download("blackboard_gc.csv"),
          "fmnist-grade roster brightspace_grades.csv --lms brightspace": _roster_download("brightspace_grades.csv"),
          "fmnist-grade export a5_evaluation --lms canvas --roster canvas_gradebook.csv --out canvas_grades.csv":
              _grade_written}
AFTER = {"nbgrader fetch_assignment a5_evaluation": _solve, STUDENT_CONFIG: _student_config}


def bash_blocks(text):
    """The fenced ```bash blocks of a markdown text."""
    return re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M)


def commands(block):
    """The commands of a block: continuation lines joined, comments dropped."""
    joined = re.sub(r"\s*\\\n\s*", " ", block)
    out = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#\s.*$", "", line).strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def documented():
    """[(doc, role, [commands])] of every bash block, in document order."""
    found = []
    for doc in DOCS:
        with open(os.path.join(ROOT, doc), encoding="utf-8") as fh:
            for block in bash_blocks(fh.read()):
                role = "student" if block.lstrip().lower().startswith("# as a student") else "instructor"
                found.append((doc, role, commands(block)))
    return found


def test_the_docs_have_bash_blocks_and_the_lists_are_current():
    blocks = documented()
    assert len(blocks) >= 6, blocks
    every = {c for _, _, cmds in blocks for c in cmds}
    stale = [c for c in list(NOT_RUN) + list(STAND_INS) + list(BEFORE) + list(AFTER) if c not in every]
    assert not stale, f"listed here but no longer in the docs: {stale}"


def test_extraction_joins_lines_and_drops_comments():
    block = "# a comment\ncd course\nnbgrader a \\\n   b   # why\n"
    assert commands(block) == ["cd course", "nbgrader a b"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("guide")
    project = root / "project"
    shutil.copytree(os.path.join(ROOT, "course"), project / "course", ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "feedback_lms", "gradebook.db", "__pycache__",
        "exchange", "downloaded", "reports", "*.csv"))
    for name in ("home-instructor", "home-alice", "exchange"):
        (root / name).mkdir()
    return root


def _run(command, cwd, env, state):
    """Run one command in bash from `cwd` with `state` (exports of earlier commands); return (rc, output, cwd)."""
    script = (f'source "{state}" 2>/dev/null || true\ncd "{cwd}"\nset -e -o pipefail\n{command}\n'
              f'set +e\nexport -p > "{state}"\npwd > "{state}.cwd"\n')
    proc = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    new_cwd = cwd
    if proc.returncode == 0 and os.path.exists(f"{state}.cwd"):
        with open(f"{state}.cwd", encoding="utf-8") as fh:
            new_cwd = fh.read().strip() or cwd
    return proc.returncode, proc.stdout + proc.stderr, new_cwd


def test_every_command_works_as_written(project):
    scripts = os.path.dirname(sys.executable)
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    base["PATH"] = scripts + os.pathsep + base.get("PATH", "")
    base["FMNIST_EDU_EXCHANGE"] = str(project / "exchange")
    base["MPLBACKEND"] = "Agg"
    homes = {"instructor": project / "home-instructor", "student": project / "home-alice"}
    envs = {"instructor": dict(base, HOME=str(homes["instructor"])),
            "student": dict(base, HOME=str(homes["student"]),
                            JUPYTER_CONFIG_DIR=str(homes["student"] / ".jupyter"))}
    ctx = {"course": str(project / "project" / "course"), "student_home": str(homes["student"])}
    log = []
    for doc, role, cmds in documented():
        cwd = str(project / "project") if role == "instructor" else str(homes["student"])
        state = str(project / f"state-{role}.sh")
        if os.path.exists(state):
            os.remove(state)
        for command in cmds:
            if command in NOT_RUN:
                log.append(f"not run: {command} ({NOT_RUN[command]})")
                continue
            run = command
            if command in STAND_INS:
                run = STAND_INS[command][1]
            if command in BEFORE:
                BEFORE[command](ctx)
            start = time.perf_counter()
            rc, out, cwd = _run(run, cwd, envs[role], state)
            log.append(f"$ {run}  [{role}, rc {rc}, {time.perf_counter() - start:.1f} s]")
            bad = [m for m in ("[ERROR]", "| ERROR]", "Traceback (most recent call last)") if m in out]
            assert rc == 0 and not bad, f"{doc}: `{command}` failed (rc {rc}, {bad}):\n{out[-4000:]}"
            if command in AFTER:
                AFTER[command](ctx)
    course = ctx["course"]
    print("\n".join(log))
    # what the flow must have produced; nbgrader submits as the OS user running the command
    me = pwd.getpwuid(os.getuid()).pw_name
    for student, how in ((me, "nbgrader collect"), ("bob", "nbgrader zip_collect")):
        assert os.path.exists(os.path.join(course, "submitted", student, ASSIGNMENT, f"{ASSIGNMENT}.ipynb")), \
            f"{how} did not collect {student}'s submission:\n" + "\n".join(log)
        assert os.path.exists(os.path.join(course, "feedback", student, ASSIGNMENT, f"{ASSIGNMENT}.html")), log
    # the student ran pytest and saved in JupyterLab: neither cache nor checkpoint was handed in
    handed_in = os.listdir(os.path.join(course, "submitted", me, ASSIGNMENT))
    assert ".pytest_cache" not in handed_in and ".ipynb_checkpoints" not in handed_in, handed_in
    released = os.listdir(os.path.join(str(project / "exchange"), "fmnist-edu", "feedback"))
    assert len(released) == 1 and released[0].endswith(".html"), released  # alice's, through the exchange
    fetched = os.path.join(ctx["student_home"], ASSIGNMENT, "feedback")
    assert os.path.isdir(fetched) and os.listdir(fetched), "alice fetched no feedback"
    assert os.path.exists(os.path.join(course, "feedback_lms", ASSIGNMENT, f"bob_{ASSIGNMENT}.html"))
    assert os.path.exists(os.path.join(course, "reports", f"{ASSIGNMENT}_report.html"))
    with open(os.path.join(course, "grades.csv"), encoding="utf-8") as fh:
        grades = fh.read()
    assert me in grades and "bob" in grades
    # the LMS sections: each LMS's import file holds both students' grades, keyed as that LMS keys them
    for name, key in (("canvas_grades.csv", "7302"), ("moodle_import.csv", "bob"),
                      ("blackboard_upload.csv", '"bob"'), ("brightspace_import.csv", "20261002")):
        with open(os.path.join(course, name), encoding="utf-8") as fh:
            text = fh.read()
        assert key in text and ("Núñez" in text or name.startswith("brightspace")), (name, text)
        row = next(line for line in text.splitlines() if key in line)
        assert re.search(r",\"?[0-9.]+\"?(,#)?$", row), (name, row)  # bob's grade, not blank


def test_the_students_install_line_is_what_the_course_uses():
    """README and guide give one install line; it names nbgrader (fetch, submit, Validate and the
    Assignments tab: its wheel holds the JupyterLab extension), pytest, JupyterLab and every
    package the released notebooks and fmnist_checks import, never fmnist-edu itself."""
    lines = {c for _, role, cmds in documented() for c in cmds if role == "student" and "pip install" in c}
    assert len(lines) == 1, lines
    names = {re.split(r"[<>=]", p.strip('"'))[0] for p in lines.pop().split("install", 1)[1].split()}
    assert {"nbgrader", "pytest", "jupyterlab", "numpy", "scikit-learn", "matplotlib", "torch"} <= names
    assert not any(n.startswith("fmnist") for n in names)
    prefix = os.path.dirname(os.path.dirname(sys.executable))
    assert os.path.isfile(os.path.join(prefix, "share", "jupyter", "labextensions", "@jupyter", "nbgrader",
                                       "package.json")), "nbgrader's wheel no longer brings its labextension"
