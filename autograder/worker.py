"""The sandboxed worker: a supervisor that runs no student code, one fresh child per step.

Inside the sandbox only this file and the student-side package ``fmnist_checks``
are mounted (``/opt/fmnist-grader``); ``autograder``, ``fmnist_edu``, the course
folder and the assignment's banned scikit-learn subpackage are not there. This
module therefore imports nothing but the standard library, numpy and
``fmnist_checks``.

Protocol (see :mod:`autograder.trusted`):

* the trusted side writes one job to stdin: an 8-byte length, then JSON
  ``{"cells": [[grade id, source], ...], "steps": [{"step", "piece", "recipe",
  "inputs", "table"}], "skip_cells": [...], "step_timeout": s, "max_frame": n,
  "preload": [...], "writable": [...]}``; the inputs of every case were built on
  the trusted side (the worker never sees a case generator or a seed) and the
  recipe names a module-level function of ``fmnist_checks``;
* the supervisor makes itself non-dumpable (no ``ptrace``, no ``/proc/PID/fd``
  for processes of the same uid), imports what the cells need, then for each
  step forks a child with a fresh pipe. The child closes every inherited file
  descriptor (the supervisor's stdout included), sends its own stdin, stdout
  and stderr to ``/dev/null``, runs the cells, runs exactly its step, and
  writes one length-prefixed frame to its pipe;
* the supervisor reads at most one frame of at most ``max_frame`` bytes per
  child, within the step's time, then kills every other process in the sandbox
  (``kill(-1)`` in the sandbox's pid namespace), empties the writable folders
  (nothing one step computed reaches the next), and writes ``header`` +
  ``payload`` to its stdout, the header naming the step it started. The
  trusted side checks that the steps come back in the order it asked for, and
  bounds every size before it allocates.

Student code can only ever write the frame of the step it is running, computed
from that step's inputs with what the sandbox holds: nothing there computes an
expected answer, so a forged frame is an answer like any other.
"""

import io
import json
import os
import select
import signal
import stat
import struct
import sys
import time

HEADER = struct.Struct(">Q")
MAX_JOB_BYTES = 256 * 1024 * 1024


# --- frames ----------------------------------------------------------------

def write_frame(fd, payload):
    """Write an 8-byte big-endian length and `payload` (bytes) to `fd`."""
    data = HEADER.pack(len(payload)) + payload
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_exact(fd, n, deadline=None):
    """Read exactly `n` bytes from `fd` (None at end of file or past the deadline)."""
    chunks, size = [], 0
    while size < n:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                return None
        chunk = os.read(fd, min(n - size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def read_frame(fd, max_bytes, deadline=None):
    """(status, payload): ``ok``, ``eof``, ``timeout`` or ``too_large`` (nothing allocated)."""
    head = read_exact(fd, HEADER.size, deadline)
    if head is None:
        return ("timeout" if deadline is not None and time.monotonic() >= deadline else "eof"), None
    (size,) = HEADER.unpack(head)
    if size > max_bytes:
        return "too_large", size
    payload = read_exact(fd, size, deadline)
    if payload is None:
        return ("timeout" if deadline is not None and time.monotonic() >= deadline else "eof"), None
    return "ok", payload


# --- the child: cells, then one step ----------------------------------------

class _Sink(io.TextIOBase):
    """Where a child's sys.stdout/sys.stderr go: nowhere (the fds are /dev/null too)."""

    def writable(self):
        return True

    def write(self, text):
        return len(text) if isinstance(text, str) else 0


def _child_setup(keep_fd):
    """Cut the child off from the supervisor: only `keep_fd` and /dev/null stay open."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 65536)
    sys.stdout = sys.stderr = _Sink()
    sys.stdin = io.StringIO("")
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _transform(source):
    """IPython's cell transformations (magics become get_ipython() calls), else the source."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:
        return source


class _Shell:
    """The little of ``get_ipython()`` an answer cell may use: line and cell magics.

    ``%timeit`` and ``%time`` run their statement once (their timing is not
    graded), ``%matplotlib`` selects nothing (the backend is Agg), every other
    magic is a no-op.
    """

    def __init__(self, namespace):
        self.user_ns = namespace

    def run_line_magic(self, name, line, _stack_depth=1):
        if name in ("timeit", "time") and line.strip():
            args = line.split()
            while args and args[0].startswith("-"):  # -n 10 -r 3 -q -o ...
                flag = args.pop(0)
                if flag in ("-n", "-r", "-p") and args:
                    args.pop(0)
            statement = " ".join(args) if args else line
            exec(compile(statement.strip(), "<magic>", "exec"), self.user_ns)
        return None

    def run_cell_magic(self, name, line, cell):
        if name in ("timeit", "time", "capture"):
            exec(compile(cell, "<magic>", "exec"), self.user_ns)
        return None

    def system(self, *args, **kwargs):
        return None

    def getoutput(self, *args, **kwargs):
        return []

    def __getattr__(self, name):  # showtraceback, input_transformers_cleanup, ...: harmless no-ops
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()


class _Anything(list):
    def __call__(self, *args, **kwargs):
        return None

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()


def run_cells(cells, skip, stop_at=None):
    """Run the cells (all, or up to and including `stop_at`); return (namespace, outcome of stop_at)."""
    import linecache
    import warnings

    from fmnist_checks.core import describe_exception

    namespace = {"__name__": "__main__"}
    namespace["get_ipython"] = lambda: shell
    shell = _Shell(namespace)
    outcome = None
    warnings.simplefilter("ignore")
    for grade_id, source in cells:
        if grade_id in skip and grade_id != stop_at:
            continue
        filename = f"<cell {grade_id}>"
        source = _transform(source)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            exec(compile(source, filename, "exec"), namespace)
            result = {"ok": True}
        except BaseException as exc:  # noqa: B902 - the student's cell may raise anything
            if isinstance(exc, KeyboardInterrupt):
                raise
            result = {"ok": False, "error": describe_exception(exc)["__error__"]}
        if grade_id == stop_at:
            outcome = result
            break
    return namespace, outcome


def _recipe(name):
    """The run recipe `name` (``fmnist_checks.<module>:<function>``); nothing else resolves."""
    from importlib import import_module

    module, _, function = name.partition(":")
    if not module.startswith("fmnist_checks.") or not function.isidentifier():
        raise ValueError(f"not a run recipe: {name!r}")
    value = getattr(import_module(module), function)
    if not callable(value):
        raise ValueError(f"not a run recipe: {name!r}")
    return value


def _table_key(args, kwargs):
    """The content key of a call (plain data of its arguments), or None when not plain."""
    import hashlib

    from fmnist_checks.plain import dumps

    try:
        return hashlib.sha256(dumps([list(args), dict(kwargs)]).encode()).hexdigest()
    except Exception:
        return None


def from_tagged(value):
    """Undo :func:`autograder.trusted.to_tagged`: tuples come back as tuples."""
    if isinstance(value, dict) and set(value) == {"__tuple__"}:
        return tuple(from_tagged(v) for v in value["__tuple__"])
    if isinstance(value, list):
        return [from_tagged(v) for v in value]
    if isinstance(value, dict):
        return {k: from_tagged(v) for k, v in value.items()}
    return value


_ERRORS = {e.__name__: e for e in (ValueError, TypeError, IndexError, KeyError, ZeroDivisionError,
                                    ArithmeticError, AttributeError, RuntimeError, AssertionError)}
MAX_LOGGED_CALLS = 300


def stand_in(name, table, own, log=None):
    """A stand-in for the piece `name`: the precomputed answer for a call in `table`, else `own`.

    With `log` (the first pass), a call the table does not hold is noted there
    (``[name, args, kwargs]`` of plain data) for the trusted side to answer.
    """

    def piece(*args, **kwargs):
        key = _table_key(args, kwargs)
        if key is not None and key in table:
            entry = table[key]
            if isinstance(entry, dict) and set(entry) == {"__raise__"}:
                raise _ERRORS.get(entry["__raise__"].get("type"), RuntimeError)(entry["__raise__"].get("message", ""))
            return from_tagged(entry)
        if log is not None and key is not None and len(log) < MAX_LOGGED_CALLS:
            try:
                from fmnist_checks.plain import to_plain

                log.append([name, to_plain(list(args)), to_plain(dict(kwargs))])
            except Exception:
                pass
        if own is None:
            raise NameError(f"name {name!r} is not defined")
        return own(*args, **kwargs)

    piece.__name__ = piece.__qualname__ = name
    return piece


def run_step(step, cells, skip):
    """In the child: the plain payload (dict) of one step."""
    # bound before any cell runs: a cell that patches these modules changes nothing here
    from fmnist_checks.core import Case, call_answer, namespace_of
    from fmnist_checks.plain import loads

    if step["step"].startswith("cell:"):
        _, outcome = run_cells(cells, skip, stop_at=step["step"][5:])
        return outcome or {"ok": False, "error": {"type": "NotRun", "where": None,
                                                  "message": "this cell was not run"}}
    namespace, _ = run_cells(cells, skip)
    piece = step["piece"]
    answer = namespace.get(piece)
    if answer is None:
        return {"result": {"__error__": {"type": "NameError", "where": None,
                                         "message": f"{piece} is not defined by the notebook"}}}
    inputs = loads(step["inputs"])
    run = _recipe(step["recipe"])
    extra = {k: _recipe(v) for k, v in (step.get("recipe_kwargs") or {}).items()}
    if extra:
        import functools

        run = functools.partial(run, **extra)
    # isolation: the other pieces answer from the trusted side's table, else are the student's own
    target = namespace_of(answer)
    log = [] if step.get("record") else None
    if target is not None:
        tables = loads(step.get("table") or "{}")
        for other in step.get("others", []):
            target[other] = stand_in(other, tables.get(other, {}), namespace.get(other), log)
    case = Case(piece=piece, label="", inputs=inputs, run=run, expect=None, compare=None)
    payload = {"result": call_answer(case, answer)}
    if log:
        payload["calls"] = log
    return payload


def child_main(step, cells, skip, fd):
    """Run one step in a fresh child and write its frame; never returns."""
    try:
        os.setpgid(0, 0)
        _child_setup(fd)
        from fmnist_checks.plain import dumps

        payload = run_step(step, cells, skip)
        try:
            text = dumps(payload)
        except Exception as exc:
            text = dumps({"result": {"__error__": {"type": "WrongType", "where": None,
                                                   "message": f"the result could not be sent: {exc}"[:300]}}})
        write_frame(fd, text.encode("utf-8"))
    finally:
        os._exit(0)


# --- the supervisor --------------------------------------------------------

def _no_dump():
    """PR_SET_DUMPABLE 0: processes of the same uid cannot ptrace us or open /proc/PID/fd."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except Exception:
        pass


def _kill_all_others(pid, sandboxed):
    """Kill the child's process group and, in the sandbox, every process of ours but this one.

    ``kill(-1)`` reaches every process the sandbox uid may signal, which in the
    sandbox's pid namespace means the processes of this step (a grandchild that
    left the child's process group too), never pid 1 nor the supervisor. It is
    only used in the sandbox, as an unprivileged user.
    """
    for target in ((-pid,) if pid else ()) + ((-1,) if sandboxed else ()):
        try:
            os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _empty(folders):
    """Remove everything the step left in the writable folders (nothing reaches the next step)."""
    for folder in folders:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for name in entries:
            _remove(os.path.join(folder, name), depth=0)


def _remove(path, depth):
    try:
        st = os.lstat(path)
    except OSError:
        return
    if stat.S_ISDIR(st.st_mode) and depth < 64:
        try:
            os.chmod(path, 0o700)  # a folder the step made unreadable is still emptied
            for name in os.listdir(path):
                _remove(os.path.join(path, name), depth + 1)
            os.rmdir(path)
        except OSError:
            pass
    else:
        try:
            os.unlink(path)
        except OSError:
            pass


def supervise(job, out_fd):
    """Run every step of `job` in its own child; forward one header + payload per step."""
    cells = [tuple(c) for c in job["cells"]]
    skip = set(job.get("skip_cells", []))
    timeout = float(job.get("step_timeout", 60.0))
    max_frame = int(job.get("max_frame", 16 * 1024 * 1024))
    writable = list(job.get("writable", []))
    # kill(-1) only where it cannot reach anything but the sandbox: its own pid namespace, no root
    sandboxed = bool(job.get("sandboxed")) and os.getuid() != 0 and os.getpid() < 100
    cells_seconds = float(job.get("cells_seconds", 0.0))  # a second pass runs no cell step
    stopped = set()  # pieces whose checks stop after one that hung or crashed
    for step in job["steps"]:
        name = step["step"]
        if step.get("piece") in stopped:
            _send(out_fd, name, "skipped", b"")
            continue
        budget = timeout + (cells_seconds if name.startswith("case:") else 0.0)
        r, w = os.pipe()
        start = time.monotonic()
        pid = _fork()
        if pid is None:
            os.close(r)
            os.close(w)
            _send(out_fd, name, "fork_failed", b"")
            continue
        if pid == 0:
            os.close(r)
            child_main(step, cells, skip, w)
        os.close(w)
        child = pid
        status, payload = read_frame(r, max_frame, deadline=start + budget)
        os.close(r)
        if status == "eof":  # the pipe closed without a frame: wait (within the budget) for how it ended
            code = _wait_until(pid, start + budget)
            if code is None:
                status = "timeout"
            else:
                status = "exit"
                payload = (f"signal {-os.waitstatus_to_exitcode(code)}"
                           if os.WIFSIGNALED(code) else
                           f"exit status {os.waitstatus_to_exitcode(code)}").encode()
                pid = None
        _kill_all_others(child, sandboxed)
        if pid is not None:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        _reap()
        _empty(writable)
        if name.startswith("cell:"):
            cells_seconds = max(cells_seconds, time.monotonic() - start)
            if status != "ok":
                skip.add(name[5:])  # a cell that hung or crashed is left out of later steps
        elif status in ("timeout", "exit", "fork_failed"):
            stopped.add(step.get("piece"))
        if status == "too_large":
            payload = str(payload).encode()
        elif status == "timeout":
            payload = f"{budget:.0f}".encode()
        _send(out_fd, name, status, payload or b"")
    _send(out_fd, "done", "ok", b"")


def _fork(tries=10):
    """os.fork(), retried a little while the uid's process count is at its limit; None if it stays."""
    for i in range(tries):
        try:
            return os.fork()
        except OSError:
            _reap()
            time.sleep(0.1 * (i + 1))
    return None


def _wait_until(pid, deadline):
    """The wait status of `pid` once it ends, or None if it is still running at `deadline`."""
    while True:
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            return code
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)


def _reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _send(fd, step, status, payload):
    write_frame(fd, json.dumps({"step": step, "status": status}).encode())
    write_frame(fd, payload)


def main():
    _no_dump()
    out_fd = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)  # nothing but frames ever reaches the real stdout
    os.close(null)
    status, raw = read_frame(0, MAX_JOB_BYTES)
    if status != "ok":
        sys.exit("no job on stdin")
    job = json.loads(raw.decode("utf-8"))
    os.environ.pop("FMNIST_EDU_STUDENT", None)
    import numpy  # noqa: F401 - imported once here: forks are cheap after it
    import fmnist_checks.core  # noqa: F401
    import fmnist_checks.plain  # noqa: F401
    for name in job.get("preload", []):
        try:
            __import__(name)
        except Exception:
            pass
    try:
        import IPython.core.inputtransformer2  # noqa: F401
    except Exception:
        pass
    supervise(job, out_fd)
    os._exit(0)


if __name__ == "__main__":
    main()
