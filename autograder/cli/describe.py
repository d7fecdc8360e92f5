"""``python -m autograder.cli.describe``: what each grade id checks, as markdown.

The instructor's guide includes this table; it is built from the cases
themselves (hidden cases drawn with seed 0), so it cannot go stale. Its last
column is each piece's kill rate in the last full ``fmnist-grade audit``
(mutants killed / (mutants - equivalent), from ``autograder/audit/kill_rates.json``).
"""

import sys

from ..audit.report import kill_rates
from ..hidden import hidden_cases
from fmnist_checks.pieces import ASSIGNMENTS
from fmnist_checks.runner import visible_cases


def _labels(cases):
    seen = []
    for case in cases:
        label = case.label if case.part == "main" else f"{case.label} [{case.part}]"
        if case.advice:
            label += " (advice, no points)"
        if label not in seen:
            seen.append(label)
    return seen


def _rate(figures):
    """``0.98 (49/50)``: killed / (mutants - equivalent) in the last audit; ``-`` before any."""
    if not figures:
        return "-"
    return f"{figures['kill_rate']:.3f} ({figures['killed']}/{figures['mutants'] - figures['equivalent']})"


def describe(assignments=None):
    """Markdown: per assignment, per test cell, the visible and hidden checks."""
    lines = []
    rates = kill_rates()
    for assignment in assignments or ASSIGNMENTS:
        lines += [f"### {assignment}", "", "| grade id | visible checks | hidden checks | parts | kill rate |",
                  "|---|---|---|---|---|"]
        for piece in ASSIGNMENTS[assignment]:
            visible, hidden = visible_cases(piece), hidden_cases(piece, 0)
            parts = sorted({c.part for c in visible + hidden if not c.advice})
            lines.append(f"| `test_{piece.lower()}` | {'; '.join(_labels(visible))} | "
                         f"{'; '.join(_labels(hidden))} | {', '.join(parts)} | {_rate(rates.get(piece))} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(describe(sys.argv[1:] or None))
