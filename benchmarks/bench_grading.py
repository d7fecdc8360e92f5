"""fmnist-grade against nbgrader's own serial autograde, and on a Dask LocalCluster.

``class`` (default): a class of `--n` submissions of one assignment mixing
solved, blank, half-done, buggy and broken submissions (those of
``autograder.samples`` plus a crash, a hang and corrupt JSON). Both graders run
on identical copies of the same course: nbgrader's own autograde (its default
preprocessors, plain ``Execute``, no sandbox) one submission after another;
fmnist-grade with ``--jobs`` steps at once, each in the sandbox with the
trusted verdict. Prints the wall time of each, the ratio, and the CPU seconds
per submission (this process and every process it waited for).

``cluster``: `--n` (e.g. 200) small submissions (the assignment without its
demo cells, no sandbox) graded on a Dask LocalCluster of 1 worker, then of 2.

Usage: ``python benchmarks/bench_grading.py [class|cluster] [--assignment a5_evaluation] [--n 40]``.
"""

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time

from autograder.grade_class import Options, grade_class
from autograder.nbgrader_cli import run_nbgrader
from autograder.samples import fill, sample_submissions
from fmnist_checks.notebook import is_answer, is_given, is_test

# nbgrader's own autograde: its default preprocessors (the course's student side first)
NBGRADER_DEFAULT = """
c.Autograde.autograde_preprocessors = [
    "autograder.release.InstallStudentSide", "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern", "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata"]
"""

HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.join(os.path.dirname(HERE), "course")

BROKEN = {
    "crash": "import os\nos._exit(1)\n",
    "hang": "def {piece}(*args, **kwargs):\n    while True:\n        pass\n",
}


def make_course(root, assignment, n, small=False, nbgrader_default=False):
    course = os.path.join(root, "course")
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db", "__pycache__"))
    if nbgrader_default:
        with open(os.path.join(course, "nbgrader_config.py"), "a", encoding="utf-8") as fh:
            fh.write(NBGRADER_DEFAULT)
    if small:  # the graded skeleton only: markdown, given, answer and test cells
        path = os.path.join(course, "source", assignment, f"{assignment}.ipynb")
        nb = json.load(open(path))
        nb["cells"] = [c for c in nb["cells"]
                       if c["cell_type"] != "code" or is_given(c) or is_answer(c) or is_test(c)]
        json.dump(nb, open(path, "w"))
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


def cpu_seconds():
    """CPU time of this process and of every child process it has waited for."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench_class(args):
    with tempfile.TemporaryDirectory() as tmp:
        ours = make_course(os.path.join(tmp, "ours"), args.assignment, args.n)
        theirs = make_course(os.path.join(tmp, "theirs"), args.assignment, args.n, nbgrader_default=True)

        start, cpu = time.perf_counter(), cpu_seconds()
        proc = run_nbgrader(["autograde", args.assignment, "--force",
                             f"--Execute.timeout={int(args.cell_timeout)}"], cwd=theirs, check=False)
        nbgrader_seconds, nbgrader_cpu = time.perf_counter() - start, cpu_seconds() - cpu
        done = len(os.listdir(os.path.join(theirs, "autograded"))) if os.path.isdir(
            os.path.join(theirs, "autograded")) else 0

        start, cpu = time.perf_counter(), cpu_seconds()
        results = grade_class(ours, args.assignment, options=Options(jobs=args.jobs, cell_timeout=args.cell_timeout))
        ours_seconds, ours_cpu = time.perf_counter() - start, cpu_seconds() - cpu
    print(f"{args.n} submissions of {args.assignment} (solved, blank, half done, buggy, crash, hang, corrupt)")
    print(f"nbgrader autograde, serial, no sandbox: {nbgrader_seconds:7.1f} s wall, "
          f"{nbgrader_cpu / args.n:6.1f} CPU s per submission  ({done} of {args.n} autograded; "
          f"exit status {proc.returncode})")
    print(f"fmnist-grade --jobs {args.jobs}, sandboxed:       {ours_seconds:7.1f} s wall, "
          f"{ours_cpu / args.n:6.1f} CPU s per submission  ({len(results)} of {args.n} graded)")
    print(f"ratio fmnist-grade / nbgrader (wall):   {ours_seconds / nbgrader_seconds:7.2f}")


def bench_cluster(args):
    with tempfile.TemporaryDirectory() as tmp:
        timings = {}
        for workers in (1, 2):
            course = make_course(os.path.join(tmp, f"w{workers}"), args.assignment, args.n, small=True)
            start = time.perf_counter()
            results = grade_class(course, args.assignment, options=Options(
                sandbox=False, cluster=f"local:{workers}", cell_timeout=args.cell_timeout))
            timings[workers] = time.perf_counter() - start
            print(f"LocalCluster, {workers} worker(s): {timings[workers]:7.1f} s wall for {len(results)} "
                  f"small submissions of {args.assignment} (no sandbox)")
        print(f"speed-up 2 workers / 1 worker: {timings[1] / timings[2]:.2f} (on {os.cpu_count()} CPUs)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="class", choices=["class", "cluster"])
    parser.add_argument("--assignment", default="a5_evaluation")
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cell-timeout", type=float, default=30)
    args = parser.parse_args(argv)
    (bench_class if args.what == "class" else bench_cluster)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
