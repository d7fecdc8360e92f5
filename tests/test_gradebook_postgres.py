"""A PostgreSQL gradebook: generate_assignment and fmnist-grade --db write the same server.

The test starts a real PostgreSQL server of its own (Debian's postgresql 15,
as an unprivileged user, on a unix socket in a temporary folder) and skips,
saying why, only where none can be started.
"""

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile

import pytest

from autograder.cli import grade_class as command
from autograder.batch.nbgrader_cli import run_nbgrader
from autograder.cli.samples import answer_sources, fill

pytestmark = pytest.mark.grading

ASSIGNMENT = "a5_evaluation"
HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.join(os.path.dirname(HERE), "course")
NOBODY = 65534
AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def _bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@pytest.fixture(scope="module")
def postgres():
    pytest.importorskip("psycopg2", reason="psycopg2 is not installed (pip install -e '.[course]')")
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed (Debian: apt-get install postgresql)")
    if os.geteuid() != 0 and os.geteuid() != NOBODY:
        pytest.skip("starting PostgreSQL as an unprivileged user needs root (setpriv)")
    root = tempfile.mkdtemp(prefix="fmnist-pg-")
    os.chmod(root, 0o755)
    data, sock = os.path.join(root, "data"), os.path.join(root, "sock")
    os.makedirs(sock)
    for path in (root, sock):
        os.chown(path, NOBODY, NOBODY)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        subprocess.run(AS_NOBODY + [initdb, "-D", data, "-U", "grader", "--auth=trust", "-E", "UTF8"],
                       check=True, capture_output=True, timeout=120)
        subprocess.run(AS_NOBODY + [pg_ctl, "-D", data, "-l", os.path.join(root, "log"), "-w", "-t", "60",
                                    "-o", f"-k {sock} -p {port} -c listen_addresses=''", "start"],
                       check=True, capture_output=True, timeout=120)
    except (subprocess.SubprocessError, OSError) as exc:
        log = open(os.path.join(root, "log")).read()[-500:] if os.path.exists(os.path.join(root, "log")) else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"PostgreSQL could not be started here: {exc} {getattr(exc, 'stderr', b'')!r} {log}")
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", user="grader", host=sock, port=port)
    conn.autocommit = True
    conn.cursor().execute("CREATE DATABASE gradebook")
    conn.close()
    try:
        yield f"postgresql+psycopg2://grader@/gradebook?host={sock}&port={port}"
    finally:
        subprocess.run(AS_NOBODY + [pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True,
                       timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def test_grading_into_a_postgresql_gradebook(postgres, tmp_path, capsys):
    course = str(tmp_path / "course")
    os.makedirs(os.path.join(course, "source"))
    shutil.copy(os.path.join(COURSE, "nbgrader_config.py"), course)
    shutil.copytree(os.path.join(COURSE, "source", ASSIGNMENT), os.path.join(course, "source", ASSIGNMENT))
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force", f"--CourseDirectory.db_url={postgres}"], cwd=course)
    assert not os.path.exists(os.path.join(course, "gradebook.db"))
    with open(os.path.join(course, "source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), encoding="utf-8") as fh:
        solved = answer_sources(json.load(fh))
    with open(os.path.join(course, "release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), encoding="utf-8") as fh:
        release = json.load(fh)
    for student, answers in (("pat", solved), ("quinn", dict(solved, accuracy="def accuracy(a, b):\n    return 1\n"))):
        folder = os.path.join(course, "submitted", student, ASSIGNMENT)
        os.makedirs(folder)
        with open(os.path.join(folder, f"{ASSIGNMENT}.ipynb"), "w", encoding="utf-8") as fh:
            json.dump(fill(release, answers), fh)

    # the SQLite default holds no such assignment: a clear error, nothing written
    assert command.main([ASSIGNMENT, "--course", course, "--no-sandbox"]) == 2
    assert "never generated" in capsys.readouterr().err
    assert not os.path.exists(os.path.join(course, "gradebook.db"))

    assert command.main([ASSIGNMENT, "--course", course, "--db", postgres, "--no-sandbox",
                         "--cell-timeout", "20"]) == 0
    from nbgrader.api import Gradebook

    with Gradebook(postgres) as gb:
        assert gb.find_grade("test_accuracy", ASSIGNMENT, ASSIGNMENT, "pat").auto_score == 1
        assert gb.find_grade("test_accuracy", ASSIGNMENT, ASSIGNMENT, "quinn").auto_score == 0
        assert gb.find_submission(ASSIGNMENT, "pat").score == 5
    assert not os.path.exists(os.path.join(course, "gradebook.db"))
