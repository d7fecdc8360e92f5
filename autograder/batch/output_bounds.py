"""Bounding a kernel's output while it arrives: the grading side holds O(cap) whatever the kernel sends.

nbclient appends every iopub message of a running cell to ``cell.outputs``;
a cell that floods stdout or display data for its whole time limit would pile
gigabytes up in the grading process before :func:`autograder.batch.nbexec.cap_outputs`
ever ran. :class:`BoundedOutputs` (mixed into
:class:`autograder.batch.nbexec.SandboxedExecute`) applies the same caps as
messages come in: a cell keeps at most ``MAX_OUTPUT_CHARS`` characters of
output, the notebook ``MAX_NOTEBOOK_OUTPUT_CHARS`` in all. Stream text is
appended in place to the cell's last stream of that name (lines overwritten
after a ``\\r`` dropped before a cut), display data, results and updates of a
display (``update_display_data``) are charged what they add, ``clear_output``
gives the room back, and an error is always kept (shortened when it is large:
the grader reads it to know the cell failed). What does not fit is dropped, and
the cell gets one line saying so (``output cut: ...``), its count kept up to date.
Widget (comm) messages are ignored: no widget state is kept. nbclient leaves a
stopped cell's reader running; what it reads after the cell ended is dropped.

The kernel's client is made with a zmq context whose sockets refuse a message
part over ``MAX_MESSAGE_BYTES`` (``zmq.MAXMSGSIZE``: the connection is dropped
and not made again, the message lost) and queue at most ``RECEIVE_QUEUE``
messages (``zmq.RCVHWM``: past it the kernel's publisher drops them), so zmq's
buffers stay bounded too (a message of many parts is bounded only part by
part). A cell whose reply came but whose end of output ("idle") was dropped
with them has finished: it is not stopped as if it had hung, its output gets a
line saying some of it was lost, and the next cell waits until the channel
delivers again.
"""

import json

from nbclient.client import _RGX_CARRIAGERETURN, NotebookClient
from nbclient.util import ensure_async, run_hook, run_sync
from nbformat.v4 import new_output, output_from_msg

MAX_OUTPUT_CHARS = 400_000  # what one cell's outputs keep in the autograded notebook (a figure or two)
MAX_NOTEBOOK_OUTPUT_CHARS = 1_500_000  # and all of them together (figures included)
MAX_MESSAGE_BYTES = 64 << 20  # one part of a kernel's message (a 30 MB print is one message; still kept whole)
RECEIVE_QUEUE = 8  # kernel messages zmq may hold for the grader (so <= 512 MiB of them)
NOTE_ROOM = 400  # kept free in a cell, and in the notebook, for the note that says what was cut
ERROR_CHARS = 2_000  # a shortened error's value, and each traceback line it keeps


def escaped_len(text):
    """Characters `text` takes in the notebook's JSON (as :func:`autograder.batch.nbexec.cap_outputs` counts)."""
    return len(json.dumps(text)) - 2


def output_size(out):
    """Characters an output takes in the notebook's JSON."""
    return len(json.dumps(out, default=str))


def fit(text, room):
    """The longest start of `text` that takes at most `room` characters in JSON."""
    k = min(len(text), room)
    while k > 0 and escaped_len(text[:k]) > room:
        k = max(0, k - (escaped_len(text[:k]) - room))
    return text[:k]


def compact_stream(text):
    """The text as the notebook keeps it: a line overwritten after a carriage return dropped (as nbclient does)."""
    return _RGX_CARRIAGERETURN.sub("", text)


def short_error(out):
    """An error output made small: its name, the start of its value, a few traceback lines."""
    tb = [str(line)[:ERROR_CHARS] for line in out.get("traceback", [])]
    if len(tb) > 10:
        tb = tb[:5] + [f"... ({len(tb) - 10} traceback lines not kept)"] + tb[-5:]
    return new_output("error", ename=str(out.get("ename", "Error"))[:200],
                      evalue=str(out.get("evalue", ""))[:ERROR_CHARS], traceback=tb)


class CellBudget:
    """What one running cell may still keep; `others` is what the notebook's other cells hold."""

    def __init__(self, others, record, cell=None):
        self.others, self.record, self.cell = others, record, cell
        self.used, self.dropped, self.note = 0, 0, None
        self.idle = False  # the kernel's "idle" for this cell arrived: its output is whole

    def room(self):
        return max(0, min(MAX_OUTPUT_CHARS - NOTE_ROOM - self.used,
                           MAX_NOTEBOOK_OUTPUT_CHARS - NOTE_ROOM - self.others - self.used))

    def cleared(self):
        self.used, self.note = 0, None


class BoundedOutputs:
    """Mixin for a NotebookClient: caps each cell's and the notebook's outputs as messages arrive."""

    def _budget(self, cell_index=None):
        return self._cell_budget

    def _kept_sizes(self):
        """{cell index: characters kept} of the notebook now being run (reset for a new notebook)."""
        if getattr(self, "_sizes_nb", None) is not self.nb:
            self._sizes_nb, self._sizes = self.nb, {}
        return self._sizes

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        # only a cell run for the notebook (store_history) keeps its outputs: replays and the
        # grader's own calls are dropped afterwards, so they count against the caps but are not kept
        sizes = self._kept_sizes()
        if store_history:
            sizes.pop(cell_index, None)
        self._cell_budget = budget = CellBudget(sum(sizes.values()), store_history, cell)
        try:
            reply = await NotebookClient.async_execute_cell(self, cell, cell_index, execution_count, store_history)
        finally:
            self._cell_budget = None
            if budget.record:
                sizes[cell_index] = budget.used
        if not budget.idle:
            await self._output_lost(cell, budget)
        return reply

    async def _output_lost(self, cell, budget):
        """The cell finished (its reply came) but its end of output did not: zmq dropped a message.

        A message over ``MAX_MESSAGE_BYTES`` breaks the connection (zmq does not make it again,
        so the cells after it lose their output too); one past the queue is dropped alone. The
        cell says what it lost; the next cell is run once the channel delivers again, if it does.
        """
        if budget.record:
            if budget.note is None:
                budget.note = new_output("stream", name="stdout", text="")
                cell["outputs"].append(budget.note)
            budget.note["text"] = ((self._note_text(budget) if budget.dropped else "\n")
                                   + "... output lost: some of this cell's output came in a message over "
                                   f"{MAX_MESSAGE_BYTES // 2**20} MB or faster than the grader reads it\n")
        if getattr(self, "_iopub_gone", None) is not self.nb and not await self._iopub_back():
            self._iopub_gone = self.nb  # not coming back: later cells are not waited for again

    async def _iopub_back(self, seconds=5.0):
        """Wait (at most `seconds`) until the kernel's output channel delivers again: a kernel_info's status."""
        import asyncio
        import time
        from queue import Empty

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            msg_id = self.kc.kernel_info()
            try:
                while time.monotonic() < deadline:
                    msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=0.5))
                    if msg.get("parent_header", {}).get("msg_id") == msg_id:
                        return True
            except Empty:
                await asyncio.sleep(0.1)
        return False

    execute_cell = run_sync(async_execute_cell)

    async def async_start_new_kernel_client(self):
        """nbclient's, with a client whose zmq sockets bound message size and queue length."""
        import zmq
        import zmq.asyncio

        from jupyter_client import AsyncKernelManager

        context = zmq.asyncio.Context() if isinstance(self.km, AsyncKernelManager) else zmq.Context()
        context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        context.setsockopt(zmq.RCVHWM, RECEIVE_QUEUE)
        try:
            self.kc = self.km.client(context=context)
            self.kc._created_context = True  # the client destroys it when its channels stop
            await ensure_async(self.kc.start_channels())
            await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))
        except Exception as exc:
            self.log.error(f"Error occurred while starting new kernel client: {exc}")
            await self._async_cleanup_kernel()
            raise
        self.kc.allow_stdin = False
        await run_hook(self.on_notebook_start, notebook=self.nb)
        return self.kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def process_message(self, msg, cell, cell_index):
        budget = getattr(self, "_cell_budget", None)
        if budget is None or budget.cell is not cell:
            # nbclient leaves a stopped cell's reader running: what it reads late is dropped
            return None
        if msg.get("msg_type", "").startswith("comm"):
            return None  # widgets: their state would be held for every comm the kernel opens
        if msg.get("msg_type") == "status" and msg.get("content", {}).get("execution_state") == "idle":
            budget.idle = True
        return NotebookClient.process_message(self, msg, cell, cell_index)

    def _update_display_id(self, display_id, msg):
        """Update a display in place when what it adds fits the running cell's room."""
        places = self._display_id_map.get(display_id) or {}
        count = sum(len(indices) for indices in places.values())
        if count:
            budget = self._budget(None)
            new = len(json.dumps(msg.get("content", {}).get("data", {}), default=str))
            old = 0
            for cell_idx, indices in places.items():
                outputs = self.nb["cells"][cell_idx].get("outputs", []) if cell_idx < len(self.nb["cells"]) else []
                old = next((len(json.dumps(outputs[i].get("data", {}), default=str))
                            for i in indices if i < len(outputs)), 0)
                break
            growth = count * (new - old)
            if growth > budget.room():
                self._cut(None, budget, max(new, 0))
                return
            budget.used = max(0, budget.used + growth)
        NotebookClient._update_display_id(self, display_id, msg)

    def clear_output(self, outs, msg, cell_index):
        NotebookClient.clear_output(self, outs, msg, cell_index)
        if not msg.get("content", {}).get("wait"):
            self._budget(cell_index).cleared()

    def output(self, outs, msg, display_id, cell_index):
        """nbclient's output, within the cell's room: streams appended in place, the rest dropped."""
        budget = self._budget(cell_index)
        try:
            out = output_from_msg(msg)
        except ValueError:
            return None
        if self.clear_before_next_output:
            outs[:] = []
            self.clear_display_id_mapping(cell_index)
            self.clear_before_next_output = False
            budget.cleared()
        kind = out.get("output_type")
        if budget.note is not None and kind != "error":
            budget.dropped += output_size(out)  # the cell is cut: nothing more of it is kept
            budget.note["text"] = self._note_text(budget)
            return None
        size = output_size(out)
        last = outs[-1] if outs and outs[-1].get("output_type") == "stream" else None
        if kind == "stream" and last is not None and last.get("name") == out.get("name"):
            size = escaped_len(out["text"])
            if size > budget.room():  # overwritten progress lines first
                text = compact_stream(last["text"])
                budget.used -= escaped_len(last["text"]) - escaped_len(text)
                last["text"] = text
            kept = fit(out["text"], budget.room())
            last["text"] += kept
            budget.used += escaped_len(kept)
            if len(kept) < len(out["text"]):
                self._cut(outs, budget, len(out["text"]) - len(kept))
            return last
        if size > budget.room():
            if kind == "stream" and budget.room() > size - escaped_len(out["text"]):
                text = out["text"]
                out["text"] = fit(text, budget.room() - (size - escaped_len(text)))
                outs.append(out)
                budget.used += output_size(out)
                self._cut(outs, budget, len(text) - len(out["text"]))
                return out
            if kind == "error" and not any(o.get("output_type") == "error" for o in outs):
                out = short_error(out)  # kept: the grader reads it to know the cell failed
                outs.append(out)
                budget.used += output_size(out)
                return out
            self._cut(outs, budget, size)
            return None
        if display_id:
            cell_map = self._display_id_map.setdefault(display_id, {})
            cell_map.setdefault(cell_index, []).append(len(outs))
        outs.append(out)
        budget.used += size
        return out

    def _note_text(self, budget):
        return (f"\n... output cut: {budget.dropped:,} more characters not kept (a cell keeps at most "
                f"{MAX_OUTPUT_CHARS:,} characters of output, the notebook {MAX_NOTEBOOK_OUTPUT_CHARS:,})\n")

    def _cut(self, outs, budget, dropped):
        """Drop `dropped` characters of the running cell's output: its one note says how many."""
        budget.dropped += dropped
        if budget.note is None:
            outs = outs if outs is not None else budget.cell["outputs"]
            budget.note = new_output("stream", name="stdout", text="")
            outs.append(budget.note)
            notes = getattr(self, "grading_notes", None)
            if budget.record and isinstance(notes, list) and not getattr(self, "_cut_noted", None) is self.nb:
                self._cut_noted = self.nb
                notes.append(f"a cell's output was cut while it ran: a cell keeps at most {MAX_OUTPUT_CHARS:,} "
                             f"characters of output, the notebook {MAX_NOTEBOOK_OUTPUT_CHARS:,}")
        budget.note["text"] = self._note_text(budget)
