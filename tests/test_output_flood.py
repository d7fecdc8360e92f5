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

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.batch.output_bounds import MAX_OUTPUT_CHARS, BoundedOutputs, CellBudget, compact_stream
from autograder.sandbox.bwrap import SandboxUnavailable, check_available

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
nb, resources = ex.preprocess(nb, {"nbgrader": {"student": "flood", "assignment": "a5_evaluation"}})  # a request names a real assignment
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


@pytest.mark.grading
def test_the_grading_side_holds_a_bounded_amount_of_a_flood(flooded):
    assert flooded["peak_kb"] < PEAK_MB * 1024, f"peak RSS {flooded['peak_kb'] // 1024} MB"


@pytest.mark.grading
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


@pytest.mark.grading
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


# --- the message handling alone, messages made here (no kernel) ----------------------------------

class Client(BoundedOutputs, NotebookClient):
    pass


def _running(n_cells=2, index=1):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass") for _ in range(n_cells)])
    client = Client(nb)
    client.reset_execution_trackers()
    client.clear_before_next_output = False
    cell = nb.cells[index]
    client._cell_budget = CellBudget(0, True, cell)
    return client, cell


def _send(client, cell, msg_type, index=1, **content):
    msg = {"msg_type": msg_type, "header": {"msg_type": msg_type}, "parent_header": {"msg_id": "m"},
           "content": content, "metadata": {}}
    return client.process_message(msg, cell, index)


def test_clear_output_gives_the_room_back():
    client, cell = _running()
    for _ in range(3):
        _send(client, cell, "stream", name="stdout", text="z" * 300_000)
        _send(client, cell, "clear_output", wait=False)
    _send(client, cell, "stream", name="stdout", text="last\n")
    assert [o["text"] for o in cell.outputs] == ["last\n"]


def test_a_growing_display_update_is_refused_past_the_cap():
    client, cell = _running()
    for _ in range(20):
        _send(client, cell, "display_data", data={"text/plain": "small"}, metadata={},
              transient={"display_id": "d"})
    _send(client, cell, "update_display_data", data={"text/plain": "w" * 100_000}, metadata={},
          transient={"display_id": "d"})  # 20 outputs of 100 KB: 2 MB
    shown = [o for o in cell.outputs if o["output_type"] == "display_data"]
    assert len(shown) == 20 and all(o["data"]["text/plain"] == "small" for o in shown)
    assert "output cut:" in cell.outputs[-1]["text"]


def test_a_huge_error_is_kept_short_and_a_stream_after_a_cut_is_dropped():
    client, cell = _running()
    _send(client, cell, "stream", name="stdout", text="a" * 500_000)
    _send(client, cell, "stream", name="stdout", text="b" * 10)
    _send(client, cell, "error", ename="ValueError", evalue="v" * 10**6, traceback=["t" * 10**5] * 1000)
    kinds = [o["output_type"] for o in cell.outputs]
    assert kinds == ["stream", "stream", "error"]
    assert "b" not in cell.outputs[0]["text"] and "500,010" not in cell.outputs[1]["text"]
    error = cell.outputs[2]
    assert error["ename"] == "ValueError" and len(json.dumps(error)) < 40_000
    assert sum(len(json.dumps(o)) for o in cell.outputs) <= MAX_OUTPUT_CHARS + 40_000


def test_the_notebook_cap_counts_the_cells_before():
    client, cell = _running(4, 3)
    client._kept_sizes().update({0: 390_000, 1: 390_000, 2: 390_000})
    client._cell_budget = CellBudget(sum(client._sizes.values()), True, cell)
    _send(client, cell, "stream", index=3, name="stdout", text="c" * 390_000)
    assert len(cell.outputs[0]["text"]) < 1_500_000 - 3 * 390_000
    assert "output cut:" in cell.outputs[1]["text"]


def test_late_messages_of_a_stopped_cell_and_widget_messages_are_dropped():
    client, cell = _running()
    other = client.nb.cells[0]
    _send(client, other, "stream", index=0, name="stdout", text="late\n")
    _send(client, cell, "comm_open", comm_id="c", target_name="jupyter.widget", data={"state": {"x": "y" * 1000}})
    assert other.outputs == [] and cell.outputs == [] and client.widget_state == {}


@pytest.mark.grading
def test_a_message_too_large_to_take_costs_its_output_not_the_cell():
    """One print of 100 MB is one kernel message over the client's cap (zmq drops it, and the cell's
    end of output with it): the cell finished, so it is not stopped as if it had hung (its answer
    would score 0); its output says some was lost; the notebook goes on."""
    try:
        check_available()
    except SandboxUnavailable as exc:
        pytest.skip(str(exc))
    cells = ["def answer():\n    return 42\nprint('y' * (100 * 2**20))", "print('after the message')"]
    run = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(cells), "30"], capture_output=True, text=True,
                         timeout=300, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert run.returncode == 0, run.stderr[-3000:]
    done = json.loads(run.stdout.strip().splitlines()[-1])
    assert not any("stopped this cell" in n for n in done["notes"]), done["notes"]
    big = done["cells"][0]
    assert "output lost" in _text(big) and len(_text(big)) < 1000, _text(big)[:500]
