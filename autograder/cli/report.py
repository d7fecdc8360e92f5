"""``python -m autograder.cli.report ASSIGNMENT``: the class at a glance, after grading.

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
import os
import sys

from fmnist_checks.pieces import ASSIGNMENTS

from ..reports.class_results import (  # noqa: F401 (the report's data, importable from here)
    NOT_IMPLEMENTED,
    collect,
    item_summary,
    not_implemented,
    parse_failures,
    read_verdicts,
    top_failures,
    write_csv,
)
from ..reports.report_page import build_html


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
    from ..sandbox.privsep import as_grading_user

    as_grading_user()  # started as root: what the course's submissions hold is read as the grading user
    parser = argparse.ArgumentParser(prog="python -m autograder.cli.report", description=__doc__.splitlines()[0])
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
