"""Reading and writing the course notebooks' cells (nbgrader metadata, schema 3).

A course notebook has four kinds of code cell:

* answer cells: nbgrader autograded answers, grade id = the piece in lower case;
* test cells: nbgrader autograded tests, grade id ``test_<piece>``;
* given cells: locked code the notebook gives (imports, ``Node``), tagged
  ``given`` so the self-check and the trusted grader run them;
* everything else (demos, plots), which the checks never run.

The builders (:func:`answer_cell`, :func:`test_cell`, ...) are what the
notebooks were written with; instructors may also edit the notebooks with
nbgrader's "Create Assignment" toolbar, which writes the same metadata.
"""

import json

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
GIVEN_TAG = "given"


def nbgrader_meta(cell):
    """The cell's nbgrader metadata dict (empty when it has none)."""
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def is_answer(cell):
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("solution")) and not meta.get("grade")


def is_test(cell):
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_given(cell):
    tags = (cell.get("metadata") or {}).get("tags") or []
    return cell.get("cell_type") == "code" and GIVEN_TAG in tags


def source_of(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def read(path):
    """Load a notebook as a plain dict; raise ValueError naming the file when it is not one."""
    try:
        with open(path, encoding="utf-8") as fh:
            nb = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not a readable notebook: {exc}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"{path} is not a notebook: it has no list of cells")
    return nb


def runnable_cells(nb):
    """(grade id or tag, source) of the given and answer cells, in notebook order."""
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict):
            continue
        if is_answer(cell):
            cells.append((nbgrader_meta(cell).get("grade_id", f"cell{i}"), source_of(cell)))
        elif is_given(cell):
            cells.append((f"given-{i}", source_of(cell)))
    return cells


def visible_part(test_source):
    """A test cell's source without its hidden block."""
    out, hidden = [], False
    for line in test_source.splitlines(keepends=True):
        if line.strip() == HIDDEN_BEGIN:
            hidden = True
        elif line.strip() == HIDDEN_END:
            hidden = False
        elif not hidden:
            out.append(line)
    return "".join(out)


# --- builders -------------------------------------------------------------

def _meta(grade_id, *, grade, solution, locked, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked,
            "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def markdown_cell(text, grade_id=None):
    """A markdown cell; with `grade_id`, a locked read-only one."""
    import nbformat

    cell = nbformat.v4.new_markdown_cell(text)
    if grade_id:
        cell.metadata.update(_meta(grade_id, grade=False, solution=False, locked=True))
    return cell


def given_cell(source, grade_id):
    """Locked code the notebook gives, run by the self-check and the grader."""
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(_meta(grade_id, grade=False, solution=False, locked=True))
    cell.metadata["tags"] = [GIVEN_TAG]
    return cell


def demo_cell(source):
    """Free code (demos, plots) that the checks never run."""
    import nbformat

    return nbformat.v4.new_code_cell(source)


def answer_cell(source, piece):
    """An autograded answer cell; `source` holds ``### BEGIN/END SOLUTION`` blocks."""
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(_meta(piece.lower(), grade=False, solution=True, locked=False))
    return cell


def test_cell(source, piece, points):
    """An autograded test cell with grade id ``test_<piece>``."""
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(_meta(f"test_{piece.lower()}", grade=True, solution=False,
                               locked=True, points=points))
    return cell


def written_answer_cell(text, grade_id, points):
    """A manually graded markdown answer."""
    import nbformat

    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata.update(_meta(grade_id, grade=True, solution=True, locked=False, points=points))
    return cell


def standard_test_source(piece, points, docstring):
    """The usual test cell: a docstring, the visible check, the hidden grade."""
    return (
        f'"""{docstring}"""\n'
        f"from fmnist_checks import check\n"
        f'check("{piece}", {piece})\n'
        f"{HIDDEN_BEGIN}\n"
        f"from autograder.hidden import grade\n"
        f'grade("{piece}", {piece}, points={points})\n'
        f"{HIDDEN_END}\n"
    )
