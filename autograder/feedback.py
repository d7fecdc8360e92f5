"""nbgrader feedback that teaches without giving the hidden checks away, one verdict per piece.

nbgrader's default feedback shows each test cell's full source, hidden tests
included (nbgrader #917, #1363), and titles every test cell "Test cell".
:class:`HideTestCode` runs in ``GenerateFeedback`` (see
``course/nbgrader_config.py``):

* each test cell keeps its visible part; its hidden block becomes one
  comment line;
* where ``fmnist-grade`` wrote the trusted verdict under a test cell, that
  verdict becomes the cell's only output (the kernel's own output said the
  same, or something the trusted grader overruled), and the separate verdict
  cell goes: the student reads each piece's verdict once;
* otherwise (a plain ``nbgrader autograde``) an error output keeps the
  exception's message (our checks put every failure there) but drops the
  traceback, whose lines could quote hidden code;
* everything a student wrote (markdown, outputs, metadata) has passed the one
  HTML sanitiser, :class:`autograder.safe_notebook.SanitiseFeedback`, which runs
  first and takes the cells' roles from the gradebook; the page carries a
  Content-Security-Policy that forbids every script (the template);
* each test cell is marked with its piece, which the course's feedback
  template (:data:`TEMPLATE_DIR`, ``fmnist_feedback``) shows in the table of
  contents and in the cell's title with its points, instead of "Test cell".

``python -m autograder.feedback ASSIGNMENT`` releases feedback to everyone
(see :func:`main`): ``nbgrader release_feedback`` for the students who handed
in through the exchange, and the HTML files to hand back through the LMS for
those collected by ``zip_collect`` or placed in ``submitted/`` by hand (nbgrader
0.9.6's ``release_feedback`` crashes on those: they have no
``submission_secret.txt``). Only pages generate_feedback made are released:
nbgrader copies the whole autograded folder, a student's own files included,
into the feedback folder; :func:`keep_generated_only` (generate_feedback's
post-convert hook) removes every other file and records each page's SHA-256
in :data:`MANIFEST`, and the release hands out a page only when its digest
is the recorded one.
"""

import argparse
import hashlib
import json
import os
import re
import stat
import sys

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from fmnist_checks.notebook import HIDDEN_BEGIN, is_test, nbgrader_meta, source_of, visible_part
from fmnist_checks.pieces import ASSIGNMENTS, piece_of

from .escape import terminal

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
    """The output a test cell shows in feedback: the trusted verdict, once."""
    import nbformat

    head = f"{score:g} of {points:g} points (fmnist-edu's trusted grader)\n\n"
    return nbformat.v4.new_output("stream", name="stdout" if score >= points - 1e-9 else "stderr",
                                  text=head + message.rstrip("\n") + "\n")


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
            hide_test_code(cell)
            piece = piece_of(nbgrader_meta(cell).get("grade_id", ""))
            if piece:
                cell.setdefault("metadata", {})["fmnist_piece"] = piece
        out.append(cell)
    return out


class HideTestCode(Preprocessor):
    """Feedback: hidden tests' code and tracebacks hidden, one trusted verdict per piece."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when it is enabled").tag(config=True)

    def preprocess(self, nb, resources):
        nb.cells = one_verdict_per_piece(nb.cells)
        return nb, resources


# ------------------------------------------------------------------ releasing feedback

def feedback_students(course_dir, assignment):
    """{student: feedback folder} of the students with a feedback folder for `assignment`."""
    root = os.path.join(course_dir, "feedback")
    found = {}
    if os.path.isdir(root):
        for student in sorted(os.listdir(root)):
            folder = os.path.join(root, student, assignment)
            if os.path.isdir(folder) and not os.path.islink(folder):
                found[student] = folder
    return found


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


def through_exchange(course_dir, assignment, student):
    """True when the student's submission came through ``nbgrader submit`` (it has a secret)."""
    for top in ("feedback", "submitted"):
        path = os.path.join(course_dir, top, student, assignment, "submission_secret.txt")
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
    return False


def release(course_dir, assignment, lms_dir, refused=None):
    """Release feedback; return (students released through the exchange, {student: LMS file}).

    Only pages generate_feedback made are handed out (:func:`generated_pages`);
    every other file in a feedback folder is removed first. A student with no
    such page is added to `refused` (a list), not released.
    """
    from .nbgrader_cli import run_nbgrader

    students = {}
    for student, folder in feedback_students(course_dir, assignment).items():
        pages = generated_pages(folder)
        prune(folder, pages)  # nbgrader's release_feedback hands out every .html of the folder
        if pages:
            students[student] = (folder, pages)
        elif refused is not None:
            refused.append(student)
    if not students:
        raise ValueError(f"no feedback for {assignment} in {course_dir}/feedback made by this course's "
                         f"generate_feedback: run nbgrader generate_feedback {assignment} --force first")
    exchange = [s for s in students if through_exchange(course_dir, assignment, s)]
    for student in exchange:
        run_nbgrader(["release_feedback", assignment, f"--student={student}"], cwd=course_dir)
    by_hand = {}
    for student, (folder, pages) in students.items():
        if student in exchange:
            continue
        os.makedirs(lms_dir, exist_ok=True)
        for name in pages:
            target = os.path.join(lms_dir, f"{student}_{name}")
            with open(os.path.join(folder, name), "rb") as src:
                data = src.read()
            if os.path.lexists(target):
                os.unlink(target)
            with open(target, "xb") as dst:
                dst.write(data)
            by_hand[student] = target
    return exchange, by_hand


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m autograder.feedback",
        description="Release generated feedback to every student: through the exchange for those who "
                    "submitted there, as files to upload to the LMS for the others.")
    parser.add_argument("assignment", choices=list(ASSIGNMENTS))
    parser.add_argument("--course", default=".", help="the nbgrader course folder (default: .)")
    parser.add_argument("--lms", help="folder for the LMS files (default: COURSE/feedback_lms/ASSIGNMENT)")
    args = parser.parse_args(argv)
    course = os.path.abspath(args.course)
    lms = os.path.abspath(args.lms or os.path.join(course, "feedback_lms", args.assignment))
    refused = []
    try:
        exchange, by_hand = release(course, args.assignment, lms, refused)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {terminal(exc)}", file=sys.stderr)
        return 2
    print(f"released through the exchange (students run nbgrader fetch_feedback): "
          f"{', '.join(terminal(s) for s in exchange) or 'nobody'}")
    if by_hand:
        print(f"not submitted through the exchange: hand these back through your LMS ({terminal(lms)}):")
        for student, path in by_hand.items():
            print(f"  {terminal(student)}: {terminal(os.path.basename(path))}")
    if refused:
        print(f"no page made by generate_feedback, nothing released (run nbgrader generate_feedback "
              f"{args.assignment} --force): {', '.join(terminal(s) for s in refused)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
