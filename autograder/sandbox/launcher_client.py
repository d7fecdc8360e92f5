"""The requester's side of the sandbox launcher (:mod:`autograder.sandbox.privsep`): a proxy process.

``python -I -m autograder.sandbox.launcher_client run REQUEST FDS`` stands where bwrap
would: it sends the launcher the request (:mod:`autograder.sandbox.sandbox_spec`),
the descriptors ``FDS`` and its own stdin, stdout and stderr, which become the
sandboxed process's, then waits and exits with the sandbox's status. Killing
it kills the sandbox (the launcher sees the connection close). Standard library only.
"""

import array
import json
import os
import socket
import sys

LAUNCHER_VAR = "FMNIST_SANDBOX_LAUNCHER"
SERVICE_SOCKET = "/run/fmnist-grade/launcher.sock"


def launcher_path():
    """The launcher's socket for this process, or None (then sandboxes are started directly)."""
    path = os.environ.get(LAUNCHER_VAR, "")
    if path:
        return path
    if os.geteuid() != 0 and os.path.exists(SERVICE_SOCKET):
        return SERVICE_SOCKET
    return None


def client_argv(request, fds):
    """The command that has the launcher start `request`'s sandbox (this process's stdio, `fds`)."""
    return [sys.executable, "-I", "-m", "autograder.sandbox.launcher_client", "run", json.dumps(request),
            ",".join(str(int(fd)) for fd in fds)]


def run_client(request_text, fd_list):
    """Ask the launcher; exit with the sandbox's status (killing this process kills the sandbox)."""
    request = json.loads(request_text)
    fds = [int(f) for f in fd_list.split(",") if f]
    request["stdio"] = [len(fds), len(fds) + 1, len(fds) + 2]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        try:
            conn.connect(launcher_path())
        except OSError as exc:
            sys.stderr.write(f"fmnist sandbox launcher: cannot reach {launcher_path()} ({exc.strerror}): "
                             "is the launcher service running?\n")
            return 125
        conn.sendmsg([json.dumps(request).encode()],
                     [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds + [0, 1, 2]))])
        for fd in fds:
            os.close(fd)
        stream = conn.makefile("rb")
        first = stream.readline().decode("utf-8", "replace").strip()
        if first != "STARTED":
            sys.stderr.write(f"fmnist sandbox launcher: {first or 'no answer'}\n")
            return 125
        last = stream.readline().decode("utf-8", "replace").split()
    return int(last[1]) if len(last) == 2 and last[0] == "EXIT" else 125


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "run":
        sys.exit(run_client(sys.argv[2], sys.argv[3]))
    sys.exit("usage: python -m autograder.sandbox.launcher_client run REQUEST FDS")
