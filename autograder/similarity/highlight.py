"""The shared regions of one pair, in each side's own code, by copydetect's ``compare_files``.

Only the pairs the page shows are compared this way (the class-wide scores
come from :mod:`.scoring`). The starter's fingerprints are taken out of both
sides first, so the signature and docstring everybody was given are never
highlighted.
"""

import io

import numpy as np
from copydetect import CodeFingerprint, compare_files

from fmnist_checks.pieces import ASSIGNMENTS

from .answers import WHOLE
from .fingerprints import NOISE, WINDOW


def piece_code(answers, piece, assignment):
    """The code shown for `piece` (``*``: every piece in contract order, then the rest, each under a comment line)."""
    if piece != WHOLE:
        return answers.pieces.get(piece, "")
    return "\n".join([f"# ---- {p} ----\n{answers.pieces[p]}" for p in ASSIGNMENTS[assignment]
                      if p in answers.pieces] + ([f"# ---- used by no piece ----\n{answers.rest}"]
                                                 if answers.rest else []))


def _fingerprint(code, starter):
    fp = CodeFingerprint("answer.py", NOISE, WINDOW, language="python", fp=io.StringIO(code))
    if starter:
        fp.hash_idx = {h: i for h, i in fp.hash_idx.items() if int(h) not in starter}
        fp.hashes = set(fp.hash_idx)
    return fp


def shared_regions(code_a, code_b, boilerplate=None):
    """([(start, end)] in `code_a`, [(start, end)] in `code_b`): character ranges both share, merged."""
    if not code_a.strip() or not code_b.strip():
        return [], []
    starter = set(boilerplate.tolist()) if boilerplate is not None else set()
    _, _, (slices_a, slices_b) = compare_files(_fingerprint(code_a, starter), _fingerprint(code_b, starter))
    return _merged(slices_a, len(code_a)), _merged(slices_b, len(code_b))


def _merged(slices, length):
    slices = np.asarray(slices)
    if slices.ndim != 2 or slices.shape[1] == 0:
        return []
    out = []
    for start, end in sorted(zip(slices[0].tolist(), slices[1].tolist())):
        start, end = max(0, int(start)), min(length, int(end))
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
