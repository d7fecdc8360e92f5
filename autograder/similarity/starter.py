"""What the released notebook's answer cells hold: the starter code no comparison may count.

Derived from the instructor's source notebook with nbgrader's own
``ClearSolutions`` (the preprocessor ``nbgrader generate_assignment`` runs: a
``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region becomes
``# YOUR CODE HERE`` / ``raise NotImplementedError()``), so no release is
needed and the starter follows the notebook as it changes. The given cells
(imports, ``Node``) count as starter code too: a student who pastes them into
an answer cell shares them with everybody; so do the test and demo cells
(hidden tests cleared by ``ClearHiddenTests``, as in the release), which
:mod:`.answers` also uses to tell the cells a student added from the
instructor's.
"""

import os
from dataclasses import dataclass, field

from fmnist_checks.notebook import is_answer, is_given, nbgrader_meta, source_of
from fmnist_checks.pieces import ASSIGNMENTS


@dataclass
class Starter:
    """The release's code: ``answers`` {piece: answer cell as released}, ``given`` [given cell sources]."""

    answers: dict = field(default_factory=dict)
    given: list = field(default_factory=list)
    others: list = field(default_factory=list)  # the release's test and demo code cells (hidden tests cleared)
    hidden: list = field(default_factory=list)  # the test cells with their hidden tests (recognised, not removed)

    def all_code(self):
        """Every starter source, answer cells first."""
        return list(self.answers.values()) + list(self.given) + list(self.others)

    def instructor_sources(self):
        """The stripped sources of the release's code cells a student did not write (given, test, demo)."""
        return frozenset(source.strip() for source in list(self.given) + list(self.others) + list(self.hidden))


def source_notebook(course_dir, assignment):
    """The instructor's notebook of `assignment` in the course folder."""
    return os.path.join(course_dir, "source", assignment, f"{assignment}.ipynb")


def starter_code(course_dir, assignment):
    """The :class:`Starter` of `assignment`, from ``source/`` through nbgrader's ClearSolutions.

    Raises ValueError naming the file when the source notebook is missing or
    is not a notebook.
    """
    import nbformat
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    path = source_notebook(course_dir, assignment)
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: the assignment's source notebook could not be read ({exc})") from None
    nb, _ = ClearSolutions().preprocess(nb, {})
    unreleased = [source_of(cell) for cell in nb.cells if cell.get("cell_type") == "code"
                  and not is_answer(cell) and not is_given(cell)]
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    by_grade_id = {piece.lower(): piece for piece in ASSIGNMENTS[assignment]}
    starter = Starter()
    for cell in nb.cells:
        if is_answer(cell) and nbgrader_meta(cell).get("grade_id") in by_grade_id:
            starter.answers[by_grade_id[nbgrader_meta(cell)["grade_id"]]] = source_of(cell)
        elif is_given(cell):
            starter.given.append(source_of(cell))
        elif cell.get("cell_type") == "code":
            starter.others.append(source_of(cell))
    starter.hidden = [s for s in unreleased if s not in starter.others]  # a release that kept its hidden tests
    return starter
