"""The warm nbgrader server: each step a fresh fork, in its own folder, environment and session.

An ``nbgrader_config.py`` is Python that nbgrader runs when a command starts,
so these tests use one to see from inside a step what it was given, to leave
state behind, and to hang.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

from autograder.batch.nbgrader_cli import nbgrader_env
from autograder.batch.warm_nbgrader import WarmServer


@pytest.fixture(scope="module")
def server():
    warm = WarmServer(nbgrader_env())
    yield warm
    warm.close()


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory):
    """A gradebook nbgrader made (made once: a new one costs an ``alembic`` run)."""
    folder = tmp_path_factory.mktemp("gradebook")
    subprocess.run([sys.executable, "-m", "nbgrader", "db", "student", "list"], cwd=folder,
                   env=nbgrader_env(), check=True, capture_output=True, timeout=300)
    return folder / "gradebook.db"


@pytest.fixture
def course_with(empty_gradebook):
    def make(tmp_path, name, config):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(empty_gradebook, folder / "gradebook.db")
        (folder / "nbgrader_config.py").write_text("c = get_config()\n" + textwrap.dedent(config))
        return folder
    return make


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is no longer running
        return fh.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_step_runs_in_its_folder_with_its_environment_and_its_output_in_the_log(server, tmp_path, course_with):
    course = course_with(tmp_path, "c", """
        import os, sys
        open("seen.txt", "w").write(os.getcwd() + "|" + os.environ.get("STEP_MARK", "") + "|" + str(os.getsid(0) == os.getpid()))
        print("from the step's config", file=sys.stderr)
    """)
    log = tmp_path / "log.txt"
    code = server.run(["db", "student", "list"], cwd=str(course), env=dict(nbgrader_env(), STEP_MARK="mark-1"),
                      log=str(log), timeout=120)
    assert code == 0, log.read_text()[-2000:]
    assert (course / "seen.txt").read_text() == f"{course}|mark-1|True"
    assert "from the step's config" in log.read_text()


def test_nothing_a_step_leaves_reaches_the_next(server, tmp_path, course_with):
    first = course_with(tmp_path, "first", """
        import builtins, os
        builtins.LEFT_BY_A_STEP = True
        os.environ["LEFT_BY_A_STEP"] = "1"
    """)
    second = course_with(tmp_path, "second", """
        import builtins, os
        open("seen.txt", "w").write(f"{hasattr(builtins, 'LEFT_BY_A_STEP')} {'LEFT_BY_A_STEP' in os.environ}")
    """)
    for course in (first, second):
        assert server.run(["db", "student", "list"], cwd=str(course), env=nbgrader_env(),
                          log=str(course / "log.txt"), timeout=120) == 0
    assert (second / "seen.txt").read_text() == "False False"


def test_a_step_past_its_time_is_stopped_with_everything_it_started(server, tmp_path, course_with):
    course = course_with(tmp_path, "hang", """
        import subprocess, time
        child = subprocess.Popen(["sleep", "300"])
        open("child.pid", "w").write(str(child.pid))
        time.sleep(300)
    """)
    start = time.monotonic()
    code = server.run(["db", "student", "list"], cwd=str(course), env=nbgrader_env(),
                      log=str(tmp_path / "log.txt"), timeout=5)
    assert code is None
    assert time.monotonic() - start < 30
    grandchild = int((course / "child.pid").read_text())
    for _ in range(50):
        if not _alive(grandchild):
            break
        time.sleep(0.1)
    assert not _alive(grandchild), "the step's own child outlived the stopped step"
    # the server goes on serving
    ok = course_with(tmp_path, "after", "")
    assert server.run(["db", "student", "list"], cwd=str(ok), env=nbgrader_env(),
                      log=str(tmp_path / "log2.txt"), timeout=120) == 0


def test_a_step_killed_from_inside_reports_no_success(server, tmp_path, course_with):
    course = course_with(tmp_path, "killed", """
        import os
        os.kill(os.getpid(), 9)
    """)
    code = server.run(["db", "student", "list"], cwd=str(course), env=nbgrader_env(),
                      log=str(tmp_path / "log.txt"), timeout=60)
    assert code not in (0, None)


def test_the_server_ends_with_the_process_that_started_it():
    script = ("from autograder.batch.warm_nbgrader import WarmServer\n"
              "from autograder.batch.nbgrader_cli import nbgrader_env\n"
              "print(WarmServer(nbgrader_env()).proc.pid, flush=True)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    pid = int(out.stdout.split()[0])
    for _ in range(100):
        if not _alive(pid):
            break
        time.sleep(0.1)
    assert not _alive(pid), "the warm server outlived the process that started it"


def test_a_step_runs_torch_after_the_server_warmed_up_on_torch(tmp_path, course_with):
    """A server that ran torch ops while warming up (a4's checks) forks steps that can run torch."""
    server = WarmServer(nbgrader_env(), "a4_lenet5")
    try:
        course = course_with(tmp_path, "torch", """
            import torch
            a = torch.ones(400, 400)
            open("done.txt", "w").write(str(float((a @ a).sum())))
        """)
        code = server.run(["db", "student", "list"], cwd=str(course), env=nbgrader_env(),
                          log=str(tmp_path / "log.txt"), timeout=60)
        assert code == 0, "the step did not finish: a fork after torch's thread pool ran hangs"
        assert (course / "done.txt").read_text() == str(400.0 ** 3)
    finally:
        server.close()


FORKED = """
import json, os, sys, threading
from autograder.batch.nbgrader_cli import nbgrader_env
from autograder.batch import warm_nbgrader

course, log = sys.argv[1], sys.argv[2]
server = warm_nbgrader.fork_server()
out = {"forked": isinstance(server, warm_nbgrader.ForkedServer),
       "same": warm_nbgrader.warm_server(nbgrader_env()) is server}
out["code"] = server.run(["db", "student", "list"], cwd=course, env=nbgrader_env(), log=log, timeout=120)
out["server_is_my_child"] = int(open(f"/proc/{server.pid}/stat").read().rsplit(")", 1)[1].split()[1]) == os.getpid()
stop = threading.Event()
thread = threading.Thread(target=stop.wait)
thread.start()
out["with_a_thread"] = warm_nbgrader.can_fork_server()
stop.set()
thread.join()
out["after_the_thread"] = warm_nbgrader.can_fork_server()
import torch  # noqa: E402
out["after_torch"] = warm_nbgrader.can_fork_server()
server.close()
out["closed"] = not os.path.exists(f"/proc/{server.pid}")
print(json.dumps(out))
"""


def test_a_single_threaded_caller_forks_its_server_and_a_step_runs_in_it(tmp_path, course_with):
    """The local coordinator forks its server (sharing its imports) while no thread runs and
    torch was never imported; its steps see a server whose collector froze what it held."""
    course = course_with(tmp_path, "c", """
        import gc, os
        open("seen.txt", "w").write(f"{gc.get_freeze_count() > 0} {os.getsid(0) == os.getpid()}")
    """)
    proc = subprocess.run([sys.executable, "-c", FORKED, str(course), str(tmp_path / "log.txt")],
                          capture_output=True, text=True, timeout=300, env=nbgrader_env(),
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["forked"] and out["same"] and out["server_is_my_child"], out
    assert out["code"] == 0, (tmp_path / "log.txt").read_text()[-2000:]
    assert (course / "seen.txt").read_text() == "True True"
    assert out["with_a_thread"] is False and out["after_the_thread"] is True, out
    assert out["after_torch"] is False, out
    assert out["closed"], out
