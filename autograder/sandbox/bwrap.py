"""Run a command in a sandbox: Debian's bubblewrap, an unprivileged user, resource limits.

The sandboxed process sees a read-only system (``/usr``, ``/etc``), the Python
installation and the packages it needs, private size-limited tmpfs ``/tmp``,
``/dev/shm`` and ``/var/tmp``, and read-write only the folders it is given. No
network (a new network namespace with nothing in it), its own process
namespace (killed with its parent), an unprivileged uid that belongs to one
grading run (:class:`~autograder.sandbox.uids.UidRange`), and ``setrlimit`` limits on memory,
processes, file size and CPU time. What it cannot see: other students'
submissions, ``course/``, the gradebook, the project's tests, root's home.

The trusted worker's sandbox (``project=False``) does not see the project's
``autograder`` or ``fmnist_edu`` either: only ``fmnist_checks`` and the worker
(``mounts``), with the assignment's banned scikit-learn subpackage covered
(``hide``) and a tmpfs work folder (``scratch``). The nbgrader kernel's sandbox
sees the project's packages (its hidden block imports them) and its
autograded folder read-only.

The sandboxes grading starts are requests of :mod:`autograder.sandbox.sandbox_spec`
(the kernel's: :mod:`autograder.sandbox.kernel_host` makes its sockets in a folder the
sandbox never sees and hands them over as descriptors). No sandbox is given a
writable host folder: what it writes is its own tmpfs, new with every start.
"""

import functools
import os
import shutil
import site
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass

from fmnist_checks.pieces import _BANNED_BY_ASSIGNMENT

SANDBOX_UID = 65534  # nobody: the default


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or does not work here; the message says what to install."""


@dataclass
class Limits:
    """Resource limits of one sandboxed process."""

    memory_mb: int = 4096  # address space (torch reserves a lot of it)
    processes: int = 512  # per uid, counted over all of that uid's processes
    file_mb: int = 64  # largest file it may write
    cpu_seconds: int = 900
    open_files: int = 512
    tmp_mb: int = 256  # each tmpfs: /tmp, /dev/shm, /var/tmp and the worker's work folder


def check_available():
    """Raise :class:`SandboxUnavailable` unless bwrap and setpriv work here."""
    for tool, package in (("bwrap", "bubblewrap"), ("setpriv", "util-linux")):
        if shutil.which(tool) is None:
            raise SandboxUnavailable(
                f"the grading sandbox needs '{tool}': install Debian's '{package}' "
                f"(sudo apt-get install {package}), or grade with --no-sandbox at your own risk"
            )
    from .launcher_client import client_argv, launcher_path

    # through the root launcher where one serves this process (autograder.sandbox.privsep)
    argv = client_argv({"spec": "probe"}, []) if launcher_path() else wrap(["true"], writable=(), limits=Limits())
    probe = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    if probe.returncode != 0 and "--size" in probe.stderr:
        raise SandboxUnavailable(
            "the grading sandbox needs bubblewrap 0.8 or later (for size-limited /tmp, --size); "
            "upgrade it, or grade with --no-sandbox at your own risk")
    if probe.returncode != 0:
        raise SandboxUnavailable(
            "bubblewrap is installed but cannot create a sandbox here "
            f"({probe.stderr.strip()[:300]}); it needs user namespaces or root"
        )


def _python_roots(project=True):
    """Folders the sandboxed Python must read: its installation and its packages.

    With `project`, also the project's ``autograder`` and ``fmnist_edu``
    folders (editable installs), which the nbgrader kernel's hidden block uses.
    """
    roots = {sys.base_prefix, sys.prefix, sysconfig.get_paths()["purelib"],
             sysconfig.get_paths()["platlib"]}
    roots |= set(site.getsitepackages())
    roots |= {p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")}  # .pth's site dirs
    if project:
        import autograder

        folder = os.path.dirname(os.path.dirname(os.path.abspath(autograder.__file__)))
        roots |= {os.path.join(folder, "autograder"), os.path.join(folder, "fmnist_edu")}
    return sorted(r for r in roots if os.path.isdir(r))


def wrap(argv, writable, limits, readable=(), cwd=None, env=None, uid=None, mplbackend="Agg", *,
         project=True, mounts=(), hide=(), scratch=None, tmp_mb=None, data=(), ro_fds=()):
    """The command line that runs `argv` in the sandbox.

    Parameters
    ----------
    argv : list of str
        The command to run inside.
    writable : iterable of str
        Folders bound read-write (the submission's work folder).
    limits : Limits
    readable : iterable of str
        Further folders bound read-only (the data folder).
    cwd : str, optional
        Working directory inside (one of `writable`).
    uid : int, optional
        The unprivileged uid to run as (default: nobody). Give parallel
        sandboxes different uids: the process limit counts per uid.
    mplbackend : str, optional
        matplotlib's backend inside (``Agg`` for the worker; the grading
        kernel embeds figures with ``module://matplotlib_inline.backend_inline``).
    project : bool
        Bind the project's ``autograder`` and ``fmnist_edu`` folders (the
        nbgrader kernel needs them for its hidden block). The trusted worker
        runs with ``project=False``: nothing there can compute an answer.
    mounts : iterable of (str, str)
        Further read-only binds ``(host path, sandbox path)`` (the worker and
        ``fmnist_checks``).
    hide : iterable of (str, str)
        ``(host folder, sandbox path)``: a folder bound read-only over a path,
        hiding what is there (the assignment's banned scikit-learn subpackage).
    scratch : str, optional
        A sandbox path that becomes a size-limited tmpfs (``tmp_mb``), writable
        by the sandbox user: the worker's work folder, with no host folder behind it.
    tmp_mb : int, optional
        Size of each tmpfs (``/tmp``, ``/dev/shm``, ``/var/tmp``, `scratch`);
        default ``limits.tmp_mb``.
    data : iterable of (int, str)
        ``(descriptor, sandbox path)``: a read-only file inside holding what
        bwrap reads from the descriptor (a pipe the host filled: the kernel's
        connection info), never a host file.
    ro_fds : iterable of (int, str)
        ``(descriptor, sandbox path)``: a folder bound read-only from a
        descriptor its requester opened (``--ro-bind-fd``), not from a path.
    """
    uid = SANDBOX_UID if uid is None else int(uid)
    cmd = ["bwrap", "--die-with-parent", "--new-session",
           "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
           "--hostname", "sandbox",
           "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
           "--symlink", "usr/lib", "/lib", "--symlink", "usr/bin", "/bin",
           "--symlink", "usr/sbin", "/sbin"]
    if os.path.isdir("/lib64") or os.path.islink("/lib64"):
        cmd += ["--symlink", "usr/lib64", "/lib64"]
    size = str((tmp_mb or limits.tmp_mb) * 1024 * 1024)
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    for folder in ("/dev/shm", "/tmp", "/var/tmp"):
        cmd += ["--perms", "1777", "--size", size, "--tmpfs", folder]
    fonts = matplotlib_font_list()
    if fonts:  # matplotlib's cache dir is /tmp (MPLCONFIGDIR): its font list, built already, read-only
        cmd += ["--ro-bind", fonts, "/tmp/" + os.path.basename(fonts)]
    binds = [("--ro-bind", p) for p in _python_roots(project)]
    binds += [("--ro-bind", p) for p in readable if p and os.path.isdir(p)]
    binds += [("--bind", p) for p in writable]
    # bwrap makes missing mount points root-only: make their parents traversable
    parents = sorted({parent for _, p in binds for parent in _parents(p)}, key=len)
    for parent in parents:
        cmd += ["--perms", "0755", "--dir", parent]
    for flag, path in binds:
        cmd += [flag, path, path]
    for fd, dest in ro_fds:
        for parent in _parents(dest):
            cmd += ["--perms", "0755", "--dir", parent]
        cmd += ["--ro-bind-fd", str(int(fd)), dest]
    for source, dest in list(mounts) + list(hide):
        for parent in _parents(dest):
            if not any(parent == p or parent.startswith(p + "/") for _, p in binds):
                cmd += ["--perms", "0755", "--dir", parent]
        cmd += ["--ro-bind", source, dest]
    if scratch:
        cmd += ["--perms", "1777", "--size", size, "--tmpfs", scratch]  # the sandbox's own, in memory
    for fd, dest in data:
        for parent in _parents(dest):
            cmd += ["--perms", "0755", "--dir", parent]
        cmd += ["--perms", "0444", "--ro-bind-data", str(int(fd)), dest]
    if cwd:
        cmd += ["--chdir", cwd]
    cmd += ["--setenv", "HOME", "/tmp", "--setenv", "MPLCONFIGDIR", "/tmp",
            "--setenv", "OMP_NUM_THREADS", "1", "--setenv", "MKL_NUM_THREADS", "1",
            "--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "MPLBACKEND", mplbackend,
            "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
            "--unsetenv", "JPY_PARENT_PID"]  # no parent pid to poll in a new pid namespace
    for key, value in (env or {}).items():
        cmd += ["--setenv", key, value]
    mb = 1024 * 1024
    cmd += ["prlimit", f"--as={limits.memory_mb * mb}", f"--nproc={limits.processes}",
            f"--fsize={limits.file_mb * mb}", f"--cpu={limits.cpu_seconds}",
            f"--nofile={limits.open_files}", "--core=0",
            "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--no-new-privs", "--"]
    return cmd + list(argv)


@functools.lru_cache(maxsize=None)
def _font_list_folder():
    from importlib.metadata import version

    from platformdirs import user_cache_dir

    return os.path.join(user_cache_dir("fmnist-edu"), f"matplotlib-{version('matplotlib')}")


def matplotlib_font_list():
    """The host file of matplotlib's font list, built once per matplotlib version; None if it cannot be.

    matplotlib builds its font list (scanning every font file, about 0.25 CPU s)
    the first time it loads with an empty cache folder, which a sandbox's
    ``/tmp`` always is. :func:`wrap` binds this one, made by the grader with the
    same matplotlib and the same fonts (``/usr`` and the environment's), read-only in its place.
    """
    try:
        folder = _font_list_folder()
        found = [n for n in os.listdir(folder) if n.startswith("fontlist-") and n.endswith(".json")] \
            if os.path.isdir(folder) else []
        if not found:
            os.makedirs(folder, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=folder) as build:
                env = {k: v for k, v in os.environ.items() if not k.startswith(("MPL", "XDG_"))}
                subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=dict(env, MPLCONFIGDIR=build),
                               check=True, capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
                for name in os.listdir(build):
                    if name.startswith("fontlist-") and name.endswith(".json"):
                        os.chmod(os.path.join(build, name), 0o644)
                        os.replace(os.path.join(build, name), os.path.join(folder, name))  # atomic: a racing build is the same file
                        found.append(name)
        return os.path.join(folder, sorted(found)[-1]) if found else None
    except (OSError, ImportError, subprocess.SubprocessError):
        return None


def _parents(path):
    """The folders above `path` that a bind must create, outermost first ('/a', '/a/b')."""
    parts = os.path.abspath(path).split(os.sep)[1:-1]
    out = []
    for i in range(len(parts)):
        folder = "/" + "/".join(parts[: i + 1])
        if folder not in ("/usr", "/etc", "/tmp", "/proc", "/dev", "/var/tmp") and not folder.startswith("/usr/"):
            out.append(folder)
    return out




STUDENT_SIDE_ROOT = "/opt/fmnist-grader"  # where fmnist_checks (and the worker) appear inside


def student_side_mounts():
    """The read-only bind of fmnist_checks at ``STUDENT_SIDE_ROOT``: the only project code inside."""
    import fmnist_checks

    return [(os.path.dirname(os.path.abspath(fmnist_checks.__file__)), f"{STUDENT_SIDE_ROOT}/fmnist_checks")]


def worker_mounts():
    """Read-only binds of the worker's files (``fmnist_worker*.py``) and of fmnist_checks.

    Nothing else of this package: the worker (:mod:`autograder.sandbox.worker`), its
    child, its frames, and the kernel's side of the checks
    (:mod:`autograder.sandbox.worker_kernel`), each standing alone under
    ``STUDENT_SIDE_ROOT``.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    files = [(os.path.join(here, f"{name}.py"), f"{STUDENT_SIDE_ROOT}/fmnist_{name}.py")
             for name in ("worker", "worker_child", "worker_frames", "worker_kernel", "worker_sealed",
                          "kernel_launch")]
    return files + student_side_mounts()


def banned_hides(assignment, stub_dir):
    """(stub folder, sandbox path) over the assignment's banned scikit-learn subpackage."""
    import importlib.util

    hides = []
    for module in _BANNED_BY_ASSIGNMENT.get(assignment, ()):
        top, _, sub = module.partition(".")
        spec = importlib.util.find_spec(top)
        if spec is None or not spec.submodule_search_locations or not sub:
            continue
        folder = os.path.join(list(spec.submodule_search_locations)[0], *sub.split("."))
        if not os.path.isdir(folder):
            continue
        stub = os.path.join(stub_dir, module.replace(".", "_"))
        os.makedirs(stub, exist_ok=True)
        with open(os.path.join(stub, "__init__.py"), "w", encoding="utf-8") as fh:
            fh.write(f"raise ImportError({module!r} + ' is not available while grading this assignment: '\n"
                     f"                  'the contract bans it (a reference implementation)')\n")
        os.chmod(stub, 0o755)
        os.chmod(os.path.join(stub, "__init__.py"), 0o644)
        hides.append((stub, folder))
    return hides
