"""A class of 40 submissions of one assignment: fmnist-grade with 2 jobs against nbgrader's serial autograde.

The class mixes solved, blank, half-done, buggy and broken submissions (those of
``autograder.samples`` plus a crash, a hang and corrupt JSON), 40 in all. Both
graders run on identical copies of the same course. nbgrader's own autograde
runs one submission after another, unsandboxed; fmnist-grade runs 2 at a time,
each in the sandbox, with the trusted verdict. Prints both wall times and the
ratio. Usage: ``python benchmarks/bench_grading.py [--assignment a5_evaluation] [--n 40]``.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

from autograder.grade_class import Options, grade_class
from autograder.nbgrader_cli import run_nbgrader
from autograder.samples import fill, sample_submissions

HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.join(os.path.dirname(HERE), "course")

BROKEN = {
    "crash": "import os\nos._exit(1)\n",
    "hang": "def {piece}(*args, **kwargs):\n    while True:\n        pass\n",
}


def make_course(root, assignment, n):
    course = os.path.join(root, "course")
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db", "__pycache__"))
    run_nbgrader(["generate_assignment", assignment, "--force"], cwd=course)
    src = json.load(open(os.path.join(course, "source", assignment, f"{assignment}.ipynb")))
    rel = json.load(open(os.path.join(course, "release", assignment, f"{assignment}.ipynb")))
    samples = [nb for nb, _ in sample_submissions(assignment, src, rel).values()]
    first_answer = next(c for c in rel["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
    gid = first_answer["metadata"]["nbgrader"]["grade_id"]
    piece = gid  # function names are the lower-case grade ids except for classes
    samples.append(fill(rel, {gid: BROKEN["crash"]}))
    samples.append(fill(rel, {gid: BROKEN["hang"].format(piece=piece)}))
    samples.append("{ corrupt")
    for i in range(n):
        folder = os.path.join(course, "submitted", f"student{i:02d}", assignment)
        os.makedirs(folder)
        nb = samples[i % len(samples)]
        with open(os.path.join(folder, f"{assignment}.ipynb"), "w") as fh:
            fh.write(nb if isinstance(nb, str) else json.dumps(nb))
        with open(os.path.join(folder, "timestamp.txt"), "w") as fh:
            fh.write("2026-11-20 17:00:00.000000 UTC")
    return course


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="a5_evaluation")
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--cell-timeout", type=float, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        ours = make_course(os.path.join(tmp, "ours"), args.assignment, args.n)
        theirs = make_course(os.path.join(tmp, "theirs"), args.assignment, args.n)

        start = time.perf_counter()
        proc = run_nbgrader(["autograde", args.assignment, "--force",
                             f"--Execute.timeout={int(args.cell_timeout)}"], cwd=theirs, check=False)
        nbgrader_seconds = time.perf_counter() - start
        done = len(os.listdir(os.path.join(theirs, "autograded"))) if os.path.isdir(
            os.path.join(theirs, "autograded")) else 0

        start = time.perf_counter()
        results = grade_class(ours, args.assignment, options=Options(jobs=2, cell_timeout=args.cell_timeout))
        ours_seconds = time.perf_counter() - start
    print(f"{args.n} submissions of {args.assignment} (solved, blank, half done, buggy, crash, hang, corrupt)")
    print(f"nbgrader autograde, serial, no sandbox: {nbgrader_seconds:7.1f} s  "
          f"({done} of {args.n} autograded; exit status {proc.returncode})")
    print(f"fmnist-grade --jobs 2, sandboxed:       {ours_seconds:7.1f} s  ({len(results)} of {args.n} graded)")
    print(f"ratio fmnist-grade / nbgrader:          {ours_seconds / nbgrader_seconds:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
