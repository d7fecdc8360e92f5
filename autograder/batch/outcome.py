"""One student's failure is that student's note: each result stored on its own, and the exit status.

:func:`stored` runs the coordinator's store of one result (its gradebook rows
in one transaction, then its ``autograded/`` folder); whatever fails there
(an unreadable ``timestamp.txt``, a file that cannot be written, the database)
becomes a note on that student's row and the batch goes on. A row whose
submission was not graded or not recorded, or was over the grader's caps,
*needs a look* (:attr:`StudentResult.needs_look`), and ``fmnist-grade``
then exits with :data:`EXIT_NEEDS_LOOK`.
"""

import logging
from dataclasses import dataclass, field

from ..untrusted.escape import terminal

log = logging.getLogger(__name__)

EXIT_OK = 0  # every submission graded and recorded
EXIT_ERROR = 2  # nothing graded: the request cannot be (no course, no sandbox, unknown student...)
EXIT_NEEDS_LOOK = 3  # graded; some rows need a look (not graded, not recorded, over a cap): see their notes


@dataclass
class StudentResult:
    student: str
    scores: dict = field(default_factory=dict)  # piece -> trusted score (nbgrader's auto_score)
    points: dict = field(default_factory=dict)  # piece -> max points
    messages: dict = field(default_factory=dict)  # piece -> trusted message
    notes: list = field(default_factory=list)
    manual: dict = field(default_factory=dict)  # written-answer grade id -> (its score, or None: not yet, max)
    gradebook_total: float = 0.0  # nbgrader's score: manual_score where set, else auto_score
    seconds: float = 0.0
    assignment: str = ""
    needs_look: str = ""  # why an instructor should look (not recorded, over a cap); "" when all is well

    @property
    def total(self):
        return sum(self.scores.values())

    @property
    def awaiting(self):
        """Points of written answers no grader has scored yet."""
        return sum(m for s, m in self.manual.values() if s is None)


class PartlyRecorded(RuntimeError):
    """The gradebook holds the result, but its ``autograded/`` folder could not be written."""


def _why(exc):
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def stored(store, course_dir, db_url, result, over_caps=False):
    """``store(course_dir, db_url, result)`` for one student; a failure is that student's note, never raised.

    Returns the :class:`autograder.batch.pipeline.StudentResult`, with ``needs_look``
    set when the submission was not graded or not (fully) recorded, or
    (`over_caps`) only part of it was graded.
    """
    from .gradebook import NotRecorded

    try:
        r = store(course_dir, db_url, result)
    except Exception as exc:  # noqa: BLE001 - this student's row says what happened; the class goes on
        if isinstance(exc, PartlyRecorded):
            why = str(exc)
        elif isinstance(exc, NotRecorded):
            why = f"not recorded in the gradebook: {exc}"
        else:
            why = f"not recorded in the gradebook ({_why(exc)})"
        log.error("%s: %s", terminal(str(result.get("student"))), terminal(why))
        r = StudentResult(result["student"], notes=list(result.get("notes", [])) + [why],
                          seconds=result.get("seconds", 0.0), assignment=result.get("assignment", ""))
        for piece, v in (result.get("pieces") or {}).items():
            r.scores[piece], r.points[piece], r.messages[piece] = v["score"], v["points"], v["message"]
        r.needs_look = why
        return r
    if result.get("results") is None:
        r.needs_look = "not graded: nothing was recorded (the notes say why)"
    elif over_caps:
        r.needs_look = "over the grader's caps: only part of the submission was graded"
    return r


def exit_status(results):
    """:data:`EXIT_NEEDS_LOOK` when some row needs a look, else :data:`EXIT_OK`."""
    return EXIT_NEEDS_LOOK if any(r.needs_look for r in results) else EXIT_OK
