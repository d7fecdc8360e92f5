"""A piece's verdict as a student and a grader read it: one headline, then the failed checks.

:func:`piece_verdict` writes it from the outcomes of a piece's visible and
hidden checks: a headline that counts every failed check, visible and hidden
(``✗ confusion_matrix: 5 of 7 checks failed (2 of 2 visible, 3 of 5
hidden)``), then each failed check's message, then the advice that costs no
points. A blank piece is one line. Blocks are separated by one blank line and
hold none inside, so that :func:`shorten` can drop whole checks: a long verdict
ends with "… and 3 more failed checks: names", never in the middle of a call.

:func:`verdict_head` and :func:`read_verdict` write and read the line that
names the piece and its points above the verdict in a test cell's output.
"""

import re
import textwrap

from fmnist_checks.runner import advice_notes

MAX_CHARS = 4000  # what a test cell's output shows of one verdict
MAX_NAMES = 600  # the names of the checks left out, at most
LINE = 100  # the line they are wrapped at (a page shows about 110 characters of a line)
ADVICE = "advice (no points): "
NOT_IMPLEMENTED = "NotImplementedError"
NOT_RUN = ("this step was not run", "this check did not run")  # the worker's and the judge's words
_HEAD = re.compile(r"^Trusted grader, (?P<piece>[^:\n]+): (?P<score>[-0-9.e]+) of (?P<points>[-0-9.e]+) points$",
                   re.M)


def _block(text):
    """`text` as one block: no blank line inside (a student's message may hold some)."""
    return re.sub(r"\n\s*\n", "\n", str(text).strip("\n"))


def piece_verdict(piece, visible_out, hidden_out):
    """(every graded check passed, the verdict text) of one piece.

    Parameters
    ----------
    piece : str
        The contract name of the piece.
    visible_out, hidden_out : list of fmnist_checks.core.Outcome
        The outcomes of its visible and hidden checks; advice cases never fail it.
    """
    graded_v = [o for o in visible_out if not o.case.advice]
    graded_h = [o for o in hidden_out if not o.case.advice]
    failed_v = [o for o in graded_v if not o.passed]
    failed_h = [o for o in graded_h if not o.passed]
    ran = [o for o in list(visible_out) + list(hidden_out) if not _not_run(o)]
    notes = [_block(n) for n in advice_notes(ran)]
    failed, graded = failed_v + failed_h, graded_v + graded_h
    if not failed:
        return True, "\n\n".join([f"✓ {piece}: all {len(graded)} checks passed"] + notes)
    if all(NOT_IMPLEMENTED in o.message for o in failed):
        return False, f"✗ {piece} is not implemented yet: it still raises NotImplementedError"
    where = f"{len(failed_v)} of {len(graded_v)} visible"
    if graded_h:
        where += f", {len(failed_h)} of {len(graded_h)} hidden"
    head = f"✗ {piece}: {len(failed)} of {len(graded)} checks failed ({where})"
    blocks = [_block(o.message) for o in failed if not _not_run(o)]
    skipped = [o for o in failed if _not_run(o)]
    if skipped:  # one line for the checks a hung or crashed check kept from running, not one each
        names = "; ".join(o.case.label for o in skipped)
        blocks.append(f"{piece}: {len(skipped)} more check{'s' * (len(skipped) != 1)} did not run (an earlier "
                      f"check of this piece hung or crashed): {names}")
    return False, "\n\n".join([head] + blocks + notes)


def _not_run(outcome):
    """True for a check that never ran: an earlier one of its piece hung or crashed."""
    return not outcome.passed and any(m in outcome.message for m in NOT_RUN)


def _name(block):
    """The name of the check a block describes: its first line, without the piece."""
    first = block.splitlines()[0] if block else ""
    if first.startswith(ADVICE):
        first = first[len(ADVICE):]
    return first.split(": ", 1)[1] if ": " in first else first


def _names(blocks, limit=MAX_NAMES):
    names, size = [], 0
    for i, block in enumerate(blocks):
        name = _name(block)
        if names and size + len(name) + 2 > limit:
            return "; ".join(names) + f"; and {len(blocks) - i} more"
        names.append(name)
        size += len(name) + 2
    return "; ".join(names)


def shorten(text, limit=MAX_CHARS):
    """`text` (a :func:`piece_verdict`) cut by whole checks to about `limit` characters.

    The headline and at least the first check are always kept whole; what is
    left out is named in one last block: "… and 3 more failed checks: a; b; c"
    (advice left out is named after it).
    """
    blocks = text.split("\n\n")
    if len(text) <= limit or len(blocks) < 3:
        return _at_most(text, 2 * limit)
    kept, size = blocks[:2], len(blocks[0]) + len(blocks[1]) + 2
    rest = blocks[2:]
    while rest and size + len(rest[0]) + 2 + MAX_NAMES + 80 <= limit:
        size += len(rest[0]) + 2
        kept.append(rest.pop(0))
    if not rest:
        return _at_most("\n\n".join(kept), 2 * limit)
    checks = [b for b in rest if not b.startswith(ADVICE)]
    advice = [b for b in rest if b.startswith(ADVICE)]
    tail = []
    if checks:
        tail.append(f"… and {len(checks)} more failed check{'s' * (len(checks) != 1)}: {_names(checks)}")
    if advice:
        tail.append(f"{'… and' if not checks else 'and'} {len(advice)} more piece{'s' * (len(advice) != 1)} "
                    f"of advice (no points): {_names(advice)}")
    tail = [textwrap.fill(line, width=LINE, subsequent_indent="    ", break_long_words=False) for line in tail]
    return _at_most("\n\n".join(kept), 2 * limit) + "\n\n" + "\n".join(tail)


def _at_most(text, limit):
    """`text`, or, where one check alone is longer than `limit` (it never is, unless it quotes
    something huge), its start cut at a line's end or a space, then "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[:max(cut.rfind("\n"), cut.rfind(" "), 1)].rstrip() + "\n…"


def verdict_head(piece, score, points):
    """The line above a verdict in a test cell's output, which :func:`read_verdict` reads back."""
    return f"Trusted grader, {piece}: {score:g} of {points:g} points"


def read_verdict(text):
    """(piece, score, points, message) of a test cell output's text made by ``verdict_head``, else None."""
    match = _HEAD.match(text or "")
    if not match:
        return None
    message = text[match.end():].strip("\n")
    return match["piece"], float(match["score"]), float(match["points"]), message
