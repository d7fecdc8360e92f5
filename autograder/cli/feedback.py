"""``fmnist-grade feedback ASSIGNMENT``: the feedback ``nbgrader generate_feedback`` made, released.

``fmnist-grade feedback ASSIGNMENT`` (or ``python -m autograder.cli.feedback
ASSIGNMENT``) releases feedback to everyone (see :func:`main`): ``nbgrader
release_feedback`` for the students who handed in through the exchange, and
the HTML files to hand back through the LMS for those collected by
``zip_collect`` or placed in ``submitted/`` by hand (nbgrader 0.9.6's
``release_feedback`` crashes on those: they have no ``submission_secret.txt``).
What the feedback shows is :mod:`autograder.reports.feedback`'s.
"""

import argparse
import os
import shutil
import sys

from fmnist_checks.pieces import ASSIGNMENTS

from ..batch.nbgrader_cli import run_nbgrader


def feedback_students(course_dir, assignment):
    """{student: feedback folder} of the students with generated feedback for `assignment`."""
    root = os.path.join(course_dir, "feedback")
    found = {}
    if os.path.isdir(root):
        for student in sorted(os.listdir(root)):
            folder = os.path.join(root, student, assignment)
            if os.path.isdir(folder) and any(n.endswith(".html") for n in os.listdir(folder)):
                found[student] = folder
    return found


def through_exchange(course_dir, assignment, student):
    """True when the student's submission came through ``nbgrader submit`` (it has a secret)."""
    for top in ("feedback", "submitted"):
        path = os.path.join(course_dir, top, student, assignment, "submission_secret.txt")
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
    return False


def release(course_dir, assignment, lms_dir):
    """Release feedback; return (students released through the exchange, {student: LMS file})."""
    students = feedback_students(course_dir, assignment)
    if not students:
        raise ValueError(f"no feedback for {assignment} in {course_dir}/feedback: "
                         f"run nbgrader generate_feedback {assignment} first")
    exchange = [s for s in students if through_exchange(course_dir, assignment, s)]
    for student in exchange:
        run_nbgrader(["release_feedback", assignment, f"--student={student}"], cwd=course_dir)
    by_hand = {}
    for student, folder in students.items():
        if student in exchange:
            continue
        os.makedirs(lms_dir, exist_ok=True)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".html"):
                target = os.path.join(lms_dir, f"{student}_{name}")
                shutil.copyfile(os.path.join(folder, name), target)
                by_hand[student] = target
    return exchange, by_hand


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m autograder.cli.feedback",
        description="Release generated feedback to every student: through the exchange for those who "
                    "submitted there, as files to upload to the LMS for the others.")
    parser.add_argument("assignment", choices=list(ASSIGNMENTS))
    parser.add_argument("--course", default=".", help="the nbgrader course folder (default: .)")
    parser.add_argument("--lms", help="folder for the LMS files (default: COURSE/feedback_lms/ASSIGNMENT)")
    args = parser.parse_args(argv)
    course = os.path.abspath(args.course)
    lms = os.path.abspath(args.lms or os.path.join(course, "feedback_lms", args.assignment))
    try:
        exchange, by_hand = release(course, args.assignment, lms)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"released through the exchange (students run nbgrader fetch_feedback): "
          f"{', '.join(exchange) or 'nobody'}")
    if by_hand:
        print(f"not submitted through the exchange: hand these back through your LMS ({lms}):")
        for student, path in by_hand.items():
            print(f"  {student}: {os.path.basename(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
