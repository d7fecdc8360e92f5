"""The code a student wrote, cut into the assignment's graded pieces by what each piece's definition uses.

One cutter for every source: a submitted notebook, an earlier cohort's, a
``.py`` file of known code. Its input is ``[(piece or None, source)]``: each
answer cell with its piece, and every other code cell the student wrote
(cells they added, a ``.py`` file) with ``None``.

A piece's code is

* every top-level statement that binds the piece's name (``def gini``,
  ``class DecisionTreeClassifier``, ``gini = _impl``), wherever it is;
* the rest of the piece's own answer cell (its helpers, its imports, a call);
* the student's helpers it reaches: a top-level statement that binds a name
  (function, class, module-level assignment; imports excluded) that the
  piece's code reads as a global, in any cell, and the helpers those read,
  transitively. Another graded piece's definition is never pulled in (it is
  compared as itself), so a helper of ``gini`` does not join ``entropy``
  because ``entropy`` calls ``gini``.

A name is read as a global when Python's own scoping (:mod:`symtable`) says
so: a function's parameters and locals are not globals, so a helper cell's
``y = np.array(...)`` does not join ``gini(y)``. A string constant that spells
a helper's name counts as reading it (``globals()["_impl"]``). A helper used
by two pieces joins both. What no piece reaches (a scratch cell, a demo call,
a cell that does not parse) is the ``rest``: it counts in the whole answer
code ``*`` only. An answer cell that does not parse goes whole to its piece.

So a copier who moves each answer into a cell of their own under another
name, and leaves ``def gini(*a, **k): return _gini_impl(*a, **k)`` in the
answer cell, is compared on the code that runs.
"""

import ast
import symtable
from dataclasses import dataclass

from fmnist_checks.pieces import ASSIGNMENTS

_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


@dataclass
class Statement:
    """One top-level statement: its ``text`` (comments above it included), the names it ``binds`` and ``reads``."""

    own: str  # the piece of the answer cell it is in, or None
    text: str
    binds: frozenset
    reads: frozenset


def _statements(tree):
    """Top-level statements with the line range each covers (comments above a statement go with it)."""
    out, start = [], 1
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        out.append((node, min(start, first), node.end_lineno))
        start = node.end_lineno + 1
    return out


def _scopes(table):
    stack = [table]
    while stack:
        scope = stack.pop()
        yield scope
        stack.extend(scope.get_children())


def _names(node, text):
    """(names `node` binds at module level, names it reads as globals); imports bind nothing here."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return frozenset(), frozenset()
    strings = {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
               and n.value.isidentifier()}
    try:
        table = symtable.symtable(text, "<cell>", "exec")
    except _PARSE_ERRORS:  # the text alone does not compile (a nonlocal at top level, ...): names by AST
        binds = {getattr(node, "name", None)} - {None} | {
            n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        reads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        return frozenset(binds), frozenset(reads | strings)
    binds, reads = set(), set(strings)
    for scope in _scopes(table):
        for sym in scope.get_symbols():
            if scope.get_type() == "module":
                if sym.is_assigned() and not sym.is_imported():
                    binds.add(sym.get_name())
            elif sym.is_declared_global() and sym.is_assigned():
                binds.add(sym.get_name())
            if sym.is_global() and sym.is_referenced():
                reads.add(sym.get_name())
    return frozenset(binds), frozenset(reads)


def statements(cells):
    """([Statement] of every cell that parses, in order; [(own, source)] of the cells that do not)."""
    out, unparsed = [], []
    for own, source in cells:
        try:
            tree = ast.parse(source)
        except _PARSE_ERRORS:
            unparsed.append((own, source))
            continue
        lines = source.splitlines(keepends=True)
        for node, first, last in _statements(tree):
            text = "".join(lines[first - 1:last])
            binds, reads = _names(node, text)
            out.append(Statement(own, text, binds, reads))
    return out, unparsed


def cut(cells, assignment):
    """({piece: code} in contract order, rest) of `cells` [(piece or None, source)]; see the module's docstring."""
    order = ASSIGNMENTS[assignment]
    graded = set(order)
    found, unparsed = statements(cells)
    helpers = {}  # name -> indices of the statements that bind it (none binds a graded name)
    for i, st in enumerate(found):
        if not st.binds & graded:
            for name in st.binds:
                helpers.setdefault(name, []).append(i)
    pieces, reached = {}, set()
    for piece in order:
        members = {i for i, st in enumerate(found)
                   if piece in st.binds or (st.own == piece and not st.binds & graded)}
        todo = list(members)
        while todo:
            for name in found[todo.pop()].reads:
                for i in helpers.get(name, ()):
                    if i not in members:
                        members.add(i)
                        todo.append(i)
        texts = [found[i].text for i in sorted(members)] + [s for own, s in unparsed if own == piece]
        reached |= members
        if texts:
            pieces[piece] = "\n".join(texts).strip("\n") + "\n"
    rest = [st.text for i, st in enumerate(found) if i not in reached and st.own is None]
    rest += [source for own, source in unparsed if own is None]
    return pieces, "\n".join(rest).strip("\n") + ("\n" if rest else "")
