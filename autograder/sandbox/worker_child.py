"""A child of the supervisor: the cells, then its steps, one frame each; it runs student code.

Forked by the supervisor (:mod:`autograder.sandbox.worker`) for one cell step or for the
cases of one piece, cut off from it (:func:`_child_setup`), it runs the given
and answer cells the way a Jupyter kernel would (line magics included), then
each case's run recipe from ``fmnist_checks`` on the student's answer, with the
assignment's other pieces answered from the isolation table, and writes one
frame per step. Standard library, numpy and ``fmnist_checks`` only: in the
sandbox this file stands alone, as ``fmnist_worker_child``.
"""

import io
import os
import signal
import sys


try:  # as autograder.sandbox.worker_child
    from .worker_frames import write_frame
except ImportError:  # standalone in the sandbox
    from fmnist_worker_frames import write_frame


class _Sink(io.TextIOBase):
    """Where a child's sys.stdout/sys.stderr go: nowhere (the fds are /dev/null too)."""

    def writable(self):
        return True

    def write(self, text):
        return len(text) if isinstance(text, str) else 0


def _child_setup(keep_fd):
    """Cut the child off from the supervisor: only `keep_fd` and /dev/null stay open."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 65536)
    sys.stdout = sys.stderr = _Sink()
    sys.stdin = io.StringIO("")
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _transform(source):
    """IPython's cell transformations (magics become get_ipython() calls), else the source."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:
        return source


class _Shell:
    """The little of ``get_ipython()`` an answer cell may use: line and cell magics.

    ``%timeit`` and ``%time`` run their statement once (their timing is not
    graded), ``%matplotlib`` selects nothing (the backend is Agg), every other
    magic is a no-op.
    """

    def __init__(self, namespace):
        self.user_ns = namespace

    def run_line_magic(self, name, line, _stack_depth=1):
        if name in ("timeit", "time") and line.strip():
            args = line.split()
            while args and args[0].startswith("-"):  # -n 10 -r 3 -q -o ...
                flag = args.pop(0)
                if flag in ("-n", "-r", "-p") and args:
                    args.pop(0)
            statement = " ".join(args) if args else line
            exec(compile(statement.strip(), "<magic>", "exec"), self.user_ns)
        return None

    def run_cell_magic(self, name, line, cell):
        if name in ("timeit", "time", "capture"):
            exec(compile(cell, "<magic>", "exec"), self.user_ns)
        return None

    def system(self, *args, **kwargs):
        return None

    def getoutput(self, *args, **kwargs):
        return []

    def __getattr__(self, name):  # showtraceback, input_transformers_cleanup, ...: harmless no-ops
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()


class _Anything(list):
    def __call__(self, *args, **kwargs):
        return None

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()


def run_cells(cells, skip, stop_at=None):
    """Run the cells (all, or up to and including `stop_at`); return (namespace, outcome of stop_at)."""
    import linecache
    import warnings

    from fmnist_checks.core import describe_exception

    namespace = {"__name__": "__main__"}
    namespace["get_ipython"] = lambda: shell
    shell = _Shell(namespace)
    outcome = None
    warnings.simplefilter("ignore")
    for grade_id, source in cells:
        if grade_id in skip and grade_id != stop_at:
            continue
        filename = f"<cell {grade_id}>"
        source = _transform(source)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            exec(compile(source, filename, "exec"), namespace)
            result = {"ok": True}
        except BaseException as exc:  # noqa: B902 - the student's cell may raise anything
            if isinstance(exc, KeyboardInterrupt):
                raise
            result = {"ok": False, "error": describe_exception(exc)["__error__"]}
        if grade_id == stop_at:
            outcome = result
            break
    return namespace, outcome


def _recipe(name):
    """The run recipe `name` (``fmnist_checks.<module>:<function>``); nothing else resolves."""
    from importlib import import_module

    module, _, function = name.partition(":")
    if not module.startswith("fmnist_checks.") or not function.isidentifier():
        raise ValueError(f"not a run recipe: {name!r}")
    value = getattr(import_module(module), function)
    if not callable(value):
        raise ValueError(f"not a run recipe: {name!r}")
    return value


def bind_call(params, args, kwargs):
    """The call's arguments in parameter order, defaults filled in; None when they do not bind.

    `params` is ``[[name, has default, default]]`` of the reference's signature
    (:func:`autograder.isolation.signature_of`), so ``best_split(X, y, "gini")``
    and ``best_split(X, y, criterion="gini", min_samples_leaf=1)`` are one call.
    """
    if params is None or len(args) > len(params):
        return None
    values = list(args)
    rest = params[len(args):]
    if any(k not in {p[0] for p in rest} for k in kwargs):
        return None
    for name, has_default, default in rest:
        if name in kwargs:
            values.append(kwargs[name])
        elif has_default:
            values.append(from_tagged(default))
        else:
            return None
    return values


def _canonical(value):
    """Content, not its container: tuples as lists, numbers in lists or arrays as float64 arrays."""
    import numpy as np

    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, list):
        try:
            arr = np.asarray(value)
        except Exception:
            arr = None
        if arr is None or arr.dtype.kind not in "biuf" or arr.ndim == 0:
            return [_canonical(v) for v in value]
        value = arr
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return value.astype(np.float64)
    return value


def call_key(params, args, kwargs):
    """The content key of a call bound to `params` (:func:`bind_call`), or None when not plain.

    The trusted side keys the reference's calls the same way
    (:mod:`autograder.isolation`).
    """
    import hashlib

    from fmnist_checks.plain import dumps

    values = bind_call(params, args, kwargs)
    if values is None:
        return None
    try:
        return hashlib.sha256(dumps([_canonical(v) for v in values]).encode()).hexdigest()
    except Exception:
        return None


def from_tagged(value):
    """Undo :func:`autograder.verdict.trusted.to_tagged`: tuples come back as tuples."""
    if isinstance(value, dict) and set(value) == {"__tuple__"}:
        return tuple(from_tagged(v) for v in value["__tuple__"])
    if isinstance(value, list):
        return [from_tagged(v) for v in value]
    if isinstance(value, dict):
        return {k: from_tagged(v) for k, v in value.items()}
    return value


_ERRORS = {e.__name__: e for e in (ValueError, TypeError, IndexError, KeyError, ZeroDivisionError,
                                    ArithmeticError, AttributeError, RuntimeError, AssertionError)}


def stand_in(name, table, own, params):
    """A stand-in for the piece `name`: the recorded answer for a call in `table`, else `own`.

    Nothing else: a call the table does not hold is the student's own
    function's (a NameError when the notebook does not define it), and is
    reported nowhere; the reference never answers it.
    """

    def piece(*args, **kwargs):
        key = call_key(params, args, kwargs) if table else None
        if key is not None and key in table:
            entry = table[key]
            if isinstance(entry, dict) and set(entry) == {"__raise__"}:
                raise _ERRORS.get(entry["__raise__"].get("type"), RuntimeError)(entry["__raise__"].get("message", ""))
            return from_tagged(entry)
        if own is None:
            raise NameError(f"name {name!r} is not defined")
        return own(*args, **kwargs)

    piece.__name__ = piece.__qualname__ = name
    return piece


def run_step(step, cells, skip):
    """In the child: the plain payload (dict) of one step."""
    # bound before any cell runs: a cell that patches these modules changes nothing here
    from fmnist_checks.core import Case, call_answer, namespace_of
    from fmnist_checks.plain import loads

    if step["step"].startswith("cell:"):
        _, outcome = run_cells(cells, skip, stop_at=step["step"][5:])
        return outcome or {"ok": False, "error": {"type": "NotRun", "where": None,
                                                  "message": "this cell was not run"}}
    namespace, _ = run_cells(cells, skip)
    return run_case(step, namespace, helpers=(Case, call_answer, namespace_of, loads))


def run_case(step, answers, helpers=None):
    """In the child: the plain payload (dict) of one case step.

    `answers` maps a piece's name to what its answer cell defined (the
    worker's namespace of given and answer cells, or the snapshots the
    notebook's kernel took, :mod:`autograder.sandbox.worker_kernel`). `helpers`: the
    functions it uses, bound before any cell ran (default: imported now).
    """
    if helpers is None:
        from fmnist_checks.core import Case, call_answer, namespace_of
        from fmnist_checks.plain import loads
    else:
        Case, call_answer, namespace_of, loads = helpers

    piece = step["piece"]
    answer = answers.get(piece)
    if answer is None:
        return {"result": {"__error__": {"type": "NameError", "where": None,
                                         "message": f"{piece} is not defined by the notebook"}}}
    inputs = loads(step["inputs"])
    run = _recipe(step["recipe"])
    extra = {k: _recipe(v) for k, v in (step.get("recipe_kwargs") or {}).items()}
    if extra:
        import functools

        run = functools.partial(run, **extra)
    # isolation: the other pieces answer from the trusted side's table, else are the student's own
    target = namespace_of(answer)
    if target is not None:
        tables = loads(step.get("table") or "{}")
        params = step.get("signatures") or {}
        for other in step.get("others", []):
            target[other] = stand_in(other, tables.get(other, {}), answers.get(other), params.get(other))
    case = Case(piece=piece, label="", inputs=inputs, run=run, expect=None, compare=None)
    return {"result": call_answer(case, answer)}


def child_main(steps, cells, skip, fd):
    """Run `steps` in a fresh child, one frame each; never returns.

    `steps` is one cell step, or cases of one piece (:func:`autograder.sandbox.worker.batches`):
    the cells run once, then each case on what they defined.
    """
    from fmnist_checks.core import Case, call_answer, namespace_of  # bound before any cell runs
    from fmnist_checks.plain import loads

    helpers, ran = (Case, call_answer, namespace_of, loads), {}

    def compute(step):
        if step["step"].startswith("cell:"):
            return run_step(step, cells, skip)
        if "namespace" not in ran:
            ran["namespace"], _ = run_cells(cells, skip)
        return run_case(step, ran["namespace"], helpers=helpers)

    send_frames(fd, steps, compute)


def send_frames(fd, steps, compute):
    """In a forked child: cut it off, then write the frame of ``compute(step)`` for each step; never returns."""
    try:
        os.setpgid(0, 0)
        _child_setup(fd)
        from fmnist_checks.plain import dumps  # bound before any student code runs in this child

        for step in steps:
            payload = compute(step)
            try:
                text = dumps(payload)
            except Exception as exc:
                text = dumps({"result": {"__error__": {"type": "WrongType", "where": None,
                                                       "message": f"the result could not be sent: {exc}"[:300]}}})
            write_frame(fd, text.encode("utf-8"))
    finally:
        os._exit(0)
