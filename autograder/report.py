"""``python -m autograder.report ASSIGNMENT``: the class at a glance, after grading.

Reads a graded nbgrader course (run it after ``fmnist-grade``, and again after
manual grading):

* the gradebook (``gradebook.db``): every student's score per graded cell,
  the autograded pieces and the written answers (manually graded cells; one
  not graded yet is shown as such, never as 0);
* the trusted grader's verdict per submission: ``grading.json`` beside each
  autograded notebook (``autograded/<student>/<assignment>/``), else the
  verdict cells ``fmnist-grade`` puts into the autograded notebook. A failed
  check's message names the piece and the check, and often gives a hint
  (:func:`fmnist_checks.core.judge`); the report counts them.

It writes ``<out>/<assignment>_report.html`` (figures embedded as PNG: the
score distribution of each piece and written answer, the totals, the checks
that failed for the most students) and ``<out>/<assignment>_scores.csv``
(one row per student and graded item). Everything a student controls (ids,
messages quoting their values, notes) is HTML-escaped.
"""

import argparse
import base64
import csv
import html
import io
import json
import os
import re
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from fmnist_checks.notebook import source_of
from fmnist_checks.pieces import ASSIGNMENTS

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

def _piece_of(grade_id, assignment):
    name = grade_id[len("test_"):] if grade_id.startswith("test_") else grade_id
    for piece in ASSIGNMENTS[assignment]:
        if piece.lower() == name:
            return piece
    return None


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
                    piece = _piece_of(grade.name, assignment)
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
        if not lines or lines[0].startswith(("✓", "✗", "partial credit")):
            continue
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
                w.writerow([s.student, item.key, item.kind, "" if score is None else f"{score:g}",
                            f"{item.points:g}", status(score, item.points, item.key in s.unanswered),
                            "; ".join(c for c, _ in failures), "; ".join(hints), "; ".join(s.notes)])
    return path


# ------------------------------------------------------------------ figures

def _png(fig):
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def figure_items(report):
    """Stacked bars: how many students got full, partial, zero (or no grade yet) per item."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rows = item_summary(report)
    labels = [f"{item.key} ({item.points:g} pt{'s' if item.points != 1 else ''})"
              + (" [written]" if item.kind == "written" else "") for item, *_ in rows]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.2))
    y = range(len(rows))[::-1]
    left = [0] * len(rows)
    for index, (name, colour) in enumerate([("full points", "#2e7d32"), ("partial", "#f9a825"),
                                            ("zero", "#c62828"), ("not graded yet", "#bdbdbd")]):
        counts = [r[2 + index] for r in rows]
        ax.barh(list(y), counts, left=left, color=colour, label=name, height=0.7)
        for yy, lo, c in zip(y, left, counts):
            if c:
                ax.text(lo + c / 2, yy, str(c), ha="center", va="center", fontsize=8,
                        color="white" if colour != "#bdbdbd" and colour != "#f9a825" else "black")
        left = [a + b for a, b in zip(left, counts)]
    ax.set_yticks(list(y), labels, fontsize=9)
    ax.set_xlabel("students")
    ax.set_xlim(0, max(1, len(report.students)))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8, frameon=False)
    ax.set_title("Each graded item: how many students earned full, partial or zero points", pad=24, fontsize=10)
    return _png(fig)


def figure_totals(report):
    """Histogram of the total score, in per cent of the maximum."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    max_score = report.max_score or 1.0
    totals = [100.0 * s.total(report.items) / max_score for s in report.students]
    fig, ax = plt.subplots(figsize=(8, 2.6))
    ax.hist(totals, bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0001], color="#1565c0",
            edgecolor="white")
    if totals:
        mean = statistics.fmean(totals)
        ax.axvline(mean, color="black", linestyle="--", linewidth=1)
        ax.text(mean, ax.get_ylim()[1] * 0.92, f" mean {mean:.0f}%", fontsize=8)
    ax.set_xlim(0, 100)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(f"total score, % of {max_score:g} points (written answers not graded yet count 0)")
    ax.set_ylabel("students")
    ax.set_title("Total scores", fontsize=10)
    return _png(fig)


def figure_failures(report, failures):
    """Horizontal bars: the checks that failed for the most students."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if not failures:
        return None
    labels = [_short(f"{piece}: {check}", 70) for piece, check, _, _ in failures][::-1]
    counts = [n for _, _, n, _ in failures][::-1]
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(failures) + 1.0))
    ax.barh(range(len(counts)), counts, color="#c62828", height=0.65)
    ax.set_yticks(range(len(counts)), labels, fontsize=8)
    ax.set_xlim(0, max(1, len(report.students)))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("students whose submission failed this check")
    ax.set_title("The checks that failed most", fontsize=10)
    return _png(fig)


def _short(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------ HTML

CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 2em auto;
       max-width: 1100px; color: #212121; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.lead { color: #555; margin-top: 0; }
.cards { display: flex; gap: 1em; flex-wrap: wrap; margin: 1em 0; }
.card { background: #f5f5f5; border-radius: 6px; padding: 0.6em 1em; min-width: 9em; }
.card b { display: block; font-size: 1.4em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #fafafa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.full { background: #e8f5e9; } td.partial { background: #fff8e1; } td.zero { background: #ffebee; }
td.ungraded { background: #eeeeee; color: #757575; }
img { max-width: 100%; }
.hint { color: #455a64; font-size: 0.9em; }
.small { color: #757575; font-size: 0.85em; }
"""


def _e(value):
    return html.escape(str(value), quote=True)


def _num(value):
    return "" if value is None else f"{value:g}"


def build_html(report, csv_name=None):
    """The report page as one HTML string."""
    items = report.items
    max_score = report.max_score
    totals = [s.total(items) for s in report.students]
    failures = top_failures(report)
    auto = [i for i in items if i.kind == "autograded"]
    written = [i for i in items if i.kind == "written"]
    ungraded = sum(1 for s in report.students for i in written if s.scores.get(i.key) is None)
    noted = [s for s in report.students if s.notes or s.disagreed]
    out = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(report.assignment)}: class report</title>", f"<style>{CSS}</style></head><body>",
        f"<h1>{_e(report.assignment)}: class report</h1>",
        f'<p class="lead">{len(report.students)} graded submissions; {len(auto)} autograded pieces '
        f'({sum(i.points for i in auto):g} points) and {len(written)} written answers '
        f'({sum(i.points for i in written):g} points, graded by hand in formgrader).</p>',
        '<div class="cards">',
        f'<div class="card">students<b>{len(report.students)}</b></div>',
    ]
    if totals:
        out.append(f'<div class="card">mean total<b>{statistics.fmean(totals):.1f} / {max_score:g}</b></div>')
        out.append(f'<div class="card">median total<b>{statistics.median(totals):g} / {max_score:g}</b></div>')
    out.append(f'<div class="card">written answers not graded yet<b>{ungraded}</b></div>')
    out.append(f'<div class="card">submissions with grader notes<b>{len(noted)}</b></div></div>')

    out.append("<h2>Scores per graded item</h2>")
    if report.students:
        out.append(f'<img alt="full, partial and zero scores per item" src="data:image/png;base64,{figure_items(report)}">')
        out.append(f'<img alt="total scores" src="data:image/png;base64,{figure_totals(report)}">')
    blank = not_implemented(report)
    no_answer = Counter(key for s in report.students for key in s.unanswered)
    out.append("<table><tr><th>item</th><th>kind</th><th>points</th><th>mean</th><th>full</th>"
               "<th>partial</th><th>zero</th><th>of which blank</th><th>not graded yet</th>"
               "<th>the check failed most often</th></tr>")
    worst = {}
    for piece, check, n, _ in failures:
        worst.setdefault(piece, f"{check} ({n})")
    for item, mean, full, partial, zero, missing in item_summary(report):
        out.append(f"<tr><td><code>{_e(item.key)}</code></td><td>{_e(item.kind)}</td>"
                   f'<td class="num">{item.points:g}</td><td class="num">{"" if mean is None else f"{mean:.2f}"}</td>'
                   f'<td class="num">{full}</td><td class="num">{partial}</td><td class="num">{zero}</td>'
                   f'<td class="num">{blank.get(item.key, 0) + no_answer.get(item.key, 0)}</td>'
                   f'<td class="num">{missing}</td><td>{_e(worst.get(item.key, ""))}</td></tr>')
    out.append("</table>")
    out.append('<p class="small">Blank: an autograded piece that still raises NotImplementedError, '
               'or a written answer left as released (nbgrader scores it 0 without a grader).</p>')

    out.append("<h2>The checks that failed most</h2>")
    if failures:
        figure = figure_failures(report, failures)
        out.append(f'<img alt="checks that failed most" src="data:image/png;base64,{figure}">')
        out.append("<table><tr><th>piece</th><th>check</th><th>students</th><th>hint given</th></tr>")
        for piece, check, n, hints in failures:
            hint_html = "<br>".join(f"{_e(h)} <span class='small'>({c}&times;)</span>"
                                    for h, c in hints.most_common(2))
            out.append(f"<tr><td><code>{_e(piece)}</code></td><td>{_e(check)}</td><td class='num'>{n}</td>"
                       f"<td class='hint'>{hint_html}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No check failed, apart from blank answers.</p>")

    out.append("<h2>Submissions the grader had to note</h2>")
    if noted:
        out.append("<table><tr><th>student</th><th>notes</th></tr>")
        for s in noted:
            lines = list(s.notes) + [f"{p}: the notebook's own test cell disagreed; the trusted score counts"
                                     for p in s.disagreed]
            out.append(f"<tr><td>{_e(s.student)}</td><td>{'<br>'.join(_e(line) for line in lines)}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>None: every submission was graded without anything to note.</p>")

    out.append("<h2>Every student</h2><table><tr><th>student</th>")
    out += [f"<th>{_e(i.key)}<br><span class='small'>{i.points:g}</span></th>" for i in items]
    out.append(f"<th>total<br><span class='small'>{max_score:g}</span></th></tr>")
    for s in report.students:
        cells = []
        for i in items:
            score = s.scores.get(i.key)
            state = status(score, i.points).replace("not graded yet", "ungraded")
            title = "; ".join(c for c, _ in s.failures.get(i.key, []))
            cells.append(f'<td class="num {state}" title="{_e(title)}">'
                         f'{"&ndash;" if score is None else _num(score)}</td>')
        out.append(f"<tr><td>{_e(s.student)}</td>{''.join(cells)}<td class='num'>{s.total(items):g}</td></tr>")
    out.append("</table>")
    if csv_name:
        out.append(f'<p class="small">The same per student and item, with the failed checks and hints: '
                   f'<a href="{_e(csv_name)}">{_e(csv_name)}</a>. &ndash; marks a written answer not graded yet.</p>')
    out.append("</body></html>")
    return "\n".join(out)


def write_report(course_dir, assignment, out_dir=None):
    """Write the HTML page and the CSV; return their paths."""
    report = collect(course_dir, assignment)
    out_dir = out_dir or os.path.join(course_dir, "reports")
    os.makedirs(out_dir, exist_ok=True)
    csv_path = write_csv(report, os.path.join(out_dir, f"{assignment}_scores.csv"))
    html_path = os.path.join(out_dir, f"{assignment}_report.html")
    with open(html_path, "w", encoding="utf-8") as fh:
        fh.write(build_html(report, os.path.basename(csv_path)))
    return html_path, csv_path


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.report", description=__doc__.splitlines()[0])
    parser.add_argument("assignment", choices=list(ASSIGNMENTS))
    parser.add_argument("--course", default=".", help="the nbgrader course folder (default: .)")
    parser.add_argument("--out", help="where to write the report (default: COURSE/reports)")
    args = parser.parse_args(argv)
    try:
        html_path, csv_path = write_report(args.course, args.assignment, args.out)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {html_path}\nwrote {csv_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
