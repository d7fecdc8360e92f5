"""Builders for the common kinds of case: call a function, expect an error, keep inputs intact.

Inputs are stored as ``{"args": [...], "kwargs": {...}}`` of plain data, so a
case can be rebuilt anywhere from its seed and shown to a student as a call.
"""

import copy

import numpy as np

from .compare import equal
from .core import Case, show


def format_call(name, args, kwargs):
    """``name(arg, ..., key=value)`` with arrays shown compactly."""
    parts = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _short(value):
    if isinstance(value, np.ndarray):
        if value.size <= 12:
            return "np.array(" + np.array2string(value, separator=", ", precision=4).replace("\n", "") + ")"
        return f"<array of shape {value.shape}, dtype {value.dtype}>"
    return show(value)


def _call(answer, args, kwargs):
    return answer(*copy.deepcopy(args), **copy.deepcopy(kwargs))


def function_case(piece, label, args, expect, compare, kwargs=None, hint=None, part="main", name=None):
    """A case that calls the function `piece` with `args` and compares the result.

    `expect` is ``expect(*args, **kwargs)`` or the expected value itself.
    """
    kwargs = kwargs or {}

    def run(answer, args, kwargs):
        return _call(answer, args, kwargs)

    if callable(expect):
        def expected(args, kwargs):
            return expect(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    else:
        expected = expect
    return Case(
        piece=piece,
        label=label,
        inputs={"args": list(args), "kwargs": dict(kwargs)},
        run=run,
        expect=expected,
        compare=compare,
        call=format_call(name or piece, args, kwargs),
        hint=hint,
        part=part,
    )


def error_record(error_type, message=""):
    """The plain record of an expected exception."""
    return {"__error__": {"type": error_type.__name__, "message": message, "where": None}}


def raises_case(piece, label, args, kwargs=None, error=ValueError, part="main", name=None):
    """A case whose call must raise `error` (any subclass message is fine)."""
    kwargs = kwargs or {}

    def run(answer, args, kwargs):
        try:
            result = _call(answer, args, kwargs)
        except error as exc:  # the expected kind: report it by the base name
            return error_record(error, str(exc)[:200])
        return result

    return Case(
        piece=piece,
        label=label,
        inputs={"args": list(args), "kwargs": dict(kwargs)},
        run=run,
        expect=error_record(error, label),
        compare=equal(),
        call=format_call(name or piece, args, kwargs),
        part=part,
    )


def unchanged_case(piece, label, args, kwargs=None, part="main", name=None):
    """A case that checks the call leaves its array inputs unmodified."""
    kwargs = kwargs or {}

    def run(answer, args, kwargs):
        mine = copy.deepcopy(args), copy.deepcopy(kwargs)
        answer(*mine[0], **mine[1])
        same = all(_same(a, b) for a, b in zip(mine[0], args))
        same = same and all(_same(mine[1][k], v) for k, v in kwargs.items())
        return same

    def compare(expected, got):
        if got is True:
            return None
        return "your function modified its input array(s); work on a copy"

    return Case(
        piece=piece,
        label=label,
        inputs={"args": list(args), "kwargs": dict(kwargs)},
        run=run,
        expect=True,
        compare=compare,
        call=format_call(name or piece, args, kwargs),
        part=part,
    )


def _same(a, b):
    if isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and \
            np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    return True
