"""``fmnist-grade roster FILE --lms canvas|moodle|blackboard|brightspace`` (inside ``course/``).

Reads the gradebook file the LMS exports and adds or updates nbgrader's
students: id (``--id-column``, default the LMS's usual one), names, email,
and the LMS's own key in ``Student.lms_user_id``. A roster nbgrader cannot
take: one line on stderr, exit status 2, nothing written.
"""

import argparse
import os
import sys

from ..untrusted.escape import terminal
from ..batch.gradebook import CourseError, check_course, default_db_url
from ..lms.errors import LmsError
from ..lms.formats import FORMATS
from ..lms.roster import import_roster, read_roster


def main(argv=None):
    from ..sandbox.privsep import as_grading_user

    as_grading_user()  # started as root: what the course's submissions hold is read as the grading user
    parser = argparse.ArgumentParser(prog="fmnist-grade roster", description=__doc__.splitlines()[0].strip("`"))
    parser.add_argument("file", help="the LMS's gradebook export (CSV)")
    parser.add_argument("--lms", required=True, choices=list(FORMATS))
    parser.add_argument("--id-column", default="",
                        help="the column that becomes nbgrader's student id (default: " +
                             ", ".join(f"{f.name} {f.id_column!r}" for f in FORMATS.values()) + ")")
    parser.add_argument("--course", default=".", help="the nbgrader course folder (default: .)")
    parser.add_argument("--db", default="", help="the gradebook's URL (default sqlite:///COURSE/gradebook.db)")
    args = parser.parse_args(argv)
    try:
        check_course(args.course)
        roster = read_roster(args.file, args.lms, args.id_column or None)
    except (LmsError, CourseError) as exc:
        print(f"fmnist-grade roster: error: {terminal(exc)}", file=sys.stderr)
        return 2
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + old  # a new gradebook runs alembic
    try:
        added, updated, notes = import_roster(args.db or default_db_url(args.course), roster)
    finally:
        os.environ["PATH"] = old
    for note in notes:
        print(f"fmnist-grade roster: {terminal(note)}", file=sys.stderr)
    print(f"{len(roster.students)} students from {os.path.basename(args.file)} ({args.lms}, ids from "
          f"{roster.id_column!r}): {len(added)} added, {len(updated)} updated")
    for r in roster.students:
        print(f"  {terminal(r.id):<24} {terminal(r.last_name)}, {terminal(r.first_name)}"
              f"{'  <' + terminal(r.email) + '>' if r.email else ''}  lms key {terminal(r.lms_key) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
