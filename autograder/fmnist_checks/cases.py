"""Builders for the common kinds of case: call a function, expect an error, keep inputs intact.

Inputs are stored as ``{"args": [...], "kwargs": {...}}`` of plain data, so a
case can be rebuilt anywhere from its seed and shown to a student as a call.
"""

import copy
import functools

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


# Run recipes are module-level functions of public (shipped) modules, so the
# sandboxed worker can find them by name without ever reading the hidden checks.

def call_function(answer, args, kwargs):
    """Run recipe of :func:`function_case`: the answer's result for copies of the inputs."""
    return _call(answer, args, kwargs)


def call_expecting(answer, args, kwargs, error_name):
    """Run recipe of :func:`raises_case`: an error record when the expected error is raised."""
    try:
        result = _call(answer, args, kwargs)
    except Exception as exc:
        if any(k.__name__ == error_name for k in type(exc).__mro__):
            return error_record_named(error_name, str(exc)[:200])
        raise
    return result


def call_and_compare_inputs(answer, args, kwargs):
    """Run recipe of :func:`unchanged_case`: True when the call left its array inputs intact."""
    mine = copy.deepcopy(args), copy.deepcopy(kwargs)
    answer(*mine[0], **mine[1])
    same = all(_same(a, b) for a, b in zip(mine[0], args))
    return bool(same and all(_same(mine[1][k], v) for k, v in kwargs.items()))


def function_case(piece, label, args, expect, compare, kwargs=None, hint=None, part="main", name=None,
                  kind="value", advice=False):
    """A case that calls the function `piece` with `args` and compares the result.

    `expect` is ``expect(*args, **kwargs)`` or the expected value itself;
    `advice` marks a case beyond the contract (shown, never scored).
    """
    kwargs = kwargs or {}
    if callable(expect):
        def expected(args, kwargs):
            return expect(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    else:
        expected = expect
    return Case(
        piece=piece,
        label=label,
        inputs={"args": list(args), "kwargs": dict(kwargs)},
        run=call_function,
        expect=expected,
        compare=compare,
        call=format_call(name or piece, args, kwargs),
        hint=hint,
        part=part,
        kind=kind,
        advice=advice,
    )


def error_record(error_type, message=""):
    """The plain record of an expected exception."""
    return error_record_named(error_type.__name__, message)


def error_record_named(error_name, message=""):
    """The plain record of an exception of the class named `error_name`."""
    return {"__error__": {"type": error_name, "message": message, "where": None}}


def raises_case(piece, label, args, kwargs=None, error=ValueError, part="validation", name=None,
                advice=False):
    """A case whose call must raise `error` (any subclass message is fine).

    Graded only where the contract names the error (``class_distribution``);
    elsewhere pass ``advice=True``.
    """
    kwargs = kwargs or {}
    return Case(
        piece=piece,
        label=label,
        inputs={"args": list(args), "kwargs": dict(kwargs), "error_name": error.__name__},
        run=call_expecting,
        expect=error_record(error, ""),
        compare=equal(),
        call=format_call(name or piece, args, kwargs),
        part=part,
        kind="validation",
        advice=advice,
    )


def unchanged_case(piece, label, args, kwargs=None, part="inputs unchanged", name=None):
    """A case that checks the call leaves its array inputs unmodified."""
    kwargs = kwargs or {}

    def compare(expected, got):
        if got is True:
            return None
        return "your function modified its input array(s); work on a copy"

    return Case(
        piece=piece,
        label=label,
        inputs={"args": list(args), "kwargs": dict(kwargs)},
        run=call_and_compare_inputs,
        expect=True,
        compare=compare,
        call=format_call(name or piece, args, kwargs),
        part=part,
        kind="inputs unchanged",
    )


def _same(a, b):
    if isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and \
            np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    return True


def property_case(piece, label, args, reduce, expect, compare, kwargs=None, hint=None,
                  part="main", advice=False):
    """A case that calls `piece` and checks a property of its result.

    ``reduce(result, *args, **kwargs)`` turns the answer's result into plain
    data (say the column variances); `expect` is the plain value it must have.
    """
    kwargs = kwargs or {}
    # a partial of module-level functions: the grader's worker finds both by name
    return Case(piece=piece, label=label, inputs={"args": list(args), "kwargs": dict(kwargs)},
                run=functools.partial(run_property, reduce=reduce), expect=expect, compare=compare,
                call=format_call(piece, args, kwargs), hint=hint, part=part, advice=advice)


def run_property(answer, args, kwargs, reduce):
    """Run recipe of :func:`property_case`: the answer's result reduced to plain data."""
    result = answer(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    return reduce(result, *copy.deepcopy(args), **copy.deepcopy(kwargs))


def signature_defaults(answer, args, kwargs):
    """Run recipe of :func:`defaults_case`: {parameter: default} of the answer's signature (a repr each)."""
    import inspect

    parameters = inspect.signature(answer).parameters
    return {name: repr(parameters[name].default) if name in parameters else "<missing>"
            for name in kwargs["names"]}


def defaults_case(piece, label, defaults, part="main"):
    """A case that the signature's defaults are the contract's (`defaults`: {parameter: value}).

    The answer cell gives the signature; a changed default changes what a
    plain call such as ``NeuralNetworkClassifier(layers).fit(X, y)`` does.
    """
    expected = {name: repr(value) for name, value in defaults.items()}
    return Case(
        piece=piece,
        label=label,
        inputs={"args": [], "kwargs": {"names": list(defaults)}},
        run=signature_defaults,
        expect=expected,
        compare=equal(),
        call=f"inspect.signature({piece})",
        part=part,
        kind="api",
    )
