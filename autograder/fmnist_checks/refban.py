"""The reference ban: find an answer that imports or calls a reference implementation.

:func:`find_in_source` reads the answer cell's syntax tree (never a string
search): imports, ``__import__``/``importlib.import_module`` with a banned
name, and dotted names such as ``sklearn.tree.DecisionTreeClassifier``.
:func:`find_in_object` looks at the live answer: where it was defined, its base
classes, and the global names its code uses, which catches a banned name
imported in another cell.
"""

import ast
import inspect
import linecache
import types

from .pieces import banned_modules


def _banned(name, banned):
    return any(name == b or name.startswith(b + ".") for b in banned)


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


UNREADABLE = (SyntaxError, RecursionError, MemoryError, ValueError, OverflowError)  # what ast.parse raises


def _why(exc):
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg}" + (f" (line {exc.lineno})" if exc.lineno else "")
    return type(exc).__name__ + {"RecursionError": ": nested too deeply", "MemoryError": ": too large",
                                 "ValueError": ": a character Python cannot read"}.get(type(exc).__name__, "")


def parse_answer(source):
    """(the syntax tree of `source`, None) or (None, why it cannot be read): never raises.

    A cell's IPython syntax (``%time``, ``!ls``) is turned into Python first,
    as the kernel does; code the parser cannot take (a 200,000-term expression
    is a RecursionError, a NUL a ValueError) is unreadable: it costs its own
    piece, never the others.
    """
    try:
        return ast.parse(source), None
    except SyntaxError as exc:
        first = exc
    except UNREADABLE as exc:
        return None, _why(exc)
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return ast.parse(TransformerManager().transform_cell(source)), None
    except UNREADABLE as exc:
        return None, _why(exc if not isinstance(exc, SyntaxError) else first)
    except Exception:  # noqa: BLE001 - no IPython, or it cannot transform the cell: the first error stands
        return None, _why(first)


def find_in_source(source, piece):
    """Return a message when `source` uses a reference of `piece`, else None.

    Parameters
    ----------
    source : str
        The answer cell's code.
    piece : str
        The contract name of the piece.
    """
    banned = banned_modules(piece)
    tree, why = parse_answer(source)
    if tree is None:
        return (f"{piece}: the grader cannot read your answer's code ({why}), so it cannot check it; the "
                f"contract gives 0 points for this piece. Write it as plain Python, without very long or "
                f"deeply nested expressions.")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _banned(alias.name, banned):
                    return _say(piece, f"imports {alias.name}", node)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _banned(node.module, banned):
                return _say(piece, f"imports from {node.module}", node)
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if _banned(full, banned):
                    return _say(piece, f"imports {full}", node)
        elif isinstance(node, ast.Call):
            name = _dotted(node.func) or ""
            if name.split(".")[-1] in ("__import__", "import_module") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    if _banned(arg.value, banned):
                        return _say(piece, f"imports {arg.value} through {name}()", node)
        elif isinstance(node, ast.Attribute):
            name = _dotted(node)
            if name and _banned(name, banned):
                return _say(piece, f"uses {name}", node)
    return None


def _say(piece, what, node):
    return (
        f"{piece}: your answer {what} (line {getattr(node, 'lineno', '?')} of its cell), "
        f"a reference implementation of this piece; the contract gives 0 points for it. "
        f"Write it yourself with numpy."
    )


def cell_source_of(answer):
    """The whole source of the notebook cell (or file) that defined `answer`, or None."""
    try:
        filename = inspect.getsourcefile(answer) or inspect.getfile(answer)
    except (TypeError, OSError):
        return None
    lines = linecache.getlines(filename)
    return "".join(lines) if lines else None


def find_in_object(answer, piece):
    """Return a message when the live `answer` is or uses a banned object, else None."""
    banned = banned_modules(piece)
    module = getattr(answer, "__module__", None) or ""
    if isinstance(module, str) and _banned(module, banned):
        return f"{piece}: your answer is {module}.{getattr(answer, '__qualname__', '?')}, " \
               f"a reference implementation; the contract gives 0 points for it."
    if isinstance(answer, type):
        for base in answer.__mro__[1:]:
            if _banned(getattr(base, "__module__", "") or "", banned):
                return f"{piece}: your class subclasses {base.__module__}.{base.__qualname__}, " \
                       f"a reference implementation; the contract gives 0 points for it."
        functions = [v for v in vars(answer).values() if isinstance(v, types.FunctionType)]
        functions += [v.__func__ for v in vars(answer).values()
                      if isinstance(v, (staticmethod, classmethod))]
    elif isinstance(answer, types.FunctionType):
        functions = [answer]
    else:
        functions = []
    for function in functions:
        for name in _global_names(function.__code__):
            value = function.__globals__.get(name)
            origin = _origin(value)
            if origin and _banned(origin, banned):
                return f"{piece}: your answer uses {name} from {origin}, a reference " \
                       f"implementation; the contract gives 0 points for it."
    return None


def _global_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _origin(value):
    if value is None:
        return None
    if isinstance(value, types.ModuleType):
        return value.__name__
    module = getattr(value, "__module__", None)
    return module if isinstance(module, str) else None
