"""The class report's HTML page and its figures (PNG, embedded); every student-controlled text escaped.

Text a student influences (names, checks quoting their values, hints, notes)
goes through :func:`autograder.untrusted.escape.html_text` on the page and
:func:`autograder.untrusted.escape.figure_label` in the figures (mathtext never parses
it; LaTeX is off), and the page carries :data:`autograder.untrusted.browser.CSP`.
"""

import base64
import functools
import io
import statistics
from collections import Counter

from ..untrusted.browser import csp_meta
from .class_results import item_summary, not_implemented, status, top_failures
from ..untrusted.escape import figure_label, html_text


# ------------------------------------------------------------------ figures

def _no_tex(figure):
    """`figure` drawn with LaTeX off, whatever the site's matplotlibrc says (a label is text)."""
    @functools.wraps(figure)
    def drawn(*args, **kwargs):
        import matplotlib.pyplot as plt

        with plt.rc_context({"text.usetex": False}):
            return figure(*args, **kwargs)
    return drawn


def _png(fig):
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


@_no_tex
def figure_items(report):
    """Stacked bars: how many students got full, partial, zero (or no grade yet) per item."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rows = item_summary(report)
    labels = [figure_label(f"{item.key} ({item.points:g} pt{'s' if item.points != 1 else ''})"
                           + (" [written]" if item.kind == "written" else "")) for item, *_ in rows]
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


@_no_tex
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


@_no_tex
def figure_failures(report, failures):
    """Horizontal bars: the checks that failed for the most students."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if not failures:
        return None
    labels = [figure_label(_short(f"{piece}: {check}", 70)) for piece, check, _, _ in failures][::-1]
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
    return html_text(value)


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
        "<!DOCTYPE html>", f'<html lang="en"><head>{csp_meta()}<meta charset="utf-8">',
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
