"""Isolation without a reference in the sandbox: tables of the reference's own calls.

While a case of piece P runs, the assignment's other pieces Q in the
student's namespace are replaced by stand-ins, so that a bug in ``gini`` costs
the ``gini`` points only, not those of ``information_gain`` or the tree that
call it. The sandboxed worker cannot hold the reference package (it would
compute every expected answer), so the trusted side runs the reference P on
the case's inputs through the case's own run recipe, records every call the
reference makes to a reference Q (arguments and result, as plain data), and
sends the table with the case. In the worker a stand-in for Q answers a call
whose arguments have the same content from the table, and any other call
with the student's own Q (see :func:`autograder.sandbox.worker_child.stand_in`).

What this costs: a student's P that calls Q with other arguments than the
reference does (a list instead of an array, another split order) gets the
student's own Q there, so a bug in Q can still cost P on those calls; a class
or a function of a random generator (``DenseLayer``, ``he_normal``) has no
table and is always the student's own.

The table holds only answers to calls the reference itself makes while
answering P on this case's inputs, and only reaches the step of this case:
the worker kills every process and empties every writable folder between
steps.
"""

import contextlib
import copy
import hashlib
import sys
import threading
import types

from fmnist_checks.pieces import ASSIGNMENTS, PIECE_ASSIGNMENT
from fmnist_checks.plain import dumps, to_plain

MAX_TABLE_ENTRIES = 5000
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


def call_key(args, kwargs):
    """The content key of a call; the worker computes the same one (None when not plain)."""
    try:
        return hashlib.sha256(dumps([list(args), dict(kwargs)]).encode()).hexdigest()
    except Exception:
        return None


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


@contextlib.contextmanager
def _recording(references, tables):
    """Replace each reference function, wherever fmnist_edu's modules hold it, by a recorder."""
    patched = []
    for name, ref in references.items():
        table = tables.setdefault(name, {})

        def recorder(*args, _ref=ref, _table=table, **kwargs):
            key = call_key(copy.deepcopy(args), copy.deepcopy(kwargs))
            try:
                result = _ref(*args, **kwargs)
            except Exception as exc:
                if key is not None and len(_table) < MAX_TABLE_ENTRIES:
                    _table.setdefault(key, raised(exc))
                raise
            if key is not None and len(_table) < MAX_TABLE_ENTRIES:
                try:
                    _table.setdefault(key, to_tagged(result))
                except Exception:
                    pass
            return result

        for module, attr in _holders(ref):
            patched.append((module, attr, ref))
            setattr(module, attr, recorder)
    try:
        yield
    finally:
        for module, attr, value in patched:
            setattr(module, attr, value)


def isolation_table(case):
    """{other piece: {call key: tagged result}} of the reference's calls on `case`'s inputs."""
    import io
    import warnings
    from contextlib import redirect_stderr, redirect_stdout

    import fmnist_edu

    references = function_pieces(case.piece)
    reference = getattr(fmnist_edu, case.piece, None)
    if not references or reference is None:
        return {}
    tables = {}
    with _PATCHING, _recording(references, tables), warnings.catch_warnings(), \
            redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            case.run(reference, **copy.deepcopy(case.inputs))
        except Exception:
            pass  # a case that expects an error: whatever was recorded before it stands
    return {name: table for name, table in tables.items() if table}


MAX_CALLS = 300
MAX_REFERENCE_SECONDS = 20.0


def reference_answers(piece, calls, table):
    """`table` plus the reference's answers to the calls the student's `piece` made; None if none new.

    `calls` are ``[other piece, args, kwargs]`` of plain data that the worker
    reported (at most :data:`MAX_CALLS`, bounded in size by the frame cap).
    Only the assignment's other function pieces are answered, within
    :data:`MAX_REFERENCE_SECONDS` in all; the answers go back to this one case.
    """
    import time

    references = function_pieces(piece)
    added = 0
    start = time.monotonic()
    table = {name: dict(entries) for name, entries in table.items()}
    for call in calls[:MAX_CALLS]:
        if not (isinstance(call, list) and len(call) == 3 and call[0] in references
                and isinstance(call[1], list) and isinstance(call[2], dict)):
            continue
        if time.monotonic() - start > MAX_REFERENCE_SECONDS:
            break
        name, args, kwargs = call
        key = call_key(args, kwargs)
        entries = table.setdefault(name, {})
        if key is None or key in entries:
            continue
        try:
            entries[key] = to_tagged(references[name](*copy.deepcopy(args), **copy.deepcopy(kwargs)))
        except Exception as exc:
            entries[key] = raised(exc)
        added += 1
    return table if added else None
