"""nbgrader feedback that teaches without giving the hidden checks away.

nbgrader's default feedback shows each test cell's full source, hidden tests
included (nbgrader #917, #1363). :class:`HideTestCode` runs in
``GenerateFeedback`` (see ``course/nbgrader_config.py``): each test cell keeps
its visible part, its hidden block becomes one comment line, and an error
output keeps the exception's message (our checks put every failure there)
but drops the traceback, whose lines could quote hidden code. Markdown a
student wrote is shown as text (no live HTML, no ``javascript:`` links), and
the outputs of other code cells are dropped (a cell can print anything the
kernel could read).
"""

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from fmnist_checks.notebook import HIDDEN_BEGIN, is_test, source_of, visible_part

from .escape import neutralise_markdown

HIDDEN_NOTE = "# (hidden checks ran here: their messages are below, their code is not shown)\n"


def hide_test_code(cell):
    """Rewrite one test cell in place as described above; return it."""
    source = source_of(cell)
    if HIDDEN_BEGIN in source:
        cell["source"] = visible_part(source).rstrip("\n") + "\n" + HIDDEN_NOTE
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
    return cell


class HideTestCode(Preprocessor):
    """Hide hidden tests' code and tracebacks in the feedback of autograded test cells."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when it is enabled").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if is_test(cell):
            hide_test_code(cell)
        elif cell.get("cell_type") == "markdown" and not _by_grader(cell):
            # a student may write any markdown: no live HTML or script link reaches the feedback
            cell["source"] = neutralise_markdown(source_of(cell))
        elif cell.get("cell_type") == "code":
            cell["outputs"] = []  # outputs could quote the hidden checks (fmnist-grade drops them too)
        return cell, resources


def _by_grader(cell):
    metadata = cell.get("metadata")
    return isinstance(metadata, dict) and bool(metadata.get("fmnist_grader"))
