"""``fmnist-grade audit [ASSIGNMENT...]``: how many single-change bugs do the checks catch?

Mutates the reference of every graded piece with mutmut's operators, grades
each mutant through the piece's visible and hidden checks for several
student ids (:mod:`autograder.audit`), prints a table per assignment and
writes ``reports/audit.json`` and ``reports/audit.html``.
"""

import argparse
import os
import sys

from ..audit.report import GOAL, merge, record_kill_rates, write_html
from ..audit.run import audit
from fmnist_checks.pieces import ASSIGNMENTS

PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def format_table(result):
    lines = [f"{result['assignment']} ({result['seconds']} s)",
             f"  {'piece':<24}{'mutants':>8}{'killed':>8}{'hidden':>8}{'survived':>9}{'equiv':>7}{'rate':>8}"]
    for piece, t in result["pieces"].items():
        lines.append(f"  {piece:<24}{t['mutants']:>8}{t['killed']:>8}{t['killed_hidden_only']:>8}"
                     f"{t['survived']:>9}{t['equivalent']:>7}{t['kill_rate']:>8.3f}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="fmnist-grade audit", description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", choices=list(ASSIGNMENTS) + [[]],
                        help="default: all five")
    parser.add_argument("--students", type=int, default=3, help="student ids per mutant (default 3)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants graded at once (default 2)")
    parser.add_argument("--sample", type=int, default=None,
                        help="grade only a fixed sample of this many mutants per piece")
    parser.add_argument("--piece", action="append", help="audit only this piece (repeatable)")
    parser.add_argument("--out", default=os.path.join(PROJECT, "reports"),
                        help="folder of audit.json and audit.html (default: reports/)")
    args = parser.parse_args(argv)
    results = []
    for assignment in args.assignments or list(ASSIGNMENTS):
        result = audit(assignment, args.students, args.jobs, args.sample, args.piece)
        print(format_table(result), flush=True)
        for piece, t in result["pieces"].items():
            for s in t["survivors"]:
                print(f"\nsurvivor {s['key']} of {piece}:\n{s['diff']}")
        results.append(result)
    data = merge(os.path.join(args.out, "audit.json"), results)
    write_html(os.path.join(args.out, "audit.html"), data)
    record_kill_rates(results)
    print(f"wrote {os.path.join(args.out, 'audit.json')} and audit.html")
    low = [p for r in results for p, t in r["pieces"].items() if t["kill_rate"] < GOAL]
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
