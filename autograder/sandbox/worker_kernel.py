"""The checks in the notebook's own kernel: one fork per piece, after the notebook ran.

Student code runs once per submission: the grading kernel
(:mod:`autograder.batch.nbexec`) runs the student's notebook, and the hidden
checks then run in forks of that kernel, each from the state the notebook
left. Inside the sandbox this file stands alone, as ``fmnist_worker_kernel``
(beside ``fmnist_worker``, ``fmnist_worker_child``, ``fmnist_worker_frames`` and
``fmnist_worker_sealed``).

* After each answer cell has run, the grader calls :func:`remember` with the
  piece's name: what the answer cell defined is kept, so a later cell that
  rebinds the name (``accuracy = accuracy(y, p)``) changes nothing graded.
* :func:`serve` takes the trusted side's connection on the listening socket
  the kernel inherited (``FMNIST_CHECKS_FD``: the host made it, in a folder
  the sandbox never sees), reads the job from it once (as
  :mod:`autograder.sandbox.worker` reads its stdin: the case bodies into
  memory no fork inherits, :mod:`autograder.sandbox.worker_sealed`) and runs
  :func:`autograder.sandbox.worker.supervise` with a child that gets its own
  piece's cases after the fork and runs them, one after another, on the
  remembered answers (:func:`autograder.sandbox.worker_child.run_case`); the
  frames go back on the same connection.

The kernel ran student code before any of this, so nothing here is trusted:
what comes back is read like the worker's frames (sizes bounded, steps in the
order asked), compared on the trusted side with expectations the sandbox never
holds. A hijacked kernel can only send answers of its choosing, as the
student's own function could.
"""

import os

try:  # as autograder.sandbox.worker_kernel (outside the sandbox, the tests)
    from .worker import _no_dump, supervise
    from .worker_child import run_case, send_frames
    from .worker_sealed import read_job
except ImportError:  # standalone in the sandbox
    from fmnist_worker import _no_dump, supervise
    from fmnist_worker_child import run_case, send_frames
    from fmnist_worker_sealed import read_job

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
    """Take the trusted side's connection, read its job once, send a frame per case back on it.

    Least knowledge: the kernel is made non-dumpable first (a fork cannot
    read its parent's memory through ``/proc``), and the job's case bodies go
    from the socket straight into memory no fork inherits
    (:mod:`autograder.sandbox.worker_sealed`): nothing of any piece's cases is
    on this kernel's heap, and the connection carries the job once, so a fork
    can neither reopen it nor read it again. Each piece's fork gets its own
    cases over a pipe after it is forked.
    """
    import socket

    _no_dump()
    listener = socket.socket(fileno=os.dup(int(os.environ["FMNIST_CHECKS_FD"])))
    try:
        listener.settimeout(accept_timeout)
        conn, _ = listener.accept()
    finally:
        listener.close()
    with conn:
        conn.settimeout(None)
        try:
            job, sealed = read_job(conn.fileno(), MAX_JOB_BYTES)
        except (ValueError, OSError) as exc:
            raise RuntimeError(f"no job from the grader ({exc})") from None
        job["cells"], job["skip_cells"], job["writable"], job["cells_seconds"] = [], [], [], 0.0
        supervise(job, conn.fileno(), run_child=_kernel_child, sealed=sealed)
