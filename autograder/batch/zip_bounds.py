"""``nbgrader zip_collect``'s extractor, bounded: an archive is looked at before anything is extracted.

nbgrader's own extractor unpacks every archive of an LMS download in full,
and the archives inside those too: a student's zip of a few kilobytes can
fill the disk, and its members can be links. :class:`BoundedExtractor`
(``c.ZipCollectApp.extractor_plugin`` in the course's ``nbgrader_config.py``)
reads each archive's table of contents first (names, kinds, sizes), takes
regular files only (named without control characters), each under the per-file cap (50 MB; an archive inside,
under the archive's), in name order while the archive's caps (1024 MB, 5000
files) and the whole extraction's (4096 MB) hold,
and copies each member out never beyond its stated size. Archives inside an
archive (a class's download of per-student zips) are opened the same way, 3
deep at most. What is left out is logged, one warning per archive, its names
made inert for a terminal (:func:`autograder.untrusted.escape.terminal`); any
failure while one archive is extracted is that archive's warning, and the rest
of the download is still extracted. Each archive in ``archive/`` is extracted
into a folder of its own, named for it: that name, the LMS's, says whose it is
(:class:`autograder.lms.zip_names.ArchiveNameCollector`). An archive named in
``bundles`` is the LMS's download of the whole class: its members are taken as
if they lay in ``archive/`` themselves. ``fmnist-grade`` surveys each collected
submission again before grading it (:mod:`autograder.batch.bounds`).
"""

import os
import shutil
import tarfile
import zipfile

from nbgrader.plugins import ExtractorPlugin
from traitlets import Integer, List, Unicode

from ..untrusted.escape import terminal
from .bounds import MAX_FILE_BYTES, _names


def _zip_members(path):
    """[(name, size, open)] of the regular files of a zip archive; (members, refused names)."""
    zf = zipfile.ZipFile(path)
    members, refused = [], []
    for info in zf.infolist():
        if info.is_dir():
            continue
        mode = info.external_attr >> 16
        if mode and (mode & 0o170000) not in (0, 0o100000):  # a link or a special file (unix attributes)
            refused.append(info.filename)
            continue
        members.append((info.filename, info.file_size, lambda i=info: zf.open(i)))
    return zf, members, refused


def _tar_members(path):
    tf = tarfile.open(path)
    members, refused = [], []
    for info in tf:  # headers only: tarfile reads no member's data here
        if info.isdir():
            continue
        if not info.isfile():
            refused.append(info.name)
            continue
        members.append((info.name, info.size, lambda i=info: tf.extractfile(i)))
    return tf, members, refused


def _safe_name(name):
    """`name` as a relative path inside the destination, or None when it would leave it or holds a control
    character (nbgrader logs every extracted path raw: no escape sequence may reach extracted/)."""
    if terminal(name) != name:
        return None
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return os.path.join(*parts)


def _copy_out(src, path, size):
    """Copy at most `size` bytes from the open member `src` to a new file `path`."""
    with src, open(path, "xb") as out:
        left = size
        while left > 0:
            chunk = src.read(min(left, 2**20))
            if not chunk:
                break
            out.write(chunk)
            left -= len(chunk)


class BoundedExtractor(ExtractorPlugin):
    """Extract (or copy) what an LMS download holds, within bounds; see the module docstring."""

    max_archive_mb = Integer(1024, help="MB extracted from one archive (a class's download may be one)"
                             ).tag(config=True)
    max_archive_files = Integer(5000, help="files extracted from one archive").tag(config=True)
    max_total_mb = Integer(4096, help="MB extracted in all").tag(config=True)
    max_depth = Integer(3, help="archives inside archives opened, this deep").tag(config=True)
    bundles = List(Unicode(), help="names of archives in archive/ that are the LMS's download of the whole "
                   "class: their members are taken as if they lay in archive/ (one per student)").tag(config=True)

    def extract(self, archive_path, extracted_path):
        self._left = self.max_total_mb * 2**20
        for root, dirs, names in os.walk(archive_path):  # the instructor's download folder
            dirs.sort()
            dest = os.path.normpath(os.path.join(extracted_path, os.path.relpath(root, archive_path)))
            os.makedirs(dest, exist_ok=True)
            for name in sorted(names):
                src = os.path.join(root, name)
                try:
                    self._take(src, name, dest, bundle=root == archive_path and name in self.bundles)
                except Exception as exc:  # noqa: BLE001 - one student's file never stops the class's collection
                    self.log.warning("Could not be extracted, not taken: %s (%s)", terminal(src), type(exc).__name__)

    def _take(self, src, name, dest, bundle=False):
        """Extract (or copy) the file `src` of the download into the folder `dest`."""
        if terminal(name) != name:
            self.log.warning("A name with control characters, not taken: %s", terminal(src))
        elif os.path.islink(src) or not os.path.isfile(src):
            self.log.warning("Not a regular file, not taken: %s", terminal(src))
        elif self._is_archive(name):
            self.unpack(src, dest if bundle else os.path.join(dest, self._stem(name)), depth=1)
        elif os.path.getsize(src) > min(MAX_FILE_BYTES, self._left):
            self.log.warning("Over %d MB, not taken: %s", MAX_FILE_BYTES // 2**20, terminal(src))
        else:
            self._left -= os.path.getsize(src)
            with open(src, "rb") as fin, open(os.path.join(dest, name), "xb") as out:
                shutil.copyfileobj(fin, out)

    def _is_archive(self, name):
        return os.path.splitext(name)[1] in self.zip_ext

    @staticmethod
    def _stem(name):
        return name[: -len(".tar.gz")] if name.endswith(".tar.gz") else os.path.splitext(name)[0]

    def unpack(self, src, dest, depth):
        """Extract the archive `src` into the new folder `dest` within the bounds; archives in it too."""
        try:
            opener = _zip_members if zipfile.is_zipfile(src) else _tar_members
            archive, members, refused = opener(src)
        except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
            self.log.warning("Not an archive nbgrader can read, not taken: %s (%s)", terminal(src),
                             type(exc).__name__)
            return
        left_out, nested, total, count = [], [], 0, 0
        cap = self.max_archive_mb * 2**20
        with archive:
            try:
                os.makedirs(dest, exist_ok=True)
            except OSError as exc:  # a member of the archive around it has its folder's name
                self.log.warning("%s: no folder to extract it into, not taken (%s)", terminal(src), type(exc).__name__)
                return
            for name, size, open_member in sorted(members, key=lambda m: m[0]):
                rel = _safe_name(name)
                inner = rel is not None and self._is_archive(rel) and depth < self.max_depth
                if rel is None or size > (cap if inner else MAX_FILE_BYTES):
                    refused.append(name)
                    continue
                if count >= self.max_archive_files or total + size > min(cap, self._left):
                    left_out.append(name)
                    continue
                path = os.path.join(dest, rel)
                try:
                    os.makedirs(os.path.dirname(path), exist_ok=True)  # "d" and "d/x": the second is refused
                    _copy_out(open_member(), path, size)
                except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
                    refused.append(f"{name} ({type(exc).__name__})")
                    if not isinstance(exc, FileExistsError) and os.path.isfile(path):
                        os.unlink(path)  # what was copied before it failed (a bad CRC, a short member)
                    continue
                total, count = total + size, count + 1
                self._left -= size
                if inner:
                    nested.append(path)
        self._say(src, refused, left_out)
        for path in nested:  # opened once this one is closed, each within its own bounds
            try:
                self.unpack(path, os.path.join(os.path.dirname(path), self._stem(os.path.basename(path))), depth + 1)
                self._left += os.path.getsize(path)
                os.unlink(path)
            except Exception as exc:  # noqa: BLE001 - that archive's warning, never the class's stop
                self.log.warning("Could not be extracted, not taken: %s (%s)", terminal(path), type(exc).__name__)

    def _say(self, src, refused, left_out):
        if refused:
            self.log.warning("%s: not taken (a link, a special file, a name leaving the folder, over %d MB, "
                             "unreadable): %s", terminal(src), MAX_FILE_BYTES // 2**20, _names(refused))
        if left_out:
            self.log.warning("%s holds more than %d files or %d MB: not extracted: %s", terminal(src),
                             self.max_archive_files, self.max_archive_mb, _names(left_out))
