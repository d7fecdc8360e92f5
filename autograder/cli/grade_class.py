"""``fmnist-grade ASSIGNMENT``: nbgrader's autograde for a whole class, one grading step per submission.

For each submission in ``course/submitted/<student>/<assignment>/`` (``--jobs``
at once, with a progress bar) one grading step (:mod:`autograder.batch.pipeline`):
the student's own notebook runs cell by cell in the sandbox, with its outputs
and figures (a cell that hangs or crashes is stopped and marked, the cells
after it still run); the trusted verdict (answers in a sandboxed worker,
comparisons outside) becomes each test cell's output, which nbgrader's own
``SaveAutoGrades`` turns into ``auto_score``. This process alone writes
``autograded/`` and the class gradebook (``--db URL``, default
``sqlite:///<course>/gradebook.db``); a grader's ``manual_score`` survives a
regrade. Written answers await a grader in formgrader.

Exit status: 0 when every submission was graded and recorded; 2 for an error
that stops the command before anything is written (a folder that is no course,
an assignment never generated, a student with no submission, no working
sandbox); 3 when the class was graded but some rows need a look (a submission
not graded or not recorded, e.g. an unreadable timestamp.txt, or over the
grader's caps): their notes say why, everyone else is recorded.
"""

import argparse
import csv
import os
import sys
import textwrap

from fmnist_checks.pieces import ASSIGNMENTS

from ..untrusted.escape import csv_cell, terminal  # what a student controls never drives the terminal or a spreadsheet
from ..batch.gradebook import CourseError
from ..batch.outcome import StudentResult
from ..batch.pipeline import Options, grade_class, submitted_students
from ..batch.bounds import Caps, grader_memory_mb, memory_cap
from ..batch.outcome import EXIT_ERROR, EXIT_NEEDS_LOOK, exit_status
from ..batch.nbexec import CELL_TIMEOUT

__all__ = ["Options", "StudentResult", "grade_class", "submitted_students", "format_table", "write_csv", "main"]
from ..sandbox.bwrap import Limits, SandboxUnavailable


def format_table(assignment, results):
    """The grade table: per student the autograded pieces, written answers, nbgrader's total, notes."""
    pieces = list(ASSIGNMENTS[assignment])
    head = ["student"] + pieces + ["autograded", "written answers", "total"]
    rows = [head]
    for r in results:
        most = sum(r.points.values())
        written = sum(m for _, m in r.manual.values())
        scored = sum(s for s, _ in r.manual.values() if s is not None)
        if not r.manual:
            text = "-"
        elif r.awaiting:
            text = f"{r.awaiting:g} of {written:g} to grade" + (f" ({scored:g} given)" if scored else "")
        else:
            text = f"{scored:g} of {written:g}"
        rows.append([terminal(r.student)[:40]] + [f"{r.scores.get(p, 0):g}" for p in pieces]
                    + [f"{r.total:g} of {most:g}", text, f"{r.gradebook_total:g}"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = []
    for row, r in zip(rows, [None] + list(results)):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        for note in (r.notes if r else []):
            lines.append(textwrap.fill(terminal(note), width=100, initial_indent="    - ", subsequent_indent="      ",
                                       break_long_words=False, break_on_hyphens=False))
    lines.append("autograded: the checks' points (nbgrader's auto_score); written answers: points a grader "
                 "gives in formgrader (manual_score); total: nbgrader's score so far")
    return "\n".join(lines)


def write_csv(path, assignment, results):
    pieces = list(ASSIGNMENTS[assignment])
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student"] + pieces + ["autograded", "autograded_max", "written_awaiting", "total", "notes"])
        for r in results:
            w.writerow([csv_cell(r.student)] + [r.scores.get(p, 0) for p in pieces]
                       + [r.total, sum(r.points.values()), r.awaiting, r.gradebook_total,
                          csv_cell("; ".join(r.notes))])


SUBCOMMANDS = {
    # fmnist-grade report ASSIGNMENT: the class report (autograder.cli.report)
    "report": "autograder.cli.report",
    # fmnist-grade feedback ASSIGNMENT: feedback to every student (autograder.cli.feedback)
    "feedback": "autograder.cli.feedback",
    # fmnist-grade roster FILE --lms LMS: the LMS's students into nbgrader (autograder.cli.roster)
    "roster": "autograder.cli.roster",
    # fmnist-grade export ASSIGNMENT... --lms LMS --roster FILE --out FILE (autograder.cli.export)
    "export": "autograder.cli.export",
    # fmnist-grade similarity ASSIGNMENT: which submissions share code (autograder.cli.similarity)
    "similarity": "autograder.cli.similarity",
    # fmnist-grade audit [ASSIGNMENT...]: the mutation audit of the checks (autograder.cli.audit)
    "audit": "autograder.cli.audit",
}
# the audit keeps the caller's rights (its main does not call as_grading_user): it reads no
# submission (it runs the project's own reference, mutated) and writes into the checkout
# (autograder/audit/kill_rates.json, reports/), which the grading user cannot write


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in SUBCOMMANDS:
        from importlib import import_module

        # each subcommand that reads what submissions hold becomes the grading user itself
        # (as_grading_user), also when started as python -m autograder.cli.NAME
        return import_module(SUBCOMMANDS[argv[0]]).main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="fmnist-grade", description=__doc__.splitlines()[0],
        epilog="Exit status: 0 every submission graded and recorded; 2 nothing graded (the request "
               "cannot be: no course, no sandbox, unknown student); 3 graded, but some rows need a look "
               "(not graded, not recorded, over a cap; their notes say why; the others are recorded). "
               "Also: fmnist-grade report ASSIGNMENT (the class report), "
               "fmnist-grade feedback ASSIGNMENT (feedback to every student), "
               "fmnist-grade roster FILE --lms LMS (students from the LMS), "
               "fmnist-grade export ASSIGNMENT... --lms LMS --roster FILE --out FILE (grades for the LMS), "
               "fmnist-grade similarity ASSIGNMENT (which submissions share code), "
               "fmnist-grade audit [ASSIGNMENT...] (the mutation audit of the checks).")
    parser.add_argument("assignment", choices=list(ASSIGNMENTS))
    parser.add_argument("--course", default=".", help="the nbgrader course folder (default: .)")
    parser.add_argument("--student", action="append", help="grade only this student (repeatable)")
    parser.add_argument("--db", default="", help="the gradebook's URL (default sqlite:///COURSE/gradebook.db)")
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    parser.add_argument("--cell-timeout", type=float, default=float(CELL_TIMEOUT),
                        help=f"seconds per cell/check (default {CELL_TIMEOUT}, as for nbgrader autograde)")
    parser.add_argument("--notebook-timeout", type=float, default=600.0, help="seconds per notebook")
    parser.add_argument("--memory-mb", type=int, default=Limits.memory_mb)
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code unconfined (only for trusted submissions)")
    parser.add_argument("--cluster", default="",
                        help="grade on Dask: local:N (a LocalCluster of N workers) or tcp://HOST:PORT "
                             "(a running scheduler); default: --jobs threads on this machine")
    parser.add_argument("--resume", action="store_true",
                        help="skip submissions whose grading inputs (files, source, checks) are unchanged")
    parser.add_argument("--csv", help="also write the grade table to this CSV file")
    caps = Caps()
    parser.add_argument("--max-submission-mb", type=int, default=caps.submission_mb,
                        help=f"files of one submission taken for grading, the notebook first (default "
                             f"{caps.submission_mb}); the rest is not shipped, and a note says so")
    parser.add_argument("--max-submission-files", type=int, default=caps.submission_files,
                        help=f"files of one submission taken (default {caps.submission_files})")
    parser.add_argument("--in-flight-mb", type=int, default=caps.in_flight_mb,
                        help=f"submissions' files on their way to Dask workers at once (default {caps.in_flight_mb})")
    parser.add_argument("--grader-memory-mb", type=int, default=caps.grader_memory_mb,
                        help=f"data-segment cap (RLIMIT_DATA) of this process, each step and each "
                             f"local:N worker (default {caps.grader_memory_mb}, never below --memory-mb)")
    parser.add_argument("--grading-user", default="",
                        help="started as root: the unprivileged user (name or UID[:GID]) that grades; a root "
                             "launcher only starts sandboxes (default $FMNIST_GRADING_USER, else fmnist-grader)")
    args = parser.parse_args(argv)
    if args.cluster and not args.cluster.startswith(("local:", "tcp://", "tls://")):
        parser.error(f"--cluster {args.cluster!r}: give local:N or tcp://HOST:PORT")
    from ..sandbox.privsep import LaunchRefused, become_grading_user

    try:
        launcher = become_grading_user(args.grading_user or None, launcher=not args.no_sandbox)
    except (LaunchRefused, OSError) as exc:
        print(f"fmnist-grade: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        return _grade(args)
    finally:
        if launcher is not None:
            launcher.close()


def _grade(args):
    caps = Caps(submission_mb=args.max_submission_mb, submission_files=args.max_submission_files,
                in_flight_mb=args.in_flight_mb, grader_memory_mb=args.grader_memory_mb)
    options = Options(jobs=args.jobs, sandbox=not args.no_sandbox, cell_timeout=args.cell_timeout,
                      notebook_timeout=args.notebook_timeout, limits=Limits(memory_mb=args.memory_mb),
                      db_url=args.db, cluster=args.cluster, resume=args.resume, caps=caps)
    try:
        with memory_cap(grader_memory_mb(options)):  # the coordinator (steps and local workers: their own)
            results = grade_class(args.course, args.assignment, args.student, options)
    except (SandboxUnavailable, CourseError) as exc:
        print(f"fmnist-grade: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(format_table(args.assignment, results))
    if args.csv:
        write_csv(args.csv, args.assignment, results)
    if os.geteuid() == 0:
        from ..sandbox.privsep import ROOT_WARNING

        print(f"fmnist-grade: {ROOT_WARNING}", file=sys.stderr)
    look = [r for r in results if r.needs_look]
    if look:
        print(f"fmnist-grade: {len(look)} of {len(results)} submissions need a look (exit status "
              f"{EXIT_NEEDS_LOOK}): " + "; ".join(f"{terminal(r.student)[:40]}: {r.needs_look}" for r in look[:20])
              + (f"; and {len(look) - 20} more" if len(look) > 20 else ""), file=sys.stderr)
    return exit_status(results)


if __name__ == "__main__":
    sys.exit(main())
