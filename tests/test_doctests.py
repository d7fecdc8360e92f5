"""The examples in the docstrings of fmnist_edu, fmnist_checks and autograder run and show what they say.

One test per module of the package runs that module's doctests as
``python -m doctest`` would (no option flags), so ``python -m pytest`` fails on
an example that no longer holds and names the module and the example. A
module without examples passes; its test is there so that a new module is
covered the day it gets one.
"""

import doctest
import importlib
import pkgutil

import pytest

import autograder
import fmnist_checks
import fmnist_edu

# importing fmnist_edu.__main__ runs the command line and exits
_NOT_IMPORTABLE = {"fmnist_edu.__main__"}
PACKAGES = (fmnist_edu, fmnist_checks, autograder)

MODULES = [package.__name__ for package in PACKAGES] + sorted(
    info.name
    for package in PACKAGES
    for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + ".")
    if info.name not in _NOT_IMPORTABLE and not info.name.startswith("autograder.fmnist_checks")
)


def find_doctests(module):
    """The doctests of `module`, from its docstring and those of what it defines.

    DocTestFinder skips what `module` only re-exports, so a re-exported name
    (``fmnist_edu.tree.gini``) is tested once, in its own module.
    """
    return doctest.DocTestFinder().find(module)


def run_doctests(module):
    """Run the doctests of `module`; return (failed, attempted, report text)."""
    runner = doctest.DocTestRunner()
    report = []
    for test in find_doctests(module):
        runner.run(test, out=report.append)
    return runner.failures, runner.tries, "".join(report)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    failed, attempted, report = run_doctests(importlib.import_module(name))
    assert failed == 0, f"{failed} of {attempted} examples in {name} failed:\n{report}"


def test_the_modules_with_examples_are_found():
    """Guards the collection: a finder that found nothing would pass every test above."""
    for name in ("fmnist_edu.splits", "fmnist_edu.tree", "fmnist_edu.activations",
                 "fmnist_edu.network", "fmnist_edu.pca", "fmnist_edu.metrics",
                 "fmnist_checks.pieces", "fmnist_checks.core"):
        assert name in MODULES
        tests = find_doctests(importlib.import_module(name))
        assert sum(len(test.examples) for test in tests) > 0, f"no examples found in {name}"
