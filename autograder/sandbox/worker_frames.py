"""Frames: an 8-byte big-endian length, then the payload; read with every size bounded first.

The protocol between the trusted side (:mod:`autograder.verdict.trusted`), the
sandboxed supervisor (:mod:`autograder.sandbox.worker`) and each step's child
(:mod:`autograder.sandbox.worker_child`). Standard library only: in the sandbox this
file stands alone, as ``fmnist_worker_frames``.
"""

import os
import select
import struct
import time

HEADER = struct.Struct(">Q")


def write_frame(fd, payload):
    """Write an 8-byte big-endian length and `payload` (bytes or a memoryview, never copied) to `fd`."""
    for view in (memoryview(HEADER.pack(len(payload))), memoryview(payload)):
        while len(view):
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
