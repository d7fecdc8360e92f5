"""The grading notes' first line, written when feedback is made, from the gradebook.

At autograde time the grader writes the notes at the top of the autograded
notebook (:func:`autograder.batch.annotate.notes_text`); a TA then scores the
written answers in formgrader. ``nbgrader generate_feedback`` runs
:class:`autograder.batch.safe_notebook.SanitiseFeedback`, which calls :func:`refresh_notes`
before it cleans the notebook: the notes' first line is written again from what the gradebook holds now, so
feedback regenerated after manual grading says what was given.

A written answer awaits a grader when the gradebook holds no score for it:
neither a ``manual_score`` nor an ``auto_score`` (nbgrader gives an answer
left as released an ``auto_score`` of 0: that one does not await anybody).
"""

from fmnist_checks.notebook import is_test, nbgrader_meta

NOTES_HEAD = "**Grading notes** (fmnist-edu's grader):"


def gradebook_totals(db_url, notebook, assignment, student, cells):
    """{"auto", "auto_max", "written_given", "written_max", "awaiting"} for the graded `cells`.

    ``auto``: the test cells' scores as nbgrader counts them (a grader's
    ``manual_score`` where set, else the ``auto_score``); ``awaiting``: the
    points of written answers with no score at all.
    """
    from nbgrader.api import Gradebook, MissingEntry

    totals = dict.fromkeys(("auto", "auto_max", "written_given", "written_max", "awaiting"), 0.0)
    with Gradebook(db_url) as gb:
        for cell in cells:
            meta = nbgrader_meta(cell)
            if not meta.get("grade"):
                continue
            try:
                grade = gb.find_grade(meta.get("grade_id", ""), notebook, assignment, student)
            except MissingEntry:
                continue
            most = float(grade.max_score or 0.0)
            if is_test(cell):
                totals["auto"] += float(grade.score or 0.0)
                totals["auto_max"] += most
                continue
            totals["written_max"] += most
            if grade.manual_score is None and grade.auto_score is None:
                totals["awaiting"] += most
            else:
                totals["written_given"] += float(grade.score or 0.0)
    return totals


def headline(totals):
    """The notes' first line from :func:`gradebook_totals`."""
    line = f"{NOTES_HEAD} {totals['auto']:g} of {totals['auto_max']:g} autograded points."
    if totals["written_max"]:
        if totals["awaiting"]:
            line += f" {totals['awaiting']:g} points of written answers await a grader"
            graded = totals["written_max"] - totals["awaiting"]
            line += f" ({totals['written_given']:g} of {graded:g} given so far)." if graded else "."
        else:
            line += f" Written answers: {totals['written_given']:g} of {totals['written_max']:g} points."
    return line


def refresh_notes(cells, resources):
    """Rewrite the first line of the grader's notes cell in `cells` from the gradebook; return True if done.

    `resources` is nbgrader's (``resources["nbgrader"]`` names the gradebook,
    the notebook, the assignment and the student). Nothing changes where the
    notebook has no notes cell or the gradebook cannot be read.
    """
    from sqlalchemy.exc import SQLAlchemyError

    info = (resources or {}).get("nbgrader") or {}
    notes = next((c for c in cells if (c.get("metadata") or {}).get("fmnist_grader") == "notes"), None)
    if notes is None or not all(info.get(k) for k in ("db_url", "notebook", "assignment", "student")):
        return False
    try:
        totals = gradebook_totals(info["db_url"], info["notebook"], info["assignment"], info["student"], cells)
    except (SQLAlchemyError, OSError):  # a gradebook that cannot be read: the notes stay as autograde wrote them
        return False
    source = notes["source"] if isinstance(notes["source"], str) else "".join(notes["source"])
    lines = source.split("\n")
    if not lines[0].startswith(NOTES_HEAD):
        return False
    notes["source"] = "\n".join([headline(totals)] + lines[1:])
    return True
