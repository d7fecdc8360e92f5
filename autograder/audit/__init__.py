"""The mutation audit of the checks (``fmnist-grade audit``): how many single-change bugs they catch.

:mod:`.mutants` makes the mutants of each graded piece's reference with
mutmut's operators, :mod:`.grade` grades each one as a student's answer
through the piece's visible and hidden checks, :mod:`.run` tallies them per
piece, :mod:`.report` writes ``reports/audit.json`` and ``audit.html``, and
:mod:`.equivalent` reads the mutants listed as equivalent (``equivalent.toml``).

A layer below :mod:`autograder.cli` (which holds the command): it imports
:mod:`autograder.hidden` and :mod:`fmnist_checks`, never the commands.
"""
