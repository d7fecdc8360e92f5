"""The supervisor forks one child per piece: its cases run one after another there.

:func:`autograder.sandbox.worker.supervise` is driven directly with a child that
answers each case from what the case asks (its pid, a crash, a hang, a frame
too large), so each rule is seen on its own: one fork per piece, a crash or a
hang skips the piece's later cases and no other piece's, a frame too large
costs only its case, and each case has the step time from the end of the one
before.
"""

import json
import os
import threading
import time

from autograder.sandbox.worker import batches, supervise
from autograder.sandbox.worker_child import send_frames
from autograder.sandbox.worker_frames import read_frame


def _case(piece, i, do="pid"):
    return {"step": f"case:{piece}:{i}", "piece": piece, "do": do}


def _compute(step):
    do = step["do"]
    if do == "crash":
        os._exit(3)
    if do == "hang":
        time.sleep(60)
    if do == "big":
        return {"result": "x" * 5000}
    if do == "count":  # a global that persists between calls, as a student's counter would
        _calls.append(step["step"])
        return {"result": len(_calls)}
    if do.startswith("sleep"):
        time.sleep(float(do[5:]))
    return {"result": os.getpid()}


_calls = []


def _child(steps, fd):
    send_frames(fd, steps, _compute)


arrived = {}  # step -> when its frame reached the reader


def _supervise(steps, step_timeout=5.0, max_frame=1000):
    """{step: (status, payload)} in the order the supervisor sent them."""
    r, w = os.pipe()
    out = []
    arrived.clear()

    def read():
        while True:
            status, head = read_frame(r, 1 << 20)
            if status != "ok":
                return
            _, payload = read_frame(r, 1 << 20)
            header = json.loads(head)
            out.append((header["step"], header["status"], payload))
            arrived[header["step"]] = time.monotonic()
            if header["step"] == "done":
                return

    reader = threading.Thread(target=read)
    reader.start()
    supervise({"steps": steps, "step_timeout": step_timeout, "max_frame": max_frame}, w, run_child=_child)
    reader.join(10)
    os.close(w)
    os.close(r)
    assert out and out[-1][0] == "done", out
    return {step: (status, payload) for step, status, payload in out[:-1]}, [s for s, _, _ in out[:-1]]


def test_batches_hold_consecutive_cases_of_one_piece_and_each_cell_step_alone():
    steps = [{"step": "cell:a", "piece": "a"}, _case("a", 0), _case("a", 1), _case("b", 0),
             {"step": "cell:b", "piece": "b"}, _case("b", 1), _case("a", 2)]
    got = [[s["step"] for s in b] for b in batches(steps)]
    assert got == [["cell:a"], ["case:a:0", "case:a:1"], ["case:b:0"], ["cell:b"], ["case:b:1"], ["case:a:2"]]


def test_each_piece_runs_its_cases_in_one_fork_of_its_own():
    steps = [_case("a", i) for i in range(4)] + [_case("b", i) for i in range(3)]
    results, order = _supervise(steps)
    assert order == [s["step"] for s in steps]
    pids = {name: int(json.loads(payload)["result"]) for name, (status, payload) in results.items()
            if status == "ok"}
    assert len(pids) == 7, results
    assert len({pids[f"case:a:{i}"] for i in range(4)}) == 1, pids
    assert len({pids[f"case:b:{i}"] for i in range(3)}) == 1, pids
    assert pids["case:a:0"] != pids["case:b:0"] and os.getpid() not in pids.values(), pids


def test_a_crash_skips_the_rest_of_its_piece_and_no_other_piece():
    steps = [_case("a", 0), _case("a", 1, "crash"), _case("a", 2), _case("b", 0)]
    results, _ = _supervise(steps)
    assert results["case:a:0"][0] == "ok"
    assert results["case:a:1"] == ("exit", b"exit status 3")
    assert results["case:a:2"][0] == "skipped"
    assert results["case:b:0"][0] == "ok"


def test_a_hang_is_stopped_at_the_step_time_and_skips_the_rest_of_its_piece():
    steps = [_case("a", 0), _case("a", 1, "hang"), _case("a", 2), _case("b", 0)]
    start = time.monotonic()
    results, _ = _supervise(steps, step_timeout=1.0)
    assert time.monotonic() - start < 10
    assert results["case:a:1"][0] == "timeout" and results["case:a:2"][0] == "skipped", results
    assert results["case:a:0"][0] == "ok" and results["case:b:0"][0] == "ok", results


def test_each_case_has_the_step_time_from_the_end_of_the_one_before():
    # three cases of 0.6 s each: 1.8 s in all, more than one step time, and each within it
    steps = [_case("a", i, "sleep0.6") for i in range(3)]
    results, _ = _supervise(steps, step_timeout=1.0)
    assert [results[s["step"]][0] for s in steps] == ["ok", "ok", "ok"], results


def test_a_frame_too_large_costs_its_case_and_the_next_run_in_a_fresh_fork():
    steps = [_case("a", 0), _case("a", 1, "big"), _case("a", 2), _case("a", 3)]
    results, _ = _supervise(steps, max_frame=1000)
    assert results["case:a:1"][0] == "too_large", results
    assert [results[f"case:a:{i}"][0] for i in (0, 2, 3)] == ["ok", "ok", "ok"], results
    first, after = (int(json.loads(results[f"case:a:{i}"][1])["result"]) for i in (0, 2))
    assert first != after and int(json.loads(results["case:a:3"][1])["result"]) == after


def test_each_frame_goes_on_as_soon_as_its_case_is_done():
    """The trusted side waits a bounded time for each frame: a piece's frames must not wait for the piece."""
    steps = [_case("a", 0), _case("a", 1, "sleep1.5")]
    results, _ = _supervise(steps)
    assert [results[s["step"]][0] for s in steps] == ["ok", "ok"], results
    assert arrived["case:a:1"] - arrived["case:a:0"] > 1.0, arrived


def test_a_pieces_cases_see_what_the_ones_before_left_and_no_other_piece_does():
    """The promise the guide states: within a piece, state persists from call to call; pieces start afresh."""
    steps = [_case("a", 0, "count"), _case("a", 1, "count"), _case("a", 2, "count"), _case("b", 0, "count")]
    results, _ = _supervise(steps)
    counts = [json.loads(results[s["step"]][1])["result"] for s in steps]
    assert counts == [1, 2, 3, 1], counts
