"""Run a command in a sandbox: Debian's bubblewrap, an unprivileged user, resource limits.

The sandboxed process sees a read-only system (``/usr``, ``/etc``), the Python
installation and the packages it needs, a private ``/tmp``, and read-write only
the folders it is given (its own work folder). No network (a new network
namespace with nothing in it), its own process namespace (killed with its
parent), an unprivileged uid, and ``setrlimit`` limits on memory, processes,
file size and CPU time. What it cannot see: other students' submissions,
``course/source``, the gradebook, the project's tests, root's home.

``python -m autograder.sandbox kernel {connection_file}`` is the kernel
command of the ``fmnist-sandbox`` kernelspec: an IPython kernel inside the
sandbox that talks to nbgrader over unix sockets beside its connection file.
"""

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from dataclasses import dataclass

SANDBOX_UID = 65534  # nobody: the default
FIRST_SLOT_UID = 61000  # grading slots run as 61000, 61001, ...: process limits count per uid


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


def check_available():
    """Raise :class:`SandboxUnavailable` unless bwrap and setpriv work here."""
    for tool, package in (("bwrap", "bubblewrap"), ("setpriv", "util-linux")):
        if shutil.which(tool) is None:
            raise SandboxUnavailable(
                f"the grading sandbox needs '{tool}': install Debian's '{package}' "
                f"(sudo apt-get install {package}), or grade with --no-sandbox at your own risk"
            )
    probe = subprocess.run(
        wrap(["true"], writable=(), limits=Limits()), capture_output=True, text=True, timeout=60
    )
    if probe.returncode != 0:
        raise SandboxUnavailable(
            "bubblewrap is installed but cannot create a sandbox here "
            f"({probe.stderr.strip()[:300]}); it needs user namespaces or root"
        )


def _python_roots():
    """Folders the sandboxed Python must read: its installation and its packages."""
    roots = {sys.base_prefix, sys.prefix, sysconfig.get_paths()["purelib"],
             sysconfig.get_paths()["platlib"]}
    roots |= set(site.getsitepackages())
    # editable installs of fmnist_edu and autograder: the package folders, not the project
    import autograder

    project = os.path.dirname(os.path.dirname(os.path.abspath(autograder.__file__)))
    roots |= {os.path.join(project, "autograder"), os.path.join(project, "fmnist_edu")}
    return sorted(r for r in roots if os.path.isdir(r))


def wrap(argv, writable, limits, readable=(), cwd=None, env=None, uid=None, mplbackend="Agg"):
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
    cmd += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/dev/shm",
            "--perms", "1777", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp"]
    binds = [("--ro-bind", p) for p in _python_roots()]
    binds += [("--ro-bind", p) for p in readable if p and os.path.isdir(p)]
    binds += [("--bind", p) for p in writable]
    # bwrap makes missing mount points root-only: make their parents traversable
    parents = sorted({parent for _, p in binds for parent in _parents(p)}, key=len)
    for parent in parents:
        cmd += ["--perms", "0755", "--dir", parent]
    for flag, path in binds:
        cmd += [flag, path, path]
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


def _parents(path):
    """The folders above `path` that a bind must create, outermost first ('/a', '/a/b')."""
    parts = os.path.abspath(path).split(os.sep)[1:-1]
    out = []
    for i in range(len(parts)):
        folder = "/" + "/".join(parts[: i + 1])
        if folder not in ("/usr", "/etc", "/tmp", "/proc", "/dev", "/var/tmp") and not folder.startswith("/usr/"):
            out.append(folder)
    return out


def open_for_sandbox(path):
    """Let the sandbox user write into `path` (a folder we created for it)."""
    os.chmod(path, 0o777)
    for root, dirs, files in os.walk(path):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o777)
        for name in files:
            os.chmod(os.path.join(root, name), 0o666)


def kernel_main(connection_file):
    """Start an IPython kernel in the sandbox (the fmnist-sandbox kernelspec's command).

    The kernel must use the ipc transport with an absolute socket prefix in a
    folder of its own (``--KernelManager.transport=ipc --KernelManager.ip=DIR/kernel``):
    in its network namespace there is no loopback to nbgrader.
    """
    import json

    with open(connection_file, encoding="utf-8") as fh:
        info = json.load(fh)
    if info.get("transport") != "ipc" or not os.path.isabs(info.get("ip", "")):
        sys.exit("the fmnist-sandbox kernel needs --KernelManager.transport=ipc and an absolute "
                 "--KernelManager.ip (a socket path prefix in a folder of its own)")
    runtime = os.path.dirname(info["ip"])
    workdir = os.getcwd()
    open_for_sandbox(workdir)
    # jupyter writes the connection file for its own user only: hand the sandbox user a copy
    readable_copy = os.path.join(runtime, "connection-sandbox.json")
    shutil.copyfile(connection_file, readable_copy)
    os.chmod(readable_copy, 0o644)
    limits = Limits(
        memory_mb=int(os.environ.get("FMNIST_SANDBOX_MEMORY_MB", Limits.memory_mb)),
        cpu_seconds=int(os.environ.get("FMNIST_SANDBOX_CPU_SECONDS", Limits.cpu_seconds)),
    )
    readable = [p for p in os.environ.get("FMNIST_SANDBOX_READABLE", "").split(os.pathsep) if p]
    env = {"FMNIST_EDU_STUDENT": os.environ.get("FMNIST_EDU_STUDENT", "")}
    if os.environ.get("FMNIST_EDU_DATA"):
        env["FMNIST_EDU_DATA"] = os.environ["FMNIST_EDU_DATA"]
    argv = wrap([sys.executable, "-m", "ipykernel_launcher", "-f", readable_copy,
                 # the visible checks isolate each piece, as the trusted grader does
                 "--IPKernelApp.exec_lines=[\"import autograder.hidden\"]"],
                writable=[runtime, workdir], readable=readable, limits=limits,
                cwd=workdir, env=env, uid=os.environ.get("FMNIST_SANDBOX_UID") or None,
                # figures are embedded in the autograded notebook
                mplbackend="module://matplotlib_inline.backend_inline")
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "kernel":
        kernel_main(sys.argv[2])
    else:
        sys.exit("usage: python -m autograder.sandbox kernel CONNECTION_FILE")
