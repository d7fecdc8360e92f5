"""Bounds on the trusted side: what of a submission is read, and how much memory a grading process may use.

A submission is looked at before any of it is read (:func:`survey`): its
folder is walked without following links, counting entries and adding up
sizes from ``lstat``, and the files to take are chosen there, the notebook and
``timestamp.txt`` first, then the rest in name order while the submission's
caps (:class:`Caps`: total size, file count) hold. What is left out is named
in a note; the notebook is graded as it would be. Files are read only when
their step is handed out (:func:`read_planned`), each opened without
following links and never beyond the size seen when it was surveyed.

Every grading-side process runs under a data-segment cap
(:func:`cap_memory`, ``RLIMIT_DATA``): the coordinator, each step's
``nbgrader`` process, each Dask worker of ``--cluster local:N``. Not
``RLIMIT_AS``: torch and numpy reserve address space they never touch
(glibc's malloc reserves 64 MB per thread arena, OpenMP and BLAS map large
regions, shared libraries count in full), so an address-space cap that
leaves room for those is loose on what is written, and a tight one breaks
``import torch``. ``RLIMIT_DATA`` (Linux 4.7+) counts private writable
mappings, i.e. what a process can actually fill, and needs no privilege,
unlike a cgroup, which an instructor can still put around the whole run
(``systemd-run --scope -p MemoryMax=...``).
"""

import contextlib
import hashlib
import os
import resource
import stat
from dataclasses import dataclass

from ..sandbox.safefs import UnsafePath, read_regular
from ..untrusted.escape import terminal

IGNORED = (".ipynb_checkpoints", "__pycache__", ".pytest_cache")
MAX_FILE_BYTES = 50 * 2**20  # a single submitted file larger than this is never taken
SURVEY_ENTRIES = 4096  # entries looked at in one submission folder before the walk stops
SHOWN = 5  # names a note lists before "and N more"


@dataclass(frozen=True)
class Caps:
    """What the trusted side holds at most (all in MB, or files)."""

    submission_mb: int = 64  # the files of one submission taken for grading
    submission_files: int = 200  # ... and how many (the released folder ships about 30)
    in_flight_mb: int = 256  # submissions' files the coordinator holds at once (a Dask graph included)
    grader_memory_mb: int = 4096  # RLIMIT_DATA of the coordinator, each step, each local Dask worker

    @property
    def submission_bytes(self):
        return self.submission_mb * 2**20

    @property
    def in_flight_bytes(self):
        return self.in_flight_mb * 2**20


def _mb(n):
    return f"{n / 2**20:,.1f} MB"


def _names(names):
    """The first names of `names`, each made inert for a terminal (a student chose them)."""
    shown = ", ".join(terminal(str(n)) for n in names[:SHOWN])
    return shown + (f" (and {len(names) - SHOWN} more)" if len(names) > SHOWN else "")


def _walk(folder):
    """(regular files {rel: size}, refused [(rel, why)], complete) of `folder`, links never followed.

    At most :data:`SURVEY_ENTRIES` entries are looked at; nothing is opened.
    """
    files, refused, seen = {}, [], 0
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(os.path.join(folder, rel_dir)) as it:
                for entry in it:
                    seen += 1
                    if seen > SURVEY_ENTRIES:
                        return files, refused, False
                    rel = os.path.join(rel_dir, entry.name)
                    st = entry.stat(follow_symlinks=False)
                    if stat.S_ISDIR(st.st_mode):
                        if entry.name not in IGNORED:
                            stack.append(rel)
                    elif stat.S_ISLNK(st.st_mode):
                        refused.append((rel, "a link"))
                    elif not stat.S_ISREG(st.st_mode):
                        refused.append((rel, "not a regular file"))
                    elif st.st_size > MAX_FILE_BYTES:
                        refused.append((rel, f"over {MAX_FILE_BYTES // 2**20} MB"))
                    else:
                        files[rel] = st.st_size
        except OSError as exc:
            refused.append((rel_dir or ".", f"unreadable folder ({type(exc).__name__})"))
    return files, refused, True


def survey(folder, caps=Caps(), first=(), what="the submission"):
    """(files to take {rel: size}, notes, over the caps?) for the submission in `folder`, decided before reading any.

    `first`: names taken before the others (the notebook, ``timestamp.txt``),
    then the rest in name order while ``caps.submission_files`` and
    ``caps.submission_bytes`` hold; a link, a special file or a file over
    :data:`MAX_FILE_BYTES` is never taken. Each note is one line and names `what`.
    """
    found, refused, complete = _walk(folder)
    notes = []
    if refused:
        notes.append("not taken: " + _names([f"{rel} ({why})" for rel, why in sorted(refused)]))
    order = [n for n in first if n in found] + sorted(n for n in found if n not in first)
    taken, left, total = {}, [], 0
    for rel in order:
        size = found[rel]
        if len(taken) < caps.submission_files and total + size <= caps.submission_bytes:
            taken[rel] = size
            total += size
        else:
            left.append(rel)
    if left or not complete:
        size = sum(found.values())
        held = (f"{len(found)} files, {_mb(size)}" if complete
                else f"more than {SURVEY_ENTRIES} entries (the rest was not looked at)")
        notes.append(
            f"{what} holds {held}, over the grader's caps ({caps.submission_files} files, "
            f"{caps.submission_mb} MB): {len(taken)} files ({_mb(total)}) were taken, the notebook first"
            + (f"; not shipped to the grader: {_names(left)}" if left else ""))
    return taken, notes, bool(left or not complete)


def read_planned(folder, files, root=None):
    """({rel: bytes}, notes): the files :func:`survey` chose, each read now, never beyond its surveyed size.

    A file that was replaced by a link, grew or vanished since is left out with a note.
    `root`: the course folder; no folder between it and a file may be a link.
    """
    out, notes = {}, []
    for rel, size in files.items():
        try:
            out[rel] = read_regular(os.path.join(folder, rel), size, root=root)
        except (UnsafePath, OSError) as exc:
            notes.append(f"{rel} was not taken: it changed while the class was graded ({type(exc).__name__})")
    return out, notes


def with_files(job):
    """`job` with its submission's files read (``submission``) in place of its ``plan``.

    The plan's ``replace`` ({name: bytes, or None to drop}) then stands in for
    what the student's folder held under those names.

    A job without a plan is returned as it is.
    """
    plan = job.get("plan")
    if plan is None:
        return job
    files, notes = read_planned(plan["folder"], plan["files"], root=plan["root"])
    _replace(files, plan, lambda data: data)
    out = {k: v for k, v in job.items() if k != "plan"}
    out["submission"] = files
    out["notes"] = list(job.get("notes", [])) + notes
    return out


def held_bytes(job):
    """About how many bytes the coordinator holds for `job` once its files are read (and sends them)."""
    plan = job.get("plan") or {"files": {}}
    return (sum(plan["files"].values()) + sum(map(len, job.get("submission", {}).values()))
            + sum(map(len, job.get("source", {}).values())) + len(job.get("gradebook_db", b"")))


def digests(folder, files, root=None):
    """{rel: SHA-256 digest} of the planned files, read one at a time (for ``--resume``'s keys)."""
    out = {}
    for rel, size in files.items():
        try:
            out[rel] = hashlib.sha256(read_regular(os.path.join(folder, rel), size, root=root)).digest()
        except (UnsafePath, OSError):
            out[rel] = b""  # changed: the key differs, and the step is graded again
    return out


def planned_digests(plan):
    """{rel: SHA-256 digest} of the files `plan` gives a step, as :func:`with_files` gives them (``replace`` too)."""
    out = digests(plan["folder"], plan["files"], plan["root"])
    _replace(out, plan, lambda data: hashlib.sha256(data).digest())
    return out


def _replace(found, plan, value):
    """The plan's ``replace`` ({name: bytes, or None to drop}) over `found`, each kept as ``value(bytes)``."""
    for rel, data in plan.get("replace", {}).items():  # e.g. timestamp.txt, as the coordinator resolved it
        if data is None:
            found.pop(rel, None)
        else:
            found[rel] = value(data)


def cap_memory(mb):
    """Cap this process's data segment (and what it starts) at `mb` MB: the soft ``RLIMIT_DATA``.

    The hard limit stays as it was, so a sandbox started below sets its own
    limits; trusted code never raises the soft one again. A cap lower than what
    the process holds already is not applied (returns False).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    want = mb * 2**20
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (want, hard))
    except (ValueError, OSError):
        return False
    return True


@contextlib.contextmanager
def memory_cap(mb):
    """:func:`cap_memory` for the block; the limit this process had before comes back after it."""
    before = resource.getrlimit(resource.RLIMIT_DATA)
    cap_memory(mb)
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, before)


def prlimit_prefix(mb):
    """The argv prefix that starts a program under :func:`cap_memory`'s cap (util-linux ``prlimit``)."""
    return ["prlimit", f"--data={mb * 2**20}:", "--"]


def grader_memory_mb(options):
    """The data cap (MB) of every grading-side process: never below the sandbox's memory limit,
    since the sandboxed processes a step starts inherit the step's cap besides their own."""
    return max(options.caps.grader_memory_mb, options.limits.memory_mb)
