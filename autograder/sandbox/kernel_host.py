"""The grading kernel's host side: its sockets made here, in a folder the sandbox never sees.

``python -I -m autograder.sandbox.kernel_host [--no-sandbox] {connection_file}`` is the
kernel command of the ``fmnist-sandbox`` kernelspec (:mod:`autograder.batch.nbexec`).
jupyter_client writes the connection file into the kernel's runtime folder, a
folder only the grading process can enter (mode 0700) and that is never bound
into a sandbox. This process, run as the grading process's user:

* creates the kernel's five listening unix sockets there, at the addresses
  jupyter_client will connect to (``{ip}-{port}``), and a sixth,
  ``{ip}-checks``, on which the hidden checks' job goes in and their frames
  come back (:class:`autograder.verdict.kernel_checks.KernelChecks`);
* starts the kernel (:mod:`autograder.sandbox.kernel_launch`) in a fresh sandbox,
  handing it the listening descriptors (inherited: bwrap keeps them) and the
  connection info as a read-only file made from a pipe (``--ro-bind-data``).

So the sandbox writes nothing the host reads, opens, binds or deletes: its
writable folders are its own tmpfs (``/tmp``, ``/dev/shm``, ``/var/tmp``), new
with every start, the kernel's restarts included. Everything comes back over
descriptors the host opened.
"""

import contextlib
import json
import os
import socket
import stat
import sys

from .kernel_launch import CHANNELS, FDS_VAR, INSIDE_FOLDER

CHECKS_FD_VAR = "FMNIST_CHECKS_FD"
WORKDIR = "/home/student/work"  # nbgrader's autograded folder, the kernel's cwd, inside
DATA_FOLDER = "/srv/fmnist-data"  # the Fashion-MNIST files inside


def checks_address(ip):
    """The host path of the checks' listening socket of the kernel whose ipc prefix is `ip`."""
    return f"{ip}-checks"


def host_only(folder):
    """Raise unless `folder` is a real folder of this user's that no other user may enter."""
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise PermissionError(f"{folder} must be a folder of this user's alone (mode 0700): "
                              "the kernel's sockets are made there")


def listen_at(path):
    """A listening unix socket at `path` (in a host-only folder), its descriptor inheritable."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # one a killed kernel left: the folder is this process's own
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    sock.listen(64)
    os.set_inheritable(sock.fileno(), True)
    return sock


def make_sockets(info):
    """({channel: listening socket}, checks socket) at the connection info's addresses."""
    host_only(os.path.dirname(info["ip"]))
    kernel = {name: listen_at(f"{info['ip']}-{int(info[name + '_port'])}") for name in CHANNELS}
    return kernel, listen_at(checks_address(info["ip"]))


def connection_pipe(info):
    """A pipe's read end holding the connection info the kernel reads inside (bwrap copies it)."""
    inside = dict(info, ip=f"{INSIDE_FOLDER}/kernel", transport="ipc")
    data = json.dumps(inside).encode("utf-8")
    read_end, write_end = os.pipe()
    try:
        if len(data) > 60_000:
            raise ValueError("the connection info does not fit a pipe")
        os.write(write_end, data)
    finally:
        os.close(write_end)
    os.set_inheritable(read_end, True)
    return read_end


def kernel_main(connection_file, sandboxed=True):
    """Make the kernel's sockets, then become its sandbox (or, unsandboxed, the kernel)."""
    with open(connection_file, encoding="utf-8") as fh:
        info = json.load(fh)
    if info.get("transport") != "ipc" or not os.path.isabs(info.get("ip", "")):
        sys.exit("the fmnist-sandbox kernel needs --KernelManager.transport=ipc and an absolute "
                 "--KernelManager.ip (a socket path prefix in a folder of the grader's own)")
    kernel, checks = make_sockets(info)
    env = {FDS_VAR: ",".join(f"{name}={s.fileno()}" for name, s in kernel.items()),
           CHECKS_FD_VAR: str(checks.fileno())}
    if not sandboxed:
        os.environ.update(env)
        argv = [sys.executable, "-m", "autograder.sandbox.kernel_launch", connection_file]
    else:
        from .sandbox_spec import sandbox_command

        request, fds = kernel_request(kernel, checks, connection_pipe(info))
        argv = sandbox_command(request, fds, os.path.join(os.path.dirname(info["ip"]), "stubs"))
    os.execvp(argv[0], argv)


def kernel_request(kernel, checks, connection_fd):
    """(request, descriptors) of the kernel's sandbox (:mod:`autograder.sandbox.sandbox_spec`).

    Read-only binds, from descriptors opened here: nbgrader's autograded
    folder (the kernel's cwd, at ``WORKDIR``) and the data folder (at
    ``DATA_FOLDER``, named by ``FMNIST_EDU_DATA`` inside). Settings come from
    the kernelspec's environment (:mod:`autograder.batch.nbexec`).
    """
    from .bwrap import Limits
    from .sandbox_spec import open_folder

    fds = [s.fileno() for s in kernel.values()] + [checks.fileno(), connection_fd]
    request = {"spec": "kernel", "kernel_fds": {name: i for i, name in enumerate(kernel)},
               "checks_fd": len(kernel), "connection_fd": len(kernel) + 1,
               "uid": int(os.environ["FMNIST_SANDBOX_UID"]) if os.environ.get("FMNIST_SANDBOX_UID") else None,
               "assignment": os.environ.get("FMNIST_EDU_ASSIGNMENT", ""),
               "limits": {"memory_mb": int(os.environ.get("FMNIST_SANDBOX_MEMORY_MB", Limits.memory_mb)),
                          "cpu_seconds": int(os.environ.get("FMNIST_SANDBOX_CPU_SECONDS", Limits.cpu_seconds)),
                          "tmp_mb": int(os.environ.get("FMNIST_SANDBOX_TMP_MB", Limits.tmp_mb))},
               # no seed and no secret: test cells, whose hidden inputs they would give, never run here
               "env": {"FMNIST_EDU_STUDENT": os.environ.get("FMNIST_EDU_STUDENT", "")},
               "binds": [[len(fds), WORKDIR]], "cwd": WORKDIR}
    fds.append(open_folder(os.getcwd()))  # nbgrader's autograded folder, read-only inside
    data = os.environ.get("FMNIST_SANDBOX_READABLE", "")
    if data and os.path.isdir(data):
        request["binds"].append([len(fds), DATA_FOLDER])
        request["env"]["FMNIST_EDU_DATA"] = DATA_FOLDER
        fds.append(open_folder(data))
    return request, fds


if __name__ == "__main__":
    args = sys.argv[1:]
    sandboxed = "--no-sandbox" not in args
    args = [a for a in args if a != "--no-sandbox"]
    if len(args) != 1:
        sys.exit("usage: python -m autograder.sandbox.kernel_host [--no-sandbox] CONNECTION_FILE")
    kernel_main(args[0], sandboxed)
