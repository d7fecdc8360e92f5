"""The checks in the notebook's own kernel: one fork per piece, after the notebook ran.

Student code runs once per submission: the grading kernel
(:mod:`autograder.batch.nbexec`) runs the student's notebook, and the hidden
checks then run in forks of that kernel, each from the state the notebook
left. Inside the sandbox this file stands alone, as ``fmnist_worker_kernel``
(beside ``fmnist_worker``, ``fmnist_worker_child`` and ``fmnist_worker_frames``).

* After each answer cell has run, the grader calls :func:`remember` with the
  piece's name: what the answer cell defined is kept, so a later cell that
  rebinds the name (``accuracy = accuracy(y, p)``) changes nothing graded.
* :func:`serve` takes the trusted side's connection on the listening socket
  the kernel inherited (``FMNIST_CHECKS_FD``: the host made it, in a folder
  the sandbox never sees), reads the job from it (a frame: the steps, as for
  :mod:`autograder.sandbox.worker`) and runs :func:`autograder.sandbox.worker.supervise` with
  a child that runs a piece's cases, one after another, on the remembered
  answers (:func:`autograder.sandbox.worker_child.run_case`); the frames go back on
  the same connection.

The kernel ran student code before any of this, so nothing here is trusted:
what comes back is read like the worker's frames (sizes bounded, steps in the
order asked), compared on the trusted side with expectations the sandbox never
holds. A hijacked kernel can only send answers of its choosing, as the
student's own function could.
"""

import json
import os

try:  # as autograder.sandbox.worker_kernel (outside the sandbox, the tests)
    from .worker import supervise
    from .worker_child import run_case, send_frames
    from .worker_frames import read_frame
except ImportError:  # standalone in the sandbox
    from fmnist_worker import supervise
    from fmnist_worker_child import run_case, send_frames
    from fmnist_worker_frames import read_frame

MAX_JOB_BYTES = 256 * 1024 * 1024
_answers = {}  # piece -> what its answer cell defined


def remember(namespace, piece):
    """Keep what the answer cell of `piece` defined (the first answer cell counts)."""
    if piece not in _answers and piece in namespace:
        _answers[piece] = namespace[piece]


def forget():
    """A fresh kernel remembers nothing (its answer cells run again)."""
    _answers.clear()


def _kernel_child(steps, fd):
    """A piece's cases on the remembered answers, in one fork of the kernel; never returns."""
    send_frames(fd, steps, _case_in_fork)


def _case_in_fork(step):
    import sys

    torch = sys.modules.get("torch")
    if torch is not None:  # a fork of a process whose OpenMP pool ran deadlocks in its first op
        torch.set_num_threads(1)
    return run_case(step, dict(_answers))


def serve(accept_timeout=30.0):
    """Take the trusted side's connection, read its job, send a frame per case back on it."""
    import socket

    listener = socket.socket(fileno=os.dup(int(os.environ["FMNIST_CHECKS_FD"])))
    try:
        listener.settimeout(accept_timeout)
        conn, _ = listener.accept()
    finally:
        listener.close()
    with conn:
        conn.settimeout(None)
        status, raw = read_frame(conn.fileno(), MAX_JOB_BYTES)
        if status != "ok":
            raise RuntimeError(f"no job from the grader ({status})")
        job = json.loads(raw.decode("utf-8"))
        job["cells"], job["skip_cells"], job["writable"], job["cells_seconds"] = [], [], [], 0.0
        supervise(job, conn.fileno(), run_child=_kernel_child)
