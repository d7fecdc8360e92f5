"""The sandboxed worker: run a submission's cells and cases, hand back plain data only.

``python -m autograder.worker JOB.json`` runs inside the sandbox. The job names
the assignment, the pieces, the grading seed, the cells to run (the given cells
from the instructor's source notebook, the answer cells from the submission)
and the steps to skip (steps that hung or crashed an earlier run). It writes one
JSON line per step to stdout:

``{"step": "cell:<grade id>", "ok": true}`` or ``..., "ok": false, "error": ...}``
``{"step": "case:<piece>:<index>", "result": <plain data>}``

The cases are built before any student code runs, so patching numpy's random
generator cannot change their inputs; the results are plain data
(:mod:`fmnist_checks.plain`), written with the JSON writer this module imported
before student code ran. The trusted side compares them with expectations it
computes itself; nothing here decides a grade.
"""

import contextlib
import io
import json
import linecache
import os
import sys
import warnings

from fmnist_checks.core import call_answer, describe_exception
from .hidden import all_cases, isolated
from fmnist_checks.plain import dumps

_write = sys.stdout.write
_flush = sys.stdout.flush
_real_stdout = sys.stdout


class BoundedSink(io.TextIOBase):
    """A text stream that keeps the first `limit` characters and drops the rest."""

    def __init__(self, limit=1 << 20):
        super().__init__()
        self.limit, self.kept = limit, []
        self.size = 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        if self.size < self.limit:
            self.kept.append(text[: self.limit - self.size])
        self.size += len(text)
        return len(text)

    def clear(self):
        self.kept, self.size = [], 0


def emit(record):
    """Write one JSON line to the real stdout, whatever the student did to sys.stdout."""
    _write(json.dumps(record) + "\n")
    _flush()


def step_names(pieces, cases):
    """The ordered step names of a job (used by the trusted side to resume)."""
    names = []
    for piece in pieces:
        for i in range(len(cases[piece])):
            names.append(f"case:{piece}:{i}")
    return names


def transform(source):
    """IPython's cell transformations (magics become calls), else the source."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:
        return source


def run_job(job):
    """Run the job's cells then its cases, emitting one record per step."""
    skip = set(job.get("skip", []))
    pieces = job["pieces"]
    cases = {}
    for piece in pieces:
        visible, hidden = all_cases(piece, job["seed"])
        cases[piece] = visible + hidden
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    sink = BoundedSink()
    for grade_id, source in job["cells"]:
        step = f"cell:{grade_id}"
        if step in skip:
            continue
        emit({"step": step, "started": True})
        filename = f"<cell {grade_id}>"
        source = transform(source)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            code = compile(source, filename, "exec")
            with _quiet(sink):
                exec(code, namespace)
            emit({"step": step, "ok": True})
        except BaseException as exc:  # noqa: B902 - the student's cell may raise anything
            emit({"step": step, "ok": False, "error": describe_exception(exc)["__error__"]})
        sink.clear()
    for piece in pieces:
        answer = namespace.get(piece)
        for i, case in enumerate(cases[piece]):
            step = f"case:{piece}:{i}"
            if step in skip or f"case:{piece}:*" in skip:
                continue
            emit({"step": step, "started": True})
            if answer is None:
                result = {"__error__": {"type": "NameError", "where": None,
                                        "message": f"{piece} is not defined by the notebook"}}
            else:
                with _quiet(sink), isolated(piece, answer):
                    result = call_answer(case, answer)
            sink.clear()
            try:
                text = dumps(result)
            except Exception as exc:
                text = dumps({"__error__": {"type": "WrongType", "where": None,
                                            "message": f"the result could not be sent: {exc}"}})
            _write(f'{{"step": "{step}", "result": {text}}}\n')
            _flush()
    emit({"step": "done"})


@contextlib.contextmanager
def _quiet(sink):
    """Student output goes to a bounded buffer, never to the protocol's stdout."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0], encoding="utf-8") as fh:
        job = json.load(fh)
    os.environ["FMNIST_EDU_STUDENT"] = job.get("student", "")
    run_job(job)
    # leave at once: atexit handlers or threads the student left must not run on
    _real_stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
