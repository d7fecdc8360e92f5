"""Everybody's answer code, read safely and cut into the assignment's graded pieces.

A piece is the code that defines one graded name (``gini``,
``DecisionTreeClassifier``): a top-level ``def``/``class`` of that name,
wherever the student put it, plus the other top-level code of the answer
cell it sits in (helpers). Cutting by definition, not by position, means
functions moved between cells or reordered still meet their counterparts.

* this class: ``submitted/<student>/<assignment>/<assignment>.ipynb``, read by
  :func:`autograder.verdict.submission.read_submission` (the grader's reader: no
  links, size-capped, JSON only); a notebook it refuses is *not compared*,
  with its reason;
* ``--against DIR``: an earlier cohort's ``submitted/`` folder, or any folder
  of ``.py``/``.ipynb`` files (known public solutions), labelled
  ``DIRNAME/student`` (``DIRNAME/file`` for a loose file).
"""

import ast
import json
import os
import re
import stat
from dataclasses import dataclass, field

from fmnist_checks.notebook import is_answer, nbgrader_meta, source_of
from fmnist_checks.pieces import ASSIGNMENTS

from ..sandbox.safefs import UnsafePath, check_no_links, read_regular
from ..verdict.submission import MAX_NOTEBOOK_BYTES, read_submission

WHOLE = "*"  # the piece name of the whole answer code
MAX_SOURCE_BYTES = 2 * 1024 * 1024  # one .py file of known code
MAX_FILES = 5000  # files looked at under one --against folder
MAX_PIECE_CHARS = 50_000  # a piece's code compared (the longest honest a2 piece has about 4,000)


@dataclass
class Answers:
    """One student's (or one known source's) code: ``pieces`` {piece: code}, in contract order."""

    label: str
    pieces: dict = field(default_factory=dict)
    cohort: str = ""  # "" for this class, else the --against folder's label
    notes: list = field(default_factory=list)  # one line each: what was not compared

    def __post_init__(self):
        for piece, code in self.pieces.items():
            if len(code) > MAX_PIECE_CHARS:
                self.pieces[piece] = code[:MAX_PIECE_CHARS]
                self.notes.append(f"{piece}: only its first {MAX_PIECE_CHARS:,} of {len(code):,} characters "
                                  "were compared")


@dataclass
class NotCompared:
    """A notebook or file that was not compared, and why (one line)."""

    label: str
    reason: str


def _statements(tree):
    """Top-level statements with the line range each covers (comments above a statement go with it)."""
    out, start = [], 1
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        out.append((node, min(start, first), node.end_lineno))
        start = node.end_lineno + 1
    return out


def _defined_names(node):
    """Names a top-level statement binds (imports excluded: everybody's code uses ``np``)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def split_pieces(cells, assignment):
    """{piece: code} from `cells` [(piece or None, source)], in contract order.

    A top-level definition named after a piece goes to that piece; the rest of
    a cell goes to the cell's own piece. Code of a cell of no piece (a ``.py``
    file) goes to the first piece that uses a name it defines (a helper, a
    table of functions); imports and code no piece uses are left out. A cell
    that does not parse goes whole to its own piece.
    """
    order = ASSIGNMENTS[assignment]
    chunks = {piece: [] for piece in order}
    loose = []  # (names it defines, text) of statements in cells of no piece
    for own, source in cells:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            if own:
                chunks[own].append(source)
            continue
        lines = source.splitlines(keepends=True)
        for node, first, last in _statements(tree):
            name = getattr(node, "name", None) if isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else None
            target = name if name in chunks else own
            text = "".join(lines[first - 1:last])
            if target:
                chunks[target].append(text)
            elif _defined_names(node):
                loose.append((_defined_names(node), text))
    while loose:  # a helper of a helper joins the piece on a later round
        left = []
        for names, text in loose:
            pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names)) + r")\b")
            user = next((p for p in order if any(pattern.search(t) for t in chunks[p])), None)
            if user:
                chunks[user].insert(0, text)
            else:
                left.append((names, text))
        if len(left) == len(loose):
            break
        loose = left
    return {piece: "\n".join(texts).strip("\n") + "\n" for piece, texts in chunks.items() if texts}


def _notebook_cells(nb, assignment):
    """[(piece or None, source)] of a notebook dict: its answer cells if it has this assignment's, else every code cell."""
    by_grade_id = {piece.lower(): piece for piece in ASSIGNMENTS[assignment]}
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ValueError("not a notebook: it has no list of cells")
    answers = [(by_grade_id[str(nbgrader_meta(c).get("grade_id"))], source_of(c)) for c in cells
               if isinstance(c, dict) and is_answer(c) and str(nbgrader_meta(c).get("grade_id")) in by_grade_id]
    if answers:
        return answers
    return [(None, source_of(c)) for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]


def class_answers(course_dir, assignment):
    """([Answers], [NotCompared]) of every submission of `assignment` in the course's ``submitted/``."""
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
        cells = [(piece, sub.answers[piece.lower()]) for piece in ASSIGNMENTS[assignment]
                 if piece.lower() in sub.answers]
        if not cells:
            refused.append(NotCompared(student, "no answer cell of this assignment in the notebook"))
            continue
        found.append(Answers(student, split_pieces(cells, assignment)))
    return found, refused


def against_label(folder):
    """The label of an --against folder: its name, or its parent's when it is a course's ``submitted/``."""
    path = os.path.normpath(os.path.abspath(folder))
    name = os.path.basename(path)
    return os.path.basename(os.path.dirname(path)) if name == "submitted" else name


def _read_code_file(path, root, assignment):
    """[(piece or None, source)] of one .py or .ipynb file under `root` (never through a link)."""
    if path.endswith(".ipynb"):
        raw = read_regular(path, MAX_NOTEBOOK_BYTES, root=root)
        try:
            return _notebook_cells(json.loads(raw.decode("utf-8")), assignment)
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


def against_answers(folder, assignment):
    """([Answers], [NotCompared]) of known code in `folder`, each labelled ``LABEL/name``."""
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
                cells += _read_code_file(file, root, assignment)
            except (UnsafePath, OSError, ValueError) as exc:
                problems.append(f"{os.path.relpath(file, root)}: {exc}")
        if problems and not cells:
            refused.append(NotCompared(name, "; ".join(problems)[:300]))
            continue
        pieces = split_pieces(cells, assignment)
        if pieces:
            found.append(Answers(name, pieces, cohort=label))
        elif cells:
            refused.append(NotCompared(name, "defines none of the assignment's pieces"))
    return found, refused
