"""The sandboxes grading starts, as requests: a spec from a fixed set, a pool uid, limits, descriptors.

A request is plain data (what :mod:`autograder.sandbox.privsep`'s root launcher
accepts over its socket) plus a list of descriptors it refers to by index:

``{"spec": "kernel" | "worker" | "probe", "uid": 62001, "limits": {...},
"assignment": "a5_evaluation", "binds": [[index, "/sandbox/path"], ...],
"cwd": "/sandbox/path", "env": {"FMNIST_EDU_STUDENT": ...},
"kernel_fds": {"shell": index, ...}, "checks_fd": index, "connection_fd": index}``

Folders are bound read-only from descriptors the requester opened
(``--ro-bind-fd``): no host path from a request is ever opened by whoever
starts the sandbox. :func:`spec_argv` checks a request and builds bwrap's
command line (:func:`autograder.sandbox.wrap`); :func:`sandbox_command` is
what the grading code calls: the launcher's client where a launcher serves
this process, else bwrap directly.
"""

import os
import re
import sys

from .kernel_launch import CHANNELS, FDS_VAR, INSIDE_CONNECTION
from .launcher_client import client_argv, launcher_path
from .bwrap import SANDBOX_UID, STUDENT_SIDE_ROOT, Limits, banned_hides, worker_mounts, wrap
from .uids import FIRST_RANGE_UID

SPECS = ("kernel", "worker", "probe")
ENV_KEYS = ("FMNIST_EDU_STUDENT", "FMNIST_EDU_DATA")
LIMIT_MAX = {"memory_mb": 32768, "processes": 2048, "file_mb": 1024, "cpu_seconds": 7200,
             "open_files": 4096, "tmp_mb": 4096}
FORBIDDEN = ("/proc", "/sys", "/dev", "/usr", "/etc", "/bin", "/lib", "/lib64", "/sbin",
             STUDENT_SIDE_ROOT, "/run/fmnist-kernel")
SAFE_PATH = re.compile(r"^(/[A-Za-z0-9._+@=,-]+)+$")
INLINE = "module://matplotlib_inline.backend_inline"
WORK_FOLDER = "/home/student"  # the worker's work folder: a size-limited tmpfs, no host folder


def worker_inside_argv():
    """The command that starts the worker in its sandbox (only what STUDENT_SIDE_ROOT holds)."""
    return [sys.executable, "-I", "-c",
            f"import sys; sys.path.insert(0, {STUDENT_SIDE_ROOT!r}); import fmnist_worker; fmnist_worker.main()"]


def _index(value, fds, what):
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(fds):
        raise ValueError(f"{what}: not a descriptor of the request")
    return fds[value]


def sandbox_path(path):
    """`path` when it is a plain absolute path inside the sandbox that no system folder holds."""
    if not isinstance(path, str) or not SAFE_PATH.match(path) or os.path.normpath(path) != path \
            or any(part in (".", "..") for part in path.split("/")) or len(path) > 512:
        raise ValueError(f"{path!r} is no plain absolute path")
    for folder in FORBIDDEN + (sys.prefix, sys.base_prefix):
        if path == folder or path.startswith(folder + "/") or folder.startswith(path + "/"):
            raise ValueError(f"{path!r} would cover {folder}")
    return path


def check_request(request, fds):
    """The request's fields, checked (ValueError names the first that is not allowed)."""
    from fmnist_checks.pieces import ASSIGNMENTS

    spec = request.get("spec")
    if spec not in SPECS:
        raise ValueError(f"no sandbox spec {spec!r}")
    uid = request.get("uid")
    uid = SANDBOX_UID if uid is None else uid
    if not isinstance(uid, int) or not (FIRST_RANGE_UID <= uid <= 64999 or uid == SANDBOX_UID):
        raise ValueError(f"uid {uid!r} is not one of the sandbox pool's")
    limits = {}
    for key, value in (request.get("limits") or {}).items():
        if key not in LIMIT_MAX or not isinstance(value, int) or not 0 < value <= LIMIT_MAX[key]:
            raise ValueError(f"limit {key}={value!r} is not allowed")
        limits[key] = value
    assignment = request.get("assignment") or ""
    if assignment and assignment not in ASSIGNMENTS:
        raise ValueError(f"no assignment {assignment!r}")
    binds = [(_index(i, fds, "binds"), sandbox_path(dest)) for i, dest in request.get("binds") or []]
    env = {}
    for key, value in (request.get("env") or {}).items():
        if key not in ENV_KEYS or not isinstance(value, str) or "\0" in value or len(value) > 4096:
            raise ValueError(f"environment variable {key!r} is not allowed")
        env[key] = value
    cwd = request.get("cwd")
    if cwd is not None and cwd not in [dest for _, dest in binds]:
        raise ValueError("cwd must be one of the bound folders")
    return spec, uid, Limits(**limits), assignment, binds, env, cwd


def spec_argv(request, fds, stub_dir):
    """bwrap's command line for a checked `request`; `fds`: its descriptors (inherited by bwrap).

    `stub_dir`: a folder of the caller's own (never a sandbox's) where the
    assignment's banned modules get their stubs.
    """
    spec, uid, limits, assignment, binds, env, cwd = check_request(request, fds)
    hides = banned_hides(assignment, stub_dir) if assignment else []
    common = {"writable": [], "limits": limits, "uid": uid, "project": False, "ro_fds": binds}
    if spec == "probe":
        return wrap(["true"], env={}, **common)
    if spec == "worker":
        return wrap(worker_inside_argv(), cwd=WORK_FOLDER, env={}, mounts=worker_mounts(), hide=hides,
                    scratch=WORK_FOLDER, **common)
    kernel = request.get("kernel_fds") or {}
    if sorted(kernel) != sorted(CHANNELS):
        raise ValueError("kernel_fds: one descriptor per kernel channel")
    env[FDS_VAR] = ",".join(f"{name}={_index(kernel[name], fds, name)}" for name in CHANNELS)
    env["FMNIST_CHECKS_FD"] = str(_index(request.get("checks_fd"), fds, "checks_fd"))
    # test cells never run in the kernel (their verdict is the trusted grader's), so the
    # kernel sees what the worker sees: fmnist_checks, not autograder nor fmnist_edu, and
    # not the assignment's banned scikit-learn subpackage
    env["PYTHONPATH"] = STUDENT_SIDE_ROOT
    connection = _index(request.get("connection_fd"), fds, "connection_fd")
    return wrap([sys.executable, f"{STUDENT_SIDE_ROOT}/fmnist_kernel_launch.py", INSIDE_CONNECTION],
                cwd=cwd, env=env, mplbackend=INLINE, mounts=worker_mounts(), hide=hides,
                data=[(connection, INSIDE_CONNECTION)], **common)


def open_folder(path):
    """A descriptor (O_PATH) of the folder `path`, inheritable: what a bind of it takes."""
    fd = os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    os.set_inheritable(fd, True)
    return fd


def sandbox_command(request, fds, stub_dir):
    """The command that starts `request`'s sandbox; the caller keeps `fds` open (inherited) until it starts.

    Through the root launcher where one serves this process (:mod:`autograder.sandbox.privsep`),
    else bwrap directly (this process has the rights it takes, or it fails as bwrap says).
    """
    for fd in fds:
        os.set_inheritable(fd, True)
    if launcher_path():
        check_request(request, fds)  # a bad request fails here, with the same message
        return client_argv(request, fds)
    return spec_argv(request, fds, stub_dir)
