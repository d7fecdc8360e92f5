"""A graded class as data: scores per student and item, the checks that failed, the CSV.

Read by :mod:`autograder.cli.report` (``python -m autograder.cli.report``): the
gradebook gives every student's score per graded cell (autograded pieces and
written answers); the trusted grader's ``grading.json`` beside each autograded
notebook (else its verdict cells) gives the failed checks and hints.
"""

import csv
import json
import os
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from fmnist_checks.notebook import source_of
from fmnist_checks.pieces import ASSIGNMENTS, piece_of

from ..untrusted.escape import csv_cell

GRADING_JSON = "grading.json"
NOT_IMPLEMENTED = "not implemented (still raises NotImplementedError)"


@dataclass
class Item:
    """A graded item of the assignment: an autograded piece or a written answer."""

    key: str  # the piece ("gini") or the grade id of a written answer ("answer_1")
    kind: str  # "autograded" or "written"
    points: float


@dataclass
class Student:
    student: str
    scores: dict = field(default_factory=dict)  # item key -> score, None when not graded yet
    unanswered: set = field(default_factory=set)  # written answers left as released (nbgrader: 0)
    failures: dict = field(default_factory=dict)  # piece -> [(check, hint or "")]
    notes: list = field(default_factory=list)
    disagreed: list = field(default_factory=list)  # pieces where the kernel's score differed

    def total(self, items):
        return sum(self.scores.get(i.key) or 0.0 for i in items)


@dataclass
class ClassReport:
    assignment: str
    items: list
    students: list

    @property
    def max_score(self):
        return sum(i.points for i in self.items)


# ------------------------------------------------------------------ reading

def read_gradebook(course_dir, assignment):
    """(items, {student: {item key: score or None}}) from the course's gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    db = os.path.join(os.path.abspath(course_dir), "gradebook.db")
    if not os.path.exists(db):
        raise ValueError(f"no gradebook in {course_dir}: grade the assignment first (fmnist-grade {assignment})")
    items, scores, unanswered = {}, {}, defaultdict(set)
    with Gradebook("sqlite:///" + db) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise ValueError(f"{assignment} is not in the gradebook of {course_dir}: "
                             f"run nbgrader generate_assignment {assignment} and grade it first") from None
        for submission in gb.assignment_submissions(assignment):
            row = scores.setdefault(submission.student_id, {})
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    piece = piece_of(grade.name, assignment)
                    if piece is not None and grade.cell.cell_type == "code":
                        key, kind = piece, "autograded"
                        value = grade.score
                    else:
                        key, kind = grade.name, "written"
                        # not graded yet: no manual score, and no automatic one either
                        value = grade.manual_score if grade.manual_score is not None else grade.auto_score
                        value = None if value is None else value + (grade.extra_credit or 0.0)
                        if grade.manual_score is None and grade.auto_score == 0:
                            unanswered[submission.student_id].add(grade.name)
                    items[key] = Item(key, kind, float(grade.max_score))
                    row[key] = None if value is None else float(value)
    order = {p: i for i, p in enumerate(ASSIGNMENTS[assignment])}
    ordered = sorted(items.values(), key=lambda i: (i.kind != "autograded", order.get(i.key, 0), i.key))
    return ordered, scores, unanswered


def parse_failures(message):
    """[(check, hint)] of the failed checks in one trusted message ("" when no hint)."""
    if not message:
        return []
    if "is not implemented yet" in message.splitlines()[0]:
        return [(NOT_IMPLEMENTED, "")]
    found = []
    for block in re.split(r"\n\s*\n", message):
        lines = block.strip("\n").splitlines()
        if not lines or lines[0].startswith(("✓", "✗", "partial credit", "advice (no points)")) \
                or "did not run (an earlier check" in lines[0]:
            continue  # headings, advice that costs no points, checks a hang kept from running
        head = lines[0]
        check = head.split(": ", 1)[1] if ": " in head else head
        hint = ""
        for line in lines[1:]:
            stripped = line.strip()
            if stripped.startswith("hint:"):
                hint = stripped[len("hint:"):].strip()
        if head.strip():
            found.append((check.strip(), hint))
    if not found:  # a message of another shape (a reference ban, an undefined piece): itself
        found.append((message.strip().splitlines()[0][:200], ""))
    return found


def read_verdicts(course_dir, assignment, student):
    """The trusted verdict of one submission: {"scores", "points", "messages", "notes", ...} or None."""
    folder = os.path.join(course_dir, "autograded", student, assignment)
    path = os.path.join(folder, GRADING_JSON)
    if os.path.exists(path):
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
            if isinstance(data, dict):
                return data
        except (OSError, ValueError):
            pass
    notebook = os.path.join(folder, f"{assignment}.ipynb")
    if os.path.exists(notebook):
        return _verdicts_from_notebook(notebook, assignment)
    return None


_VERDICT = re.compile(r"\*\*Trusted grader, `(?P<piece>[^`]+)`: (?P<score>[-0-9.e]+) of (?P<points>[-0-9.e]+) points\*\*"
                      r"\s*```\n?(?P<message>.*?)\n?```", re.S)


def _verdicts_from_notebook(path, assignment):
    """The verdict cells ``fmnist-grade`` wrote into an autograded notebook."""
    try:
        with open(path, encoding="utf-8") as fh:
            nb = json.load(fh)
    except (OSError, ValueError):
        return None
    data = {"scores": {}, "points": {}, "messages": {}, "notes": []}
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict) or not (cell.get("metadata") or {}).get("fmnist_grader"):
            continue
        text = source_of(cell)
        match = _VERDICT.search(text)
        if match:
            piece = match["piece"]
            data["scores"][piece] = float(match["score"])
            data["points"][piece] = float(match["points"])
            data["messages"][piece] = match["message"]
        elif text.startswith("**Grading notes**"):
            data["notes"] = [line[2:] for line in text.splitlines() if line.startswith("- ")]
    return data


def collect(course_dir, assignment):
    """Everything the report shows, as a :class:`ClassReport`."""
    if assignment not in ASSIGNMENTS:
        raise ValueError(f"unknown assignment {assignment!r}; one of {', '.join(ASSIGNMENTS)}")
    items, scores, unanswered = read_gradebook(course_dir, assignment)
    students = []
    for student in sorted(scores):
        s = Student(student, scores=dict(scores[student]), unanswered=set(unanswered.get(student, ())))
        verdict = read_verdicts(course_dir, assignment, student) or {}
        for piece, message in (verdict.get("messages") or {}).items():
            points = (verdict.get("points") or {}).get(piece)
            score = (verdict.get("scores") or {}).get(piece)
            if score is not None and points is not None and score >= points:
                continue
            s.failures[piece] = parse_failures(str(message))
        s.notes = [str(n) for n in verdict.get("notes") or []]
        s.disagreed = [str(p) for p in verdict.get("disagreements") or []]
        students.append(s)
    return ClassReport(assignment, items, students)


# ------------------------------------------------------------------ summaries

def item_summary(report):
    """Per item: (item, mean, full, partial, zero, ungraded)."""
    rows = []
    for item in report.items:
        values = [s.scores.get(item.key) for s in report.students]
        graded = [v for v in values if v is not None]
        full = sum(1 for v in graded if v >= item.points - 1e-9)
        zero = sum(1 for v in graded if v <= 1e-9)
        rows.append((item, statistics.fmean(graded) if graded else None, full,
                     len(graded) - full - zero, zero, len(values) - len(graded)))
    return rows


def not_implemented(report):
    """{piece: number of students whose answer still raises NotImplementedError}."""
    counts = Counter()
    for s in report.students:
        for piece, failures in s.failures.items():
            if any(check == NOT_IMPLEMENTED for check, _ in failures):
                counts[piece] += 1
    return counts


def top_failures(report, limit=12):
    """[(piece, check, number of students, Counter of hints)] most frequent first (blank answers aside)."""
    students = defaultdict(set)
    hints = defaultdict(Counter)
    for s in report.students:
        for piece, failures in s.failures.items():
            for check, hint in failures:
                if check == NOT_IMPLEMENTED:
                    continue
                students[(piece, check)].add(s.student)
                if hint:
                    hints[(piece, check)][hint] += 1
    order = sorted(students, key=lambda k: (-len(students[k]), k))
    return [(piece, check, len(students[(piece, check)]), hints[(piece, check)])
            for piece, check in order[:limit]]


def status(score, points, unanswered=False):
    if score is None:
        return "not graded yet"
    if unanswered and score <= 1e-9:
        return "zero (no answer)"
    if score >= points - 1e-9:
        return "full"
    if score <= 1e-9:
        return "zero"
    return "partial"


def write_csv(report, path):
    """One row per student and graded item."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "item", "kind", "score", "max", "status", "failed_checks", "hints", "notes"])
        for s in report.students:
            for item in report.items:
                score = s.scores.get(item.key)
                failures = s.failures.get(item.key, []) if item.kind == "autograded" else []
                hints = list(dict.fromkeys(h for _, h in failures if h))
                # every text through the CSV sink: no formula, no escape sequence, no surrogate
                w.writerow([csv_cell(s.student), csv_cell(item.key), item.kind,
                            "" if score is None else f"{score:g}", f"{item.points:g}",
                            status(score, item.points, item.key in s.unanswered),
                            csv_cell("; ".join(c for c, _ in failures)), csv_cell("; ".join(hints)),
                            csv_cell("; ".join(s.notes))])
    return path
