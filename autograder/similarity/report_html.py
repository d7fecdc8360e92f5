"""``reports/ASSIGNMENT_similarity.html``: pairs ranked, each flagged pair side by side, shared code marked.

Everything a student wrote (code, file and folder names) is HTML-escaped
where it is written; the page has no script, and its Content-Security-Policy
forbids any (images only as ``data:``), so a missed escape could still not
run. It goes to the instructor's ``reports/``, never into feedback.
"""

import base64
import html
import io

from .answers import WHOLE
from .highlight import piece_code, shared_regions

MAX_SHOWN_ROWS = 300  # rows of the ranked table (the CSV has them all)
MAX_CODE_CHARS = 30000  # per side of a side-by-side view
UNFLAGGED_VIEWS = 8  # side-by-side views of the closest pairs that were not flagged
MAX_FLAGGED_VIEWS = 60  # side-by-side views of flagged pairs (the most similar first); the rest: the CSV

CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 1.5em auto;
       max-width: 1340px; color: #212121; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.lead { color: #444; margin-top: 0; }
.note { background: #fff8e1; border-left: 4px solid #f9a825; padding: 0.5em 0.8em; }
.cards { display: flex; gap: 1em; flex-wrap: wrap; margin: 1em 0; }
.card { background: #f5f5f5; border-radius: 6px; padding: 0.5em 1em; min-width: 8em; }
.card b { display: block; font-size: 1.4em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.88em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #fafafa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flag td { background: #ffebee; }
img { max-width: 100%; }
.small { color: #757575; font-size: 0.85em; }
details { margin: 0.8em 0; border: 1px solid #ddd; border-radius: 6px; padding: 0.4em 0.8em; }
details.flag { border-color: #c62828; }
summary { cursor: pointer; font-weight: 600; }
.sbs { display: grid; grid-template-columns: 1fr 1fr; gap: 0.8em; margin-top: 0.5em; }
.sbs h4 { margin: 0.2em 0; font-size: 0.95em; }
pre { background: #fafafa; border: 1px solid #e0e0e0; padding: 0.5em; font-size: 0.78em; line-height: 1.3;
      overflow-x: auto; white-space: pre; margin: 0; max-height: 60em; overflow-y: auto; }
mark { background: #ffcc80; color: inherit; }
"""

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _e(value):
    return html.escape(str(value), quote=True)


def _code_html(code, regions):
    """`code` escaped, each shared region in ``<mark>``."""
    if len(code) > MAX_CODE_CHARS:
        code = code[:MAX_CODE_CHARS]
        regions = [(s, min(e, MAX_CODE_CHARS)) for s, e in regions if s < MAX_CODE_CHARS]
        tail = f"\n... (cut at {MAX_CODE_CHARS} characters)"
    else:
        tail = ""
    out, at = [], 0
    for start, end in regions:
        out.append(_e(code[at:start]))
        out.append("<mark>" + _e(code[start:end]) + "</mark>")
        at = end
    out.append(_e(code[at:]))
    return "".join(out) + _e(tail)


def _side_by_side(comparison, pair):
    a, b = comparison.answers[pair.a], comparison.answers[pair.b]
    code_a = piece_code(a, pair.piece, comparison.assignment)
    code_b = piece_code(b, pair.piece, comparison.assignment)
    regions_a, regions_b = shared_regions(code_a, code_b, comparison.boilerplate)
    return (f'<div class="sbs"><div><h4>{_e(pair.a)}</h4><pre>{_code_html(code_a, regions_a)}</pre></div>'
            f'<div><h4>{_e(pair.b)}</h4><pre>{_code_html(code_b, regions_b)}</pre></div></div>')


def _piece_label(piece):
    return "the whole answer code (*)" if piece == WHOLE else piece


def figure(comparison):
    """Base64 PNG: per piece, the class's pair similarities, the flag cut-off and the flagged pairs."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    pieces = comparison.pieces()
    fig, axes = plt.subplots(2, (len(pieces) + 1) // 2, figsize=(12, 5.2), sharex=True)
    t = comparison.thresholds
    for ax, piece in zip(axes.ravel(), pieces):
        dist = comparison.distributions[piece]
        values = comparison.class_similarities.get(piece, [])
        ax.hist(values, bins=[i / 40 for i in range(41)], color="#90a4ae")
        cut = max(dist.median + t.z * dist.scale, t.similarity)
        ax.axvline(cut, color="#c62828", linestyle="--", linewidth=1)
        flagged = [p.similarity for p in comparison.flagged() if p.piece == piece]
        for s in flagged:
            ax.axvline(s, ymax=0.12, color="#c62828", linewidth=2)
        ax.set_yscale("symlog", linthresh=1)
        short = "; too short to flag alone" if comparison.long_enough.get(piece, 0) < 2 else ""
        ax.set_title(f"{piece} ({len(flagged)} flagged{short})", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(pieces):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("similarity of a pair", fontsize=8)
    fig.suptitle("The class's pairs per piece (grey); dashed: the flag cut-off; red ticks: flagged pairs",
                 fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def build_html(comparison, csv_name=None):
    """The report page as one HTML string."""
    c, t = comparison, comparison.thresholds
    flagged = c.flagged()
    flagged_pairs = list(dict.fromkeys((p.a, p.b) for p in flagged))  # the most similar first
    out = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{_e(c.assignment)}: code similarity</title>", f"<style>{CSS}</style></head><body>",
        f"<h1>{_e(c.assignment)}: which submissions share code</h1>",
        f'<p class="lead">{len(c.students)} submitted notebooks compared pair by pair on each graded piece and on '
        f'the whole answer code (*), the released starter code removed'
        + (f"; and against {len(c.known)} known source{'s' if len(c.known) != 1 else ''} "
           f"({_e(', '.join(sorted({k.split('/')[0] for k in c.known})))})" if c.known else "") + ".</p>",
        '<p class="note"><b>A flag is evidence for a person to look at, never a verdict.</b> It says that a pair '
        "shares much more of a piece's code than the class's pairs usually do, after names, layout and comments "
        "were normalised away. Read both sides below: a shared public source, a study group the course allows, "
        "or starter code that was changed on purpose all look alike here. Nothing of this report reaches any "
        "student's feedback.</p>",
        '<div class="cards">',
        f'<div class="card">notebooks compared<b>{len(c.students)}</b></div>',
        f'<div class="card">not compared<b>{len(c.not_compared)}</b></div>',
        f'<div class="card">pairs flagged<b>{len(flagged_pairs)}</b></div>',
        f'<div class="card">flagged rows (pair, piece)<b>{len(flagged)}</b></div></div>',
        f"<p class='small'>Flagged when, on a piece: robust z-score &ge; {t.z:g} over the class's pairs, "
        f"similarity &ge; {t.similarity:g}, and both sides have &ge; {t.tokens} normalised tokens of their own. "
        f"Similarity: the share of the smaller side's copydetect fingerprints (k = 25 normalised tokens) found "
        f"in the other. Pairs below {t.floor:g} are left out unless flagged.</p>",
    ]
    if c.students:
        out.append(f'<img alt="similarity distributions per piece" src="data:image/png;base64,{figure(c)}">')
    out.append("<h2>Each piece in this class</h2><table><tr><th>piece</th><th>pairs scored</th>"
               "<th>median</th><th>robust sd</th><th>flag cut-off</th>"
               f"<th>students with &ge; {t.tokens} tokens</th><th>rows flagged</th></tr>")
    for piece in c.pieces():
        d = c.distributions[piece]
        n_flag = sum(1 for p in flagged if p.piece == piece)
        long_enough = c.long_enough.get(piece, 0)
        note = "" if long_enough >= 2 else " <span class='small'>(too short to flag alone)</span>"
        out.append(f"<tr><td><code>{_e(piece)}</code>{note}</td><td class='num'>{c.compared[piece]}</td>"
                   f"<td class='num'>{d.median:.2f}</td><td class='num'>{d.scale:.3f}</td>"
                   f"<td class='num'>{max(d.median + t.z * d.scale, t.similarity):.2f}</td>"
                   f"<td class='num'>{long_enough} of {len(c.students)}</td><td class='num'>{n_flag}</td></tr>")
    out.append("</table>")

    out.append("<h2>Pairs, most similar first</h2>")
    if c.pairs:
        out.append("<table><tr><th>#</th><th>student a</th><th>student b</th><th>piece</th><th>similarity</th>"
                   "<th>z</th><th>tokens (smaller side)</th><th>flagged</th></tr>")
        for rank, p in enumerate(c.pairs[:MAX_SHOWN_ROWS], 1):
            out.append(f"<tr class='{'flag' if p.flagged else ''}'><td class='num'>{rank}</td><td>{_e(p.a)}</td>"
                       f"<td>{_e(p.b)}</td><td><code>{_e(p.piece)}</code></td><td class='num'>{p.similarity:.2f}</td>"
                       f"<td class='num'>{p.z:.1f}</td><td class='num'>{p.tokens}</td>"
                       f"<td>{'yes' if p.flagged else ''}</td></tr>")
        out.append("</table>")
        if len(c.pairs) > MAX_SHOWN_ROWS:
            out.append(f"<p class='small'>{len(c.pairs) - MAX_SHOWN_ROWS} more rows in the CSV.</p>")
    else:
        out.append(f"<p>No pair reaches the reporting floor ({t.floor:g}).</p>")

    out.append('<h2 id="side-by-side">Flagged pairs side by side</h2>')
    if not flagged:
        out.append("<p>No pair was flagged.</p>")
    elif len(flagged_pairs) > MAX_FLAGGED_VIEWS:
        out.append(f"<p>The {MAX_FLAGGED_VIEWS} most similar of the {len(flagged_pairs)} flagged pairs; "
                   "the others are in the table above and in the CSV.</p>")
    by_pair = {}
    for p in flagged:
        by_pair.setdefault((p.a, p.b), []).append(p)
    order = {piece: i for i, piece in enumerate(c.pieces())}
    for a, b in flagged_pairs[:MAX_FLAGGED_VIEWS]:
        rows = sorted(by_pair[(a, b)], key=lambda p: order[p.piece])
        names = ", ".join(_e(_piece_label(p.piece)) for p in rows)
        out.append(f'<details class="flag" open><summary>{_e(a)} &mdash; {_e(b)}: flagged on {names}</summary>')
        for p in rows:
            text = (f"{_e(_piece_label(p.piece))}: similarity {p.similarity:.2f}, z {p.z:.1f}; "
                    "<mark>marked</mark>: code both share (starter code excluded)")
            if p.piece == WHOLE and len(rows) > 1:  # the pieces above are the evidence; the whole on demand
                out.append(f"<details><summary class='small'>{text}</summary>{_side_by_side(c, p)}</details>")
            else:
                out.append(f"<p class='small'>{text}</p>{_side_by_side(c, p)}")
        out.append("</details>")
    closest = [p for p in c.pairs if not p.flagged][:UNFLAGGED_VIEWS]
    if closest:
        out.append("<h2>The closest pairs that were not flagged</h2>")
        for p in closest:
            out.append(f"<details><summary>{_e(p.a)} &mdash; {_e(p.b)}: {_e(_piece_label(p.piece))}, "
                       f"similarity {p.similarity:.2f}, z {p.z:.1f}, {p.tokens} tokens</summary>"
                       f"{_side_by_side(c, p)}</details>")

    out.append("<h2>Not compared</h2>")
    in_part = [(label, note) for label, a in c.answers.items() for note in a.notes]
    if c.not_compared or in_part:
        out.append("<table><tr><th>student or source</th><th>why</th></tr>")
        out += [f"<tr><td>{_e(n.label)}</td><td>{_e(n.reason)}</td></tr>" for n in c.not_compared]
        out += [f"<tr><td>{_e(label)}</td><td>compared in part: {_e(note)}</td></tr>" for label, note in in_part]
        out.append("</table>")
    else:
        out.append("<p>Every submitted notebook was read and compared.</p>")
    if csv_name:
        out.append(f"<p class='small'>Every reported row: <a href='{_e(csv_name)}'>{_e(csv_name)}</a>.</p>")
    out.append("</body></html>")
    return "\n".join(out)
