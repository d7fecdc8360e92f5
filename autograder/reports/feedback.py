"""nbgrader feedback that teaches without giving the hidden checks away, one verdict per piece.

nbgrader's default feedback shows each test cell's full source, hidden tests
included (nbgrader #917, #1363), and titles every test cell "Test cell".
:class:`HideTestCode` runs in ``GenerateFeedback`` (see
``course/nbgrader_config.py``):

* each test cell keeps its visible part; its hidden block becomes one
  comment line;
* where ``fmnist-grade`` wrote the trusted verdict under a test cell, that
  verdict becomes the cell's only output, without the error line nbgrader
  needed to score it 0 (and a separate verdict cell of older gradings goes):
  the student reads each piece's verdict once, its points in the cell's title;
* the grading notes' points are written again from the gradebook
  (:mod:`autograder.reports.feedback_notes`): feedback made after manual grading
  says what was given;
* otherwise (a plain ``nbgrader autograde``) an error output keeps the
  exception's message (our checks put every failure there) but drops the
  traceback, whose lines could quote hidden code;
* everything a student wrote (markdown, outputs, metadata) has passed the one
  HTML sanitiser, :class:`autograder.batch.safe_notebook.SanitiseFeedback`, which runs
  first and takes the cells' roles from the gradebook; the page carries a
  Content-Security-Policy that forbids every script (the template);
* each test cell is marked with its piece, which the course's feedback
  template (:data:`TEMPLATE_DIR`, ``fmnist_feedback``) shows in the table of
  contents and in the cell's title with its points, instead of "Test cell".

``fmnist-grade feedback ASSIGNMENT`` (:mod:`autograder.cli.feedback`) releases it,
only pages generate_feedback made: nbgrader copies the whole autograded
folder, a student's own files included, into the feedback folder;
:func:`keep_generated_only` (generate_feedback's post-convert hook) removes
every other file and records each page's SHA-256 in :data:`MANIFEST`, and the
release hands out a page only when its digest is the recorded one
(:func:`generated_pages`).
"""

import hashlib
import json
import os
import re
import stat

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from fmnist_checks.notebook import HIDDEN_BEGIN, is_test, nbgrader_meta, source_of, visible_part
from fmnist_checks.pieces import piece_of

from ..hidden.verdict_text import read_verdict

HIDDEN_NOTE = "# (hidden checks ran here: their verdict is below, their code is not shown)\n"
TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
TEMPLATE_NAME = "fmnist_feedback"
MANIFEST = ".fmnist-feedback.json"  # {page: SHA-256} of the pages generate_feedback made
KEPT = ("timestamp.txt", "submission_secret.txt")  # nbgrader's release_feedback reads these
_VERDICT = re.compile(r"\*\*Trusted grader, `(?P<piece>[^`]+)`: (?P<score>[-0-9.e]+) of (?P<points>[-0-9.e]+) points\*\*"
                      r"\s*```\n?(?P<message>.*?)\n?```", re.S)


def _formgrader_dir():
    import nbgrader

    return os.path.join(os.path.dirname(os.path.abspath(nbgrader.__file__)), "server_extensions", "formgrader")


def nbgrader_template_dir():
    """nbgrader's own template folder (its ``feedback`` template extends nbconvert's ``classic``)."""
    return os.path.join(_formgrader_dir(), "templates")


def template_paths():
    """``HTMLExporter.extra_template_paths`` of the feedback: bootstrap's CSS (as nbgrader sets it)
    and nbgrader's templates, which ours extends by ``feedback/index.html.j2``."""
    css = os.path.join(_formgrader_dir(), "static", "node_modules", "bootstrap", "dist", "css")
    return [css, nbgrader_template_dir()]


def hide_test_code(cell):
    """Rewrite one test cell in place: visible part only, tracebacks cut to their message; return it."""
    source = source_of(cell)
    if HIDDEN_BEGIN in source:
        cell["source"] = visible_part(source).rstrip("\n") + "\n" + HIDDEN_NOTE
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
    return cell


def trusted_verdict(cell):
    """(piece, score, points, message) of a verdict cell written by ``fmnist-grade``, else None."""
    if cell.get("cell_type") != "markdown" or not (cell.get("metadata") or {}).get("fmnist_grader"):
        return None
    match = _VERDICT.search(source_of(cell))
    if not match:
        return None
    return match["piece"], float(match["score"]), float(match["points"]), match["message"]


def verdict_output(score, points, message):
    """The output a test cell shows in feedback: the trusted verdict, once (its points are in the
    cell's title)."""
    import nbformat

    return nbformat.v4.new_output("stream", name="stdout" if score >= points - 1e-9 else "stderr",
                                  text=message.rstrip("\n") + "\n")


def verdict_in_outputs(cell):
    """(piece, score, points, message) of the verdict ``TrustedVerdict`` wrote as a test cell's
    output (printed text, or the traceback of the error that gives 0 points), else None."""
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        text = output.get("text") if kind == "stream" else "\n".join(output.get("traceback") or []) \
            if kind == "error" else None
        found = read_verdict(text if isinstance(text, str) else "".join(text or []))
        if found:
            return found
    return None


def one_verdict_per_piece(cells):
    """The feedback's cells: test cells hidden and titled, each with its trusted verdict once."""
    out = []
    for cell in cells:
        verdict = trusted_verdict(cell)
        if verdict is not None and out and is_test(out[-1]) and \
                (out[-1].get("metadata") or {}).get("fmnist_piece") == verdict[0]:
            _, score, points, message = verdict
            out[-1]["outputs"] = [verdict_output(score, points, message)]
            continue  # the verdict now is the test cell's output
        if is_test(cell):
            written = verdict_in_outputs(cell)
            hide_test_code(cell)
            if written is not None:  # the verdict alone, once: no "CheckFailed" line after it
                cell["outputs"] = [verdict_output(*written[1:])]
            piece = piece_of(nbgrader_meta(cell).get("grade_id", ""))
            if piece:
                cell.setdefault("metadata", {})["fmnist_piece"] = piece
        out.append(cell)
    return out


class HideTestCode(Preprocessor):
    """Feedback: hidden tests' code and tracebacks hidden, one trusted verdict per piece."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when it is enabled").tag(config=True)

    def preprocess(self, nb, resources):
        nb.cells = one_verdict_per_piece(nb.cells)  # the notes' points: SanitiseFeedback, before cleaning
        return nb, resources


# ------------------------------------------------------------------ only pages the grader made

def _digest(path):
    """SHA-256 of the regular file at `path` (never through a link), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        return hashlib.sha256(fh.read()).hexdigest()


def prune(folder, pages):
    """Remove from `folder` every file but `pages` and :data:`KEPT` (links included, never followed)."""
    keep = set(pages) | set(KEPT) | {MANIFEST}
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = os.path.join(root, name)
            if root != folder or name not in keep or os.path.islink(path):
                os.unlink(path)
        if root != folder:
            try:
                os.rmdir(root)
            except OSError:
                pass


def keep_generated_only(assignment=None, student=None, notebooks=(), **_):
    """generate_feedback's post-convert hook: the feedback folders keep only the pages it made.

    `notebooks`: the autograded notebooks just converted (``<course>/autograded/
    <student>/<assignment>/<name>.ipynb``); each one's page is
    ``<course>/feedback/<student>/<assignment>/<name>.html``.
    """
    folders = {}
    for path in notebooks:
        folder, name = os.path.split(os.path.abspath(path))
        top, aid = os.path.split(folder)
        autograded, who = os.path.split(top)
        course = os.path.dirname(autograded)
        out = os.path.join(course, "feedback", who, aid)
        folders.setdefault(out, []).append(name[:-len(".ipynb")] + ".html")
    for out, pages in folders.items():
        digests = {page: _digest(os.path.join(out, page)) for page in pages}
        digests = {page: d for page, d in digests.items() if d}
        prune(out, digests)
        with open(os.path.join(out, MANIFEST), "w", encoding="utf-8") as fh:
            json.dump(digests, fh)


def generated_pages(folder):
    """[page] of `folder` that generate_feedback made: recorded in :data:`MANIFEST`, digest unchanged."""
    try:
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as fh:
            recorded = json.load(fh)
    except (OSError, ValueError):
        return []
    if not isinstance(recorded, dict):
        return []
    return sorted(page for page, digest in recorded.items()
                  if isinstance(page, str) and "/" not in page and page.endswith(".html")
                  and _digest(os.path.join(folder, page)) == digest)
