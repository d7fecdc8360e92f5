"""The trusted verdict inside the autograded notebook, where nbgrader reads its scores.

:class:`TrustedVerdict` runs among ``Autograde.autograde_preprocessors`` after
the notebook has run (:mod:`autograder.batch.nbexec`) and before nbgrader's own
``SaveAutoGrades``. It grades the submission with :mod:`autograder.verdict.trusted`
(the answers run in a sandboxed worker, the comparisons here) and writes each
piece's verdict as the output of its test cell, in the form nbgrader's
``determine_grade`` reads: an error output for 0 points, an ``execute_result``
holding the score for partial credit, neither for full marks. So the score in
the gradebook is nbgrader's own ``auto_score``, written by nbgrader's code, and
a grader's ``manual_score`` is left alone. A note at the top says what was
wrong with the submission and what the grader did.
"""


import json

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer, Unicode

from ..untrusted.escape import clean_text, md_inline, terminal
from ..reports.feedback_notes import headline
from ..hidden.verdict_text import MAX_CHARS, shorten, verdict_head
from fmnist_checks.notebook import is_test, nbgrader_meta
from fmnist_checks.pieces import ASSIGNMENTS, piece_of
from .nbexec import CELL_TIMEOUT, course_dir_of, note_cell

MAX_MESSAGE = MAX_CHARS


def verdict_outputs(piece, score, points, message):
    """Test-cell outputs from which nbgrader's ``determine_grade`` reads `score`, the verdict once.

    Full marks: the verdict as printed text. Partial credit: the text and the
    score as the cell's result. No points: one error output whose traceback is
    the verdict (nbgrader needs the error; a separate "CheckFailed" line would
    say the headline twice). A long verdict is shortened by whole checks.
    """
    message = shorten(terminal(message, keep_newlines=True))  # no escape sequence reaches a terminal or a page
    text = verdict_head(piece, score, points) + "\n" + message.rstrip("\n") + "\n"
    if score <= 0:
        first = message.strip().splitlines()[0] if message.strip() else "the checks failed"
        return [nbformat.v4.new_output("error", ename="CheckFailed", evalue=first,
                                       traceback=text.rstrip("\n").split("\n"))]
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    if score < points - 1e-9:
        outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": repr(round(score, 4))},
                                              execution_count=None))
    return outputs


def notes_text(auto_score, auto_points, manual_points, notes, written_max=None):
    """The grading notes: a first line of points (`manual_points`: of written answers that await a
    grader, out of `written_max`), then one line per note. ``generate_feedback`` writes the first
    line again from the gradebook (:mod:`autograder.reports.feedback_notes`)."""
    written_max = manual_points if written_max is None else written_max
    lines = [headline({"auto": auto_score, "auto_max": auto_points, "written_max": written_max,
                       "awaiting": manual_points, "written_given": 0.0})]
    lines += [f"- {md_inline(n, limit=500)}" for n in notes]  # notes quote what a student controls
    return "\n".join(lines)


def clean_verdict(pieces, notes):
    """(pieces, notes) whose every text a notebook, JSON and a terminal can hold (messages and notes
    quote what a student's code raised or printed: an unpaired surrogate must not cost the grade)."""
    pieces = {clean_text(p): {"score": float(v["score"]), "points": float(v["points"]),
                              "message": clean_text(v["message"])} for p, v in pieces.items()}
    return pieces, [clean_text(n) for n in notes]


def put_verdict(nb, assignment, pieces, notes, manual_points=0.0):
    """Write `pieces` ({piece: {score, points, message}}) into `nb`'s test cells; add the notes."""
    pieces, notes = clean_verdict(pieces, notes)
    nb.cells = [c for c in nb.cells if c.metadata.get("fmnist_grader") != "notes"]
    for cell in nb.cells:
        if is_test(cell):
            piece = piece_of(nbgrader_meta(cell).get("grade_id", ""), assignment)
            if piece in pieces:
                v = pieces[piece]
                cell.outputs = verdict_outputs(piece, v["score"], v["points"], v["message"])
                cell.execution_count = None
    auto = sum(v["score"] for v in pieces.values())
    total = sum(v["points"] for v in pieces.values())
    written = sum(float(nbgrader_meta(c).get("points", 0)) for c in nb.cells
                  if nbgrader_meta(c).get("grade") and not is_test(c))
    nb.cells.insert(0, note_cell(notes_text(auto, total, manual_points, notes, written), "notes"))
    nb.metadata["fmnist_grader"] = {"pieces": pieces, "notes": list(notes)}
    return nb


def manual_points_of(nb):
    """Points of written answers that await a grader: graded cells that are not test cells and
    that nbgrader does not score itself (it scores an answer left as released 0, as
    ``SaveAutoGrades`` will: :func:`nbgrader.utils.determine_grade`)."""
    from nbgrader.utils import determine_grade

    total = 0.0
    for c in nb.cells:
        if nbgrader_meta(c).get("grade") and not is_test(c):
            auto, most = determine_grade(c)
            total += most if auto is None else 0.0
    return total


def trusted_pieces(course_dir, assignment, student, **kwargs):
    """(problems, {piece: {score, points, message}}, notes) from :func:`autograder.verdict.trusted.grade_submission`."""
    from ..verdict.trusted import grade_submission

    submission, verdicts, notes = grade_submission(course_dir, assignment, student, **kwargs)
    pieces = {p: {"score": v.score, "points": v.points, "message": v.message} for p, v in verdicts.items()}
    pieces, notes = clean_verdict(pieces, notes)
    return [clean_text(p) for p in submission.problems], pieces, notes


class TrustedVerdict(NbGraderPreprocessor):
    """Autograde: the trusted verdict as the test cells' outputs; see the module docstring."""

    sandbox = Bool(True, help="run the answers in the sandboxed worker").tag(config=True)
    step_timeout = Float(float(CELL_TIMEOUT), help="seconds one cell or check may run").tag(config=True)
    total_timeout = Float(600.0, help="seconds all of one submission's checks may run").tag(config=True)
    memory_mb = Integer(4096).tag(config=True)
    uid = Unicode("", help="the unprivileged uid the worker runs as (default nobody)").tag(config=True)
    course_dir = Unicode("", help="the course folder (default: nbgrader's)").tag(config=True)
    seed = Unicode("", help="the hidden inputs' seed, derived by fmnist-grade from the course's "
                            "secret (default: derived here from the course folder's secret)").tag(config=True)
    notes_file = Unicode("", help="a JSON list of notes fmnist-grade made on the submission (a cap, a "
                                  "file not taken), shown with the grader's own").tag(config=True)

    def _course_dir(self):
        return course_dir_of(self)

    def preprocess(self, nb, resources):
        from ..sandbox.bwrap import Limits

        from ..hidden import grading_seed
        from ..verdict.kernel_checks import seed_digest

        info = resources["nbgrader"]
        assignment, student = info["assignment"], info["student"]
        if assignment not in ASSIGNMENTS or info["notebook"] != assignment:
            return nb, resources
        seed = int(self.seed) if self.seed.isdigit() else grading_seed(
            assignment, student, course_dir=self._course_dir())
        ran = resources.get("fmnist_grader") or {}
        # the kernel's results count only when they were run with this seed
        records = ran.get("records") if ran.get("seed_digest") == seed_digest(seed) else None
        problems, pieces, notes = trusted_pieces(
            self._course_dir(), assignment, student, sandbox=self.sandbox,
            limits=Limits(memory_mb=self.memory_mb), step_timeout=self.step_timeout,
            total_timeout=self.total_timeout, uid=int(self.uid) if self.uid else None,
            seed=seed, records=records)
        notes = (self._given_notes() + problems + notes
                 + list((resources.get("fmnist_grader") or {}).get("notes", [])))
        put_verdict(nb, assignment, pieces, notes, manual_points_of(nb))
        return nb, resources


    def _given_notes(self):
        if not self.notes_file:
            return []
        with open(self.notes_file, encoding="utf-8") as fh:
            return [str(n) for n in json.load(fh)]


def fallback_notebook(source_path, assignment, pieces, notes):
    """The notebook feedback is made from when nbgrader could not read the submission at all.

    The source notebook with its answers cleared and its hidden tests hidden
    (there is nothing of the student's to keep), the verdict and the notes.
    """
    from nbgrader.preprocessors import ClearSolutions

    from ..reports.feedback import hide_test_code

    nb = nbformat.read(source_path, as_version=4)
    nb, _ = ClearSolutions().preprocess(nb, {})
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if is_test(cell):
            hide_test_code(cell)
    return put_verdict(nb, assignment, pieces, notes, manual_points_of(nb))
