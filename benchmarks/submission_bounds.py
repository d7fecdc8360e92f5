"""The grading coordinator's peak memory when one submission holds many files just under the per-file cap.

Builds an a5 course (demo cells left out) with two ordinary students (``ann``
solved, ``bob`` with a bug) and ``hog``: a solved notebook beside `--files`
sparse files of 50 MB less one byte each (no disk used; 24 of them are the
1.2 GB of issue 21). Then grades the class with ``fmnist-grade``'s own
:func:`autograder.batch.pipeline.grade_class` in a fresh process, on this machine
(``--jobs 2`` threads) or on a Dask ``LocalCluster`` (``--cluster local:1``;
its scheduler runs in that process), and prints that process's peak RSS
(``VmHWM``: its own, where ``ru_maxrss`` would keep a large parent's across exec), the largest of its children's, and
each student's scores and notes. No sandbox: this is about the trusted side.

Usage: ``python benchmarks/submission_bounds.py [--cluster local:1] [--files 24]``
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ASSIGNMENT = "a5_evaluation"

GRADE = r"""
import json, resource, sys
from autograder.batch.pipeline import Options, grade_class
course, cluster = sys.argv[1], sys.argv[2]
results = grade_class(course, "a5_evaluation", options=Options(
    jobs=2, sandbox=False, cell_timeout=30, notebook_timeout=240, cluster=cluster), progress=False)
# VmHWM, not ru_maxrss: ru_maxrss survives exec, so a process started by a large one (pytest late
# in a full run, 1.1 GB) would report its parent's peak; VmHWM is this program's own
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
out = {"rss_mb": hwm / 1024,
       "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
       "results": {r.student: {"scores": r.scores, "notes": r.notes, "needs_look": getattr(r, "needs_look", None)}
                   for r in results}}
print("RESULT " + json.dumps(out))
"""


def per_file_cap():
    try:
        from autograder.batch.bounds import MAX_FILE_BYTES
    except ImportError:  # before the bounds (issue 21): the cap was the step's
        from autograder.batch.step import MAX_FILE_BYTES
    return MAX_FILE_BYTES


def make_course(root, files=24, students=("ann", "bob", "hog")):
    """An a5 course in `root` (generated), with the students' submissions; the course folder."""
    from autograder.batch.nbgrader_cli import run_nbgrader
    from autograder.cli.samples import BUGS, answer_sources, fill
    from fmnist_checks.notebook import is_answer, is_given, is_test

    course = os.path.join(root, "course")
    os.makedirs(os.path.join(course, "source"))
    shutil.copy(os.path.join(ROOT, "course", "nbgrader_config.py"), course)
    shutil.copytree(os.path.join(ROOT, "course", "source", ASSIGNMENT), os.path.join(course, "source", ASSIGNMENT),
                    ignore=shutil.ignore_patterns("__pycache__"))
    path = os.path.join(course, "source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    nb["cells"] = [c for c in nb["cells"] if c["cell_type"] != "code" or is_given(c) or is_answer(c) or is_test(c)]
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(nb, fh)
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], cwd=course)
    with open(os.path.join(course, "release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), encoding="utf-8") as fh:
        release = json.load(fh)
    solved = answer_sources(nb)
    piece, bug = BUGS[ASSIGNMENT]
    answers = {"ann": solved, "bob": dict(solved, **{piece.lower(): bug})}
    for student in students:
        folder = submit(course, student, fill(release, answers.get(student, solved)))
        if student == "hog":
            for i in range(files):  # sparse: 50 MB less one byte each, no disk
                with open(os.path.join(folder, f"weights_{i:02d}.bin"), "wb") as fh:
                    fh.truncate(per_file_cap() - 1)
    return course


def submit(course, student, nb, stamp="2026-11-20 17:00:00.000000 UTC"):
    """`student`'s submission as ``nbgrader zip_collect`` leaves it (the LMS's time is taken as it is)."""
    folder = os.path.join(course, "submitted", student, ASSIGNMENT)
    extracted = os.path.join(course, "downloaded", ASSIGNMENT, "extracted")
    for where in (folder, extracted):
        os.makedirs(where, exist_ok=True)
    for path in (os.path.join(folder, f"{ASSIGNMENT}.ipynb"), os.path.join(extracted, f"{student}_{ASSIGNMENT}.ipynb")):
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(nb, fh)
    with open(os.path.join(folder, "timestamp.txt"), "w", encoding="utf-8") as fh:
        fh.write(stamp)
    return folder


def grade(course, cluster=""):
    """Grade `course` in a fresh process; {rss_mb, children_mb, results}."""
    proc = subprocess.run([sys.executable, "-c", GRADE, course, cluster], cwd=ROOT, capture_output=True,
                          text=True, timeout=1200)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"grading failed (exit status {proc.returncode}):\n{proc.stderr[-4000:]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", default="", help="local:N for a Dask LocalCluster (default: threads)")
    parser.add_argument("--files", type=int, default=24, help="hog's sparse files (default 24)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fmnist-bounds-") as root:
        course = make_course(root, args.files)
        out = grade(course, args.cluster)
    where = f"--cluster {args.cluster}" if args.cluster else "--jobs 2 (threads)"
    print(f"hog: {args.files} files of {per_file_cap() - 1:,} bytes ({args.files * per_file_cap() / 2**30:.2f} GB); "
          f"graded {where}")
    print(f"coordinator peak RSS: {out['rss_mb']:.0f} MB; largest child's: {out['children_mb']:.0f} MB")
    for student, r in sorted(out["results"].items()):
        print(f"  {student}: {sum(r['scores'].values()):g} points, needs a look: {r['needs_look'] or '-'}")
        for note in r["notes"]:
            print(f"      - {note[:160]}")


if __name__ == "__main__":
    main()
