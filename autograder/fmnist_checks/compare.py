"""How to compare plain results: each comparator returns ``None`` or a message.

Comparators only ever see plain data (:mod:`fmnist_checks.plain`), so they are the
same in the student's kernel and in the trusted grader. Every message says
what was expected, what came back and the tolerance.
"""

import numpy as np

from .core import show
from .plain import is_number


def _as_array(value):
    """Plain value -> ndarray, or None when it is not array-like numbers."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, (str, dict)):
        return None
    try:
        arr = np.asarray(value)
    except Exception:
        return None
    if arr.dtype.kind not in "biuf":
        return None
    return arr


def _tolerance(rtol, atol):
    return f"tolerance: rtol={rtol:g}, atol={atol:g}"


def close(rtol=1e-7, atol=1e-10, dtype_kind=None):
    """Numbers or arrays equal within ``atol + rtol * |expected|``, shapes equal.

    `dtype_kind`, when given (``"i"`` for integers, ``"f"`` for floats), is the
    numpy dtype kind the answer must have (``"i"`` accepts unsigned too).
    """

    def compare(expected, got):
        exp = _as_array(expected)
        arr = _as_array(got)
        if arr is None:
            return f"expected {_kind_of(expected)}, got {show(got)}"
        if exp.ndim == 0 and arr.ndim != 0:
            return f"expected a single number, got an array of shape {arr.shape}: {show(got)}"
        if exp.shape != arr.shape:
            return (
                f"expected shape {exp.shape}, got shape {arr.shape}\n"
                f"    expected: {show(expected)}\n    got:      {show(got)}"
            )
        if dtype_kind == "i" and arr.dtype.kind not in "iu":
            return f"expected integers, got dtype {arr.dtype}: {show(got)}"
        expf = exp.astype(np.float64)
        arrf = arr.astype(np.float64)
        both_nan = np.isnan(expf) & np.isnan(arrf)
        ok = both_nan | (np.abs(expf - arrf) <= atol + rtol * np.abs(expf))
        ok &= ~(np.isnan(arrf) & ~np.isnan(expf))
        if np.all(ok):
            return None
        if exp.ndim == 0:
            return f"expected {show(expected)}, got {show(got)} ({_tolerance(rtol, atol)})"
        bad = np.argwhere(~ok)
        first = tuple(int(i) for i in bad[0])
        return (
            f"{len(bad)} of {exp.size} entries differ; first at index {first}: "
            f"expected {expf[first].item()!r}, got {arrf[first].item()!r} ({_tolerance(rtol, atol)})\n"
            f"    expected: {show(expected)}\n    got:      {show(got)}"
        )

    return compare


def equal():
    """Exactly equal numbers, strings, arrays (same shape) or lists."""

    def compare(expected, got):
        exp = _as_array(expected)
        if exp is not None and not isinstance(expected, (int, float)):
            arr = _as_array(got)
            if arr is None:
                return f"expected {_kind_of(expected)}, got {show(got)}"
            if exp.shape != arr.shape:
                return (
                    f"expected shape {exp.shape}, got shape {arr.shape}\n"
                    f"    expected: {show(expected)}\n    got:      {show(got)}"
                )
            if np.array_equal(exp, arr):
                return None
            bad = np.argwhere(exp != arr)
            first = tuple(int(i) for i in bad[0])
            return (
                f"{len(bad)} of {exp.size} entries differ; first at index {first}: "
                f"expected {exp[first].item()!r}, got {arr[first].item()!r}\n"
                f"    expected: {show(expected)}\n    got:      {show(got)}"
            )
        if type(expected) is not type(got) and not (is_number(expected) and is_number(got)):
            return f"expected {show(expected)}, got {show(got)}"
        if expected == got:
            return None
        return f"expected {show(expected)}, got {show(got)}"

    return compare


def columns_up_to_sign(rtol=1e-6, atol=1e-8):
    """2-D arrays equal within tolerance once each column's sign is matched."""
    inner = close(rtol, atol)

    def compare(expected, got):
        exp = _as_array(expected)
        arr = _as_array(got)
        if arr is None or exp is None or arr.shape != exp.shape or exp.ndim != 2:
            return inner(expected, got)
        signs = np.where(np.sum(exp * arr, axis=0) < 0, -1.0, 1.0)
        return inner(expected, arr * signs)

    return compare


def fields(**comparators):
    """A dict result: each named field compared with its own comparator."""

    def compare(expected, got):
        if not isinstance(got, dict):
            return f"expected a dict with keys {sorted(comparators)}, got {show(got)}"
        problems = []
        for key, comparator in comparators.items():
            if key not in got:
                problems.append(f"{key!r}: missing (keys present: {sorted(got)})")
                continue
            problem = comparator(expected[key], got[key])
            if problem:
                problems.append(f"{key!r}: {problem}")
        return "\n    ".join(problems) if problems else None

    return compare


def sequence(*comparators, names=None):
    """A tuple result: item i compared with comparator i."""
    names = names or [f"item {i}" for i in range(len(comparators))]

    def compare(expected, got):
        if not isinstance(got, list) or len(got) != len(comparators):
            return f"expected a tuple of {len(comparators)} ({', '.join(names)}), got {show(got)}"
        problems = []
        for name, comparator, exp, item in zip(names, comparators, expected, got):
            if exp is None or item is None:
                if exp is not item:
                    problems.append(f"{name}: expected {show(exp)}, got {show(item)}")
                continue
            problem = comparator(exp, item)
            if problem:
                problems.append(f"{name}: {problem}")
        return "\n    ".join(problems) if problems else None

    return compare


def true(what):
    """The result must be exactly True; `what` says what that means."""

    def compare(expected, got):
        if got is True:
            return None
        return f"{what}: expected True, got {show(got)}"

    return compare


def _kind_of(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if is_number(value):
        return "a number"
    return f"a value like {show(value)}"
