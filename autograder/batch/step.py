"""One grading step: a function of its inputs, run in a temporary course of its own.

:func:`grade_step` takes plain inputs (the submitted files, the assignment's
source folder, the course's ``nbgrader_config.py``, the assignment as the
gradebook holds it, the options and the seed) and returns plain results
(nbgrader's scores per grade id, the trusted verdict and message per piece,
the notes, the autograded folder's files as bytes). Inside, it runs
``nbgrader autograde`` for that one student against a temporary gradebook
holding only the assignment: the course's autograde preprocessors run the
student's notebook cell by cell in the sandbox (:mod:`autograder.batch.nbexec`),
write the trusted verdict into the test cells (:mod:`autograder.batch.annotate`),
and nbgrader's own ``SaveAutoGrades`` turns them into ``auto_score``. Nothing
it does touches the class course or gradebook, so it can run in a thread, a
process or on another machine (:mod:`autograder.batch.cluster`).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from . import gradebook
from .bounds import MAX_FILE_BYTES, Caps, prlimit_prefix, read_planned, survey
from .nbgrader_cli import nbgrader_argv, nbgrader_env
from ..sandbox.safefs import UnsafePath, read_regular
from ..sandbox.bwrap import Limits
from .warm_nbgrader import warm_server

MAX_RETURNED_BYTES = 64 * 2**20
RETURNED = Caps(submission_mb=MAX_RETURNED_BYTES // 2**20, submission_files=1000)  # what a step hands back
IGNORED = (".ipynb_checkpoints", "__pycache__", ".pytest_cache")


def read_tree(folder, skipped=None):
    """{relative path: bytes} of the regular files under `folder`; links and oversized files skipped.

    Files are opened without following links (:func:`autograder.sandbox.safefs.read_regular`),
    so a link a submission plants never makes the grader read another file.
    """
    files = {}
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED and not os.path.islink(os.path.join(root, d)))
        for name in sorted(names):
            path = os.path.join(root, name)
            try:
                files[os.path.relpath(path, folder)] = read_regular(path, MAX_FILE_BYTES)
            except (UnsafePath, OSError) as exc:
                if skipped is not None:
                    skipped.append(f"{os.path.relpath(path, folder)} was not taken ({exc})")
    return files


def write_tree(folder, files):
    """Write {relative path: bytes} under `folder`; a name that would leave the folder is skipped."""
    for rel, data in files.items():
        path = os.path.normpath(os.path.join(folder, rel))
        if not path.startswith(os.path.abspath(folder) + os.sep):
            continue  # a name that leaves the folder is not written
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)


def step_key(job):
    """A hash of everything a step's result depends on (not the uid it runs as).

    A job whose files are not read yet (``plan``) is keyed by ``submission_sha256``
    ({rel: SHA-256 digest}, :func:`autograder.batch.bounds.digests`): the same key as
    once its files are read.
    """
    h = hashlib.sha256()
    plain = {k: v for k, v in job.items()
             if k not in ("submission", "source", "gradebook_db", "uid", "plan", "submission_sha256")}
    h.update(json.dumps(plain, sort_keys=True, default=str).encode())
    for part in ("submission", "source"):
        sums = job.get(f"{part}_sha256")
        if sums is None:
            sums = {rel: hashlib.sha256(data).digest() for rel, data in job[part].items()}
        for rel in sorted(sums):
            h.update(f"{part}/{rel}\0".encode() + sums[rel])
    return h.hexdigest()


def grader_fingerprint():
    """A hash of the grader's own code (checks, hidden checks, pipeline): a change redoes every step."""
    import fmnist_checks

    h = hashlib.sha256()
    for package in (os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.path.dirname(fmnist_checks.__file__)):
        for root, dirs, names in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d not in IGNORED)
            for name in sorted(n for n in names if n.endswith(".py")):
                with open(os.path.join(root, name), "rb") as fh:
                    h.update(name.encode() + b"\0" + fh.read())
    return h.hexdigest()


def grade_step(job, data_dir=None):
    """Grade one submission; return plain results (see the module docstring). Never raises.

    `data_dir`: the folder of the Fashion-MNIST files on this machine (default:
    as :func:`autograder.batch.nbexec.data_folder` resolves it here).
    """
    start = time.perf_counter()
    aid, student = job["assignment"], job["student"]
    out = {"assignment": aid, "student": student, "key": step_key(job), "notes": [], "pieces": {},
           "results": None, "files": {}}
    tmp = tempfile.mkdtemp(prefix=f"fmnist-step-{aid}-")
    try:
        course = os.path.join(tmp, "course")
        write_tree(os.path.join(course, "source", aid), job["source"])
        write_tree(os.path.join(course, "submitted", student, aid), job["submission"])
        with open(os.path.join(course, "nbgrader_config.py"), "w", encoding="utf-8") as fh:
            fh.write(job["config"])
        if job.get("extensions"):  # the late policy's per-student due dates (the config names the file)
            with open(os.path.join(course, "extensions.csv"), "wb") as fh:
                fh.write(job["extensions"])
        db_path = os.path.join(tmp, "gradebook.db")
        with open(db_path, "wb") as fh:
            fh.write(job["gradebook_db"])
        db_url = f"sqlite:///{db_path}"
        if job.get("notes"):  # the coordinator's notes (a cap, a file not taken): into the notebook's notes
            job = dict(job, notes_file=os.path.join(tmp, "notes.json"))
            with open(job["notes_file"], "w", encoding="utf-8") as fh:
                json.dump(job["notes"], fh)
        ok, reason = _autograde(course, aid, student, db_url, job, data_dir)
        folder = os.path.join(course, "autograded", student, aid)
        notebook = os.path.join(folder, f"{aid}.ipynb")
        if ok and os.path.exists(notebook):
            out["results"] = gradebook.read_results(db_url, aid, student)
            with open(notebook, encoding="utf-8") as fh:
                meta = json.load(fh).get("metadata", {}).get("fmnist_grader", {})
            out["pieces"], out["notes"] = meta.get("pieces", {}), meta.get("notes", [])
        else:
            _fallback(course, aid, student, job, reason, out, folder)
        out["files"] = _returned_files(folder, aid, out["notes"]) if os.path.isdir(folder) else {}
    except Exception as exc:  # the batch goes on; this student's line says what happened
        out["notes"].append(f"grading failed: {type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # what the coordinator noted when it took the files (a cap, a link) is the student's note too
    out["notes"] = [n for n in job.get("notes", []) if n not in out["notes"]] + out["notes"]
    out["seconds"] = time.perf_counter() - start
    return out


def _returned_files(folder, aid, notes):
    """{rel: bytes} of the autograded folder, the notebook first, within :data:`RETURNED` (decided before reading)."""
    files, more, _ = survey(folder, RETURNED, first=(f"{aid}.ipynb",), what="the autograded folder")
    taken, changed = read_planned(folder, files)
    notes.extend(more + changed)
    return taken


def _autograde(course, aid, student, db_url, job, data_dir=None):
    """``nbgrader autograde`` for one student in the step's course; (ok, reason when not).

    It runs forked from this process's warm server (:mod:`autograder.batch.warm_nbgrader`),
    or as a fresh ``nbgrader`` process where that server cannot start.
    """
    o = job["options"]
    uid = str(job.get("uid") or "")
    args = (
        "autograde", aid, "--student", student, "--force", f"--CourseDirectory.db_url={db_url}",
        f"--SandboxedExecute.sandbox={o['sandbox']}", f"--SandboxedExecute.timeout={int(o['cell_timeout'])}",
        f"--SandboxedExecute.notebook_timeout={o['notebook_timeout']}",
        f"--SandboxedExecute.memory_mb={o['memory_mb']}", f"--SandboxedExecute.uid={uid}",
        f"--SandboxedExecute.checks_timeout={o['notebook_timeout']}", f"--SandboxedExecute.course_dir={course}",
        f"--SandboxedExecute.seed={job.get('seed', '')}",
        f"--TrustedVerdict.sandbox={o['sandbox']}", f"--TrustedVerdict.step_timeout={o['cell_timeout']}",
        f"--TrustedVerdict.total_timeout={o['notebook_timeout']}", f"--TrustedVerdict.memory_mb={o['memory_mb']}",
        f"--TrustedVerdict.uid={uid}", f"--TrustedVerdict.course_dir={course}",
        f"--TrustedVerdict.seed={job.get('seed', '')}", f"--TrustedVerdict.notes_file={job.get('notes_file', '')}",
        "--LimitOutput.max_lines=300", "--LimitOutput.max_traceback=30",
        "--VouchedTime.use_exchange_time=False")  # the coordinator resolved timestamp.txt
    limit = 3 * o["notebook_timeout"] + 120  # the notebook, its checks, a fresh worker for any left over
    env = nbgrader_env({"PYTHONWARNINGS": "ignore"})
    if data_dir:
        env["FMNIST_EDU_DATA"] = data_dir
    stopped = f"nbgrader's autograde ran out of time ({limit:.0f} s) and was stopped"
    cap = o.get("grader_memory_mb")  # the step's nbgrader process: a data cap (autograder.batch.bounds)
    server = warm_server(env, aid)  # its steps take their own environment, this one's included
    if server is not None:
        log = os.path.join(os.path.dirname(course), "nbgrader.log")
        try:
            code = server.run(args, cwd=course, env=env, log=log, timeout=limit, memory_mb=cap)
        except (OSError, RuntimeError, ValueError):
            pass  # the server died under the step: a fresh nbgrader process grades it
        else:
            if code is None:
                return False, stopped
            with open(log, "rb") as fh:
                return _autograde_outcome(code, fh.read())
    argv = nbgrader_argv(*args)
    if cap and shutil.which("prlimit"):
        argv = prlimit_prefix(cap) + argv
    proc = subprocess.Popen(argv, cwd=course, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        text, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        return False, stopped
    return _autograde_outcome(proc.returncode, text)


def _autograde_outcome(returncode, text):
    """(ok, reason when not) from nbgrader's exit status and output."""
    text = text.decode("utf-8", "replace")
    if os.environ.get("FMNIST_GRADE_DEBUG"):
        sys.stderr.write(text[-6000:])
    if returncode != 0 or "There was an error processing assignment" in text:
        errors = [line.split("]", 1)[-1].strip() for line in text.splitlines() if "ERROR" in line]
        return False, "nbgrader could not autograde the notebook" + (f" ({errors[0][:200]})" if errors else "")
    return True, ""


def _fallback(course, aid, student, job, reason, out, folder):
    """nbgrader could not autograde: the trusted verdict alone, on a notebook made from the source."""
    import nbformat

    from .annotate import fallback_notebook, trusted_pieces

    o = job["options"]
    problems, pieces, notes = trusted_pieces(
        course, aid, student, sandbox=o["sandbox"], limits=Limits(memory_mb=o["memory_mb"]),
        step_timeout=o["cell_timeout"], total_timeout=o["notebook_timeout"],
        uid=int(job["uid"]) if job.get("uid") else None, seed=job.get("seed"))
    notes = list(job.get("notes", [])) + problems + notes + [
        reason + "; the notebook below is the assignment's, with the grader's verdict"]
    out["pieces"], out["notes"] = pieces, notes
    source = os.path.join(course, "source", aid, f"{aid}.ipynb")
    nb = fallback_notebook(source, aid, pieces, notes)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for rel, data in job["submission"].items():
        if not rel.endswith(".ipynb"):
            write_tree(folder, {rel: data})
    nbformat.write(nb, os.path.join(folder, f"{aid}.ipynb"))
    # as nbgrader does for a notebook it cannot grade: every grade is 0 and needs no review
    stamp = job["submission"].get("timestamp.txt", b"").decode("utf-8", "replace").strip() or None
    grades = {}
    for nbk in job["gradebook"]["notebooks"]:
        gs = {c["name"]: {"auto_score": 0.0, "max_score": c["max_score"], "cell_type": c["cell_type"]}
              for c in nbk["grade_cells"] + nbk["task_cells"]}
        for piece, v in pieces.items():
            if f"test_{piece.lower()}" in gs and nbk["name"] == aid:
                gs[f"test_{piece.lower()}"]["auto_score"] = v["score"]
        grades[nbk["name"]] = {"late_submission_penalty": None, "grades": gs,
                               "comments": {c["name"]: None for c in nbk["solution_cells"]}}
    from ..lms.late_policy import fallback_penalties

    fallback_penalties(course, aid, student, stamp, job["gradebook"]["duedate"], grades)  # the course's late policy
    out["results"] = {"timestamp": stamp, "notebooks": grades, "fallback": True}
