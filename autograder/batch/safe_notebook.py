"""A notebook made inert for browsers, in nbgrader's autograde and generate_feedback.

What formgrader and the feedback render of a submission, with
:mod:`autograder.untrusted.browser`'s one sanitiser applied (:func:`clean_notebook`):

* a markdown cell becomes cleaned HTML (:func:`autograder.untrusted.browser.markdown_html`)
  unless it holds exactly the text of one of the instructor's markdown cells
  (``source/``); a raw cell is cleaned and never rendered;
* every output goes through :func:`autograder.untrusted.browser.clean_output`;
* cell metadata keeps only nbgrader's role of the cell, taken from the
  gradebook's copy of the source notebook (:func:`gradebook_roles`, never the
  submission's own flags, points or ids), and simple tags; notebook metadata
  keeps only the kernel's name and language;
* every string is made writable (:func:`autograder.untrusted.escape.clean_text`).

In nbgrader's autograde :class:`SanitiseSubmission` runs first (roles,
metadata, strings: the grader's own marks, ``fmnist_grader``, can then only
come from the grader) and :class:`SanitiseContent` last (HTML and outputs,
after ``SaveAutoGrades`` read the checksums), so the autograded notebook,
which formgrader renders itself, holds nothing live. generate_feedback runs
:class:`SanitiseFeedback` first, on everything (``course/nbgrader_config.py``).
"""

import re
import uuid

from nbgrader.preprocessors import NbGraderPreprocessor

from ..untrusted.browser import CSP, _joined, clean_html, clean_output, markdown_html
from ..untrusted.escape import clean_text

_SIMPLE = re.compile(r"[A-Za-z0-9_.-]{1,100}\Z")
_CELL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")


def gradebook_roles(db_url, assignment, notebook):
    """{grade id: nbgrader metadata} of the cells of the source notebook, as the gradebook holds it."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            nb = gb.find_notebook(notebook, assignment)
        except MissingEntry:
            return {}
        grades = {c.name: float(c.max_score) for c in nb.grade_cells}
        tasks = {c.name: float(c.max_score) for c in nb.task_cells}
        solutions = {c.name for c in nb.solution_cells}
        roles = {}
        for cell in nb.source_cells:
            role = {"grade": cell.name in grades, "grade_id": cell.name, "locked": bool(cell.locked),
                    "schema_version": 3, "solution": cell.name in solutions, "cell_type": cell.cell_type}
            if cell.name in tasks:
                role.update(task=True, points=tasks[cell.name])
            elif role["grade"]:
                role["points"] = grades[cell.name]
            if cell.checksum:
                role["checksum"] = cell.checksum
            roles[cell.name] = role
        return roles


def _role(metadata, cell_type, roles, used):
    """The cell's nbgrader metadata: the gradebook's for its grade id (once), else none.

    Without `roles` (no gradebook at hand) only well-formed fields are kept.
    """
    claimed = metadata.get("nbgrader") if isinstance(metadata.get("nbgrader"), dict) else None
    gid = claimed.get("grade_id") if claimed else None
    if not isinstance(gid, str) or not _SIMPLE.match(gid) or gid in used:
        return None
    if roles is None:
        role = {k: bool(claimed.get(k)) for k in ("grade", "solution", "locked", "task") if k in claimed}
        role.update(grade_id=gid, schema_version=3)
        for k in ("points", "score"):
            if isinstance(claimed.get(k), (int, float)) and not isinstance(claimed.get(k), bool):
                role[k] = float(claimed[k])
        role.setdefault("grade", False), role.setdefault("solution", False), role.setdefault("locked", False)
    elif gid in roles and roles[gid]["cell_type"] == cell_type:
        role = dict(roles[gid])
    else:
        return None
    used.add(gid)
    return role


def clean_metadata(cell, roles, used, keep_marks=False):
    """Cell metadata a template may read: nbgrader's role, simple tags, the grader's mark if kept."""
    metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
    clean = {}
    role = _role(metadata, cell.get("cell_type"), roles, used)
    if role:
        clean["nbgrader"] = role
    tags = metadata.get("tags")
    if isinstance(tags, list):
        clean["tags"] = [t for t in tags if isinstance(t, str) and _SIMPLE.match(t)][:20]
    mark = metadata.get("fmnist_grader")
    if keep_marks and isinstance(mark, str) and _SIMPLE.match(mark):
        clean["fmnist_grader"] = mark
    cell["metadata"] = clean
    if "id" in cell and not (isinstance(cell["id"], str) and _CELL_ID.match(cell["id"])):
        cell["id"] = uuid.uuid4().hex[:8]


def clean_strings(value):
    """`value` (a notebook's JSON) with every string, keys included, made writable."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_strings(v) for v in value]
    if isinstance(value, dict):
        return type(value)((clean_text(k), clean_strings(v)) for k, v in value.items())
    return value


def instructor_markdown(course_dir, assignment, notebook):
    """{source: attachments} of the markdown cells of the instructor's notebook (``source/``)."""
    import json
    import os

    path = os.path.join(course_dir, "source", assignment, f"{notebook}.ipynb")
    try:
        with open(path, encoding="utf-8") as fh:
            cells = json.load(fh).get("cells", [])
    except (OSError, ValueError):
        return {}
    return {clean_text(_joined(c.get("source", ""))): c.get("attachments") for c in cells
            if isinstance(c, dict) and c.get("cell_type") == "markdown"}


def clean_content(cell, convert_marked=True, instructors=None):
    """The cell's source and outputs with nothing live (markdown as cleaned HTML).

    A markdown cell holding exactly the instructor's text (`instructors`:
    :func:`instructor_markdown`) stays as it is; so does, unless
    `convert_marked`, a note the grader added (its mark can only be the grader's).
    """
    kind = cell.get("cell_type")
    if kind == "markdown":
        source = clean_text(_joined(cell.get("source", "")))
        theirs = (instructors or {}).get(source, False)
        if theirs is not False and (cell.get("attachments") or None) == (theirs or None):
            cell["source"] = source
            return
        if convert_marked or not cell["metadata"].get("fmnist_grader"):
            cell["source"] = markdown_html(source, cell.get("attachments"))
        cell.pop("attachments", None)
    elif kind == "code":
        cell["source"] = clean_text(_joined(cell.get("source", "")))
        cell["outputs"] = [o for o in map(clean_output, cell.get("outputs") or []) if o is not None]
        count = cell.get("execution_count")
        cell["execution_count"] = count if type(count) is int and count >= 0 else None
    else:  # raw (never rendered once its mimetype is gone) or unknown: cleaned text in a raw cell
        cell.update(cell_type="raw", source=clean_html(cell.get("source", "")))
        cell.pop("attachments", None)
        cell.pop("outputs", None), cell.pop("execution_count", None)


def clean_notebook_metadata(nb, keep_marks=False):
    """Notebook metadata: the kernel's name and language only (and the grader's verdict if kept)."""
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    clean = {}
    spec = meta.get("kernelspec")
    if isinstance(spec, dict):
        clean["kernelspec"] = {k: spec[k] for k in ("name", "display_name", "language")
                               if isinstance(spec.get(k), str) and len(spec[k]) < 100}
    clean["language_info"] = {"name": "python"}
    if keep_marks and isinstance(meta.get("fmnist_grader"), dict):
        clean["fmnist_grader"] = meta["fmnist_grader"]
    nb["metadata"] = clean


def clean_notebook(nb, roles=None, keep_marks=False, instructors=None):
    """Everything of `nb` (a NotebookNode) a browser renders made inert, in place; return it."""
    import nbformat

    used = set()
    cells = []
    for cell in nb.get("cells") or []:
        if not isinstance(cell, dict):
            continue
        cell = clean_strings(cell)
        clean_metadata(cell, roles, used, keep_marks=keep_marks)
        clean_content(cell, instructors=instructors)
        cells.append(nbformat.from_dict(cell))
    nb["cells"] = cells
    clean_notebook_metadata(nb, keep_marks=keep_marks)
    return nb


# ------------------------------------------------------------------ nbgrader's preprocessors

def _roles_of(resources):
    info = resources.get("nbgrader") or {}
    if not info.get("db_url"):
        return None
    return gradebook_roles(info["db_url"], info["assignment"], info["notebook"])


def _instructors_of(preprocessor, resources):
    from .nbexec import course_dir_of

    info = resources.get("nbgrader") or {}
    if not info.get("assignment"):
        return {}
    return instructor_markdown(course_dir_of(preprocessor), info["assignment"], info["notebook"])


class SanitiseSubmission(NbGraderPreprocessor):
    """Autograde, first: roles from the gradebook, no mark of the grader's, every string writable."""

    def preprocess(self, nb, resources):
        import nbformat

        roles, used = _roles_of(resources), set()
        cells = []
        for cell in nb.cells:
            cell = clean_strings(cell)
            clean_metadata(cell, roles, used)
            cells.append(nbformat.from_dict(cell))
        nb.cells = cells
        clean_notebook_metadata(nb)
        return nb, resources


class SanitiseContent(NbGraderPreprocessor):
    """Autograde, last: markdown, raw cells and outputs made inert (the grader's notes kept as written)."""

    def preprocess(self, nb, resources):
        import nbformat

        cells, instructors = [], _instructors_of(self, resources)
        for cell in nb.cells:
            cell = clean_strings(cell)
            clean_content(cell, convert_marked=False, instructors=instructors)
            cells.append(nbformat.from_dict(cell))
        nb.cells = cells
        nb.metadata = clean_strings(nb.metadata)
        return nb, resources


class SanitiseFeedback(NbGraderPreprocessor):
    """generate_feedback, first: roles from the gradebook and everything a browser renders cleaned."""

    def preprocess(self, nb, resources):
        from ..reports.feedback_notes import refresh_notes

        # the notes' points as the gradebook holds them now, written while the notes are still the
        # grader's markdown; then every cell, the grader's marked ones too, is cleaned like any other
        refresh_notes(nb.cells, resources)
        clean_notebook(nb, _roles_of(resources), keep_marks=True, instructors=_instructors_of(self, resources))
        resources["fmnist_csp"] = CSP
        return nb, resources
