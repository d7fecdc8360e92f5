"""What the released notebook's answer cells hold: the starter code no comparison may count.

Derived from the instructor's source notebook with nbgrader's own
``ClearSolutions`` (the preprocessor ``nbgrader generate_assignment`` runs: a
``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region becomes
``# YOUR CODE HERE`` / ``raise NotImplementedError()``), so no release is
needed and the starter follows the notebook as it changes. The given cells
(imports, ``Node``) count as starter code too: a student who pastes them into
an answer cell shares them with everybody.
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

    def all_code(self):
        """Every starter source, answer cells first."""
        return list(self.answers.values()) + list(self.given)


def source_notebook(course_dir, assignment):
    """The instructor's notebook of `assignment` in the course folder."""
    return os.path.join(course_dir, "source", assignment, f"{assignment}.ipynb")


def starter_code(course_dir, assignment):
    """The :class:`Starter` of `assignment`, from ``source/`` through nbgrader's ClearSolutions.

    Raises ValueError naming the file when the source notebook is missing or
    is not a notebook.
    """
    import nbformat
    from nbgrader.preprocessors import ClearSolutions

    path = source_notebook(course_dir, assignment)
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: the assignment's source notebook could not be read ({exc})") from None
    nb, _ = ClearSolutions().preprocess(nb, {})
    by_grade_id = {piece.lower(): piece for piece in ASSIGNMENTS[assignment]}
    starter = Starter()
    for cell in nb.cells:
        if is_answer(cell) and nbgrader_meta(cell).get("grade_id") in by_grade_id:
            starter.answers[by_grade_id[nbgrader_meta(cell)["grade_id"]]] = source_of(cell)
        elif is_given(cell):
            starter.given.append(source_of(cell))
    return starter
