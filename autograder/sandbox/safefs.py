"""File access of the grading process that no submission can redirect.

A submission controls the files in its own folder, and (through nbgrader) in
its autograded folder: any of them may be a link to the course's source
notebook or to ``gradebook.db``. Everything the grader reads or writes there
goes through these functions: a path with a link in it is refused, a file is
opened without following links and must be a regular file under a size cap,
and a write replaces the file (a new file renamed over it) instead of writing
through whatever was there.
"""

import os
import stat
import tempfile


class UnsafePath(OSError):
    """A path a submission may have redirected (a link, not a regular file, too large)."""


def check_no_links(path, root):
    """Raise :class:`UnsafePath` when a component of `path` below `root` is a link.

    `root` itself (the course folder, chosen by the instructor) is trusted.
    """
    root = os.path.abspath(root)
    path = os.path.abspath(path)
    if os.path.commonpath([root, path]) != root:
        raise UnsafePath(f"{path} is not inside {root}")
    current = root
    for part in os.path.relpath(path, root).split(os.sep):
        if part in ("", "."):
            continue
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            return
        if stat.S_ISLNK(st.st_mode):
            raise UnsafePath(f"{os.path.relpath(current, root)} is a link; the grader does not follow links")


def read_regular(path, max_bytes, root=None):
    """The bytes of the regular file `path` (never through a link), at most `max_bytes`.

    Raises FileNotFoundError, or :class:`UnsafePath` for a link, a non-regular
    file or a file larger than `max_bytes` (nothing beyond the cap is read).
    """
    if root is not None:
        check_no_links(path, root)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if os.path.islink(path):
            raise UnsafePath(f"{os.path.basename(path)} is a link; the grader does not follow links") from None
        raise exc
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePath(f"{os.path.basename(path)} is not a regular file")
        if st.st_size > max_bytes:
            raise UnsafePath(f"{os.path.basename(path)} is larger than {max_bytes // 2**20} MB")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnsafePath(f"{os.path.basename(path)} is larger than {max_bytes // 2**20} MB")
    return data


def replace_file(path, data, root=None, mode=0o644):
    """Write `data` to a new file beside `path` and rename it over `path` (a link there is replaced, not followed)."""
    folder = os.path.dirname(os.path.abspath(path))
    if root is not None:
        check_no_links(folder, root)
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafePath(f"{folder} is not a folder")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".fmnist-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def folder_problems(folder, max_bytes=64 * 2**20, max_files=200):
    """Why nbgrader must not read `folder` (a submission): links, special files, too big; else None."""
    total, count = 0, 0
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            count += 1
            if stat.S_ISLNK(st.st_mode):
                return f"the submission holds a link ({os.path.relpath(path, folder)})"
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                return f"the submission holds a special file ({os.path.relpath(path, folder)})"
            total += st.st_size if stat.S_ISREG(st.st_mode) else 0
        if total > max_bytes or count > max_files:
            return f"the submission is larger than {max_bytes // 2**20} MB or {max_files} files"
    return None
