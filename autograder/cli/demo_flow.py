"""``fmnist-course-demo ASSIGNMENT``: nbgrader's whole instructor flow, for real, in a temporary course.

1. copy ``course/`` to a temporary folder with an exchange folder beside it;
2. ``nbgrader generate_assignment`` and ``nbgrader release_assignment``;
3. four sample students (:mod:`autograder.cli.samples`): alice fetches the
   assignment from the exchange, works, and submits it (``fetch_assignment``,
   ``submit``); bob and carol hand in through an LMS download
   (``zip_collect``); dave's notebook is placed in ``submitted/``;
4. ``nbgrader collect``; every submission gets a ``timestamp.txt`` (nbgrader's
   ``release_feedback`` crashes without one);
5. ``fmnist-grade`` (nbgrader's autograde in the sandbox, trusted verdict);
6. ``nbgrader generate_feedback``, ``release_feedback``, and alice's
   ``fetch_feedback``;
7. ``nbgrader export`` to CSV, and the grade table.

``--keep DIR`` keeps the course folder to look at afterwards.
"""

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import zipfile

from .grade_class import Options, format_table, grade_class
from ..batch.nbgrader_cli import run_nbgrader
from fmnist_checks.pieces import ASSIGNMENTS
from .samples import expected_scores, sample_submissions
from ..verdict.trusted import source_cells

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # autograder/
COURSE = os.path.join(os.path.dirname(HERE), "course")
COURSE_ID = "fmnist-edu"
TIMESTAMP = "2026-11-20 17:00:00.000000 UTC"
# how the LMS names each downloaded file: <student>_attempt_<time>_<notebook>.ipynb
# (nbgrader matches the pattern against the extracted file's whole path)
LMS_NAMES = r"^(?P<student_id>[^/_]+)/(?:.*/)?[^/]*_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>[^/]+)$"


def _say(message):
    print(f"[demo] {message}", file=sys.stderr, flush=True)


def _write_config(course, exchange):
    with open(os.path.join(course, "nbgrader_config.py"), "a", encoding="utf-8") as fh:
        fh.write(f"\n# demo flow: a private exchange\nc.Exchange.root = {exchange!r}\n"
                 f"c.Exchange.path_includes_course = True\n")


def _student_env(name, home):
    return {"USER": name, "LOGNAME": name, "HOME": home, "JUPYTER_CONFIG_DIR": os.path.join(home, ".jupyter")}


def run_flow(assignment, workdir, jobs=2, progress=True):
    """Run the whole flow in `workdir`; return (grade rows from the CSV export, StudentResults)."""
    course = os.path.join(workdir, "course")
    exchange = os.path.join(workdir, "exchange")
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db", "exchange", "__pycache__",
        ".ipynb_checkpoints", "*.csv"))
    os.makedirs(exchange)
    os.chmod(exchange, 0o777)
    _write_config(course, exchange)

    _say(f"generate_assignment and release_assignment {assignment}")
    run_nbgrader(["generate_assignment", assignment, "--force"], cwd=course)
    run_nbgrader(["release_assignment", assignment, "--force"], cwd=course)
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        for student in ("alice", "bob", "carol", "dave"):
            gb.update_or_create_student(student)

    with open(os.path.join(course, "source", assignment, f"{assignment}.ipynb"), encoding="utf-8") as fh:
        source_nb = json.load(fh)
    with open(os.path.join(course, "release", assignment, f"{assignment}.ipynb"), encoding="utf-8") as fh:
        release_nb = json.load(fh)
    samples = sample_submissions(assignment, source_nb, release_nb)

    # alice: through the exchange, as a student would
    home = os.path.join(workdir, "home-alice")
    os.makedirs(home)
    env = _student_env("alice", home)
    _say("alice: fetch_assignment, work, submit")
    run_nbgrader(["fetch_assignment", assignment, f"--course={COURSE_ID}",
                  f"--Exchange.root={exchange}", "--Exchange.path_includes_course=True"], cwd=home, env=env)
    with open(os.path.join(home, COURSE_ID, assignment, f"{assignment}.ipynb"), "w", encoding="utf-8") as fh:
        json.dump(samples["alice"][0], fh)
    run_nbgrader(["submit", assignment, "--student=alice", f"--course={COURSE_ID}",
                  f"--Exchange.root={exchange}", "--Exchange.path_includes_course=True"], cwd=home, env=env)
    _say("collect")
    run_nbgrader(["collect", assignment], cwd=course)

    # bob and carol: an LMS download of zip files, collected by zip_collect
    _say("bob and carol: zip_collect from an LMS download")
    archive = os.path.join(course, "downloaded", assignment, "archive")
    os.makedirs(archive)
    for student in ("bob", "carol"):
        name = f"{student}_attempt_2026-11-20-17-00-00_{assignment}.ipynb"  # an LMS's naming
        with zipfile.ZipFile(os.path.join(archive, f"{student}.zip"), "w") as zf:
            zf.writestr(name, json.dumps(samples[student][0]))
    run_nbgrader(["zip_collect", assignment, "--force", f"--FileNameCollectorPlugin.named_regexp={LMS_NAMES}"],
                 cwd=course)

    # dave: placed in submitted/ by hand
    _say("dave: placed in submitted/")
    folder = os.path.join(course, "submitted", "dave", assignment)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"{assignment}.ipynb"), "w", encoding="utf-8") as fh:
        json.dump(samples["dave"][0], fh)
    for student in ("alice", "bob", "carol", "dave"):
        stamp = os.path.join(course, "submitted", student, assignment, "timestamp.txt")
        if not os.path.exists(stamp):  # release_feedback needs one (zip_collect, placement)
            with open(stamp, "w", encoding="utf-8") as fh:
                fh.write(TIMESTAMP)

    _say("fmnist-grade: autograde in the sandbox, trusted verdict")
    results = grade_class(course, assignment, options=Options(jobs=jobs), progress=progress)

    _say("generate_feedback, release_feedback, fetch_feedback (alice)")
    run_nbgrader(["generate_feedback", assignment, "--force"], cwd=course)
    # release_feedback crashes on a submission that did not come through the exchange (it
    # has no submission_secret.txt): release to exchange students only; the others get
    # feedback/<student>/ through the LMS
    for student in ("alice", "bob", "carol", "dave"):
        if os.path.exists(os.path.join(course, "submitted", student, assignment, "submission_secret.txt")):
            run_nbgrader(["release_feedback", assignment, f"--student={student}"], cwd=course)
    run_nbgrader(["fetch_feedback", assignment, "--student=alice", f"--course={COURSE_ID}",
                  f"--Exchange.root={exchange}",
                  "--Exchange.path_includes_course=True"], cwd=home, env=env)

    _say("export")
    grades_csv = os.path.join(course, "grades.csv")
    run_nbgrader(["export", f"--to={grades_csv}"], cwd=course)
    with open(grades_csv, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["assignment"] == assignment]
    return rows, results, samples


def check_scores(assignment, results, points):
    """Problems with the sample students' scores (empty when all are as expected)."""
    expected = expected_scores(assignment, points)
    problems = []
    for r in results:
        for piece, want in expected[r.student].items():
            got = r.scores.get(piece, 0.0)
            bug = r.student == "dave" and want == 0.0
            if (bug and got >= points[piece]) or (not bug and abs(got - want) > 1e-9):
                problems.append(f"{r.student}/{piece}: expected {want:g}, got {got:g}")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(prog="fmnist-course-demo", description=__doc__.splitlines()[0])
    parser.add_argument("assignment", choices=list(ASSIGNMENTS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", help="keep the temporary course in this folder")
    args = parser.parse_args(argv)
    workdir = args.keep or tempfile.mkdtemp(prefix="fmnist-demo-")
    os.makedirs(workdir, exist_ok=True)
    try:
        rows, results, samples = run_flow(args.assignment, workdir, jobs=args.jobs)
        _, points = source_cells(os.path.join(COURSE, "source", args.assignment, f"{args.assignment}.ipynb"))
        points = {p: points[p.lower()] for p in ASSIGNMENTS[args.assignment]}
        print("students:")
        for student, (_, what) in samples.items():
            print(f"  {student:<6} {what}")
        print("\nnbgrader export (grades.csv):")
        for row in rows:
            print(f"  {row['student_id']:<6} score {float(row['score']):g} of {float(row['max_score']):g}")
        print("\ntrusted grade table:")
        print(format_table(args.assignment, results))
        problems = check_scores(args.assignment, results, points)
        if problems:
            print("\nUNEXPECTED SCORES: " + "; ".join(problems))
            return 1
        print("\nall sample students scored as expected")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
