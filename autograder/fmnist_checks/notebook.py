"""Reading the course notebooks' cells (nbgrader metadata, schema 3).

A course notebook has four kinds of code cell:

* answer cells: nbgrader autograded answers, grade id = the piece in lower case;
* test cells: nbgrader autograded tests, grade id ``test_<piece>``;
* given cells: locked code the notebook gives (imports, ``Node``), tagged
  ``given`` so the self-check and the trusted grader run them;
* everything else (demos, plots), which the checks never run.

Instructors edit the notebooks with nbgrader's "Create Assignment" toolbar,
which writes this metadata.
"""

import json

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
GIVEN_TAG = "given"


def nbgrader_meta(cell):
    """The cell's nbgrader metadata dict (empty when it has none or it is not a dict)."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def is_answer(cell):
    """True for an nbgrader autograded-answer code cell."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("solution")) and not meta.get("grade")


def is_test(cell):
    """True for an nbgrader autograded-tests code cell."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_given(cell):
    """True for a code cell tagged ``given`` (run by the self-check and the grader)."""
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return cell.get("cell_type") == "code" and isinstance(tags, list) and GIVEN_TAG in tags


def source_of(cell):
    """The cell's source as one string."""
    src = cell.get("source", "")
    if isinstance(src, list):
        return "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


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
