"""A submitted notebook read as data: never executed, every problem named in one line.

:func:`read_submission` parses the notebook (JSON only, size-capped, never
through a link) and keeps each answer cell's source by grade id;
:func:`source_cells` reads the instructor's notebook: the given cells the
grader runs before the answers, and each test cell's points.
"""

import json
import os
from dataclasses import dataclass, field

from fmnist_checks.notebook import is_answer, is_given, is_test, nbgrader_meta, source_of
from fmnist_checks.pieces import ASSIGNMENTS

from ..untrusted.escape import clean_text
from ..sandbox.safefs import UnsafePath, read_regular

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


@dataclass
class Submission:
    """What a submitted notebook holds, as far as it could be read."""

    student: str
    assignment: str
    answers: dict = field(default_factory=dict)  # grade id -> source
    code_cells: list = field(default_factory=list)  # [(grade id of the answer that counts, or None, source)], in order
    problems: list = field(default_factory=list)  # one line each, for feedback
    readable: bool = True


def source_cells(source_path):
    """(given cells [(id, source)], points {piece: points}) of the instructor's notebook."""
    with open(source_path, encoding="utf-8") as fh:
        nb = json.load(fh)
    given, points = [], {}
    for i, cell in enumerate(nb["cells"]):
        if is_given(cell):
            given.append((nbgrader_meta(cell).get("grade_id", f"given-{i}"), source_of(cell)))
        if is_test(cell):
            gid = nbgrader_meta(cell)["grade_id"]
            points[gid[len("test_"):]] = float(nbgrader_meta(cell).get("points", 0))
    return given, points


def read_submission(path, assignment, student, root=None):
    """Parse the submitted notebook at `path` without running anything.

    The file is read without following links (a link, a special file or a
    file over :data:`MAX_NOTEBOOK_BYTES` is refused with one line), below
    `root` (the course folder) no folder on the way may be a link, and cells
    with malformed metadata are read as far as they can be.
    """
    sub = Submission(student, assignment)
    try:
        raw = read_regular(path, MAX_NOTEBOOK_BYTES, root=root)
    except FileNotFoundError:
        folder = os.path.dirname(path)
        try:
            found = sorted(f for f in os.listdir(folder) if f.endswith(".ipynb"))[:10]
        except OSError:
            found = []
        sub.problems.append(
            clean_text(f"no notebook named {os.path.basename(path)} was submitted"
                       + (f" (found: {', '.join(found)})" if found else ""))
        )
        sub.readable = False
        return sub
    except UnsafePath as exc:
        sub.problems.append(f"the notebook was not read: {exc}")
        sub.readable = False
        return sub
    except OSError as exc:
        sub.problems.append(f"the notebook could not be read ({type(exc).__name__})")
        sub.readable = False
        return sub
    try:
        nb = json.loads(raw.decode("utf-8"))
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise TypeError("cells is not a list")
    except Exception as exc:
        sub.problems.append(f"the notebook file is not valid notebook JSON ({type(exc).__name__}: "
                            f"{clean_text(str(exc)[:120])})")
        sub.readable = False
        return sub
    wanted = {p.lower(): p for p in ASSIGNMENTS[assignment]}
    others = {p.lower() for a, ps in ASSIGNMENTS.items() if a != assignment for p in ps}
    seen_other = False
    malformed = 0
    for cell in cells:
        if not isinstance(cell, dict):
            malformed += 1
            continue
        metadata = cell.get("metadata", {})
        if not isinstance(metadata, dict) or not isinstance(metadata.get("nbgrader", {}), dict) \
                or not isinstance(cell.get("source", ""), (str, list)):
            malformed += 1
        if not is_answer(cell):
            if cell.get("cell_type") == "code":
                sub.code_cells.append((None, clean_text(source_of(cell))))
            continue
        gid = nbgrader_meta(cell).get("grade_id", "")
        gid = gid if isinstance(gid, str) else ""
        if gid in wanted:
            if gid in sub.answers:
                sub.problems.append(f"two answer cells have grade id {gid!r}; the first one counts")
                sub.code_cells.append((None, clean_text(source_of(cell))))
                continue
            sub.answers[gid] = clean_text(source_of(cell))  # an unpaired surrogate cannot reach the worker
            sub.code_cells.append((gid, sub.answers[gid]))
            continue
        sub.code_cells.append((None, clean_text(source_of(cell))))  # another assignment's answer cell, or no grade id
        if gid in others:
            seen_other = True
    if malformed:
        sub.problems.append(f"{malformed} cell(s) have malformed metadata or source (not what Jupyter "
                            f"writes); they were read as ungraded cells")
    missing = [wanted[g] for g in wanted if g not in sub.answers]
    if seen_other and len(missing) == len(wanted):
        sub.problems.append("this is another assignment's notebook: none of this assignment's answers is in it")
    elif missing:
        sub.problems.append(
            f"no answer cell with the grade id of {', '.join(missing)} (deleted, or its grade id changed)"
        )
    return sub
