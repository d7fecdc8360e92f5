"""The trusted side's reading of the worker's frames: one record per step, every size bounded.

The worker (:mod:`autograder.sandbox.worker`, or the notebook's kernel through
:mod:`autograder.sandbox.worker_kernel`) sends a header and a payload per step;
:func:`read_frames` takes them in the order asked for and turns each into a
record :func:`autograder.verdict.trusted.judge` reads: a case's plain result, a cell's
outcome, or a step that hung, crashed or sent too much.
"""

import json
import time

from fmnist_checks.plain import loads
from ..sandbox.worker_frames import read_frame

MAX_FRAME_BYTES = 32 * 2**20
MAX_HEAD_BYTES = 4096


def _killed(step, what):
    return {"step": step, "ok": False, "result": {"__error__": {"type": "Killed", "where": None,
                                                                "message": f"this step {what}"}},
            "error": {"type": "Killed", "where": None, "message": f"this cell {what}"}}


def _note(step, what):
    if step.startswith("case:"):
        piece = step.split(":")[1]
        return f"a check of {piece} {what}; {piece}'s remaining checks were not run"
    return f"running {step[5:]}'s cell {what}; the grader went on without it"


def give_up_at(records, remaining, what):
    """The first of `remaining` steps `what` (it failed); the rest of its piece is not run. Its note.

    `remaining`: the steps asked for that have no record yet, in order.
    """
    current = remaining[0]["step"]
    records[current] = _killed(current, what)
    if current.startswith("case:"):
        piece = current.split(":")[1]
        for s in remaining[1:]:
            if s.get("piece") == piece:
                records[s["step"]] = _killed(s["step"], "was not run: an earlier check of this piece " + what)
    return _note(current, what)


def read_frames(fd, todo, records, notes, step_timeout, deadline):
    """Read (header, payload) frames in the order of `todo`; True when the worker said done.

    Every size is bounded before anything is allocated: a header of at most
    :data:`MAX_HEAD_BYTES`, a payload of at most :data:`MAX_FRAME_BYTES`, and
    arrays by :func:`fmnist_checks.plain.loads`. A frame must name the next
    step asked for; anything else ends the worker.
    """
    expected = [s["step"] for s in todo if s["step"] not in records]
    position = 0
    # the worker enforces each step's time; this is the margin for a stuck worker
    while True:
        wait_until = min(deadline, time.monotonic() + 2 * step_timeout + 120)
        status, head = read_frame(fd, MAX_HEAD_BYTES, deadline=wait_until)
        if status != "ok":
            return False
        status, payload = read_frame(fd, MAX_FRAME_BYTES, deadline=wait_until)
        if status != "ok":
            return False
        try:
            header = json.loads(head.decode("utf-8"))
            step, state = header["step"], header["status"]
            if not isinstance(step, str) or not isinstance(state, str):
                raise ValueError
        except Exception:
            return False
        if step == "done":
            return position >= len(expected)
        if position >= len(expected) or step != expected[position]:
            return False  # not the step asked for next: nothing after this is believed
        position += 1
        records[step] = _record(step, state, payload)
        if state not in ("ok", "skipped"):
            note = _note(step, _WHAT.get(state, "failed"))
            if note not in notes:
                notes.append(note)


_WHAT = {
    "timeout": "took too long (more than the time per check) and was stopped",
    "exit": "ended its process without an answer",
    "too_large": "sent a result larger than the grader accepts",
    "fork_failed": "could not be started (the sandbox's process limit is used up)",
    "skipped": "was not run: an earlier check of this piece hung or crashed",
}


def _record(step, state, payload):
    """The trusted record of one step from the worker's status and payload."""
    what = _WHAT
    if state == "ok":
        try:
            data = loads(payload.decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a record")
        except Exception as exc:
            data = None
            detail = f"its result could not be read ({type(exc).__name__})"
        if data is not None:
            if step.startswith("cell:"):
                error = data.get("error") if isinstance(data.get("error"), dict) else None
                record = {"step": step, "ok": bool(data.get("ok")) and error is None}
                if error is not None or not record["ok"]:
                    err = error or {}
                    record["error"] = {"type": str(err.get("type", "Error"))[:100],
                                       "message": str(err.get("message", ""))[:1000],
                                       "where": None if err.get("where") is None else str(err["where"])[:500]}
                return record
            return {"step": step, "result": data.get("result")}
    else:
        detail = what.get(state, f"failed ({state[:40]})")
        if state == "exit":
            detail += f" ({payload.decode('ascii', 'replace')[:40]})"
    return _killed(step, detail)
