"""``nbgrader autograde`` forked from a warm process instead of started afresh per step.

A fresh ``python -m nbgrader autograde`` per submission spent about 8 CPU
seconds before and around grading: importing nbgrader, nbconvert, jsonschema's
format checkers (one of them compiles a grammar at import), torch and
``fmnist_edu``, more than nbgrader's own serial autograde spends on a whole
a5 notebook. Here one server per process (the coordinator, or a Dask worker)
imports all that once, single-threaded, then forks one child per step:

* the child starts a session of its own (its kernel and sandbox in it), moves
  to the step's course, takes the step's environment, sends its output to a
  log file and runs ``nbgrader`` with the step's arguments, as
  :func:`autograder.batch.step._autograde` used to start it;
* the caller gets the child's pid first, so a step past its time limit is
  stopped with its whole session (``killpg``), and then its exit status.

Each step is still a process of its own, forked from a parent that never ran
nbgrader: no state crosses from one student's step to the next. The server
listens on a Unix socket in a folder only this user can enter, exits when the
process that started it ends, and is started again if it died. Where it
cannot start, steps fall back to a fresh ``nbgrader`` process.

The local coordinator forks its server from itself before its step threads
start (:func:`fork_server`), sharing the imports it made; a Dask worker, which
runs threads, starts a fresh one: ``python -m autograder.batch.warm_nbgrader SOCKET
[ASSIGNMENT]`` (by :func:`warm_server`).
"""

import atexit
import contextlib
import gc
import importlib
import json
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import traceback

# what every grading step's nbgrader process imports (autograde, the course's
# preprocessors, the trusted side); what one assignment's checks and references
# import besides (torch, scikit-learn) comes from warming up on that assignment
PRELOAD = (
    "nbgrader.apps.nbgraderapp", "nbgrader.apps.autogradeapp", "nbgrader.converters.autograde",
    "nbgrader.preprocessors", "nbconvert.exporters", "nbconvert.preprocessors", "nbclient",
    "jupyter_client.manager", "sqlalchemy.dialects.sqlite",
    "autograder.batch.release", "autograder.batch.nbexec", "autograder.batch.annotate", "autograder.verdict.kernel_checks",
    "autograder.verdict.trusted", "autograder.hidden", "autograder.verdict.isolation",
)
# The server runs torch and numpy while warming up, then forks: a fork of a process
# whose OpenMP pool has run deadlocks on its first torch op (a3's steps hung). With
# one thread no pool is ever made; each step's own environment (and its kernel's)
# is the step's, without these.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
START_TIMEOUT = 120.0  # seconds for the server to import PRELOAD and answer


# --- the server (its own process) -------------------------------------------------------------

def _run_step(request):
    """In the forked child: ``nbgrader ARGS`` as the step asked (under its memory cap); its exit status."""
    if request.get("memory_mb"):
        from .bounds import cap_memory

        cap_memory(int(request["memory_mb"]))
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.argv = ["nbgrader", *request["args"]]
    try:
        from nbgrader.apps.nbgraderapp import NbGraderApp

        NbGraderApp.launch_instance(argv=list(request["args"]))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - the step says what happened; the server goes on
        traceback.print_exc()
        code = 1
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    return code


class _Step(socketserver.StreamRequestHandler):
    """One request: a JSON line {args, cwd, env, log}; answers the pid, then the exit status."""

    def handle(self):
        request = json.loads(self.rfile.readline().decode("utf-8"))
        os.setsid()  # the step's session: the caller stops it, kernel and sandbox included, with killpg
        self.wfile.write(f"{os.getpid()}\n".encode())
        self.wfile.flush()
        code = _run_step(request)
        self.wfile.write(f"{code}\n".encode())
        self.wfile.flush()


class _ParentGone(Exception):
    pass


class _Server(socketserver.ForkingMixIn, socketserver.UnixStreamServer):
    max_children = 256
    block_on_close = False  # steps run on in their own sessions; their callers stop them

    def __init__(self, path):
        super().__init__(path, _Step)
        self.parent = os.getppid()

    def service_actions(self):
        super().service_actions()  # reaps finished children
        if os.getppid() != self.parent:  # whoever started it is gone
            raise _ParentGone


def warm_up(assignment):
    """Import what the trusted side of `assignment` uses: build its steps and expected answers once.

    Only imports stay (and the reference's caches): every step builds its own
    cases from its own seed. torch and scikit-learn cost ~2 CPU s each to
    import and only some assignments use them.
    """
    from fmnist_checks.pieces import ASSIGNMENTS

    from ..hidden import all_cases
    from ..verdict.trusted import build_steps

    build_steps(assignment, 0)
    for piece in ASSIGNMENTS[assignment]:
        visible, hidden = all_cases(piece, 0)
        for case in visible + hidden:
            case.expected()


def serve(path, assignment=None, ready=None):
    """Import PRELOAD (and warm up on `assignment`), listen on `path`, say ``ready`` (print it,
    or call `ready`); serve until the starting process ends."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a step imports what it needs itself
            pass
    if assignment:
        try:
            warm_up(assignment)
        except Exception:  # noqa: BLE001 - as above
            pass
    # Every step is a fork that runs nbgrader for seconds: its garbage collections would walk
    # (and so copy, page by page) every object this server holds. Frozen, they walk the step's own.
    gc.collect()
    gc.freeze()
    old = os.umask(0o077)
    try:
        server = _Server(path)
    finally:
        os.umask(old)
    if ready is None:
        print("ready", flush=True)
    else:
        ready()
    try:
        with server, contextlib.suppress(_ParentGone):
            server.serve_forever(poll_interval=0.5)
    finally:  # its starter gone, the server removes its socket's folder itself
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


# --- the caller's side --------------------------------------------------------------------------

class WarmServer:
    """A running server, started as a fresh process: its process, its socket."""

    def __init__(self, env, assignment=None):
        self._make_socket_folder()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.batch.warm_nbgrader", self.path, *([assignment] if assignment else [])],
            env=dict(env, **ONE_THREAD),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
        self._wait_ready(self.proc.stdout.fileno())

    def _make_socket_folder(self):
        self.folder = tempfile.mkdtemp(prefix="fmnist-warm-")  # 0700: only this user connects
        self.path = os.path.join(self.folder, "socket")

    def _wait_ready(self, fd):
        """Wait (START_TIMEOUT at most) for ``ready`` on `fd`; close and raise if it does not come."""
        ready = {}
        reader = threading.Thread(target=lambda: ready.setdefault("line", os.read(fd, 64)), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        if ready.get("line", b"").strip() != b"ready":
            self.close()
            raise RuntimeError("the warm nbgrader server did not start")

    def run(self, args, cwd, env, log, timeout, memory_mb=None):
        """``nbgrader ARGS`` in `cwd`; (exit status, or None when stopped at `timeout`). Output in `log`.

        `memory_mb`: the step process's data cap (:func:`autograder.batch.bounds.cap_memory`).
        """
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(30)
            sock.connect(self.path)
            stream = sock.makefile("rwb")
            stream.write(json.dumps({"args": list(args), "cwd": cwd, "env": dict(env), "log": log,
                                     "memory_mb": memory_mb}).encode() + b"\n")
            stream.flush()
            pid = int(stream.readline() or b"0")
            if pid <= 0:
                raise RuntimeError("the warm nbgrader server did not fork the step")
            sock.settimeout(max(1.0, deadline - time.monotonic()))
            try:
                line = stream.readline()
            except (TimeoutError, socket.timeout):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, 9)
                return None
            if not line.strip():  # the step's process ended without a status (killed)
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, 9)
                return -9
            return int(line)

    def alive(self):
        return self.proc.poll() is None

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def can_fork_server():
    """Whether this process may fork its server: no other thread runs, and torch (whose
    OpenMP pool deadlocks a fork once it ran) was never imported."""
    return threading.active_count() == 1 and "torch" not in sys.modules


class ForkedServer(WarmServer):
    """A server forked from this process, sharing what it imported already (nbgrader, numpy).

    The caller must be single-threaded (:func:`can_fork_server`): the local
    coordinator, before its step threads start. The server then imports
    PRELOAD and warms up as a fresh one would, with one OpenMP/BLAS thread.
    """

    def __init__(self, assignment=None):  # not super().__init__(), which starts a fresh process
        if not can_fork_server():
            raise RuntimeError("this process runs threads or torch: it cannot fork a server")
        self._make_socket_folder()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the server: never returns to the caller's code
            try:
                os.close(read_end)
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                os.environ.update(ONE_THREAD)  # read by torch and MKL when (and if) they load
                with contextlib.suppress(Exception):  # numpy's BLAS loaded already, with its threads
                    from threadpoolctl import threadpool_limits

                    threadpool_limits(1)
                serve(self.path, assignment, ready=lambda: os.write(write_end, b"ready\n"))
            finally:
                os._exit(0)
        os.close(write_end)
        self.pid = pid
        try:
            self._wait_ready(read_end)
        finally:
            os.close(read_end)

    def alive(self):
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def close(self):
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, 9)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        shutil.rmtree(self.folder, ignore_errors=True)


_SERVER = {}
_SERVER_LOCK = threading.Lock()


@atexit.register
def close_servers():
    """Stop this process's server and remove its socket's folder (no ``/tmp/fmnist-warm-*`` left)."""
    server = _SERVER.pop(os.getpid(), None)
    if server is not None:
        server.close()


def fork_server(assignment=None):
    """Make this process's server a fork of it, where that is safe (see :class:`ForkedServer`).

    The local coordinator calls it before its step threads start: the server
    then shares the imports the coordinator made (about 1.3 CPU s fewer per
    run). Returns the server, or None where :func:`warm_server` will start a
    fresh one on first use.
    """
    with _SERVER_LOCK:
        server = _SERVER.get(os.getpid())
        if server is not None and server.alive():
            return server
        try:
            server = _SERVER[os.getpid()] = ForkedServer(assignment)
        except (OSError, RuntimeError):
            _SERVER.pop(os.getpid(), None)
            return None
        return server


def warm_server(env, assignment=None):
    """This process's server (started on first use, again if it died); None where it cannot start.

    `assignment`: the one its first steps grade (see :func:`warm_up`); a server
    warmed on another assignment serves as well, its steps importing the rest.
    """
    with _SERVER_LOCK:
        server = _SERVER.get(os.getpid())
        if server is not None and server.alive():
            return server
        if server is not None:
            server.close()
        try:
            server = _SERVER[os.getpid()] = WarmServer(env, assignment)
        except (OSError, RuntimeError):
            _SERVER.pop(os.getpid(), None)
            return None
        return server


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
