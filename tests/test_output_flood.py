"""A kernel that floods the grader with output: what the grading side holds stays bounded as it arrives.

The notebook is run by :class:`autograder.batch.nbexec.SandboxedExecute` in the
real sandbox, in a process of its own (``python -c DRIVER``) whose peak resident
memory (``VmHWM``) it reports: one cell writes 1 MiB lines to stdout for its
whole time limit, one sends 100 KB display data for its whole time limit, and
the cells around them print a line each.
"""

import json
import os
import subprocess
import sys

import pytest

from autograder.batch.output_bounds import MAX_OUTPUT_CHARS, compact_stream
from autograder.sandbox.bwrap import SandboxUnavailable, check_available

pytestmark = pytest.mark.grading

CELL_TIMEOUT = 8
PEAK_MB = 400  # Python with nbclient and numpy loaded is ~100 MB; the old code passed 700 MB in 8 s

CELLS = [
    "print('before the flood')",
    "import sys\ns = 'x' * (1 << 20) + '\\n'\nwhile True:\n    sys.stdout.write(s)\n    sys.stdout.flush()",
    "print('between the floods')",
    "from IPython.display import display\nwhile True:\n    display({'text/plain': 'y' * 100_000}, raw=True)",
    "print('after the floods')",
]

DRIVER = r"""
import json, sys
import nbformat
from autograder.batch.nbexec import SandboxedExecute

cells = json.loads(sys.argv[1])
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
ex = SandboxedExecute(timeout=int(sys.argv[2]), checks=False, notebook_timeout=300)
nb, resources = ex.preprocess(nb, {"nbgrader": {"student": "flood", "assignment": "flood"}})
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"peak_kb": peak, "notes": resources["fmnist_grader"]["notes"],
                  "cells": [{"source": c.source, "outputs": c.get("outputs", []),
                             "grader": c.metadata.get("fmnist_grader")} for c in nb.cells]}))
"""


@pytest.fixture(scope="module")
def flooded():
    try:
        check_available()
    except SandboxUnavailable as exc:
        pytest.skip(str(exc))
    run = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(CELLS), str(CELL_TIMEOUT)],
                         capture_output=True, text=True, timeout=300, cwd=os.path.dirname(os.path.dirname(
                             os.path.abspath(__file__))))
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def _text(cell):
    return "".join(o.get("text", "") for o in cell["outputs"] if o.get("output_type") == "stream")


def test_the_grading_side_holds_a_bounded_amount_of_a_flood(flooded):
    assert flooded["peak_kb"] < PEAK_MB * 1024, f"peak RSS {flooded['peak_kb'] // 1024} MB"


def test_each_flood_keeps_its_cap_and_says_it_was_cut(flooded):
    code = [c for c in flooded["cells"] if not c["grader"]]
    stdout_flood, display_flood = code[1], code[3]
    for cell in (stdout_flood, display_flood):
        size = sum(len(json.dumps(o)) for o in cell["outputs"])
        assert size <= MAX_OUTPUT_CHARS + 2000
        assert "output cut:" in _text(cell) and "more characters not kept" in _text(cell)
        assert _text(cell).count("output cut:") == 1
        assert "was not kept]" not in _text(cell)  # the caps as it ran left cap_outputs nothing to cut
    assert _text(stdout_flood).startswith("x" * 1000)
    assert any(o.get("output_type") == "display_data" for o in display_flood["outputs"])
    assert any("output was cut while it ran" in note for note in flooded["notes"])


def test_the_other_cells_are_run_and_keep_their_outputs(flooded):
    code = [c for c in flooded["cells"] if not c["grader"]]
    assert _text(code[0]) == "before the flood\n"
    assert _text(code[2]) == "between the floods\n"
    assert _text(code[4]) == "after the floods\n"
    stopped = [c for c in flooded["cells"] if c["grader"] == "stopped"]
    assert len(stopped) == 2 and all(f"longer than {CELL_TIMEOUT} s" in c["source"] for c in stopped)


def test_progress_lines_are_applied_before_a_cut():
    assert compact_stream("10%\r50%\r100%\n") == "100%\n"
    assert compact_stream("a\nb\r\n") == "a\nb\r\n"
