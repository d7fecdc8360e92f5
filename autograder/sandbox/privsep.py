"""Privilege separation: a small root launcher starts sandboxes; everything else runs unprivileged.

Running a sandbox under one of the pool's uids (62000 and up,
:class:`autograder.sandbox.UidRange`) takes root: bwrap and ``setpriv
--reuid``. Nothing else of grading does. So, as OpenSSH separates its
privileged monitor from the code that reads the network:

* ``fmnist-grade`` started as root forks :class:`Launcher` (root) and then
  becomes the grading user (:func:`drop_to`): every submission is read,
  graded and stored by that user, the autograded folder and gradebook are
  written by it;
* the launcher takes, over a unix socket only the grading user may reach
  (its peer's uid is checked), a fixed request: which sandbox (``SPECS``:
  the notebook's kernel, the trusted worker, a probe), which pool uid, the
  limits, the assignment (its banned modules), a few environment variables
  by name, and descriptors: the sandboxed process's stdin, stdout and
  stderr, the folders to bind read-only (opened by the grading user, so the
  sandbox can never see more than that user could), and the kernel's
  sockets. It takes no path to open, create, bind or delete on the host:
  the folder a descriptor names was opened by the grading user, and a
  sandbox path is checked to be a plain absolute path in a place of its own;
* the sandbox's command line, its binds and its tmpfs come from
  :func:`autograder.sandbox.sandbox_spec.spec_argv`, the same function that builds them
  when no launcher is in use (a root or a test run).

For formgrader and a grading user started without root, the launcher runs as
a service (``python -m autograder.sandbox.privsep serve --user fmnist-grader``, see the
guide); ``FMNIST_SANDBOX_LAUNCHER`` names its socket. The requester's side is
:mod:`autograder.sandbox.launcher_client`.
"""

import array
import contextlib
import json
import os
import pwd
import select
import socket
import stat
import subprocess
import sys
import tempfile
import threading

from .launcher_client import LAUNCHER_VAR, SERVICE_SOCKET

MAX_REQUEST_BYTES = 16 * 1024
MAX_FDS = 16


class LaunchRefused(RuntimeError):
    """The launcher refused a request (the message says why)."""


# --- the grading user -----------------------------------------------------------------------------

def grading_user(name):
    """(uid, gid, home) of `name`: a user name, or ``UID[:GID]`` for a uid with no passwd entry."""
    if name.replace(":", "").isdigit():
        uid, _, gid = name.partition(":")
        try:
            entry = pwd.getpwuid(int(uid))
            return int(uid), int(gid or entry.pw_gid), entry.pw_dir
        except KeyError:
            return int(uid), int(gid or uid), "/nonexistent"
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise LaunchRefused(f"no user {name!r}: create the grading user first (see the instructor's guide)") from None
    return entry.pw_uid, entry.pw_gid, entry.pw_dir


def drop_to(uid, gid, home=None):
    """Become `uid`:`gid` for good (no supplementary groups, no way back), as root only."""
    from .bwrap import SANDBOX_UID
    from .uids import FIRST_RANGE_UID

    if uid == 0:
        raise LaunchRefused("the grading user must not be root")
    if FIRST_RANGE_UID <= uid <= 64999 or uid == SANDBOX_UID:
        raise LaunchRefused(f"the grading user must not be a sandbox's uid ({uid}): a sandbox could "
                            "then signal or trace the grading process")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise LaunchRefused("could not drop root's rights")
    with contextlib.suppress(OSError):
        os.setresuid(0, 0, 0)  # must fail
        raise LaunchRefused("root's rights came back after dropping them")
    if not (home and os.path.isdir(home)):  # a system user with no home: one of this run's own
        import atexit
        import shutil

        home = tempfile.mkdtemp(prefix="fmnist-grader-home-")
        atexit.register(shutil.rmtree, home, True)
    os.environ["HOME"] = home
    os.environ.pop("XDG_CACHE_HOME", None)


ROOT_WARNING = ("warning: this run read the submissions with root's rights (no grading user): create the "
                "user 'fmnist-grader' (see the instructor's guide) or pass --grading-user")
DEFAULT_USER = "fmnist-grader"
USER_VAR = "FMNIST_GRADING_USER"
NO_USER = "none"  # --grading-user none / FMNIST_GRADING_USER=none: no grading user, by choice


def as_grading_user():
    """A command that reads what submissions hold, started as root: go on as the grading user.

    Each such command's ``main`` calls this first (``fmnist-grade report``,
    ``feedback``, ``similarity``, ``export``, ``roster``, also when started as
    ``python -m autograder.cli.NAME``); it starts no launcher (they start no
    sandbox). Not root, or no grading user: nothing changes.
    """
    become_grading_user(launcher=False)


def become_grading_user(name=None, launcher=True):
    """Started as root: start the run's launcher (with `launcher`), then become the grading user.

    `name`: a user name or ``UID[:GID]``; default ``$FMNIST_GRADING_USER``, else the
    system user ``fmnist-grader`` where it exists; ``none`` keeps root's rights
    (the project's own test run, which makes its courses as root). Returns the Launcher (or None);
    does nothing when not root. As root with no grading user at all, it warns
    and returns None: the run keeps root's rights, as before this existed.
    """
    if os.geteuid() != 0:
        return None
    name = name or os.environ.get(USER_VAR, "")
    if name == NO_USER:  # asked for by name: keep root's rights (the run warns, as with no user at all)
        return None
    if not name:
        try:
            pwd.getpwnam(DEFAULT_USER)
            name = DEFAULT_USER
        except KeyError:
            return None  # the caller says so (ROOT_WARNING) once the run is done
    uid, gid, home = grading_user(name)
    started = Launcher(uid, gid) if launcher else None
    if started is not None:
        os.environ[LAUNCHER_VAR] = started.path
    drop_to(uid, gid, home)
    return started


# --- the root side --------------------------------------------------------------------------------

class Launcher:
    """The root launcher of one grading run: a forked process serving one socket.

    `uid`: the only peer it answers (the grading user). The socket lies in a
    folder of root's (0711) made for this run; the socket itself is the
    grading user's to connect to (0600, chowned).
    """

    def __init__(self, uid, gid):
        from .bwrap import matplotlib_font_list

        matplotlib_font_list()  # built once, as root, before any sandbox asks for it
        self.folder = tempfile.mkdtemp(prefix="fmnist-launcher-")
        os.chmod(self.folder, 0o711)
        self.path = os.path.join(self.folder, "socket")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        os.chown(self.path, uid, gid)
        os.chmod(self.path, 0o600)
        listener.listen(64)
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the launcher: root, never returns
            code = 0
            try:
                os.close(write_end)
                serve_forever(listener, {uid}, parent_pipe=read_end)
            except BaseException:  # noqa: BLE001 - ends with the run
                code = 1
            finally:
                import shutil

                shutil.rmtree(self.folder, ignore_errors=True)
                os._exit(code)
        os.close(read_end)
        listener.close()
        self._parent_pipe = write_end  # the launcher sees end of file when the run ends (or dies)
        # a fork of the run (its warm nbgrader server) must not hold the run open: only this process
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self):
        if self._parent_pipe is not None:
            _close_quietly(self._parent_pipe)
            self._parent_pipe = None

    def close(self):
        self._forget()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


_RUNNING = set()  # the sandboxes this launcher started and that still run


def _close_quietly(fd):
    with contextlib.suppress(OSError):
        os.close(fd)


def serve_forever(listener, uids, parent_pipe=None):
    """Answer requests from peers whose uid is in `uids`; stop when `parent_pipe`'s writer goes
    (the run ended or died), killing the sandboxes still running."""
    stub_dir = tempfile.mkdtemp(prefix="fmnist-launcher-stubs-")  # root's own (0700)
    watched = [listener] + ([parent_pipe] if parent_pipe is not None else [])
    try:
        while True:
            ready, _, _ = select.select(watched, [], [])
            if parent_pipe is not None and parent_pipe in ready:
                return
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=_handle, args=(conn, uids, stub_dir), daemon=True).start()
    finally:
        for proc in list(_RUNNING):
            with contextlib.suppress(OSError):
                proc.kill()
        import shutil

        shutil.rmtree(stub_dir, ignore_errors=True)


def _peer_uid(conn):
    import struct

    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def _handle(conn, uids, stub_dir):
    """One request: check it, start the sandbox, say its exit status; kill it if the peer goes."""
    from .sandbox_spec import spec_argv

    fds = []
    with conn:
        try:
            if _peer_uid(conn) not in uids:
                raise LaunchRefused("this launcher serves the grading user only")
            conn.settimeout(10)
            request, fds = _receive(conn)
            argv = spec_argv(request, fds, stub_dir)
            stdio = request.get("stdio")
            if not (isinstance(stdio, list) and len(stdio) == 3 and all(isinstance(i, int) and 0 <= i < len(fds)
                                                                         for i in stdio)):
                raise LaunchRefused("stdio: three descriptor indexes")
            proc = subprocess.Popen(argv, stdin=fds[stdio[0]], stdout=fds[stdio[1]], stderr=fds[stdio[2]],
                                    pass_fds=fds, start_new_session=True)
        except (LaunchRefused, ValueError, OSError, KeyError, TypeError) as exc:
            with contextlib.suppress(OSError):
                conn.sendall(f"REFUSED {str(exc)[:500]}\n".encode())
            return
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
        _RUNNING.add(proc)
        conn.settimeout(None)
        conn.sendall(b"STARTED\n")
        waiter = threading.Thread(target=proc.wait, daemon=True)
        waiter.start()
        while waiter.is_alive():
            ready, _, _ = select.select([conn], [], [], 0.2)
            if ready and not conn.recv(1):  # the requester is gone: so is its sandbox
                proc.kill()
                break
        proc.wait()
        _RUNNING.discard(proc)
        with contextlib.suppress(OSError):
            conn.sendall(f"EXIT {proc.returncode}\n".encode())


def _receive(conn):
    """(request dict, descriptors) of one message; sizes bounded."""
    fds = array.array("i")
    msg, ancdata, flags, _ = conn.recvmsg(MAX_REQUEST_BYTES, socket.CMSG_SPACE(MAX_FDS * fds.itemsize))
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - (len(data) % fds.itemsize)])
    fds = list(fds)
    if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
        for fd in fds:
            os.close(fd)
        raise LaunchRefused("the request is too large")
    for fd in fds:
        os.set_inheritable(fd, True)
    request = json.loads(msg.decode("utf-8"))
    if not isinstance(request, dict):
        raise LaunchRefused("the request is no JSON object")
    return request, fds


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) >= 3 and argv[0] == "serve" and argv[1] == "--user":
        uid, gid, _ = grading_user(argv[2])
        path = argv[3] if len(argv) > 3 else SERVICE_SOCKET
        os.makedirs(os.path.dirname(path), mode=0o711, exist_ok=True)
        st = os.lstat(os.path.dirname(path))
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022:
            sys.exit(f"{os.path.dirname(path)} must be a folder of root's that others cannot write")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        os.chown(path, uid, gid)
        os.chmod(path, 0o600)
        listener.listen(64)
        import signal

        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # its sandboxes and stubs go with it
        print("ready", flush=True)
        serve_forever(listener, {uid})
        return 0
    sys.exit("usage: python -m autograder.sandbox.privsep serve --user NAME [SOCKET]")


if __name__ == "__main__":
    sys.exit(main())
