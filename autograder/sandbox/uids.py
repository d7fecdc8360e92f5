"""The sandbox's uids: a block of them held by one grading run alone, so runs never share one."""

import os
import stat
import tempfile

FIRST_SLOT_UID = 61000  # grading slots run as 61000, 61001, ...: process limits count per uid
# runs hold blocks of uids from here (UidRange); above the fixed slots older versions used,
# so a run of an older fmnist-grade on the same machine never shares a uid with this one
FIRST_RANGE_UID = 62000


class UidRange:
    """A block of sandbox uids held by this grading run alone (a lock file per block).

    Two grading runs on one machine never share a uid, so one run's process
    cap (counted per uid) never counts the other's processes. The lock is an
    ``flock`` on ``/run/fmnist-grade/uids-<first>.lock`` (or the temp folder
    when ``/run`` is not writable), released when the run ends or dies.
    """

    BLOCK = 64

    def __init__(self, count=1, first=FIRST_RANGE_UID, last=64999):
        import fcntl

        if count > self.BLOCK:
            raise ValueError(f"at most {self.BLOCK} sandboxes at once")
        folder = _lock_folder()
        for base in range(first, last - self.BLOCK + 2, self.BLOCK):
            path = os.path.join(folder, f"uids-{base}.lock")
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.fd, self.first, self.uids = fd, base, list(range(base, base + count))
            return
        raise RuntimeError("every block of sandbox uids is held by another grading run")

    def close(self):
        if getattr(self, "fd", None) is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _lock_folder():
    for folder in ("/run/fmnist-grade", os.path.join(tempfile.gettempdir(), f"fmnist-grade-{os.getuid()}")):
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            st = os.lstat(folder)
            if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022:
                return folder
        except OSError:
            continue
    raise RuntimeError("no folder for the sandbox uid locks (/run/fmnist-grade)")
