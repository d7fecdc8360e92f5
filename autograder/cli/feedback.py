"""``fmnist-grade feedback ASSIGNMENT``: the feedback ``nbgrader generate_feedback`` made, released.

``fmnist-grade feedback ASSIGNMENT`` (or ``python -m autograder.cli.feedback
ASSIGNMENT``) releases feedback to everyone (see :func:`main`): ``nbgrader
release_feedback`` for the students who handed in through the exchange, and
the HTML files to hand back through the LMS for those collected by
``zip_collect`` or placed in ``submitted/`` by hand (nbgrader 0.9.6's
``release_feedback`` crashes on those: they have no ``submission_secret.txt``).
Only pages generate_feedback made are handed out
(:func:`autograder.reports.feedback.generated_pages`): every other file in a
feedback folder is removed first. What the feedback shows is
:mod:`autograder.reports.feedback`'s.
"""

import argparse
import os
import sys

from fmnist_checks.pieces import ASSIGNMENTS

from ..batch.nbgrader_cli import run_nbgrader
from ..reports.feedback import generated_pages, prune
from ..untrusted.escape import terminal


def feedback_students(course_dir, assignment):
    """{student: feedback folder} of the students with a feedback folder for `assignment`."""
    root = os.path.join(course_dir, "feedback")
    found = {}
    if os.path.isdir(root):
        for student in sorted(os.listdir(root)):
            folder = os.path.join(root, student, assignment)
            if os.path.isdir(folder) and not os.path.islink(folder):
                found[student] = folder
    return found


def through_exchange(course_dir, assignment, student):
    """True when the student's submission came through ``nbgrader submit`` (it has a secret)."""
    for top in ("feedback", "submitted"):
        path = os.path.join(course_dir, top, student, assignment, "submission_secret.txt")
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
    return False


def release(course_dir, assignment, lms_dir, refused=None):
    """Release feedback; return (students released through the exchange, {student: LMS file}).

    Only pages generate_feedback made are handed out (:func:`generated_pages`);
    every other file in a feedback folder is removed first. A student with no
    such page is added to `refused` (a list), not released.
    """
    students = {}
    for student, folder in feedback_students(course_dir, assignment).items():
        pages = generated_pages(folder)
        prune(folder, pages)  # nbgrader's release_feedback hands out every .html of the folder
        if pages:
            students[student] = (folder, pages)
        elif refused is not None:
            refused.append(student)
    if not students:
        raise ValueError(f"no feedback for {assignment} in {course_dir}/feedback made by this course's "
                         f"generate_feedback: run nbgrader generate_feedback {assignment} --force first")
    exchange = [s for s in students if through_exchange(course_dir, assignment, s)]
    for student in exchange:
        run_nbgrader(["release_feedback", assignment, f"--student={student}"], cwd=course_dir)
    by_hand = {}
    for student, (folder, pages) in students.items():
        if student in exchange:
            continue
        os.makedirs(lms_dir, exist_ok=True)
        for name in pages:
            target = os.path.join(lms_dir, f"{student}_{name}")
            with open(os.path.join(folder, name), "rb") as src:
                data = src.read()
            if os.path.lexists(target):
                os.unlink(target)
            with open(target, "xb") as dst:
                dst.write(data)
            by_hand[student] = target
    return exchange, by_hand


def main(argv=None):
    from ..sandbox.privsep import as_grading_user

    as_grading_user()  # started as root: what the course's submissions hold is read as the grading user
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
    refused = []
    try:
        exchange, by_hand = release(course, args.assignment, lms, refused)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {terminal(exc)}", file=sys.stderr)
        return 2
    print(f"released through the exchange (students run nbgrader fetch_feedback): "
          f"{', '.join(terminal(s) for s in exchange) or 'nobody'}")
    if by_hand:
        print(f"not submitted through the exchange: hand these back through your LMS ({terminal(lms)}):")
        for student, path in by_hand.items():
            print(f"  {terminal(student)}: {terminal(os.path.basename(path))}")
    if refused:
        print(f"no page made by generate_feedback, nothing released (run nbgrader generate_feedback "
              f"{args.assignment} --force): {', '.join(terminal(s) for s in refused)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
