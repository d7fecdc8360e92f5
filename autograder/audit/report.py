"""The audit's outputs: ``reports/audit.json`` and ``reports/audit.html``.

The JSON holds, per assignment and piece, the keys ``mutants``, ``killed``,
``killed_hidden_only``, ``survived``, ``equivalent``, ``kill_rate`` and the
survivors with their diffs. The HTML page is one table per assignment and
each survivor's diff; every text on it is escaped, and it has no script.
A new audit of some assignments keeps the others' last results in the JSON.
"""

import html
import json
import os

GOAL = 0.98


def merge(path, audits):
    """The JSON at `path` (if any) with the assignments of `audits` replaced; written back."""
    data = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    data.setdefault("assignments", {})
    for result in audits:
        data["assignments"][result["assignment"]] = result
    data["goal"] = GOAL
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=False)
    return data


def _rate(rate):
    mark = "ok" if rate >= GOAL else "low"
    return f'<td class="{mark}">{rate:.3f}</td>'


def _assignment(result):
    e = html.escape
    head = (f"<h2>{e(result['assignment'])}</h2><p>{result['students']} student ids; "
            f"{result['seconds']} s with {result['jobs']} workers")
    if result.get("sampled_per_piece"):
        head += f"; a sample of {result['sampled_per_piece']} mutants per piece"
    rows = ["<table><tr><th>piece</th><th>mutants</th><th>killed</th><th>of which by hidden checks only</th>"
            "<th>survived</th><th>equivalent</th><th>kill rate</th></tr>"]
    survivors, equivalents = [], []
    for piece, t in result["pieces"].items():
        rows.append(f"<tr><td><code>{e(piece)}</code></td><td>{t['mutants']}</td><td>{t['killed']}</td>"
                    f"<td>{t['killed_hidden_only']}</td><td>{t['survived']}</td><td>{t['equivalent']}</td>"
                    f"{_rate(t['kill_rate'])}</tr>")
        for s in t["survivors"]:
            survivors.append(f"<h3>survivor <code>{e(s['key'])}</code> of <code>{e(piece)}</code> "
                           f"(in <code>{e(s['function'])}</code>, line {s['line']})</h3>{_diff(s['diff'])}")
        for q in t.get("equivalents", []):
            equivalents.append(f"<h3>equivalent <code>{e(q['key'])}</code> of <code>{e(piece)}</code></h3>"
                           f"<p>{e(q['reason'])}</p>{_diff(q['diff'])}")
    rows.append("</table>")
    if equivalents:
        survivors.append(f"<details><summary>the {len(equivalents)} mutants listed as equivalent, "
                         f"with their reasons</summary>{''.join(equivalents)}</details>")
    return head + "</p>" + "".join(rows) + "".join(survivors)


def _diff(diff):
    lines = []
    for line in diff.splitlines():
        cls = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "")
        if line.startswith(("+++", "---")):
            cls = "file"
        lines.append(f'<span class="{cls}">{html.escape(line)}</span>')
    return "<pre>" + "\n".join(lines) + "</pre>"


STYLE = """body{font-family:sans-serif;margin:2em;max-width:70em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:.3em .6em;text-align:right}
td:first-child,th:first-child{text-align:left}.ok{background:#d9f2d9}.low{background:#f8d7d7}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto}.add{color:#065f06}.del{color:#8b0000}
.hunk{color:#555}.file{color:#555;font-weight:bold}"""


def write_html(path, data):
    """``audit.html``: per assignment its table, each survivor's diff, then (folded) each equivalent's."""
    body = "".join(_assignment(r) for _, r in sorted(data["assignments"].items()))
    page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Mutation audit</title>"
            f"<style>{STYLE}</style></head><body><h1>Mutation audit of the checks</h1>"
            f"<p>Each mutant is one change by mutmut's operators to a piece's reference in "
            f"<code>fmnist_edu</code>, graded as a student's answer. Kill rate = killed / (mutants - "
            f"equivalent); the goal is {GOAL} on every piece.</p>{body}</body></html>")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(page)


KILL_RATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kill_rates.json")


def record_kill_rates(audits, path=KILL_RATES):
    """Keep each piece's figures from the last full audit in `path` (committed; the guide shows them).

    A sampled audit (``--sample``) is not a kill rate and is not recorded.
    """
    data = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    for result in audits:
        if result.get("sampled_per_piece"):
            continue
        for piece, t in result["pieces"].items():
            data[piece] = {k: t[k] for k in ("mutants", "killed", "killed_hidden_only", "survived",
                                             "equivalent", "kill_rate")}
            data[piece]["students"] = result["students"]
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")
    return data


def kill_rates(path=KILL_RATES):
    """{piece: figures} from the last full audit ({} before the first)."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)
