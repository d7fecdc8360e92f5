"""``fmnist-grade ASSIGNMENT``: nbgrader's real autograde for a whole class, made to hold.

For each submission in ``course/submitted/<student>/<assignment>/``, in
parallel (``--jobs``) with a progress bar:

1. the trusted verdict (:mod:`autograder.trusted`): the answers run in a
   sandboxed worker, the comparisons run here;
2. ``nbgrader autograde ASSIGNMENT --student S`` itself, with the notebook's
   kernel started inside the same sandbox (the ``fmnist-sandbox`` kernelspec,
   talking over unix sockets since it has no network), a per-cell timeout and
   a whole-notebook timeout;
3. the gradebook: where nbgrader's in-kernel score of a test cell differs from
   the trusted one, the trusted one is written as that grade's
   ``manual_score`` (which nbgrader's totals, feedback and export use), and the
   grade table says so;
4. the autograded notebook gets a note at the top (what was wrong with the
   submission, what the grader did) and the trusted verdict under each test
   cell, so ``nbgrader generate_feedback`` tells the student. A submission that
   nbgrader could not autograde at all (corrupt JSON, a dead kernel) still gets
   an autograded notebook, grades and feedback.

The batch always finishes: every step has a time limit, and a failure in one
submission is that submission's problem only.
"""

import argparse
import csv
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from .nbgrader_cli import nbgrader_argv, nbgrader_env
from fmnist_checks.notebook import is_test, nbgrader_meta
from fmnist_checks.pieces import ASSIGNMENTS
from .sandbox import Limits, SandboxUnavailable, UidRange, check_available, open_for_sandbox
from .trusted import grade_submission
# (h6) what a student controls is escaped where shown; files a submission controls are not followed
from .escape import csv_cell, md_block, md_code, md_inline, terminal
from .hidden import grading_seed
from .safefs import UnsafePath, folder_problems, read_regular, replace_file

MAX_AUTOGRADED_BYTES = 50 * 2**20  # an autograded notebook larger than this is rebuilt from the release

KERNEL_NAME = "fmnist-sandbox"
_DB_LOCK = threading.Lock()


@dataclass
class StudentResult:
    student: str
    scores: dict = field(default_factory=dict)  # piece -> trusted score
    points: dict = field(default_factory=dict)  # piece -> max points
    kernel_scores: dict = field(default_factory=dict)  # piece -> nbgrader's in-kernel score
    notes: list = field(default_factory=list)
    messages: dict = field(default_factory=dict)  # piece -> trusted message
    seconds: float = 0.0

    @property
    def total(self):
        return sum(self.scores.values())

    @property
    def disagreements(self):
        return [p for p in self.scores if self.kernel_scores.get(p) is not None
                and abs(self.kernel_scores[p] - self.scores[p]) > 1e-9]


def write_kernelspec(folder, limits, readable):
    """Write the fmnist-sandbox kernelspec under ``folder/kernels``; return `folder`."""
    spec_dir = os.path.join(folder, "kernels", KERNEL_NAME)
    os.makedirs(spec_dir, exist_ok=True)
    spec = {
        # -I: the kernel starts in the student's folder, which must not shadow our modules
        "argv": [sys.executable, "-I", "-m", "autograder.sandbox", "kernel", "{connection_file}"],
        "display_name": "Python 3 (fmnist-edu grading sandbox)",
        "language": "python",
        "env": {
            "FMNIST_SANDBOX_MEMORY_MB": str(limits.memory_mb),
            "FMNIST_SANDBOX_CPU_SECONDS": str(limits.cpu_seconds),
            "FMNIST_SANDBOX_TMP_MB": str(limits.tmp_mb),  # (h6) the kernel's tmpfs sizes
            "FMNIST_SANDBOX_READABLE": os.pathsep.join(readable),
        },
    }
    with open(os.path.join(spec_dir, "kernel.json"), "w", encoding="utf-8") as fh:
        json.dump(spec, fh, indent=1)
    return folder


def run_nbgrader_autograde(course_dir, assignment, student, jupyter_path, cell_timeout,
                           notebook_timeout, sandbox=True, uid=None):
    """Run nbgrader's autograde for one student; return (ok, one-line reason when not)."""
    runtime = tempfile.mkdtemp(prefix="kernel-")
    open_for_sandbox(runtime, uid)
    # the kernel's hidden block gets the seed derived from the course secret, never the secret
    env = nbgrader_env({"JUPYTER_RUNTIME_DIR": runtime, "FMNIST_EDU_STUDENT": student,
                        "FMNIST_EDU_GRADING_SEED": str(grading_seed(assignment, student, course_dir=course_dir)),
                        "PYTHONWARNINGS": "ignore", "FMNIST_SANDBOX_UID": str(uid or "")})
    db = os.path.join(os.path.abspath(course_dir), "gradebook.db")
    argv = nbgrader_argv("autograde", assignment, "--student", student,
            "--force", f"--CourseDirectory.db_url=sqlite:///{db}?timeout=120",
            f"--Execute.timeout={int(cell_timeout)}", "--Execute.interrupt_on_timeout=True",
            "--Execute.raise_on_iopub_timeout=False", "--Execute.startup_timeout=120",
            "--LimitOutput.max_lines=300", "--LimitOutput.max_traceback=30")
    if sandbox:
        env["JUPYTER_PATH"] = jupyter_path
        argv += [f"--Execute.kernel_name={KERNEL_NAME}", "--KernelManager.transport=ipc",
                 f"--KernelManager.ip={os.path.join(runtime, 'kernel')}"]
    proc = subprocess.Popen(argv, cwd=course_dir, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=notebook_timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        return False, f"nbgrader's autograde ran out of time ({notebook_timeout:.0f} s) and was stopped"
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    text = out.decode("utf-8", "replace")
    failed = "There was an error processing assignment" in text or proc.returncode != 0
    if failed:
        for marker in ("DeadKernelError", "CellTimeoutError", "Kernel died", "timed out",
                       "UnresponsiveKernelError", "JSONDecodeError", "NotJSONError", "not valid"):
            if marker in text:
                return False, f"nbgrader could not run the notebook to the end ({marker})"
        return False, "nbgrader could not autograde the notebook"
    return True, ""


def record_in_gradebook(course_dir, assignment, result):
    """Write trusted scores as manual scores where nbgrader's differ; fill result.kernel_scores."""
    from nbgrader.api import Gradebook, MissingEntry

    db = "sqlite:///" + os.path.join(os.path.abspath(course_dir), "gradebook.db")
    with _DB_LOCK, Gradebook(db) as gb:
        gb.update_or_create_student(result.student)
        try:
            gb.find_submission(assignment, result.student)
        except MissingEntry:
            gb.add_submission(assignment, result.student)
        for piece, score in result.scores.items():
            try:
                grade = gb.find_grade(f"test_{piece.lower()}", assignment, assignment, result.student)
            except MissingEntry:
                continue
            kernel = grade.auto_score
            result.kernel_scores[piece] = kernel
            if kernel is None or abs(kernel - score) > 1e-9:
                grade.manual_score = score
            else:
                grade.manual_score = None
        gb.db.commit()


def annotate_autograded(course_dir, assignment, result, submission_problems):
    """Put the trusted verdict into the autograded notebook that feedback is made from.

    (h6) The notebook is read without following links and under a size cap,
    and replaced (never written through a link). Every code cell's outputs are
    dropped: the kernel could read the hidden checks and the reference, and
    whatever an answer printed would reach the feedback; the trusted verdict
    under each test cell says what the checks found. Everything the student
    controls is escaped (:mod:`autograder.escape`).
    """
    import nbformat

    folder = os.path.join(course_dir, "autograded", result.student, assignment)
    path = os.path.join(folder, f"{assignment}.ipynb")
    nb, note = None, None
    try:
        nb = nbformat.reads(read_regular(path, MAX_AUTOGRADED_BYTES, root=course_dir).decode("utf-8"),
                            as_version=4)
    except FileNotFoundError:
        pass
    except UnsafePath as exc:
        note = f"the autograded notebook was not used ({exc}); feedback is made from the release"
    except Exception as exc:
        note = f"the autograded notebook could not be read ({type(exc).__name__}); feedback is made from the release"
    if nb is None:
        # nbgrader could not autograde: feedback is made from the release notebook
        os.makedirs(folder, exist_ok=True)
        release = os.path.join(course_dir, "release", assignment, f"{assignment}.ipynb")
        source = os.path.join(course_dir, "source", assignment, f"{assignment}.ipynb")
        base = release if os.path.exists(release) else source
        nb = nbformat.read(base, as_version=4)
        if base == source:
            from .feedback import hide_test_code

            for cell in nb.cells:
                if is_test(cell):
                    hide_test_code(cell)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb.cells = [c for c in nb.cells if not (isinstance(c.get("metadata"), dict) and c["metadata"].get("fmnist_grader"))]
    lines = [f"**Grading notes** (fmnist-edu's trusted grader): {result.total:g} of "
             f"{sum(result.points.values()):g} points from the checks. The outputs of the code cells are "
             f"not kept here; the trusted grader's verdict is under each test cell."]
    lines += [f"- {md_inline(p, limit=500)}" for p in submission_problems + result.notes + ([note] if note else [])]
    for piece in result.disagreements:
        lines.append(f"- {md_code(piece)}: the notebook's own test cell gave {result.kernel_scores[piece]:g} points, "
                     f"the trusted grader {result.scores[piece]:g}; the trusted score counts.")
    cells = [_note_cell("\n".join(lines))]
    for cell in nb.cells:
        cells.append(cell)
        if is_test(cell):
            piece = _piece_of(nbgrader_meta(cell).get("grade_id", ""))
            if piece in result.scores:
                msg = result.messages.get(piece, "")
                cells.append(_note_cell(
                    f"**Trusted grader, {md_code(piece)}: {result.scores[piece]:g} of {result.points[piece]:g} points**\n"
                    + md_block(msg, limit=4000)))
    nb.cells = cells
    replace_file(path, nbformat.writes(nb).encode("utf-8"), root=course_dir)


def _piece_of(grade_id):
    name = grade_id[len("test_"):] if grade_id.startswith("test_") else grade_id
    for pieces in ASSIGNMENTS.values():
        for piece in pieces:
            if piece.lower() == name:
                return piece
    return None


def _note_cell(text):
    import nbformat

    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["fmnist_grader"] = True
    return cell


def grade_one(course_dir, assignment, student, options, jupyter_path, uids):
    """Everything for one student; never raises (a failure becomes a note)."""
    uid = uids.get()
    try:
        return _grade_one(course_dir, assignment, student, options, jupyter_path, uid)
    finally:
        uids.put(uid)


def _grade_one(course_dir, assignment, student, options, jupyter_path, uid):
    start = time.perf_counter()
    result = StudentResult(student)
    problems = []
    try:
        submission, verdicts, notes = grade_submission(
            course_dir, assignment, student, sandbox=options.sandbox, limits=options.limits,
            step_timeout=options.cell_timeout, total_timeout=options.notebook_timeout,
            readable=options.readable, uid=uid)
        problems = submission.problems
        result.notes += notes
        for piece, v in verdicts.items():
            result.scores[piece], result.points[piece], result.messages[piece] = v.score, v.points, v.message
        unsafe = folder_problems(os.path.join(course_dir, "submitted", student, assignment))  # (h6)
        if unsafe:
            ok, reason = False, f"nbgrader's autograde was not run: {unsafe}"
        else:
            ok, reason = run_nbgrader_autograde(course_dir, assignment, student, jupyter_path,
                                                options.cell_timeout, options.notebook_timeout,
                                                sandbox=options.sandbox, uid=uid)
        if not ok:
            result.notes.append(reason + "; the trusted grader's scores are used")
        record_in_gradebook(course_dir, assignment, result)
        annotate_autograded(course_dir, assignment, result, problems)
    except Exception as exc:  # the batch goes on; this student's line says what happened
        result.notes.append(f"grading failed: {type(exc).__name__}: {exc}")
    result.notes = problems + result.notes
    result.seconds = time.perf_counter() - start
    try:
        write_grading_json(course_dir, assignment, result)
    except OSError as exc:
        result.notes.append(f"grading.json could not be written: {exc}")
    return result


def write_grading_json(course_dir, assignment, result):
    """The trusted verdict as data, beside the autograded notebook (read by ``autograder.report``)."""
    folder = os.path.join(course_dir, "autograded", result.student, assignment)
    os.makedirs(folder, exist_ok=True)
    data = {"student": result.student, "assignment": assignment, "scores": result.scores,
            "points": result.points, "kernel_scores": result.kernel_scores,
            "disagreements": result.disagreements, "messages": result.messages,
            "notes": result.notes, "seconds": round(result.seconds, 3)}
    path = os.path.join(folder, "grading.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, ensure_ascii=False)
    return path


@dataclass
class Options:
    jobs: int = 2
    sandbox: bool = True
    cell_timeout: float = 60.0
    notebook_timeout: float = 600.0
    limits: Limits = field(default_factory=Limits)
    readable: tuple = ()


def submitted_students(course_dir, assignment):
    """Students with a folder for `assignment` under ``submitted/``."""
    root = os.path.join(course_dir, "submitted")
    if not os.path.isdir(root):
        return []
    return sorted(s for s in os.listdir(root) if os.path.isdir(os.path.join(root, s, assignment)))


def grade_class(course_dir, assignment, students=None, options=None, progress=True):
    """Grade every submission of `assignment`; return a list of :class:`StudentResult`."""
    from tqdm.auto import tqdm

    options = options or Options()
    course_dir = os.path.abspath(course_dir)
    if assignment not in ASSIGNMENTS:
        raise ValueError(f"unknown assignment {assignment!r}; one of {', '.join(ASSIGNMENTS)}")
    if options.sandbox:
        check_available()
    data = os.environ.get("FMNIST_EDU_DATA")
    if data:
        options.readable = tuple(options.readable) + (os.path.abspath(data),)
    students = students or submitted_students(course_dir, assignment)
    jupyter_path = write_kernelspec(tempfile.mkdtemp(prefix="fmnist-kernels-"), options.limits,
                                    options.readable)
    results = []
    uids = queue.Queue()
    uid_range = UidRange(max(1, options.jobs))  # (h6) this run's own uids: never another run's
    for uid in uid_range.uids:
        uids.put(uid)
    try:
        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            futures = {pool.submit(grade_one, course_dir, assignment, s, options, jupyter_path, uids): s
                       for s in students}
            bar = tqdm(as_completed(futures), total=len(futures), desc=f"grading {assignment}",
                       unit="submission", disable=not progress or None, file=sys.stderr)
            for future in bar:
                results.append(future.result())
    finally:
        shutil.rmtree(jupyter_path, ignore_errors=True)
        uid_range.close()
    return sorted(results, key=lambda r: r.student)


def format_table(assignment, results):
    """The grade table: one row per student, trusted scores per piece."""
    pieces = list(ASSIGNMENTS[assignment])
    head = ["student"] + pieces + ["total", "max", "notes"]
    rows = [head]
    for r in results:
        row = [terminal(r.student)[:40]] + [f"{r.scores.get(p, 0):g}" + ("*" if p in r.disagreements else "")
                                            for p in pieces]
        row += [f"{r.total:g}", f"{sum(r.points.values()):g}", terminal("; ".join(r.notes))[:160]]
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths)) + "  " + row[-1] for row in rows]
    lines.append("* the notebook's own test cell disagreed; the trusted score counts")
    return "\n".join(lines)


def write_csv(path, assignment, results):
    pieces = list(ASSIGNMENTS[assignment])
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student"] + pieces + ["total", "max", "kernel_disagreed", "notes"])
        for r in results:
            w.writerow([csv_cell(r.student)] + [r.scores.get(p, 0) for p in pieces]
                       + [r.total, sum(r.points.values()), " ".join(r.disagreements), csv_cell("; ".join(r.notes))])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="fmnist-grade", description=__doc__.splitlines()[0])
    parser.add_argument("assignment", choices=list(ASSIGNMENTS))
    parser.add_argument("--course", default=".", help="the nbgrader course folder (default: .)")
    parser.add_argument("--student", action="append", help="grade only this student (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    parser.add_argument("--cell-timeout", type=float, default=60.0, help="seconds per cell/check")
    parser.add_argument("--notebook-timeout", type=float, default=600.0, help="seconds per notebook")
    parser.add_argument("--memory-mb", type=int, default=Limits.memory_mb)
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code unconfined (only for trusted submissions)")
    parser.add_argument("--csv", help="also write the grade table to this CSV file")
    args = parser.parse_args(argv)
    options = Options(jobs=args.jobs, sandbox=not args.no_sandbox, cell_timeout=args.cell_timeout,
                      notebook_timeout=args.notebook_timeout, limits=Limits(memory_mb=args.memory_mb))
    try:
        results = grade_class(args.course, args.assignment, args.student, options)
    except (SandboxUnavailable, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_table(args.assignment, results))
    if args.csv:
        write_csv(args.csv, args.assignment, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
