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
  (:mod:`autograder.feedback_notes`): feedback made after manual grading
  says what was given;
* otherwise (a plain ``nbgrader autograde``) an error output keeps the
  exception's message (our checks put every failure there) but drops the
  traceback, whose lines could quote hidden code;
* markdown a student wrote is shown as text (no live HTML, no
  ``javascript:`` links: :func:`autograder.escape.neutralise_markdown`);
* each test cell is marked with its piece, which the course's feedback
  template (:data:`TEMPLATE_DIR`, ``fmnist_feedback``) shows in the table of
  contents and in the cell's title with its points, instead of "Test cell".

``python -m autograder.feedback ASSIGNMENT`` releases feedback to everyone
(see :func:`main`): ``nbgrader release_feedback`` for the students who handed
in through the exchange, and the HTML files to hand back through the LMS for
those collected by ``zip_collect`` or placed in ``submitted/`` by hand (nbgrader
0.9.6's ``release_feedback`` crashes on those: they have no
``submission_secret.txt``).
"""

import argparse
import os
import re
import shutil
import sys

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from fmnist_checks.notebook import HIDDEN_BEGIN, is_test, nbgrader_meta, source_of, visible_part
from fmnist_checks.pieces import ASSIGNMENTS, piece_of

from .escape import neutralise_markdown
from .feedback_notes import refresh_notes
from .verdict_text import read_verdict

HIDDEN_NOTE = "# (hidden checks ran here: their verdict is below, their code is not shown)\n"
TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
TEMPLATE_NAME = "fmnist_feedback"
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
        elif cell.get("cell_type") == "markdown" and not _by_grader(cell) and verdict is None:
            # a student may write any markdown: no live HTML or script link reaches the feedback
            cell["source"] = neutralise_markdown(source_of(cell))
        out.append(cell)
    return out


def _by_grader(cell):
    """True for a cell the grader added (its notes), which it escaped itself."""
    metadata = cell.get("metadata")
    return isinstance(metadata, dict) and bool(metadata.get("fmnist_grader"))


class HideTestCode(Preprocessor):
    """Feedback: hidden tests' code and tracebacks hidden, one trusted verdict per piece."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when it is enabled").tag(config=True)

    def preprocess(self, nb, resources):
        nb.cells = one_verdict_per_piece(nb.cells)
        refresh_notes(nb.cells, resources)  # the points as the gradebook holds them now
        return nb, resources


# ------------------------------------------------------------------ releasing feedback

def feedback_students(course_dir, assignment):
    """{student: feedback folder} of the students with generated feedback for `assignment`."""
    root = os.path.join(course_dir, "feedback")
    found = {}
    if os.path.isdir(root):
        for student in sorted(os.listdir(root)):
            folder = os.path.join(root, student, assignment)
            if os.path.isdir(folder) and any(n.endswith(".html") for n in os.listdir(folder)):
                found[student] = folder
    return found


def through_exchange(course_dir, assignment, student):
    """True when the student's submission came through ``nbgrader submit`` (it has a secret)."""
    for top in ("feedback", "submitted"):
        path = os.path.join(course_dir, top, student, assignment, "submission_secret.txt")
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
    return False


def release(course_dir, assignment, lms_dir):
    """Release feedback; return (students released through the exchange, {student: LMS file})."""
    from .nbgrader_cli import run_nbgrader

    students = feedback_students(course_dir, assignment)
    if not students:
        raise ValueError(f"no feedback for {assignment} in {course_dir}/feedback: "
                         f"run nbgrader generate_feedback {assignment} first")
    exchange = [s for s in students if through_exchange(course_dir, assignment, s)]
    for student in exchange:
        run_nbgrader(["release_feedback", assignment, f"--student={student}"], cwd=course_dir)
    by_hand = {}
    for student, folder in students.items():
        if student in exchange:
            continue
        os.makedirs(lms_dir, exist_ok=True)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".html"):
                target = os.path.join(lms_dir, f"{student}_{name}")
                shutil.copyfile(os.path.join(folder, name), target)
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
    try:
        exchange, by_hand = release(course, args.assignment, lms)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"released through the exchange (students run nbgrader fetch_feedback): "
          f"{', '.join(exchange) or 'nobody'}")
    if by_hand:
        print(f"not submitted through the exchange: hand these back through your LMS ({lms}):")
        for student, path in by_hand.items():
            print(f"  {student}: {os.path.basename(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
