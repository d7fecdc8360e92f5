"""Which inbound copies are a student's, and whether ``nbgrader zip_collect`` wrote a submission.

The evidence :mod:`autograder.lms.submission_time` weighs: the inbound folders
named ``<student>+<assignment>+...`` and who owns them (any user can create one
under another student's name), whether a copy holds exactly the collected
notebooks, and positive evidence that zip_collect wrote the submitted folder.
Links are never followed; walks stop after :data:`MAX_ENTRIES` entries.
"""

import datetime
import os

from ..sandbox.safefs import UnsafePath, read_regular

MAX_ENTRIES = 10000  # an inbound copy larger than this is not walked whole: its time vouches for nothing
UTC = datetime.timezone.utc


def _utc(when):
    """An aware UTC datetime from nbgrader's naive UTC (or an aware one)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def student_uid(student):
    """The uid of the OS user named `student` on this machine, or None (nbgrader's exchange: a student is a user)."""
    import pwd

    try:
        return pwd.getpwnam(student).pw_uid
    except (KeyError, TypeError, ValueError):
        return None


def _named_copies(exchange_root, course_id, assignment, student, unseen=None):
    """Every inbound folder ``<student>+<assignment>+...``, whoever made it (none when there is no inbound).

    When the inbound folder exists but cannot be listed (nbgrader makes it
    2733, so a grading user who is not its owner cannot), why is appended to
    the list `unseen`: no copy is seen, which vouches for nothing.
    """
    inbound = os.path.join(exchange_root or "", course_id or "", "inbound")
    prefix = f"{student}+{assignment}+"
    try:
        names = os.listdir(inbound)
    except OSError as exc:
        if unseen is not None and os.path.lexists(inbound):
            unseen.append(f"the exchange's inbound folder cannot be listed here ({type(exc).__name__})")
        return []
    return sorted(os.path.join(inbound, n) for n in names
                  if n.startswith(prefix) and os.path.isdir(os.path.join(inbound, n))
                  and not os.path.islink(os.path.join(inbound, n)))


def _owner(path):
    try:
        return os.lstat(path).st_uid
    except OSError:
        return None


def inbound_copies(exchange_root, course_id, assignment, student):
    """The inbound folders ``<student>+<assignment>+...`` that the OS user `student` owns.

    A copy under that name that another user made is someone else's (any user
    can create one: nbgrader's ``collect`` only warns). With no OS user of that
    name on this machine, owners cannot be told apart: every copy is listed.
    """
    uid = student_uid(student)
    return [c for c in _named_copies(exchange_root, course_id, assignment, student)
            if uid is None or _owner(c) == uid]


def _name_time(copy):
    """The time in an inbound folder's name, as ``nbgrader collect`` orders copies by it (None if unreadable)."""
    from nbgrader.utils import parse_utc

    parts = os.path.basename(copy).rsplit("+", 3)
    try:
        return _utc(parse_utc(parts[2])) if len(parts) == 4 else None
    except Exception:  # noqa: BLE001 - the student's own text
        return None


def collect_filter(exclude=None, include=None, max_file_size=None):
    """What ``nbgrader collect`` leaves out when it copies an inbound folder: nbgrader's own ignore function.

    The arguments are the course's ``CourseDirectory.ignore``, ``include`` and
    ``max_file_size`` (:func:`course_collect_filter`); a copy is compared with the
    collected folder on exactly the names collect copies, no more and no fewer.
    """
    from nbgrader.utils import ignore_patterns

    return ignore_patterns(exclude=exclude, include=include, max_file_size=max_file_size)


def course_collect_filter(course_dir=None, config=None):
    """:func:`collect_filter` with the settings of `config`, else of `course_dir`'s ``nbgrader_config.py``."""
    from nbgrader.coursedir import CourseDirectory

    if config is None:
        from traitlets.config.loader import PyFileConfigLoader

        try:
            config = PyFileConfigLoader("nbgrader_config.py", path=course_dir).load_config()
        except Exception:  # noqa: BLE001 - no readable config: collect ran with nbgrader's defaults
            config = None
    coursedir = CourseDirectory(config=config) if config is not None else CourseDirectory()
    return collect_filter(list(coursedir.ignore), list(coursedir.include), coursedir.max_file_size)


def _notebooks(folder, ignored=None):
    """{name: bytes or None} of the notebooks at the top of `folder` that `ignored` (a collect filter) keeps."""
    found = {}
    names = sorted(os.listdir(folder))
    left_out = set(ignored(folder, names)) if ignored is not None else set()
    for name in names:
        if name.endswith(".ipynb") and name not in left_out:
            try:
                found[name] = read_regular(os.path.join(folder, name), 64 * 2**20)
            except (UnsafePath, OSError):
                found[name] = None
    return found


def holds_same_notebooks(submitted, inbound, ignored=None):
    """Whether the inbound copy holds exactly the submitted folder's notebooks (regular files, same bytes).

    `ignored` is what collect leaves out (:func:`collect_filter`): a notebook
    collect did not copy (``.decoy.ipynb`` under the course's ``".*"``) is no
    difference; any other is. A copy that cannot be read holds nothing.
    """
    try:
        mine, theirs = _notebooks(submitted, ignored), _notebooks(inbound, ignored)
    except OSError:
        return False
    return bool(mine) and None not in mine.values() and mine == theirs


def _zip_settings(course_dir):
    """(the extracted folder's pattern, the collector's named_regexp) of the course's ``nbgrader_config.py``."""
    from traitlets.config.loader import PyFileConfigLoader

    try:
        config = PyFileConfigLoader("nbgrader_config.py", path=course_dir).load_config()
    except Exception:  # noqa: BLE001 - no readable config: zip_collect could not have run as configured
        return None, ""
    app = config.ZipCollectApp if "ZipCollectApp" in config else {}
    plugin = config.FileNameCollectorPlugin if "FileNameCollectorPlugin" in config else {}
    structure = app.get("collect_directory_structure", "{downloaded}/{assignment_id}/{collect_step}")
    regexp = plugin.get("named_regexp", "")
    try:
        extracted = structure.format(downloaded=app.get("downloaded_directory", "downloaded"),
                                     assignment_id="{assignment_id}",
                                     collect_step=app.get("extracted_directory", "extracted"))
    except (KeyError, IndexError, ValueError, AttributeError):
        return None, ""
    return extracted, regexp if isinstance(regexp, str) else ""


def zip_collected(course_dir, submitted, student, assignment):
    """Whether ``nbgrader zip_collect`` wrote `submitted`: positive evidence only.

    zip_collect copies each file of the course's ``downloaded/<assignment>/extracted/``
    that its ``FileNameCollectorPlugin`` names as this student's into the
    submitted folder, byte for byte. That folder is the instructor's (no
    student writes there), so the evidence is: every notebook of `submitted`
    is, with the same bytes, a file there that the course's ``named_regexp``
    gives to `student` under that notebook's name, matched as
    :class:`autograder.lms.zip_names.ArchiveNameCollector` matches it (the
    path under ``extracted/``). A walk of it that cannot see everything is no
    evidence.
    """
    from .zip_names import archive_match

    pattern, regexp = _zip_settings(course_dir)
    wanted = _notebooks(submitted) if os.path.isdir(submitted) else {}
    if not pattern or not regexp or not wanted or None in wanted.values():
        return False
    extracted = os.path.join(course_dir, pattern.replace("{assignment_id}", assignment))
    found, seen = set(), 0
    for root, dirs, names in os.walk(extracted):
        dirs.sort()
        for name in sorted(names):
            seen += 1
            if seen > MAX_ENTRIES:
                return False
            path = os.path.join(root, name)
            info = archive_match(regexp, os.path.relpath(path, extracted)) or {}
            if info.get("student_id") != student or not isinstance(info.get("file_id"), str):
                continue
            nb = os.path.splitext(info["file_id"])[0] + os.path.splitext(name)[1]
            if nb in wanted and nb not in found:
                try:
                    if read_regular(path, 64 * 2**20) == wanted[nb]:
                        found.add(nb)
                except (UnsafePath, OSError):
                    continue
    return found == set(wanted)
