"""Steps sealed from the forks: each piece's child gets its own cases after the fork, over a pipe.

A check's process must hold only its own piece's cases: no other piece's
hidden inputs or isolation tables, not even in memory it inherited and
freed. The job therefore comes in two parts (:func:`pack_job`): a header
naming each step (its piece, and where its body lies) and the step bodies
(inputs, recipe, table), which the supervisor reads straight into a
:class:`Sealed` store: a private anonymous mapping that a fork sees zeroed
(``MADV_WIPEONFORK``) or not at all (``MADV_DONTFORK``), never copied onto
the Python heap. After forking a piece's child the supervisor writes that
piece's bodies to the child's own pipe (:func:`send_bodies`); the child reads
them before it runs any student code (:func:`read_bodies`). What the child
sends back passes through a sealed buffer too (:func:`read_frame_sealed`), so
a later fork never inherits an earlier piece's frames either.

Standard library only: in the sandbox this file stands alone, as
``fmnist_worker_sealed``.
"""

import json
import mmap
import os
import select
import time

try:  # as autograder.sandbox.worker_sealed (outside the sandbox, the tests)
    from .worker_frames import HEADER, read_exact
except ImportError:  # standalone in the sandbox, beside fmnist_worker_frames
    from fmnist_worker_frames import HEADER, read_exact

MAX_HEADER_BYTES = 64 * 1024 * 1024


class Sealed:
    """`size` bytes of memory that no fork of this process inherits.

    Raises OSError when the system offers neither ``MADV_WIPEONFORK`` nor
    ``MADV_DONTFORK`` (then nothing is run: the checks would leak).
    """

    def __init__(self, size):
        self.size = int(size)
        self.map = mmap.mmap(-1, max(self.size, 1), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        for name in ("MADV_WIPEONFORK", "MADV_DONTFORK"):
            advice = getattr(mmap, name, None)
            if advice is None:
                continue
            try:
                self.map.madvise(advice)
                return
            except OSError:
                continue
        raise OSError("this system cannot keep memory from forks (no MADV_WIPEONFORK nor MADV_DONTFORK)")

    def view(self, start=0, length=None):
        length = self.size - start if length is None else length
        if start < 0 or length < 0 or start + length > self.size:
            raise ValueError("outside the sealed store")
        return memoryview(self.map)[start:start + length]

    def fill(self, fd, start=0, length=None, deadline=None):
        """Read exactly `length` bytes from `fd` into the store at `start`; False at EOF or timeout."""
        view = self.view(start, length)
        while len(view):
            if deadline is not None:
                wait = deadline - time.monotonic()
                if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                    return False
            n = os.readv(fd, [view[:1 << 20]])
            if n <= 0:
                return False
            view = view[n:]
        return True


def pack_job(job):
    """The job as bytes: a length-prefixed header, then a length-prefixed block of the step bodies.

    Each case step becomes ``{"step", "piece", "body": [offset, length]}`` in
    the header; its whole dict (as JSON) is its body. Other steps (cells)
    stay in the header as they are.
    """
    header, bodies, offset = dict(job), [], 0
    steps = []
    for step in job["steps"]:
        if step["step"].startswith("case:"):
            body = json.dumps(step).encode("utf-8")
            steps.append({"step": step["step"], "piece": step.get("piece"), "body": [offset, len(body)]})
            bodies.append(body)
            offset += len(body)
        else:
            steps.append(step)
    header["steps"] = steps
    head = json.dumps(header).encode("utf-8")
    return b"".join([HEADER.pack(len(head)), head, HEADER.pack(offset)] + bodies)


def read_job(fd, max_bytes):
    """(header dict, :class:`Sealed` bodies) read from `fd`; ValueError when malformed or too large."""
    head = read_exact(fd, HEADER.size)
    if head is None or HEADER.unpack(head)[0] > min(max_bytes, MAX_HEADER_BYTES):
        raise ValueError("no job header, or one too large")
    raw = read_exact(fd, HEADER.unpack(head)[0])
    size = read_exact(fd, HEADER.size)
    if raw is None or size is None or HEADER.unpack(size)[0] > max_bytes:
        raise ValueError("no job bodies, or too many")
    job = json.loads(raw.decode("utf-8"))
    sealed = Sealed(HEADER.unpack(size)[0])
    if not sealed.fill(fd):
        raise ValueError("the job's bodies were cut short")
    return job, sealed


def send_bodies(fd, steps, sealed, deadline):
    """Write each step's body (length-prefixed) from `sealed` to the child's pipe `fd`; False if not taken in time.

    Steps without a body (a job built in this process, in tests) are sent whole.
    """
    os.set_blocking(fd, False)
    for step in steps:
        if "body" in step and sealed is not None:
            start, length = int(step["body"][0]), int(step["body"][1])
            data = sealed.view(start, length)
        else:
            data = memoryview(json.dumps(step).encode("utf-8"))
        for part in (memoryview(HEADER.pack(len(data))), data):
            while len(part):
                wait = deadline - time.monotonic()
                if wait <= 0 or not select.select([], [fd], [], wait)[1]:
                    return False
                try:
                    n = os.write(fd, part[:1 << 16])
                except BlockingIOError:
                    continue
                except OSError:  # the child is gone
                    return False
                part = part[n:]
    return True


def read_bodies(fd, n):
    """In the child: the `n` step dicts its supervisor sends; None if the pipe closes first."""
    steps = []
    for _ in range(n):
        head = read_exact(fd, HEADER.size)
        if head is None:
            return None
        raw = read_exact(fd, HEADER.unpack(head)[0])
        if raw is None:
            return None
        steps.append(json.loads(raw.decode("utf-8")))
    return steps


def read_frame_sealed(fd, scratch, deadline):
    """As :func:`autograder.sandbox.worker_frames.read_frame`, the payload read into `scratch` (a memoryview comes back)."""
    head = _read_by(fd, HEADER.size, deadline)
    if head is None:
        return ("timeout" if time.monotonic() >= deadline else "eof"), None
    (size,) = HEADER.unpack(head)
    if size > scratch.size:
        return "too_large", size
    if not scratch.fill(fd, 0, size, deadline):
        return ("timeout" if time.monotonic() >= deadline else "eof"), None
    return "ok", scratch.view(0, size)


def _read_by(fd, n, deadline):
    data = b""
    while len(data) < n:
        wait = deadline - time.monotonic()
        if wait <= 0 or not select.select([fd], [], [], wait)[0]:
            return None
        chunk = os.read(fd, n - len(data))
        if not chunk:
            return None
        data += chunk
    return data
