"""``fmnist-grade similarity ASSIGNMENT`` (inside ``course/``): which submissions share code.

Reads every notebook in ``submitted/*/ASSIGNMENT/`` through the grader's safe
reader (no grading needed first): the code each student wrote (answer cells
and the cells they added), cut into the graded pieces. Removes the released
starter code, and compares each piece and the whole answer code (``*``) between every
pair of students, and against each ``--against DIR`` (an earlier cohort's
``submitted/`` folder, or a folder of ``.py``/``.ipynb`` files: known public
solutions). Writes ``reports/ASSIGNMENT_similarity.html`` and
``reports/ASSIGNMENT_similarity.csv``. A flag is evidence for a person to
look at, never a verdict.
"""

import argparse
import os
import sys
import time

from fmnist_checks.pieces import ASSIGNMENTS

from ..untrusted.escape import terminal
from ..similarity.analysis import compare
from ..similarity.answers import against_answers, class_answers
from ..similarity.flagging import Thresholds
from ..similarity.report_csv import write_csv
from ..similarity.report_html import build_html
from ..similarity.starter import starter_code


def similarity_report(course_dir, assignment, against=(), out_dir=None, thresholds=Thresholds(), jobs=1):
    """Compare the class, write the HTML and CSV reports; return (comparison, html path, csv path)."""
    starter = starter_code(course_dir, assignment)
    instructor = starter.instructor_sources()
    found, refused = class_answers(course_dir, assignment, instructor)
    known = []
    for folder in against:
        more, more_refused = against_answers(folder, assignment, instructor)
        known += more
        refused += more_refused
    comparison = compare(assignment, found, known, starter, thresholds.check(), refused, jobs=jobs)
    out_dir = out_dir or os.path.join(course_dir, "reports")
    os.makedirs(out_dir, exist_ok=True)
    csv_path = write_csv(comparison, os.path.join(out_dir, f"{assignment}_similarity.csv"))
    html_path = os.path.join(out_dir, f"{assignment}_similarity.html")
    with open(html_path, "w", encoding="utf-8") as fh:
        fh.write(build_html(comparison, os.path.basename(csv_path)))
    return comparison, html_path, csv_path


def main(argv=None):
    from ..sandbox.privsep import as_grading_user

    as_grading_user()  # started as root: what the course's submissions hold is read as the grading user
    defaults = Thresholds()
    parser = argparse.ArgumentParser(prog="fmnist-grade similarity", description=__doc__.splitlines()[0])
    parser.add_argument("assignment", choices=list(ASSIGNMENTS))
    parser.add_argument("--course", default=".", help="the nbgrader course folder (default: .)")
    parser.add_argument("--against", action="append", default=[], metavar="DIR",
                        help="also compare with the code in DIR (an earlier cohort's submitted/ folder, or "
                             "a folder of .py/.ipynb files), labelled DIRNAME/student; repeatable")
    parser.add_argument("--out", help="where to write the reports (default: COURSE/reports)")
    parser.add_argument("--jobs", type=int, default=2, help="processes that normalise code (default 2)")
    parser.add_argument("--z", type=float, default=defaults.z,
                        help=f"least robust z-score over the class's pairs to flag (default {defaults.z:g})")
    parser.add_argument("--similarity", type=float, default=defaults.similarity,
                        help=f"least similarity to flag (default {defaults.similarity:g})")
    parser.add_argument("--tokens", type=int, default=defaults.tokens,
                        help=f"least normalised tokens on both sides to flag a piece (default {defaults.tokens})")
    parser.add_argument("--floor", type=float, default=defaults.floor,
                        help=f"least similarity of an unflagged row to report (default {defaults.floor:g})")
    args = parser.parse_args(argv)
    thresholds = Thresholds(z=args.z, similarity=args.similarity, tokens=args.tokens, floor=args.floor)
    start = time.perf_counter()
    try:
        comparison, html_path, csv_path = similarity_report(
            args.course, args.assignment, args.against, args.out, thresholds, jobs=max(1, args.jobs))
    except ValueError as exc:
        print(f"fmnist-grade similarity: error: {exc}", file=sys.stderr)
        return 2
    pairs = sorted({(p.a, p.b) for p in comparison.flagged()})
    n, k = len(comparison.students), len(comparison.known)
    print(f"compared {n} notebook{'s' if n != 1 else ''}"
          + (f" and {k} known source{'s' if k != 1 else ''}" if k else "")
          + f" in {time.perf_counter() - start:.1f} s; {len(pairs)} pair{'s' if len(pairs) != 1 else ''} flagged "
          f"({len(comparison.flagged())} row{'s' if len(comparison.flagged()) != 1 else ''})")
    for a, b in pairs:
        on = ", ".join(piece for piece in comparison.pieces()
                       if any((p.a, p.b, p.piece) == (a, b, piece) for p in comparison.flagged()))
        print(f"  flagged: {terminal(a)} / {terminal(b)}: {on}")
    for item in comparison.not_compared:
        print(f"  not compared: {terminal(item.label)}: {terminal(item.reason)}")
    for label, answers in comparison.answers.items():
        for note in answers.notes:
            print(f"  compared in part: {terminal(label)}: {terminal(note)}")
    print(f"wrote {html_path}\nwrote {csv_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
