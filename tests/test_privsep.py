"""Least privilege: the grading runs as an unprivileged user; only a small root launcher starts sandboxes.

* The launcher takes a fixed request (a sandbox spec from a fixed set, a pool
  uid, limits, descriptors) and refuses anything else, and answers only the
  grading user.
* ``fmnist-grade`` started as root becomes the grading user (a fixed uid with
  the course made its own, as the guide sets up) and grades through its
  launcher: everything it writes is that user's.
* Started unprivileged, it cannot start a sandbox by itself (a clear error),
  and grades through the launcher service (``python -m autograder.sandbox.privsep serve``).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

import pytest

from autograder.sandbox.privsep import Launcher
from autograder.cli.samples import answer_sources, fill
from autograder.sandbox.bwrap import SandboxUnavailable, check_available
from autograder.sandbox.sandbox_spec import check_request
from grading_helpers import ASSIGNMENT, _course, _notebooks, _submit

pytestmark = pytest.mark.grading

GRADER_UID = 61500  # the grading user: no passwd entry needed, no sandbox pool uid
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BAD_REQUESTS = [
    ({"spec": "shell"}, "no sandbox spec"),
    ({"spec": "probe", "uid": 0}, "pool"),
    ({"spec": "probe", "uid": 1000}, "pool"),
    ({"spec": "probe", "uid": GRADER_UID}, "pool"),
    ({"spec": "probe", "limits": {"memory_mb": 10**9}}, "limit"),
    ({"spec": "probe", "limits": {"nofile": 10}}, "limit"),
    ({"spec": "probe", "assignment": "../../etc"}, "assignment"),
    ({"spec": "probe", "env": {"LD_PRELOAD": "/tmp/x.so"}}, "environment"),
    ({"spec": "probe", "env": {"PYTHONPATH": "/tmp"}}, "environment"),
    ({"spec": "probe", "binds": [[0, "/usr/lib/python3"]]}, "cover"),
    ({"spec": "probe", "binds": [[0, "/opt/fmnist-grader/fmnist_checks"]]}, "cover"),
    ({"spec": "probe", "binds": [[0, "/home/../etc"]]}, "plain"),
    ({"spec": "probe", "binds": [[0, "relative/path"]]}, "plain"),
    ({"spec": "probe", "binds": [[0, "/"]]}, "plain"),
    ({"spec": "probe", "binds": [[3, "/srv/x"]]}, "descriptor"),
    ({"spec": "probe", "binds": [[0, "/srv/x"]], "cwd": "/etc"}, "cwd"),
]


@pytest.mark.parametrize("uid", [0, 62000, 64999, 65534])
def test_the_grading_user_is_neither_root_nor_a_sandboxs_uid(uid):
    from autograder.sandbox.privsep import LaunchRefused, drop_to

    with pytest.raises(LaunchRefused):
        drop_to(uid, uid)  # refused before anything changes
    assert os.getuid() == os.geteuid()


@pytest.mark.parametrize("request_, words", BAD_REQUESTS)
def test_the_launcher_refuses_any_request_outside_its_fixed_set(request_, words):
    with pytest.raises(ValueError, match=words):
        check_request(request_, [7])


def test_a_request_of_the_fixed_set_passes():
    spec, uid, limits, assignment, binds, env, cwd = check_request(
        {"spec": "worker", "uid": 62001, "limits": {"memory_mb": 2048}, "assignment": ASSIGNMENT,
         "binds": [[0, "/srv/fmnist-data"]], "env": {"FMNIST_EDU_STUDENT": "ann"}}, [9])
    assert (spec, uid, limits.memory_mb, binds, env) == ("worker", 62001, 2048, [(9, "/srv/fmnist-data")],
                                                         {"FMNIST_EDU_STUDENT": "ann"})


def _root_or_skip():
    if os.geteuid() != 0:
        pytest.skip("starts the launcher: needs root (CI runs as root)")
    try:
        check_available()
    except SandboxUnavailable as exc:
        pytest.skip(str(exc))


def test_the_launcher_answers_only_the_grading_user(python_of_grader):
    launcher = Launcher(GRADER_UID, GRADER_UID)
    try:
        assert os.stat(launcher.path).st_uid == GRADER_UID and os.stat(launcher.path).st_mode & 0o077 == 0
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:  # root is not the grading user
            conn.connect(launcher.path)
            conn.sendall(json.dumps({"spec": "probe"}).encode())
            assert conn.makefile("rb").readline().startswith(b"REFUSED this launcher serves the grading user")
        probe = subprocess.run(  # the grading user's probe is answered: the sandbox runs and exits 0
            ["setpriv", f"--reuid={GRADER_UID}", f"--regid={GRADER_UID}", "--clear-groups",
             python_of_grader, "-I", "-c", "from autograder.sandbox.bwrap import check_available; check_available()"],
            env=dict(os.environ, FMNIST_SANDBOX_LAUNCHER=launcher.path), capture_output=True, text=True,
            timeout=60, cwd="/")
        assert probe.returncode == 0, probe.stderr[-2000:]
    finally:
        launcher.close()


@pytest.fixture(scope="module")
def python_of_grader(tmp_path_factory):
    """A Python the grading user may run with this environment's packages (as the guide installs it).

    Where this environment's interpreter lies in root's home (pyenv), a venv of
    the system's Python 3.11 whose one ``.pth`` adds this environment's site
    folder; else this interpreter itself.
    """
    _root_or_skip()
    as_grader = ["setpriv", f"--reuid={GRADER_UID}", f"--regid={GRADER_UID}", "--clear-groups"]
    runs = subprocess.run(as_grader + ["sh", "-c", f"exec '{sys.executable}' -c pass"], capture_output=True, cwd="/")
    if runs.returncode == 0:
        yield sys.executable
        return
    system = shutil.which("python3.11", path="/usr/bin")
    if system is None:
        pytest.skip("this environment's Python is not executable by other users, and there is no /usr/bin/python3.11")
    view = tempfile.mkdtemp(prefix="fmnist-grader-python-")
    subprocess.run([system, "-m", "venv", "--without-pip", view], check=True)
    site_dir = next(p for p in sys.path if p.startswith(sys.prefix) and p.endswith("site-packages"))
    with open(os.path.join(view, "lib", "python3.11", "site-packages", "fmnist-grader.pth"), "w") as fh:
        fh.write(f"import site; site.addsitedir({site_dir!r})\n")
    for root, dirs, files in os.walk(view):
        for name in [root] + [os.path.join(root, n) for n in files]:
            if not os.path.islink(name):
                os.chmod(name, os.stat(name).st_mode | 0o055)
    yield os.path.join(view, "bin", "python")
    shutil.rmtree(view, ignore_errors=True)


@pytest.fixture(scope="module")
def course_of_grader():
    """A generated a5 course with one submission, owned by the grading user (as the guide sets up)."""
    _root_or_skip()
    folder = tempfile.mkdtemp(prefix="fmnist-privsep-")
    os.chmod(folder, 0o755)
    course = _course(folder)
    source, release = _notebooks(course)
    _submit(course, "ann", fill(release, answer_sources(source)))
    for root, dirs, files in os.walk(folder):
        for name in [root] + [os.path.join(root, n) for n in dirs + files]:
            os.lchown(name, GRADER_UID, GRADER_UID)
    yield course
    shutil.rmtree(folder, ignore_errors=True)


def _grade(python, course, argv_prefix=(), env=None, extra=()):
    argv = [*argv_prefix, python, "-I", "-m", "autograder.cli.grade_class", ASSIGNMENT, "--course", course,
            "--jobs", "1", "--cell-timeout", "30", "--notebook-timeout", "120", *extra]
    return subprocess.run(argv, env=dict(os.environ, **(env or {})), capture_output=True, text=True, timeout=240,
                          cwd="/", stdin=subprocess.DEVNULL)


def _owners(course):
    return {os.lstat(os.path.join(r, n)).st_uid for r, ds, fs in os.walk(course) for n in ds + fs}


def test_started_as_root_it_grades_as_the_grading_user(python_of_grader, course_of_grader):
    done = _grade(python_of_grader, course_of_grader, extra=("--grading-user", str(GRADER_UID)))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ann" in done.stdout and "5 of 5" in done.stdout, done.stdout
    assert "root's rights" not in done.stderr, done.stderr[-2000:]
    autograded = os.path.join(course_of_grader, "autograded", "ann", ASSIGNMENT)
    assert os.path.isfile(os.path.join(autograded, f"{ASSIGNMENT}.ipynb"))
    assert _owners(course_of_grader) == {GRADER_UID}, "root wrote into the course"


@pytest.mark.parametrize("command", [("autograder.cli.grade_class", "report"), ("autograder.cli.report",)],
                         ids=["fmnist-grade report", "python -m autograder.cli.report"])
def test_the_report_is_made_as_the_grading_user_too(python_of_grader, course_of_grader, command):
    """The report started as root (after the grading above), either way, writes as the grading user.

    Each command that reads what submissions hold drops root's rights itself
    (``as_grading_user``), not only ``fmnist-grade``'s dispatcher: the review
    found ``python -m autograder.cli.report`` and ``.feedback`` reading the
    autograded notebooks and writing root's files.
    """
    out = os.path.join(course_of_grader, "reports")
    done = subprocess.run([python_of_grader, "-I", "-m", *command, ASSIGNMENT,
                           "--course", course_of_grader, "--out", out],
                          env=dict(os.environ, FMNIST_GRADING_USER=str(GRADER_UID)), capture_output=True,
                          text=True, timeout=120, cwd="/", stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    assert os.listdir(out) and _owners(course_of_grader) == {GRADER_UID}


def test_every_command_that_reads_submissions_drops_roots_rights_itself():
    """Each subcommand module's ``main`` starts with ``as_grading_user`` (read from the source: a new
    command that forgets it fails here, whichever way it is started)."""
    import ast

    from autograder.cli.grade_class import SUBCOMMANDS

    own_rights = {"audit"}  # runs the project's own reference, mutated: no submission is read
    for name, module in SUBCOMMANDS.items():
        if name in own_rights:
            continue
        path = os.path.join(ROOT, *module.split(".")) + ".py"
        tree = ast.parse(open(path, encoding="utf-8").read())
        main = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main")
        calls = [n.func.id for n in ast.walk(main) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
        assert "as_grading_user" in calls[:2], f"{module}.main does not drop root's rights first"


def test_started_unprivileged_it_needs_the_launcher_service_and_grades_through_it(python_of_grader,
                                                                                 course_of_grader):
    as_grader = ("setpriv", f"--reuid={GRADER_UID}", f"--regid={GRADER_UID}", "--clear-groups")
    alone = _grade(python_of_grader, course_of_grader, as_grader, env={"HOME": "/tmp"})
    assert alone.returncode == 2 and "cannot create a sandbox here" in alone.stderr, alone.stderr[-2000:]
    folder = tempfile.mkdtemp(prefix="fmnist-launcher-service-")
    os.chmod(folder, 0o711)
    path = os.path.join(folder, "launcher.sock")
    service = subprocess.Popen([python_of_grader, "-I", "-m", "autograder.sandbox.privsep", "serve", "--user",
                                str(GRADER_UID), path], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=ROOT)
    try:
        assert service.stdout.readline().strip() == b"ready"
        done = _grade(python_of_grader, course_of_grader, as_grader,
                      env={"HOME": "/tmp", "FMNIST_SANDBOX_LAUNCHER": path})
        assert done.returncode == 0, done.stderr[-3000:]
        assert "ann" in done.stdout and "5 of 5" in done.stdout, done.stdout
        assert _owners(course_of_grader) == {GRADER_UID}
    finally:
        service.terminate()
        service.wait(30)
        shutil.rmtree(folder, ignore_errors=True)
