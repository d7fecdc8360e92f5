"""Running a submitted notebook cell by cell in the grading sandbox (nbgrader's Execute, made to hold).

:class:`SandboxedExecute` replaces ``nbgrader.preprocessors.Execute`` among
``Autograde.autograde_preprocessors`` (see ``course/nbgrader_config.py``). It
runs every code cell of the student's own notebook in an IPython kernel inside
the sandbox (:mod:`autograder.sandbox`), so the autograded notebook keeps the
student's cells, written answers, outputs and figures (the kernel embeds them
with matplotlib's inline backend). Test cells are not run in the kernel: their
outputs are the trusted verdict (:mod:`autograder.annotate`).

A cell that runs past its time limit or kills the kernel is stopped and marked
in place by a note below it; the kernel is started afresh, the cells above that
had worked are run again silently, and the cells after it still run.

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

KERNEL_NAME = "fmnist-sandbox"
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


MAX_OUTPUT_CHARS = 400_000  # what one cell's outputs keep in the autograded notebook (a figure or two)
MAX_NOTEBOOK_OUTPUT_CHARS = 1_500_000  # and all of them together (figures included)


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
        argv = [sys.executable, "-I", "-m", "autograder.sandbox", "kernel", "{connection_file}"]
    else:
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "Python 3 (fmnist-edu grading)", "language": "python",
            "env": dict(env, MPLBACKEND=INLINE)}
    with open(os.path.join(spec_dir, "kernel.json"), "w", encoding="utf-8") as fh:
        json.dump(spec, fh, indent=1)
    return os.path.join(folder, "kernels")


class SandboxedExecute(Execute):
    """nbgrader's Execute, cell by cell, in the grading sandbox; see the module docstring."""

    sandbox = Bool(True, help="run the kernel in the sandbox (bubblewrap)").tag(config=True)
    timeout = Integer(60, help="seconds one cell may run").tag(config=True)
    notebook_timeout = Float(600.0, help="seconds the whole notebook may run").tag(config=True)
    memory_mb = Integer(4096, help="the kernel's address-space limit").tag(config=True)
    cpu_seconds = Integer(900, help="the kernel's CPU-time limit").tag(config=True)
    uid = Unicode("", help="the unprivileged uid the kernel runs as (default nobody)").tag(config=True)
    student = Unicode("", help="the student (default: from nbgrader's resources)").tag(config=True)
    startup_timeout = Integer(120).tag(config=True)

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

        from .sandbox import open_for_sandbox

        NotebookClient.__init__(self, nb, km)
        # a stopped cell raises here and its kernel is replaced: an interrupt cannot reach a
        # kernel in its own session, and a hung kernel must not wait for a polite shutdown
        self.interrupt_on_timeout = False
        self.shutdown_kernel = "immediate"
        self._check_assign_resources(resources)
        student = self.student or (resources.get("nbgrader") or {}).get("student", "")
        work = tempfile.mkdtemp(prefix="fmnist-kernel-")
        self._runtime = os.path.join(work, "runtime")
        os.makedirs(self._runtime)
        open_for_sandbox(self._runtime, self.uid or None)  # the uid the kernel runs as
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
        try:
            self._run_cells(nb, resources)
            cap_outputs(nb, self.grading_notes)
        except Exception as exc:  # the kernel would not start: the notebook stays as submitted
            self.grading_notes.append(f"the notebook's cells could not be run ({type(exc).__name__}: "
                                      f"{str(exc)[:200]}); the checks' verdict stands")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        resources.setdefault("fmnist_grader", {}).setdefault("notes", []).extend(self.grading_notes)
        return nb, resources

    def _run_cells(self, nb, resources):
        todo = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not is_test(c)]
        deadline = time.monotonic() + self.notebook_timeout
        worked, marks, pos = [], {}, 0
        while pos < len(todo):
            self.reset_execution_trackers()
            with self.setup_kernel():
                if worked and not self._replay(nb, worked, deadline):
                    marks[todo[pos]] = ("the kernel could not be brought back to this point after an "
                                        "earlier cell was stopped; this cell and those below did not run")
                    break
                while pos < len(todo):
                    index = todo[pos]
                    pos += 1
                    if time.monotonic() > deadline:
                        marks[index] = (f"the notebook ran out of time ({self.notebook_timeout:.0f} s): "
                                        f"this cell and those below did not run")
                        pos = len(todo)
                        break
                    cell = nb.cells[index]
                    try:
                        self.execute_cell(cell, index, store_history=True)
                    except CellTimeoutError:
                        marks[index] = (f"the grader stopped this cell: it ran longer than {self.timeout} s")
                        break
                    except DeadKernelError:
                        marks[index] = ("the grader stopped this cell: it ended the kernel (a crash, "
                                        "`exit`, or more memory than allowed)")
                        break
                    if not any(o.get("output_type") == "error" for o in cell.outputs):
                        worked.append(index)
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
            cell = copy.deepcopy(nb.cells[index])
            if time.monotonic() > deadline:
                return False
            try:
                self.execute_cell(cell, index, store_history=False)
            except (CellTimeoutError, DeadKernelError):
                return False
        return True
