"""``fmnist-grade export ASSIGNMENT... --lms LMS --roster FILE --out FILE`` (inside ``course/``).

Writes the grades of the assignments as the LMS imports them (the same file
as ``nbgrader export --exporter=autograder.lms.exporters.<Lms>Export``;
see :mod:`autograder.lms.exporters`). Students left out on either side are
listed on stderr. A request that cannot be exported (a roster without its
key column, an assignment never generated, written answers not graded yet
without ``--partial``): one line, exit status 2, no file.
"""

import argparse
import os
import sys

from nbgrader.api import Gradebook

from ..untrusted.escape import terminal
from ..batch.gradebook import CourseError, check_course, default_db_url
from ..lms.errors import LmsError
from ..lms.exporters import build_export, write_export
from ..lms.formats import FORMATS
from ..lms.roster import read_roster


def main(argv=None):
    from ..sandbox.privsep import as_grading_user

    as_grading_user()  # started as root: what the course's submissions hold is read as the grading user
    parser = argparse.ArgumentParser(prog="fmnist-grade export", description=__doc__.splitlines()[0].strip("`"))
    parser.add_argument("assignments", nargs="+", metavar="ASSIGNMENT")
    parser.add_argument("--lms", required=True, choices=list(FORMATS))
    parser.add_argument("--roster", required=True, help="the LMS's gradebook export, as for fmnist-grade roster")
    parser.add_argument("--out", required=True, help="the file to write (the LMS's import file)")
    parser.add_argument("--column", action="append", default=[], metavar="ASSIGNMENT=HEADER",
                        help="the LMS column an assignment fills (repeatable; default: the roster's column "
                             "whose title matches the assignment id)")
    parser.add_argument("--missing", choices=("blank", "zero"), default="blank",
                        help="a student with no submission: blank (no change in the LMS) or zero")
    parser.add_argument("--partial", action="store_true",
                        help="export even with written answers not graded yet (they count 0)")
    parser.add_argument("--id-column", default="", help="the roster's column of nbgrader's ids (default: the LMS's)")
    parser.add_argument("--course", default=".", help="the nbgrader course folder (default: .)")
    parser.add_argument("--db", default="", help="the gradebook's URL (default sqlite:///COURSE/gradebook.db)")
    args = parser.parse_args(argv)
    try:
        check_course(args.course)
        db_url = args.db or default_db_url(args.course)
        if db_url.startswith("sqlite:///") and not os.path.isfile(db_url[len("sqlite:///"):]):
            raise LmsError(f"no gradebook at {db_url[len('sqlite:///'):]}: nothing was graded here")
        roster = read_roster(args.roster, args.lms, args.id_column or None)
        with Gradebook(db_url) as gb:
            table = build_export(gb, roster, args.assignments, (), args.column, args.missing, args.partial)
    except (LmsError, CourseError) as exc:
        print(f"fmnist-grade export: error: {terminal(exc)}", file=sys.stderr)
        return 2
    for message in table.messages:
        print(f"fmnist-grade export: {terminal(message)}", file=sys.stderr)
    write_export(args.out, table)
    students = len(table.rows) - (args.lms == "canvas")
    print(f"wrote {args.out}: {students} students, {', '.join(args.assignments)} ({args.lms})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
