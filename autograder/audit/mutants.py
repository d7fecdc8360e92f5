"""The mutants of each graded piece: mutmut's operators applied to the reference in ``fmnist_edu``.

A piece's mutation scope is its own definition in its ``fmnist_edu`` module
(the function, or every method of the class), nothing else: a student's
answer cell holds exactly that definition, and the helpers it calls (input
validation, the tree's presorted splitter) are not graded pieces.

The operators are mutmut's (``mutmut.mutation.mutators.mutation_operators``,
driven by its ``MutationVisitor``, which also skips docstrings' neighbours it
always skips: annotations, decorators, ``# pragma: no mutate`` lines). Each
mutation is one node of the module replaced by its mutated node; the mutant
is the whole module's source with that one change, so the piece runs with
its module's own imports and helpers.
"""

import difflib
import hashlib
import inspect
from dataclasses import dataclass
from functools import lru_cache

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from fmnist_checks.pieces import ASSIGNMENTS


@dataclass(frozen=True)
class Mutant:
    """One single-change copy of the module that defines `piece`.

    ``key`` names the mutant across runs (it hashes the piece, the changed
    function and the changed code, not line numbers); ``diff`` is the unified
    diff of the piece's module; ``source`` the whole mutated module.
    """

    piece: str
    key: str
    module: str
    line: int
    function: str
    diff: str
    source: str


def _piece_span(piece):
    """(module name, module path, first line, last line) of `piece`'s definition."""
    import fmnist_edu

    obj = getattr(fmnist_edu, piece)
    module = inspect.getmodule(obj)
    lines, first = inspect.getsourcelines(obj)
    return module.__name__, inspect.getsourcefile(module), first, first + len(lines) - 1


def _mutations(path, code):
    """mutmut's mutations of `code`, each as (original node, mutated node, outer function name)."""
    from mutmut.mutation.file_mutation import MutationVisitor
    from mutmut.mutation.mutators import mutation_operators
    from mutmut.mutation.pragma_handling import IgnoredCode, PragmaVisitor

    wrapper = MetadataWrapper(cst.parse_module(code))
    pragmas = PragmaVisitor(path)
    wrapper.visit(pragmas)
    # mutmut's own get_ignored_lines also reads a project config for extra
    # patterns; this project sets none, so the pragmas are the whole of it
    ignored = IgnoredCode(no_mutate_lines=pragmas.no_mutate_lines,
                          ignore_node_lines=pragmas.ignore_node_lines, ignore_pattern_lines=set())
    visitor = MutationVisitor(mutation_operators, ignored)
    module = wrapper.visit(visitor)
    return module, visitor.mutations


@lru_cache(maxsize=None)
def _module_mutations(path):
    """The module at `path`: (its code, its libcst tree, [(line, function name, mutation)])."""
    code = open(path, encoding="utf-8").read()
    module, mutations = _mutations(path, code)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    found = [(positions[m.original_node].start.line, m.contained_by_top_level_function.name.value, m)
             for m in mutations if m.contained_by_top_level_function is not None]
    return code, module, found


def _key(piece, function, diff):
    changed = [ln for ln in diff.splitlines()[2:] if ln[:1] in "+-" and not ln.startswith("@@")]
    text = "\n".join([piece, function] + [ln[0] + ln[1:].strip() for ln in changed])
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def mutants_of(piece):
    """The mutants of `piece`, in source order (a list of :class:`Mutant`)."""
    module_name, path, first, last = _piece_span(piece)
    code, module, found = _module_mutations(path)
    mutants, seen = [], set()
    for line, function, mutation in found:
        if not first <= line <= last:
            continue
        # the whole module with this one node replaced (the piece runs with its module's helpers)
        source = module.deep_replace(mutation.original_node, mutation.mutated_node).code
        if source == code:
            continue
        diff = "".join(difflib.unified_diff(code.splitlines(True), source.splitlines(True),
                                            f"a/{module_name}", f"b/{module_name}", n=2))
        key = _key(piece, function, diff)
        while key in seen:  # the same change twice in one function: number the repeats
            key = hashlib.sha256(key.encode()).hexdigest()[:10]
        seen.add(key)
        mutants.append(Mutant(piece, key, module_name, line, function, diff, source))
    return mutants


def assignment_mutants(assignment):
    """{piece: [Mutant]} for every piece of `assignment`."""
    return {piece: mutants_of(piece) for piece in ASSIGNMENTS[assignment]}
