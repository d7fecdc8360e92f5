"""Whose a file of an LMS download is: the name the LMS gave the download, never a name inside it.

``nbgrader zip_collect`` hands its collector every file under
``downloaded/<assignment>/extracted/`` (absolute paths), and nbgrader's
``FileNameCollectorPlugin`` matches the course's ``named_regexp`` against the
whole path. A student's archive is extracted into a folder of its own there
(:class:`autograder.batch.zip_bounds.BoundedExtractor`), so a name inside it
(``bob_a5_evaluation.ipynb`` in mallory's zip) could make it another student's
submission, or a duplicate that stops ``zip_collect`` for the whole class.

:class:`ArchiveNameCollector` (``c.ZipCollectApp.collector_plugin``) matches
``named_regexp`` against the path *under* ``extracted/`` instead, whose first
part is the LMS's name of what it handed out (the archive's folder, or the
file itself); the course's regexp takes the student id from that first part
alone. When one student's download holds more than one file for the same
notebook, none of them is taken and a warning says so (nbgrader would stop the
whole collection): that student needs a look. Names are logged through
:func:`autograder.untrusted.escape.terminal`.
"""

import os
import re

from nbgrader.plugins import FileNameCollectorPlugin

from ..untrusted.escape import terminal


def archive_match(regexp, rel):
    """The named groups of `regexp` matched against `rel` (a path under ``extracted/``, ``/``-separated), or None."""
    try:
        match = re.match(regexp, rel.replace(os.sep, "/"))
    except (re.error, TypeError):
        return None
    return match.groupdict() if match and match.groups() else None


def _notebook(info, path):
    """The submitted name nbgrader gives the file: the file_id's stem with the file's own extension."""
    return os.path.splitext(info["file_id"])[0] + os.path.splitext(path)[1]


class ArchiveNameCollector(FileNameCollectorPlugin):
    """``named_regexp`` matched against the path under ``extracted/``; a student's duplicates are not taken."""

    def _extracted(self):
        app = self.parent
        return app._format_collect_path(app.extracted_directory)

    def _ambiguous(self, extracted):
        """{(student_id, notebook): count} of the pairs more than one file of the download claims."""
        if getattr(self, "_seen_root", None) == extracted:
            return self._dups
        counts = {}
        for root, dirs, names in os.walk(extracted):
            for name in names:
                path = os.path.join(root, name)
                if os.path.splitext(name)[1] not in self.valid_ext:
                    continue
                info = archive_match(self.named_regexp, os.path.relpath(path, extracted))
                if info and isinstance(info.get("student_id"), str) and isinstance(info.get("file_id"), str):
                    key = (info["student_id"], _notebook(info, path))
                    counts[key] = counts.get(key, 0) + 1
        self._seen_root, self._dups = extracted, {k: n for k, n in counts.items() if n > 1}
        return self._dups

    def collect(self, submitted_file):
        if os.path.splitext(submitted_file)[1] not in self.valid_ext:
            return None
        extracted = self._extracted()
        rel = os.path.relpath(submitted_file, extracted)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return None
        info = archive_match(self.named_regexp, rel)
        if not info or not isinstance(info.get("student_id"), str) or not isinstance(info.get("file_id"), str):
            self.log.warning("Its name says no student and notebook, not taken: %s", terminal(rel))
            return None
        key = (info["student_id"], _notebook(info, submitted_file))
        count = self._ambiguous(extracted).get(key)
        if count:
            self.log.warning("%s's download holds %d files for %s: none is taken, this student needs a look: %s",
                             terminal(key[0]), count, terminal(key[1]), terminal(rel))
            return None
        return info
