"""Isolation without a reference in the sandbox: tables of the reference's own calls.

While a case of piece P runs, the assignment's other pieces Q in the
student's namespace are replaced by stand-ins, so that a bug in ``gini`` costs
the ``gini`` points only, not those of ``information_gain`` or the tree that
call it. The sandboxed worker cannot hold the reference package (it would
compute every expected answer), so the trusted side runs the reference P on
the case's inputs through the case's own run recipe, records every call the
reference makes to a reference Q (arguments and result, as plain data), and
sends the table with the case. Where the reference P computes without calling
Q (the reference tree splits its nodes vectorised, never through
``best_split``), a textbook answer of P (:mod:`autograder.verdict.isolation_patterns`)
runs the recipe too, so the table also holds the calls a correct answer makes.
In the worker a stand-in for Q answers a call whose arguments, bound to Q's
signature (positional or by keyword, defaults filled in), have the same
content as a recorded call, from the table; any other call with the
student's own Q (see :func:`autograder.sandbox.worker_child.stand_in`).

Least knowledge: the reference answers nothing a student asks. Every call it
answers was made here, by the reference or a textbook answer, on the case's
own inputs, within bounds (:data:`MAX_TABLE_ENTRIES` calls,
:data:`MAX_ARGUMENT_ELEMENTS` numbers in a call's arguments,
:data:`MAX_TABLE_BYTES` of answers, :data:`MAX_TABLE_SECONDS`); nothing a
student's code chose reaches the reference, in this process or any other.

What this costs: a student's P that calls Q with other arguments than those
recorded (another split order, rows in another order) gets the student's own Q
there, so a bug in Q can still cost P on those calls; a class or a function of
a random generator (``DenseLayer``, ``he_normal``) has no table and is always
the student's own.

The table holds only answers to calls made while answering P on this case's
inputs, and only reaches the process of P's own cases (:mod:`autograder.sandbox.worker`
sends each its steps after the fork).
"""

import contextlib
import copy
import sys
import threading
import types

from fmnist_checks.pieces import ASSIGNMENTS, PIECE_ASSIGNMENT
from fmnist_checks.plain import to_plain

from ..sandbox.worker_child import call_key

_PATCHING = threading.Lock()  # fmnist-grade builds several submissions' steps at once, in threads


def to_tagged(value):
    """Plain data that keeps tuples (``{"__tuple__": [...]}``); PlainError when not plain."""
    if type(value) is tuple:
        return {"__tuple__": [to_tagged(v) for v in value]}
    if type(value) is list:
        return [to_tagged(v) for v in value]
    if type(value) is dict:
        return {k: to_tagged(v) for k, v in value.items()}
    return to_plain(value)


def raised(exc):
    """The table entry of a call that raised: the stand-in raises the same kind of error."""
    return {"__raise__": {"type": type(exc).__name__, "message": str(exc)[:300]}}


def function_pieces(piece):
    """The assignment's other pieces that are plain functions in the reference."""
    import fmnist_edu

    out = {}
    for other in ASSIGNMENTS[PIECE_ASSIGNMENT[piece]]:
        ref = getattr(fmnist_edu, other, None)
        if other != piece and isinstance(ref, types.FunctionType):
            out[other] = ref
    return out


_HOLDERS = {"modules": -1}  # {id(reference): [(module, name)]}, valid while sys.modules keeps its size


def _holders(ref):
    """[(module, name)] of every fmnist_edu module attribute that is `ref`.

    Found once per set of loaded modules: scanning sys.modules (thousands of
    entries once torch is loaded) for every case cost ~1 CPU s per a3 submission.
    """
    if _HOLDERS["modules"] != len(sys.modules):
        _HOLDERS.clear()
        _HOLDERS["modules"] = len(sys.modules)
    found = _HOLDERS.get(id(ref))
    if found is None:
        found = _HOLDERS[id(ref)] = [
            (module, attr)
            for n, module in list(sys.modules.items()) if n == "fmnist_edu" or n.startswith("fmnist_edu.")
            for attr, value in list(vars(module).items()) if value is ref]
    return found


class _OutOfBudget(Exception):
    """Raised inside the reference once a table's time budget is spent: recording stops."""


def signature_of(reference):
    """``[[name, has default, default]]`` of a reference function's parameters (plain data)."""
    import inspect

    params = []
    for p in inspect.signature(reference).parameters.values():
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            return None
        has = p.default is not p.empty
        params.append([p.name, has, to_tagged(p.default) if has else None])
    return params


def signatures(piece):
    """{other piece: its parameters} for the stand-ins of `piece`'s cases (see :func:`signature_of`)."""
    return {name: signature_of(ref) for name, ref in sorted(function_pieces(piece).items())}


def _elements(value, limit):
    """How many numbers `value` holds (arrays by size), stopping once past `limit`."""
    import numpy as np

    count, stack = 0, [value]
    while stack and count <= limit:
        item = stack.pop()
        if isinstance(item, np.ndarray):
            count += item.size
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        else:
            count += 1
    return count


@contextlib.contextmanager
def _recording(references, tables, budget):
    """Replace each reference function, wherever fmnist_edu's modules hold it, by a recorder.

    `budget`: {"entries", "bytes", "deadline"} left to this table; past the
    deadline the recorder raises :class:`_OutOfBudget` (the run stops).
    """
    import time

    patched = []
    for name, ref in references.items():
        table = tables.setdefault(name, {})
        params = signature_of(ref)

        def recorder(*args, _ref=ref, _table=table, _params=params, **kwargs):
            if time.monotonic() > budget["deadline"]:
                raise _OutOfBudget()
            key = None
            if (_params is not None and budget["entries"] > 0
                    and _elements([args, kwargs], MAX_ARGUMENT_ELEMENTS) <= MAX_ARGUMENT_ELEMENTS):
                key = call_key(_params, args, kwargs)
            error = None
            try:
                result = _ref(*args, **kwargs)
            except _OutOfBudget:
                raise
            except Exception as exc:
                error, entry = exc, raised(exc)
            else:
                try:
                    entry = to_tagged(result)
                except Exception:
                    entry = None
            if key is not None and key not in _table and entry is not None:
                size = len(dumps_tagged(entry))
                if size <= budget["bytes"]:
                    _table[key] = entry
                    budget["entries"] -= 1
                    budget["bytes"] -= size
            if error is not None:
                raise error
            return result

        for module, attr in _holders(ref):
            patched.append((module, attr, ref))
            setattr(module, attr, recorder)
    try:
        yield
    finally:
        for module, attr, value in patched:
            setattr(module, attr, value)


def dumps_tagged(entry):
    import json

    from fmnist_checks.plain import _encode

    return json.dumps(_encode(entry))


MAX_TABLE_ENTRIES = 5000  # calls recorded for one case
MAX_ARGUMENT_ELEMENTS = 2_000_000  # numbers in one call's arguments
MAX_TABLE_BYTES = 32 * 2**20  # the answers of one case's table, as JSON
MAX_TABLE_SECONDS = 20.0  # the reference (and the textbook answers) on one case


def hidden_keys(assignment, seed):
    """{piece: {call key}} of the graded hidden cases of `assignment`'s function pieces.

    Advice cases (errors the contract does not name, worth no points) stay
    answerable: ``precision_recall_f1``'s answer may call ``confusion_matrix``
    on inputs of different lengths before it checks them.

    No table may answer one of them (:func:`isolation_table`'s `withheld`): a
    child subset of one piece's inputs may happen to equal another piece's
    hidden input, and the tables reach the sandbox.
    """
    import fmnist_edu

    from ..hidden import hidden_cases

    keys = {}
    for piece in ASSIGNMENTS[assignment]:
        reference = getattr(fmnist_edu, piece, None)
        if not isinstance(reference, types.FunctionType):
            continue
        params = signature_of(reference)
        for case in hidden_cases(piece, seed):
            if not case.advice and isinstance(case.inputs, dict) and "args" in case.inputs:
                key = call_key(params, tuple(case.inputs["args"]), dict(case.inputs.get("kwargs") or {}))
                if key is not None:
                    keys.setdefault(piece, set()).add(key)
    return keys


def isolation_table(case, withheld=None):
    """{other piece: {call key: tagged result}} of the calls made on `case`'s inputs.

    The reference runs the case's recipe, then each textbook answer of
    :mod:`autograder.verdict.isolation_patterns` for the piece does; only their calls
    to the other pieces are recorded, within the module's bounds. A call in
    `withheld` ({piece: {call key}}, :func:`hidden_keys`) is left out.
    """
    import io
    import time
    import warnings
    from contextlib import redirect_stderr, redirect_stdout

    import fmnist_edu

    from .isolation_patterns import patterns

    references = function_pieces(case.piece)
    reference = getattr(fmnist_edu, case.piece, None)
    if not references or reference is None:
        return {}
    tables = {}
    budget = {"entries": MAX_TABLE_ENTRIES, "bytes": MAX_TABLE_BYTES,
              "deadline": time.monotonic() + MAX_TABLE_SECONDS}
    with _PATCHING, _recording(references, tables, budget), warnings.catch_warnings(), \
            redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        for answer in [reference] + patterns(case.piece):
            try:
                case.run(answer, **copy.deepcopy(case.inputs))
            except Exception:
                pass  # a case that expects an error, or out of budget: what was recorded stands
    withheld = withheld or {}
    tables = {name: {k: v for k, v in table.items() if k not in withheld.get(name, ())}
              for name, table in tables.items()}
    return {name: table for name, table in tables.items() if table}


@contextlib.contextmanager
def tabled(piece, answer, table):
    """In this process, as the worker does: the other pieces answer from `table`, else are the student's.

    `table` is plain data as the worker receives it (``loads(dumps(isolation_table(case)))``).
    For the grading-accuracy sweep (:mod:`autograder.cli.sweep`); the namespace is restored after.
    """
    from fmnist_checks.core import namespace_of

    from ..sandbox.worker_child import stand_in

    namespace = namespace_of(answer)
    if namespace is None:
        yield
        return
    params = signatures(piece)
    saved = {name: namespace[name] for name in params if name in namespace}
    for name, signature in params.items():
        namespace[name] = stand_in(name, table.get(name, {}), saved.get(name), signature)
    try:
        yield
    finally:
        for name in params:
            if name in saved:
                namespace[name] = saved[name]
            else:
                namespace.pop(name, None)
