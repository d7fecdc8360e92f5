"""Everybody's code, read safely and cut into the assignment's graded pieces.

The code a student wrote is every code cell of their notebook that is not
the instructor's (a given, test or demo cell of the release, recognised by
its source): their answer cells and the cells they added. :mod:`.cutting`
cuts it into pieces by what each piece's definition uses (its helpers go
with it, wherever they are defined); what no piece uses is the ``rest``,
counted in the whole answer code ``*``.

* this class: ``submitted/<student>/<assignment>/<assignment>.ipynb``, read by
  :func:`autograder.verdict.submission.read_submission` (the grader's reader: no
  links, size-capped, JSON only); a notebook it refuses is *not compared*,
  with its reason;
* ``--against DIR``: an earlier cohort's ``submitted/`` folder, or any folder
  of ``.py``/``.ipynb`` files (known public solutions), labelled
  ``DIRNAME/student`` (``DIRNAME/file`` for a loose file).
"""

import json
import os
import stat
from dataclasses import dataclass, field

from fmnist_checks.notebook import is_answer, nbgrader_meta, source_of
from fmnist_checks.pieces import ASSIGNMENTS

from ..sandbox.safefs import UnsafePath, check_no_links, read_regular
from ..verdict.submission import MAX_NOTEBOOK_BYTES, read_submission
from .cutting import cut

WHOLE = "*"  # the piece name of the whole answer code
MAX_SOURCE_BYTES = 2 * 1024 * 1024  # one .py file of known code
MAX_FILES = 5000  # files looked at under one --against folder
MAX_PIECE_CHARS = 50_000  # a piece's code compared (the longest honest a2 piece has about 4,000)


@dataclass
class Answers:
    """One student's (or one known source's) code: ``pieces`` {piece: code}, in contract order."""

    label: str
    pieces: dict = field(default_factory=dict)
    rest: str = ""  # the code of theirs no piece reaches (counted in the whole answer code only)
    cohort: str = ""  # "" for this class, else the --against folder's label
    notes: list = field(default_factory=list)  # one line each: what was not compared

    def __post_init__(self):
        for piece, code in self.pieces.items():
            if len(code) > MAX_PIECE_CHARS:
                self.pieces[piece] = code[:MAX_PIECE_CHARS]
                self.notes.append(f"{piece}: only its first {MAX_PIECE_CHARS:,} of {len(code):,} characters "
                                  "were compared")
        if len(self.rest) > MAX_PIECE_CHARS:
            self.notes.append(f"code no piece uses: only its first {MAX_PIECE_CHARS:,} of {len(self.rest):,} "
                              "characters were compared")
            self.rest = self.rest[:MAX_PIECE_CHARS]


@dataclass
class NotCompared:
    """A notebook or file that was not compared, and why (one line)."""

    label: str
    reason: str


def split_pieces(cells, assignment):
    """{piece: code} of `cells` [(piece or None, source)], in contract order (:func:`.cutting.cut`)."""
    return cut(cells, assignment)[0]


def student_cells(code_cells, assignment, instructor=frozenset()):
    """[(piece or None, source)] of the code a student wrote, from a notebook's `code_cells`.

    `code_cells` [(grade id of an answer cell that counts, or None, source)]
    in notebook order; a cell whose source (stripped) is one of `instructor`
    (the release's given, test and demo cells) is the instructor's and left
    out; every other code cell is the student's: their answer cells and the
    cells they added. Decided by content, never by metadata a student can edit.
    """
    by_grade_id = {piece.lower(): piece for piece in ASSIGNMENTS[assignment]}
    return [(by_grade_id.get(gid), source) for gid, source in code_cells
            if gid in by_grade_id or source.strip() not in instructor]


def _notebook_cells(nb, assignment, instructor=frozenset()):
    """[(piece or None, source)] of a notebook dict: the code its author wrote (:func:`student_cells`)."""
    by_grade_id = {piece.lower(): piece for piece in ASSIGNMENTS[assignment]}
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ValueError("not a notebook: it has no list of cells")
    code, seen = [], set()
    for c in cells:
        if not isinstance(c, dict) or c.get("cell_type") != "code":
            continue
        gid = str(nbgrader_meta(c).get("grade_id"))
        first = is_answer(c) and gid in by_grade_id and gid not in seen
        seen.add(gid) if first else None
        code.append((gid if first else None, source_of(c)))
    return student_cells(code, assignment, instructor)


def class_answers(course_dir, assignment, instructor=frozenset()):
    """([Answers], [NotCompared]) of every submission of `assignment` in the course's ``submitted/``.

    `instructor`: the release's non-answer code cells, stripped
    (:meth:`.starter.Starter.instructor_sources`); every other code cell is the student's.
    """
    root = os.path.join(course_dir, "submitted")
    found, refused = [], []
    try:
        students = sorted(os.listdir(root))
    except OSError:
        return found, refused
    for student in students:
        folder = os.path.join(root, student)
        try:
            mode = os.lstat(folder).st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            refused.append(NotCompared(student, "the student's folder is a link; links are not followed"))
            continue
        if not stat.S_ISDIR(mode) or not os.path.lexists(os.path.join(folder, assignment)):
            continue
        path = os.path.join(folder, assignment, f"{assignment}.ipynb")
        sub = read_submission(path, assignment, student, root=course_dir)
        if not sub.readable:
            refused.append(NotCompared(student, "; ".join(sub.problems) or "the notebook could not be read"))
            continue
        if not sub.answers:
            refused.append(NotCompared(student, "no answer cell of this assignment in the notebook"))
            continue
        pieces, rest = cut(student_cells(sub.code_cells, assignment, instructor), assignment)
        found.append(Answers(student, pieces, rest=rest))
    return found, refused


def against_label(folder):
    """The label of an --against folder: its name, or its parent's when it is a course's ``submitted/``."""
    path = os.path.normpath(os.path.abspath(folder))
    name = os.path.basename(path)
    return os.path.basename(os.path.dirname(path)) if name == "submitted" else name


def _read_code_file(path, root, assignment, instructor=frozenset()):
    """[(piece or None, source)] of one .py or .ipynb file under `root` (never through a link)."""
    if path.endswith(".ipynb"):
        raw = read_regular(path, MAX_NOTEBOOK_BYTES, root=root)
        try:
            return _notebook_cells(json.loads(raw.decode("utf-8")), assignment, instructor)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not valid notebook JSON ({type(exc).__name__})") from None
    raw = read_regular(path, MAX_SOURCE_BYTES, root=root)
    try:
        return [(None, raw.decode("utf-8"))]
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None


def _code_files(entry, assignment):
    """The .py/.ipynb files of one entry of an --against folder (a file, or a student's folder), sorted."""
    if os.path.isfile(entry) and not os.path.islink(entry):
        return [entry]
    nested = os.path.join(entry, assignment)
    top = nested if os.path.isdir(nested) and not os.path.islink(nested) else entry
    files = []
    for here, dirs, names in os.walk(top, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files += [os.path.join(here, n) for n in sorted(names) if n.endswith((".py", ".ipynb"))
                  and not n.startswith(".")]
        if len(files) > MAX_FILES:
            break
    return files[:MAX_FILES]


def against_answers(folder, assignment, instructor=frozenset()):
    """([Answers], [NotCompared]) of known code in `folder`, each labelled ``LABEL/name`` (`instructor`: as in
    :func:`class_answers`)."""
    label = against_label(folder)
    root = os.path.abspath(folder)
    found, refused = [], []
    try:
        entries = sorted(e for e in os.listdir(root) if not e.startswith("."))
    except OSError as exc:
        raise ValueError(f"--against {folder}: not a readable folder ({exc.strerror})") from None
    for entry in entries:
        path = os.path.join(root, entry)
        is_file = entry.endswith((".py", ".ipynb"))
        name = f"{label}/{os.path.splitext(entry)[0] if is_file else entry}"
        if name in {a.label for a in found} | {n.label for n in refused}:
            name = f"{label}/{entry}"  # solution.py beside solution.ipynb, or a folder named solution
        if os.path.islink(path):
            refused.append(NotCompared(name, "a link; links are not followed"))
            continue
        if not is_file and not os.path.isdir(path):
            continue
        cells, problems = [], []
        for file in _code_files(path, assignment):
            try:
                check_no_links(file, root)
                cells += _read_code_file(file, root, assignment, instructor)
            except (UnsafePath, OSError, ValueError) as exc:
                problems.append(f"{os.path.relpath(file, root)}: {exc}")
        if problems and not cells:
            refused.append(NotCompared(name, "; ".join(problems)[:300]))
            continue
        pieces, rest = cut(cells, assignment)
        if pieces:
            found.append(Answers(name, pieces, rest=rest, cohort=label))
        elif cells:
            refused.append(NotCompared(name, "defines none of the assignment's pieces"))
    return found, refused
