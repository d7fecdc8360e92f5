"""The hidden checks in forks of the notebook's grading kernel: the trusted side.

Student code runs once per submission. :class:`autograder.batch.nbexec.SandboxedExecute`
runs the student's notebook in the sandboxed kernel; after each answer cell it
asks the kernel to remember what the cell defined, and after the last cell it
hands the kernel the checks (:class:`KernelChecks`): each case's plain inputs,
recipe and isolation table, built here as for the worker
(:func:`autograder.verdict.trusted.build_steps`). The kernel forks one child per piece,
which runs the piece's cases one after another
(:mod:`autograder.sandbox.worker_kernel`). The job goes in, and the results come back,
one frame per case, over a connection this process opens to a listening
socket it made itself (:mod:`autograder.sandbox.kernel_host`: in a folder the sandbox
never sees, handed to the kernel as a descriptor); they are read exactly as
the worker's (:func:`autograder.verdict.trusted.read_frames`) and judged later, here,
by :class:`autograder.batch.annotate.TrustedVerdict`.

A case that hangs or crashes is stopped by the kernel's supervisor as in the
worker. A kernel that dies or stops answering ends the run: that case counts as
failed, the rest of its piece is not run, and any case left over runs in a
fresh worker (:func:`autograder.verdict.trusted.run_in_worker`, the answer cells run
again there: a fresh kernel where needed).
"""

import contextlib
import hashlib
import socket
import threading
import time

from fmnist_checks.notebook import is_answer, nbgrader_meta
from fmnist_checks.pieces import piece_of
from .trusted import build_steps
from ..sandbox.worker_sealed import pack_job
from .worker_records import MAX_FRAME_BYTES, give_up_at, read_frames


def seed_digest(seed):
    """What the records carry of the seed they were run with (the judge checks it matches)."""
    return hashlib.sha256(f"fmnist-seed/{int(seed)}".encode()).hexdigest()


class KernelChecks:
    """One submission's checks in its notebook's kernel.

    Parameters
    ----------
    assignment : str
    seed : int
        The hidden inputs' seed (:func:`autograder.hidden.grading_seed`).
    channel : str
        The host path of the kernel's checks socket (:func:`autograder.sandbox.kernel_host.checks_address`),
        in a folder only this process's user can enter.
    step_timeout, total_timeout : float
        Seconds one case, and all of them, may run.
    sandboxed : bool
        Whether the kernel runs in the sandbox (where the worker's files are
        ``fmnist_worker_*``; outside, ``autograder.worker_*``).
    """

    def __init__(self, assignment, seed, channel, step_timeout=60.0, total_timeout=600.0, sandboxed=True):
        self.assignment, self.seed, self.channel = assignment, int(seed), channel
        self.step_timeout, self.total_timeout, self.sandboxed = float(step_timeout), float(total_timeout), sandboxed
        self.module = "fmnist_worker_kernel" if sandboxed else "autograder.sandbox.worker_kernel"
        self.records, self.notes = {}, []
        self.ran = False

    # --- while the notebook runs

    def remember_code(self, cell):
        """The code that keeps what an answer cell defined, or None for any other cell."""
        if not is_answer(cell):
            return None
        piece = piece_of(str(nbgrader_meta(cell).get("grade_id", "")), self.assignment)
        if piece is None:
            return None
        return f"__import__('importlib').import_module({self.module!r}).remember(globals(), {piece!r})"

    def cell_ran(self, cell, error=None):
        """Record how an answer cell ran: `error` is its error output, or a stop's description."""
        if not is_answer(cell):
            return
        gid = str(nbgrader_meta(cell).get("grade_id", ""))
        key = f"cell:{gid}"
        if key in self.records or piece_of(gid, self.assignment) is None:
            return  # the first answer cell with a grade id counts
        if error is None:
            self.records[key] = {"step": key, "ok": True}
        else:
            self.records[key] = {"step": key, "ok": False,
                                 "error": {"type": str(error.get("type", "Error"))[:100],
                                           "message": str(error.get("message", ""))[:1000], "where": None}}

    # --- after the last cell

    def run(self, call):
        """Run every case in the kernel; `call(code, timeout)` runs code there: "ok", "dead" or "timeout"."""
        self.ran = True
        deadline = time.monotonic() + self.total_timeout
        records, notes, _ = self._pass(build_steps(self.assignment, self.seed), call, deadline)
        for key, record in records.items():
            self.records.setdefault(key, record)
        self.notes += [n for n in notes if n not in self.notes]
        return self.records, self.notes

    def _pass(self, todo, call, deadline):
        job = {"steps": todo, "step_timeout": self.step_timeout, "max_frame": MAX_FRAME_BYTES,
               "sandboxed": self.sandboxed}
        payload = pack_job(job)  # the case bodies apart: the kernel keeps them from its forks
        records, notes, done = {}, [], {}
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.settimeout(10)
            conn.connect(self.channel)  # queued on the kernel's listening socket until it accepts
        except OSError:
            conn.close()
            return {}, [give_up_at({}, todo, "broke the grader's link to the kernel")
                        + ", the other pieces' ran in a fresh worker"], "dead"

        def reader():
            try:
                conn.settimeout(max(1.0, deadline - time.monotonic()))
                conn.sendall(payload)
                conn.settimeout(None)  # read_frames waits with its own deadlines
                done["all"] = read_frames(conn.fileno(), todo, records, notes, self.step_timeout, deadline)
            except OSError:  # the kernel closed or never took the connection
                done["all"] = False

        thread = threading.Thread(target=reader, name="fmnist-kernel-frames", daemon=True)
        thread.start()
        code = f"__import__('importlib').import_module({self.module!r}).serve()"
        state = call(code, max(1.0, deadline - time.monotonic()) + 10)
        # serve() has returned: what it sent is at most a socket buffer away
        thread.join(5 if state == "ok" else 2)
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)  # a kernel that never took the connection: stop reading
        thread.join(5)
        if thread.is_alive():
            done["all"] = False
        conn.close()
        if done.get("all") and state == "ok":
            return records, notes, "ok"
        remaining = [s for s in todo if s["step"] not in records]
        if remaining and time.monotonic() < deadline:
            what = ("ended the notebook's kernel" if state == "dead" else
                    "left the notebook's kernel unanswering" if state == "timeout" else
                    "broke the grader's link to the kernel")
            notes.append(give_up_at(records, remaining, what) + ", the other pieces' ran in a fresh worker")
        return records, notes, "dead" if state == "ok" else state
