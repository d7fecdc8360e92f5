"""Plain data: the only thing student code may hand to the grader.

Plain data is ``None``, ``bool``, ``int``, ``float``, ``str``, numpy arrays of
numbers, booleans or strings, and lists and dicts (with ``str`` keys) of plain
data. :func:`to_plain` turns whatever a student's code returned into plain data
of exactly these built-in types, so an object whose ``__eq__`` always answers
True, or an ndarray subclass with a rigged comparison, never reaches a
comparison. :func:`dumps` and :func:`loads` carry plain data between processes
as JSON: a format that cannot carry code (never pickle).
"""

import json
import math

import numpy as np

MAX_DEPTH = 20
_ARRAY_KINDS = "biuf"  # bool, int, unsigned, float
_NUMPY_SCALARS = (np.bool_, np.integer, np.floating)


class PlainError(TypeError):
    """A value that cannot be turned into plain data."""


def to_plain(value, _depth=0):
    """Return `value` as plain data of built-in types and base-class ndarrays.

    Raises
    ------
    PlainError
        When `value` (or something inside it) is not a number, string, array,
        list, tuple or str-keyed dict, e.g. a custom object.
    """
    if _depth > MAX_DEPTH:
        raise PlainError("the result is nested too deeply")
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value
    if isinstance(value, _NUMPY_SCALARS) and kind.__module__ == "numpy":
        return value.item()
    if isinstance(value, np.ndarray):  # subclasses too: copied into a base-class array
        return _plain_array(np.asarray(value).view(np.ndarray))
    if kind in (list, tuple):
        return [to_plain(item, _depth + 1) for item in value]
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise PlainError(f"a dict key of type {type(key).__name__} is not plain data")
            out[key] = to_plain(item, _depth + 1)
        return out
    if kind.__module__ == "torch" and kind.__name__ == "Tensor":
        return _plain_array(value.detach().cpu().numpy())
    raise PlainError(
        f"expected numbers, arrays, lists, tuples or dicts, got an object of type "
        f"{kind.__module__}.{kind.__qualname__}"
    )


def _plain_array(arr):
    """A fresh base-class ndarray of a plain dtype, or PlainError."""
    if arr.dtype.kind == "O":
        try:
            converted = np.array(arr.tolist())
        except Exception:
            converted = None
        if converted is None or converted.dtype.kind == "O":
            raise PlainError("an array of Python objects is not plain data")
        arr = converted
    if arr.dtype.kind not in _ARRAY_KINDS + "U":
        raise PlainError(f"an array of dtype {arr.dtype} is not plain data")
    return np.array(arr, copy=True, subok=False)


def _encode(value):
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    return value


# what an array read back may cost, checked before anything is allocated
MAX_ITEMSIZE = 1024  # bytes per element (a str of 256 characters)
MAX_ELEMENTS = 20_000_000
MAX_ARRAY_BYTES = 256 * 2**20


def _count(items, limit):
    """The number of scalars in a nested list, stopping once it passes `limit`."""
    count, stack = 0, [items]
    while stack and count <= limit:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        else:
            count += 1
    return count


def _decode(obj):
    if "__ndarray__" in obj:
        if not isinstance(obj.get("dtype"), str) or len(obj["dtype"]) > 16:
            raise ValueError("refusing an array without a plain dtype")
        dtype = np.dtype(obj["dtype"])
        if dtype.kind not in _ARRAY_KINDS + "U":
            raise ValueError(f"refusing array of dtype {dtype}")
        shape = obj.get("shape")
        if (not isinstance(shape, list) or len(shape) > 32
                or not all(type(n) is int and 0 <= n <= MAX_ELEMENTS for n in shape)):
            raise ValueError("refusing an array of a malformed shape")
        size = math.prod(shape)
        if dtype.itemsize > MAX_ITEMSIZE or size > MAX_ELEMENTS or size * dtype.itemsize > MAX_ARRAY_BYTES:
            raise ValueError(f"refusing an array of {size} elements of {dtype.itemsize} bytes")
        if _count(obj["__ndarray__"], size) != size:
            raise ValueError("refusing an array whose data does not match its shape")
        return np.array(obj["__ndarray__"], dtype=dtype).reshape(shape)
    return obj


def dumps(value):
    """Serialise plain data to a JSON string (arrays keep dtype and shape)."""
    return json.dumps(_encode(to_plain(value)))


def loads(text):
    """Read plain data written by :func:`dumps`; only plain data comes back."""
    return json.loads(text, object_hook=_decode)


def is_number(value):
    """True for a plain int or float (not bool)."""
    return type(value) in (int, float)


def isclose(a, b, rtol, atol):
    """Scalar closeness with NaN equal to NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= atol + rtol * abs(b)
