"""The sandboxed worker: a supervisor that runs no student code, one fresh child per piece.

The same :func:`supervise` runs the checks in the notebook's own kernel after
its last cell (:mod:`autograder.sandbox.worker_kernel`), where each child is a fork of
the kernel; this stand-alone worker runs only the checks the kernel could not.

Inside the sandbox only the worker's files and the student-side package ``fmnist_checks``
are mounted (``/opt/fmnist-grader``); ``autograder``, ``fmnist_edu``, the course
folder and the assignment's banned scikit-learn subpackage are not there. This
module therefore imports nothing but the standard library, numpy and
``fmnist_checks``.

Protocol (see :mod:`autograder.verdict.trusted`):

* the trusted side writes one job to stdin (:func:`worker_sealed.pack_job`):
  an 8-byte length, then the header JSON ``{"cells": [[grade id, source], ...],
  "steps": [{"step", "piece", "body": [offset, length]}], "skip_cells": [...],
  "step_timeout": s, "max_frame": n, "preload": [...], "writable": [...]}``,
  then an 8-byte length and the case bodies (``{"step", "piece", "recipe",
  "inputs", "table", ...}`` as JSON), which the supervisor keeps in memory no
  fork inherits; the inputs of every case were built on the trusted side (the
  worker never sees a case generator or a seed) and the recipe names a
  module-level function of ``fmnist_checks``;
* the supervisor makes itself non-dumpable (no ``ptrace``, no ``/proc/PID/fd``
  for processes of the same uid), imports what the cells need, then forks a
  child with a fresh pipe for each cell step and for the cases of each piece
  (:func:`batches`), and only then sends it its own steps' bodies over another
  pipe (:mod:`autograder.sandbox.worker_sealed`). The child closes every inherited file descriptor (the
  supervisor's stdout included), sends its own stdin, stdout and stderr to
  ``/dev/null``, runs the cells, runs exactly its steps, and writes one
  length-prefixed frame per step to its pipe;
* the supervisor reads at most one frame of at most ``max_frame`` bytes per
  step, each within the step's time, then kills every other process in the
  sandbox (``kill(-1)`` in the sandbox's pid namespace), empties the writable
  folders (nothing one piece computed reaches the next), and writes ``header``
  + ``payload`` to its stdout for each step, the header naming the step it
  started. The trusted side checks that the steps come back in the order it
  asked for, and bounds every size before it allocates.

One child per piece, not per case: a fork of a kernel the size of a1's costs
12 to 18 ms of CPU (page tables copied, then torn down at its exit, much of it
in no process's accounting), and a1 has 69 cases in 6 pieces
(``benchmarks/fork_cost.py``).

Student code can only ever write the frames of the steps its child runs,
computed from their inputs with what the sandbox holds: nothing there computes
an expected answer, so a forged frame is an answer like any other.
"""

import gc
import json
import os
import signal
import stat
import sys
import time

MAX_JOB_BYTES = 256 * 1024 * 1024

try:  # as autograder.sandbox.worker (outside the sandbox)
    from .worker_child import child_main
    from .worker_frames import write_frame
    from .worker_sealed import Sealed, read_bodies, read_frame_sealed, read_job, send_bodies
except ImportError:  # standalone in the sandbox, beside fmnist_worker_child and fmnist_worker_frames
    from fmnist_worker_child import child_main
    from fmnist_worker_frames import write_frame
    from fmnist_worker_sealed import Sealed, read_bodies, read_frame_sealed, read_job, send_bodies


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


def batches(steps):
    """The steps in the order given, cut into the runs one child takes.

    A cell step is a child of its own; consecutive case steps of one piece
    share one child, which runs them one after another.
    """
    out = []
    for step in steps:
        last = out[-1][-1] if out else None
        if (last is not None and step["step"].startswith("case:") and last["step"].startswith("case:")
                and step.get("piece") == last.get("piece")):
            out[-1].append(step)
        else:
            out.append([step])
    return out


def supervise(job, out_fd, run_child=None, sealed=None):
    """Run the steps of `job` in forked children; forward one header + payload per step.

    A piece's cases share one child (:func:`batches`), which writes one frame
    per case, in order. Each case has the step time from the end of the one
    before (from the fork for the first). A case that hangs or crashes ends
    its child, and the piece's later cases are skipped (as they always were);
    a frame that comes back too large ends the child too, and the cases after
    it run in a fresh one. The cases of one piece therefore see each other's
    leftovers (module globals, files), as the calls of one test cell do under
    nbgrader; pieces never share a child, and the writable folders are emptied
    between children.

    `run_child(steps, fd)` runs the steps in the forked child and never returns
    (default: :func:`worker_child.child_main` with the job's cells; the
    notebook's kernel passes its own, :mod:`autograder.sandbox.worker_kernel`).

    Least knowledge: a case step of the job names only its piece and where its
    body (inputs, recipe, table) lies in `sealed` (:mod:`autograder.sandbox.worker_sealed`),
    memory no fork inherits. Each child is forked first and then sent its own
    steps' bodies over a pipe of its own; the frames it sends back pass
    through a sealed buffer. No child ever holds another piece's cases.
    """
    cells = [tuple(c) for c in job.get("cells", [])]
    skip = set(job.get("skip_cells", []))
    timeout = float(job.get("step_timeout", 60.0))
    max_frame = int(job.get("max_frame", 16 * 1024 * 1024))
    writable = list(job.get("writable", []))
    # kill(-1) only where it cannot reach anything but the sandbox: its own pid namespace, no root
    sandboxed = bool(job.get("sandboxed")) and os.getuid() != 0 and os.getpid() < 100
    cells_seconds = float(job.get("cells_seconds", 0.0))  # a second pass runs no cell step
    stopped = set()  # pieces whose checks stop after one that hung or crashed
    scratch = Sealed(max_frame)  # the children's frames, kept from later forks

    def forward(step, status, payload, seconds):  # each step's frame goes on as soon as it is read
        nonlocal cells_seconds
        name = step["step"]
        if name.startswith("cell:"):
            cells_seconds = max(cells_seconds, seconds)
            if status != "ok":
                skip.add(name[5:])  # a cell that hung or crashed is left out of later steps
        elif status in ("timeout", "exit", "fork_failed"):
            stopped.add(step.get("piece"))
        _send(out_fd, name, status, payload)

    for batch in batches(job["steps"]):
        while batch:  # what a child did not reach: skipped when its piece stopped, else a fresh child's
            if batch[0].get("piece") in stopped:
                for step in batch:
                    _send(out_fd, step["step"], "skipped", b"")
                break
            done = _run_batch(batch, run_child, cells, skip, timeout, cells_seconds, (sealed, scratch),
                              sandboxed, forward)
            _empty(writable)
            batch = batch[done:]
    _send(out_fd, "done", "ok", b"")


def _run_batch(batch, run_child, cells, skip, timeout, cells_seconds, stores, sandboxed, forward):
    """Fork one child for `batch`, ``forward(step, status, payload, seconds)`` each step's frame; steps done.

    It stops at the first step that does not come back ``ok``: the child is
    then killed, with everything else of its step, and the steps after it are
    left to the caller.
    """
    sealed, scratch = stores
    r, w = os.pipe()
    in_r, in_w = os.pipe()  # the batch's own steps, sent after the fork
    start = time.monotonic()
    pid = _fork()
    if pid is None:
        for fd in (r, w, in_r, in_w):
            os.close(fd)
        forward(batch[0], "fork_failed", b"", 0.0)
        return 1
    if pid == 0:
        os.close(r)
        os.close(in_w)
        try:
            steps = read_bodies(in_r, len(batch))
            os.close(in_r)
            if steps is not None:
                if run_child is None:
                    child_main(steps, cells, skip, w)
                run_child(steps, w)
        finally:
            os._exit(0)  # a child never goes back to the supervisor's loop
    os.close(w)
    os.close(in_r)
    first = timeout + (cells_seconds if batch[0]["step"].startswith("case:") else 0.0)
    send_bodies(in_w, batch, sealed, start + first)  # not taken in time: the first step times out below
    os.close(in_w)
    child, done, last = pid, 0, None
    for i, step in enumerate(batch):
        budget = timeout + (cells_seconds if step["step"].startswith("case:") and i == 0 else 0.0)
        status, payload = read_frame_sealed(r, scratch, start + budget)
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
        if status == "too_large":
            payload = str(payload).encode()
        elif status == "timeout":
            payload = f"{budget:.0f}".encode()
        now = time.monotonic()
        done += 1
        if status != "ok":
            last = (step, status, payload or b"", now - start)
            break
        forward(step, status, payload or b"", now - start)
        start = now
    os.close(r)
    _kill_all_others(child, sandboxed)
    if pid is not None:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    _reap()
    if last is not None:  # sent once its child and whatever it started are gone
        forward(*last)
    return done


def _fork(tries=10):
    """os.fork(), retried a little while the uid's process count is at its limit; None if it stays.

    The child starts with every inherited object frozen for the garbage
    collector: a collection there would otherwise walk (and so copy, page by
    page) all this process holds, the whole kernel in the notebook's case:
    127 ms a collection in a fork of a process like a1's kernel, 6 ms frozen
    (``benchmarks/fork_gc.py``). This process unfreezes at once: its own
    collections are as before.
    """
    for i in range(tries):
        gc.freeze()
        try:
            pid = os.fork()
        except OSError:
            gc.unfreeze()
            _reap()
            time.sleep(0.1 * (i + 1))
            continue
        if pid:
            gc.unfreeze()
        return pid
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
    try:
        job, sealed = read_job(0, MAX_JOB_BYTES)
    except (ValueError, OSError) as exc:
        sys.exit(f"no job on stdin: {exc}")
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
    supervise(job, out_fd, sealed=sealed)
    os._exit(0)


if __name__ == "__main__":
    main()
