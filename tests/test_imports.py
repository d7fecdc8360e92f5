"""The packages' import graph has no cycle, the grader is layered, and the student side stands alone.

The graph is read from the source (every ``import``, at module level or inside
a function), so a cycle that only closes at run time is found too.
"""

import ast
import os

import pytest

import autograder
import fmnist_checks
import fmnist_edu

# The grader's layers, top to bottom: a module imports only modules of its own
# layer and of the layers below it (never one above, nor one beside: each layer
# is one subpackage). The package ``autograder`` itself (its ``__init__``) is
# below them all.
LAYERS = (
    "autograder.cli",
    "autograder.audit",
    "autograder.similarity",
    "autograder.batch",
    "autograder.lms",
    "autograder.reports",
    "autograder.verdict",
    "autograder.hidden",
    "autograder.sandbox",
    "autograder.untrusted",
    "fmnist_checks",
)

PACKAGES = {
    "fmnist_edu": os.path.dirname(fmnist_edu.__file__),
    "autograder": os.path.dirname(autograder.__file__),
    "fmnist_checks": os.path.dirname(fmnist_checks.__file__),
}


def modules():
    """{module name: path} of every module of the three packages."""
    found = {}
    for package, folder in PACKAGES.items():
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if d != "__pycache__"
                       and os.path.join(root, d) != PACKAGES["fmnist_checks"]]
            rel = os.path.relpath(root, folder)
            prefix = package if rel == "." else package + "." + rel.replace(os.sep, ".")
            for name in files:
                if name.endswith(".py"):
                    stem = name[:-3]
                    found[prefix if stem == "__init__" else f"{prefix}.{stem}"] = os.path.join(root, name)
    return found


def imports_of(name, path, known):
    """The modules of `known` that module `name` imports."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    is_package = path.endswith("__init__.py")
    out = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.append(sub if sub in known else base)
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def graph():
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(edges):
    """Every strongly connected component with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_inside_or_between_the_packages():
    assert cycles(graph()) == []


@pytest.mark.parametrize("module", sorted(m for m in modules() if m.startswith("fmnist_checks")))
def test_the_student_side_imports_only_itself(module):
    edges = graph()[module]
    assert all(target.startswith("fmnist_checks") for target in edges), edges


def test_one_module_one_name():
    """No module of the student side is ever imported as autograder.fmnist_checks."""
    for name, path in modules().items():
        text = open(path, encoding="utf-8").read()
        assert "autograder.fmnist_checks" not in text.replace("autograder/fmnist_checks", ""), name


def layer_of(module):
    """The index in LAYERS of `module`'s layer (len(LAYERS) for the package autograder; None: none)."""
    if module == "autograder":
        return len(LAYERS)
    for i, layer in enumerate(LAYERS):
        if module == layer or module.startswith(layer + "."):
            return i
    return None


def upward_or_across(edges):
    """(module, target) of each import from a layer to a layer not below it."""
    wrong = []
    for module, targets in sorted(edges.items()):
        here = layer_of(module)
        if here is None:
            continue
        for target in sorted(targets):
            there = layer_of(target)
            if there is not None and there < here:
                wrong.append((module, target))
    return wrong


def test_the_layer_check_finds_an_upward_import():
    edges = {"autograder.sandbox.bwrap": {"autograder.verdict.trusted", "fmnist_checks.core", "autograder"},
             "autograder.cli.report": {"autograder.reports.report_page"}}
    assert upward_or_across(edges) == [("autograder.sandbox.bwrap", "autograder.verdict.trusted")]


def test_every_grader_module_lives_in_a_layer():
    assert [m for m in modules() if m.startswith("autograder") and layer_of(m) is None] == []


def test_the_grader_imports_only_downward():
    assert upward_or_across(graph()) == []


def test_no_module_over_400_lines():
    """A module a reader can hold: past 400 lines, split it by concern."""
    long = {name: n for name, path in modules().items()
            if (n := sum(1 for _ in open(path, encoding="utf-8"))) > 400}
    assert long == {}
