"""Running a submitted notebook cell by cell in the grading sandbox (nbgrader's Execute, made to hold).

:class:`SandboxedExecute` replaces ``nbgrader.preprocessors.Execute`` among
``Autograde.autograde_preprocessors`` (see ``course/nbgrader_config.py``). It
runs every code cell of the student's own notebook in an IPython kernel inside
the sandbox (:mod:`autograder.sandbox.bwrap`), so the autograded notebook keeps the
student's cells, written answers, outputs and figures (the kernel embeds them
with matplotlib's inline backend). Test cells are not run in the kernel: their
outputs are the trusted verdict (:mod:`autograder.batch.annotate`).

A cell that runs past its time limit or kills the kernel is stopped and marked
in place by a note below it; the kernel is started afresh, the cells above that
had worked are run again silently, and the cells after it still run.

Student code runs once: after each answer cell the kernel remembers what it
defined, and after the last cell the hidden checks run in forks of this same
kernel (:mod:`autograder.verdict.kernel_checks`); their results go to
:class:`autograder.batch.annotate.TrustedVerdict` in ``resources``. A given cell the
submission deleted is put back first (:func:`restore_given_cells`).

The data: the folder the Fashion-MNIST files resolve to (``FMNIST_EDU_DATA``,
else the per-user cache, else Debian's folder) is bound read-only into the
sandbox and named by ``FMNIST_EDU_DATA`` there (:func:`data_folder`).
"""

import json
import os
import shutil
import sys
import tempfile
import time

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Integer, Unicode

from fmnist_checks.notebook import is_test

# the output caps: applied as the kernel's messages arrive (BoundedOutputs), and again by cap_outputs
from .output_bounds import MAX_NOTEBOOK_OUTPUT_CHARS, MAX_OUTPUT_CHARS, BoundedOutputs

KERNEL_NAME = "fmnist-sandbox"
# seconds one cell (or one check) may run, in every way of grading: fmnist-grade's --cell-timeout,
# and plain `nbgrader autograde` and formgrader's Autograde button through the course's
# ExecutePreprocessor.timeout (course/nbgrader_config.py)
CELL_TIMEOUT = 60
INLINE = "module://matplotlib_inline.backend_inline"
DATA_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def data_folder():
    """(folder, where) of the Fashion-MNIST files as students' code resolves them, or (None, why).

    ``FMNIST_EDU_DATA`` when set, else the per-user cache (``$XDG_CACHE_HOME/fmnist-edu``,
    default ``~/.cache/fmnist-edu``) when it holds the four files, else
    ``/usr/share/datasets/fashion-mnist`` when it does.
    """
    from fmnist_checks import data

    env = os.environ.get(data.ENV_VAR)
    if env:
        if os.path.isdir(env):
            return os.path.abspath(env), data.ENV_VAR
        return None, f"{data.ENV_VAR} names {env}, which is no folder"
    for folder, where in ((str(data.cache_dir()), "the per-user cache"), (str(data.DEBIAN_DIR), "Debian's folder")):
        if all(os.path.isfile(os.path.join(folder, name)) for name in DATA_FILES):
            return folder, where
    return None, (f"the Fashion-MNIST files are in none of {data.ENV_VAR}, {data.cache_dir()}, "
                  f"{data.DEBIAN_DIR}: cells that load them fail (the sandbox has no network)")


def cap_outputs(nb, notes):
    """Bound what the student's cells printed or drew: the autograded notebook stays small.

    A stream is cut at `MAX_OUTPUT_CHARS` with a line saying how much was left
    out; an output (a figure) larger than that, or anything past
    `MAX_NOTEBOOK_OUTPUT_CHARS` in all, is replaced by such a line.
    """
    import nbformat

    total, cut = 0, 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or is_test(cell):
            continue
        kept, used = [], 0
        for output in cell.get("outputs", []):
            size = len(json.dumps(output, default=str))
            room = min(MAX_OUTPUT_CHARS - used, MAX_NOTEBOOK_OUTPUT_CHARS - total)
            if size <= room:
                kept.append(output)
                used, total = used + size, total + size
                continue
            cut += 1
            if output.get("output_type") == "stream" and room > 1000:
                text = "".join(output.get("text", ""))
                output["text"] = text[:room - 200] + f"\n... ({len(text) - room + 200} more characters not kept)\n"
                kept.append(output)
                used, total = used + room, total + room
            else:
                kept.append(nbformat.v4.new_output(
                    "stream", name="stdout", text=f"[an output of {size} characters was not kept]\n"))
        cell["outputs"] = kept
    if cut:
        notes.append(f"{cut} output(s) of the notebook's cells were cut: a cell keeps at most "
                     f"{MAX_OUTPUT_CHARS:,} characters of output, the notebook {MAX_NOTEBOOK_OUTPUT_CHARS:,}")


def restore_given_cells(nb, source_path):
    """Put back the given cells (locked code the notebook gives) a submission deleted; return notes.

    The answers are graded with the code the notebook gives (the contract), so
    a given cell missing from the student's notebook (by grade id) goes back in
    before the first cell that follows it in the assignment's notebook, with a
    grader's note above it. nbgrader itself restores edited locked cells.
    """
    import nbformat

    from fmnist_checks.notebook import is_given, nbgrader_meta

    try:
        source = nbformat.read(source_path, as_version=4)
    except Exception:
        return []
    order = {nbgrader_meta(c).get("grade_id"): i for i, c in enumerate(source.cells) if nbgrader_meta(c).get("grade_id")}
    present = {nbgrader_meta(c).get("grade_id") for c in nb.cells}
    notes = []
    for i, cell in enumerate(source.cells):
        gid = nbgrader_meta(cell).get("grade_id")
        if not is_given(cell) or not gid or gid in present:
            continue
        after = [j for j, c in enumerate(nb.cells) if order.get(nbgrader_meta(c).get("grade_id"), -1) > i]
        at = after[0] if after else len(nb.cells)
        restored = nbformat.v4.new_code_cell(cell.source, metadata=dict(cell.metadata))
        note = note_cell(f"**Grader's note:** the given cell `{gid}` was missing from this notebook; "
                         f"the grader put it back.", "restored")
        nb.cells[at:at] = [note, restored]
        present.add(gid)
        notes.append(f"the given cell {gid!r} was missing; the grader put it back before running the notebook")
    return notes


def note_cell(text, kind="note"):
    """A markdown cell of the grader's, recognisable by its metadata."""
    import nbformat

    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["fmnist_grader"] = kind
    return cell


def write_kernelspec(folder, sandbox, env):
    """Write the grading kernelspec under ``folder/kernels``; return its kernels folder."""
    spec_dir = os.path.join(folder, "kernels", KERNEL_NAME)
    os.makedirs(spec_dir, exist_ok=True)
    if sandbox:
        # -I: the kernel starts in the student's folder, which must not shadow our modules
        argv = [sys.executable, "-I", "-m", "autograder.sandbox.kernel_host", "{connection_file}"]
    else:
        argv = [sys.executable, "-I", "-m", "autograder.sandbox.kernel_host", "--no-sandbox", "{connection_file}"]
    spec = {"argv": argv, "display_name": "Python 3 (fmnist-edu grading)", "language": "python",
            "env": dict(env, MPLBACKEND=INLINE)}
    with open(os.path.join(spec_dir, "kernel.json"), "w", encoding="utf-8") as fh:
        json.dump(spec, fh, indent=1)
    return os.path.join(folder, "kernels")


def course_dir_of(preprocessor):
    """The course folder of an autograde preprocessor: its ``course_dir`` trait, else nbgrader's."""
    if getattr(preprocessor, "course_dir", ""):
        return preprocessor.course_dir
    converter = getattr(preprocessor.parent, "parent", None)
    coursedir = getattr(converter, "coursedir", None)
    return coursedir.root if coursedir is not None else os.getcwd()


class SandboxedExecute(BoundedOutputs, Execute):
    """nbgrader's Execute, cell by cell, in the grading sandbox; see the module docstring."""

    sandbox = Bool(True, help="run the kernel in the sandbox (bubblewrap)").tag(config=True)
    timeout = Integer(CELL_TIMEOUT, help="seconds one cell may run").tag(config=True)
    notebook_timeout = Float(600.0, help="seconds the whole notebook may run").tag(config=True)
    memory_mb = Integer(4096, help="the kernel's address-space limit").tag(config=True)
    cpu_seconds = Integer(900, help="the kernel's CPU-time limit").tag(config=True)
    uid = Unicode("", help="the unprivileged uid the kernel runs as (default nobody)").tag(config=True)
    student = Unicode("", help="the student (default: from nbgrader's resources)").tag(config=True)
    startup_timeout = Integer(120).tag(config=True)
    # nbgrader's Execute raises when a cell's output never ends after its reply came; here a kernel
    # message over MAX_MESSAGE_BYTES is dropped by zmq (output_bounds), and the cell's end of output
    # with it: the cell did finish (its reply came), so it is not stopped as if it had hung
    raise_on_iopub_timeout = Bool(False).tag(config=True)
    checks = Bool(True, help="run the hidden checks in forks of the notebook's kernel after its last "
                             "cell (autograder.verdict.kernel_checks); else the trusted verdict runs them in "
                             "a worker of its own").tag(config=True)
    checks_timeout = Float(600.0, help="seconds all of the checks may run").tag(config=True)
    seed = Unicode("", help="the hidden inputs' seed (default: derived from the course's secret)").tag(config=True)
    course_dir = Unicode("", help="the course folder (default: nbgrader's)").tag(config=True)

    def create_kernel_manager(self):
        from jupyter_client.kernelspec import KernelSpecManager

        ksm = KernelSpecManager(kernel_dirs=[self._kernels], ensure_native_kernel=False)
        self.km = self.kernel_manager_class(
            kernel_name=KERNEL_NAME, kernel_spec_manager=ksm, config=self.config,
            transport="ipc", ip=os.path.join(self._runtime, "kernel"),
            connection_file=os.path.join(self._runtime, "connection.json"))
        return self.km

    def preprocess(self, nb, resources=None, km=None):
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        # a stopped cell raises here and its kernel is replaced: an interrupt cannot reach a
        # kernel in its own session, and a hung kernel must not wait for a polite shutdown
        self.interrupt_on_timeout = False
        self.shutdown_kernel = "immediate"
        self._check_assign_resources(resources)
        student = self.student or (resources.get("nbgrader") or {}).get("student", "")
        work = tempfile.mkdtemp(prefix="fmnist-kernel-")
        # the kernel's sockets and connection file: the grader's alone, never bound into a
        # sandbox (autograder.sandbox.kernel_host hands the kernel its sockets as descriptors)
        self._runtime = os.path.join(work, "runtime")
        os.makedirs(self._runtime, mode=0o700)
        assignment = (resources.get("nbgrader") or {}).get("assignment", "")
        env = {"FMNIST_EDU_STUDENT": student, "FMNIST_EDU_ASSIGNMENT": assignment, "FMNIST_SANDBOX_UID": self.uid,
               "FMNIST_SANDBOX_MEMORY_MB": str(self.memory_mb),
               "FMNIST_SANDBOX_CPU_SECONDS": str(self.cpu_seconds), "PYTHONWARNINGS": "ignore"}
        folder, where = data_folder()
        self.grading_notes = []
        if folder:
            env["FMNIST_EDU_DATA"] = folder
            env["FMNIST_SANDBOX_READABLE"] = folder
        else:
            self.grading_notes.append(f"no Fashion-MNIST data for the notebook's cells: {where}")
        self._kernels = write_kernelspec(work, self.sandbox, env)
        self._checks = self._make_checks(assignment, student, resources)
        if self._checks is not None:
            self.grading_notes += restore_given_cells(
                nb, os.path.join(course_dir_of(self), "source", assignment, f"{assignment}.ipynb"))
        try:
            self._run_cells(nb, resources)
            cap_outputs(nb, self.grading_notes)
            if self._checks is not None and self._checks.ran:
                from ..verdict.kernel_checks import seed_digest

                resources.setdefault("fmnist_grader", {}).update(
                    records=self._checks.records, seed_digest=seed_digest(self._checks.seed))
                self.grading_notes += self._checks.notes
        except Exception as exc:  # the kernel would not start: the notebook stays as submitted
            self.grading_notes.append(f"the notebook's cells could not be run ({type(exc).__name__}: "
                                      f"{str(exc)[:200]}); the checks' verdict stands")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        resources.setdefault("fmnist_grader", {}).setdefault("notes", []).extend(self.grading_notes)
        return nb, resources

    def _make_checks(self, assignment, student, resources):
        """The checks to run in the kernel, or None (not one of the course's assignment notebooks)."""
        from fmnist_checks.pieces import ASSIGNMENTS

        info = resources.get("nbgrader") or {}
        if not self.checks or assignment not in ASSIGNMENTS or info.get("notebook", assignment) != assignment:
            return None
        from ..hidden import grading_seed
        from ..verdict.kernel_checks import KernelChecks

        seed = int(self.seed) if self.seed.isdigit() else grading_seed(
            assignment, student, course_dir=course_dir_of(self))
        from ..sandbox.kernel_host import checks_address

        return KernelChecks(assignment, seed, checks_address(os.path.join(self._runtime, "kernel")),
                            step_timeout=self.timeout,
                            total_timeout=self.checks_timeout, sandboxed=self.sandbox)

    def _execute(self, cell, index, store_history=True):
        """Run one cell; after an answer cell that worked, the kernel remembers what it defined."""
        self.execute_cell(cell, index, store_history=store_history)
        error = next((o for o in cell.outputs if o.get("output_type") == "error"), None)
        if self._checks is not None:
            self._checks.cell_ran(cell, None if error is None else
                                  {"type": error.get("ename", "Error"), "message": error.get("evalue", "")})
            code = self._checks.remember_code(cell) if error is None else None
            if code is not None:
                self._call(code, self.timeout, raise_stop=True)  # a kernel that hangs here: this cell's stop
        return error is None

    def _call(self, code, timeout, raise_stop=False):
        """Run grader code in the kernel, its outputs dropped: "ok", "dead" or "timeout".

        With `raise_stop`, a timeout or a dead kernel raises as for a cell.
        """
        import nbformat

        # nbclient writes the executed cell back at its index: a place of its own at the end
        cell, saved = nbformat.v4.new_code_cell(code), self.timeout
        self.nb.cells.append(cell)
        self.timeout = int(timeout)
        try:
            self.execute_cell(cell, len(self.nb.cells) - 1, store_history=False)
        except (CellTimeoutError, DeadKernelError) as exc:
            if raise_stop:
                raise
            return "timeout" if isinstance(exc, CellTimeoutError) else "dead"
        finally:
            self.timeout = saved
            self.nb.cells.pop()
        return "ok"

    def _run_cells(self, nb, resources):
        todo = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not is_test(c)]
        deadline = time.monotonic() + self.notebook_timeout
        worked, marks, pos = [], {}, 0
        checked = self._checks is None
        while pos < len(todo) or not checked:
            self.reset_execution_trackers()
            with self.setup_kernel():
                if worked and not self._replay(nb, worked, deadline):
                    if pos < len(todo):
                        marks[todo[pos]] = ("the kernel could not be brought back to this point after an "
                                            "earlier cell was stopped; this cell and those below did not run")
                    break  # the checks, if not run yet, run in a fresh worker
                stopped = False
                while pos < len(todo):
                    index = todo[pos]
                    pos += 1
                    if time.monotonic() > deadline:
                        marks[index] = (f"the notebook ran out of time ({self.notebook_timeout:.0f} s): "
                                        f"this cell and those below did not run")
                        pos, checked = len(todo), True  # the checks run in a fresh worker
                        break
                    cell = nb.cells[index]
                    try:
                        if self._execute(cell, index):
                            worked.append(index)
                    except CellTimeoutError:
                        marks[index] = (f"the grader stopped this cell: it ran longer than {self.timeout} s")
                    except DeadKernelError:
                        marks[index] = ("the grader stopped this cell: it ended the kernel (a crash, "
                                        "`exit`, or more memory than allowed)")
                    if index in marks:
                        stopped = True
                        if self._checks is not None:
                            self._checks.cell_ran(cell, {"type": "Killed", "message": marks[index]})
                        break
                if not stopped and not checked:
                    checked = True  # in the kernel the notebook left; a fresh one if its last cell was stopped
                    self._checks.run(self._call)
        for index in sorted(marks):
            first = next((line for line in nb.cells[index].source.splitlines() if line.strip()), "")
            first = first if len(first) <= 60 else first[:57].rsplit(" ", 1)[0] + " …"
            self.grading_notes.append(f"the cell {first.strip()!r}: {marks[index]}")
        for index in sorted(marks, reverse=True):
            more = "" if marks[index].endswith("did not run") else (
                " The cells below ran in a fresh kernel, after the cells above that had worked ran again.")
            nb.cells.insert(index + 1, note_cell(f"**Grader's note:** {marks[index]}.{more}", "stopped"))

    def _replay(self, nb, worked, deadline):
        """Run again, silently, the cells that had worked; False when one of them fails now."""
        import copy

        for index in worked:
            original = nb.cells[index]
            cell = copy.deepcopy(original)
            if time.monotonic() > deadline:
                return False
            try:
                self._execute(cell, index, store_history=False)
            except (CellTimeoutError, DeadKernelError):
                return False
            finally:
                nb.cells[index] = original  # nbclient put the silent run's copy there
        return True
