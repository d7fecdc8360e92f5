"""Every pair of the class (and the class against known code) on every piece and on ``*``.

:func:`compare` takes what :mod:`.answers` read and the :class:`.starter.Starter`,
normalises each piece once, fingerprints it without the starter, scores all
pairs of each piece at once (:mod:`.scoring`) and flags them
(:mod:`.flagging`). The whole answer code ``*`` has the union of the pieces'
fingerprints and of the student's code no piece uses (``Answers.rest``), and
the sum of their tokens: the order a student wrote the pieces in does not
matter, and no k-gram spans two pieces.
"""

import sys
from dataclasses import dataclass, field

import numpy as np

from fmnist_checks.pieces import ASSIGNMENTS

from .answers import WHOLE
from .fingerprints import Fingerprint, fingerprint, normalise_all, starter_hashes
from .flagging import Thresholds, distribution, flags, z_scores
from .scoring import similarity_matrix


@dataclass
class Pair:
    """One pair on one piece (``a < b``); ``tokens``: the smaller side's normalised tokens."""

    a: str
    b: str
    piece: str
    similarity: float
    z: float
    tokens: int
    flagged: bool


@dataclass
class Comparison:
    """What :func:`compare` found: the reported ``pairs``, best first, and how they were measured."""

    assignment: str
    thresholds: Thresholds
    students: list  # this class's labels, compared
    known: list  # --against labels
    pairs: list  # [Pair]: above the floor or flagged, flagged first, then by similarity
    distributions: dict  # piece -> flagging.Distribution of the class's pairs
    compared: dict  # piece -> number of pairs scored
    not_compared: list = field(default_factory=list)  # [answers.NotCompared]
    answers: dict = field(default_factory=dict)  # label -> answers.Answers
    boilerplate: np.ndarray = None  # the starter's k-gram hashes
    class_similarities: dict = field(default_factory=dict)  # piece -> the class's pair similarities
    long_enough: dict = field(default_factory=dict)  # piece -> class students with enough tokens to flag

    def pieces(self):
        return list(ASSIGNMENTS[self.assignment]) + [WHOLE]

    def flagged(self):
        return [p for p in self.pairs if p.flagged]


def _progress_bar(total, label):
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="piece", file=sys.stderr, disable=not sys.stderr.isatty(),
                leave=False)


def compare(assignment, class_found, known_found, starter, thresholds=Thresholds(), not_compared=(), jobs=1):
    """The :class:`Comparison` of `class_found` [Answers] (and each of them against `known_found`)."""
    pieces = list(ASSIGNMENTS[assignment])
    everyone = list(class_found) + list(known_found)
    n_class = len(class_found)
    codes = [code for a in everyone for code in [a.pieces.get(p, "") for p in pieces] + [a.rest]]
    bar = _progress_bar(len(codes), "normalising")
    normalised = normalise_all(codes + starter.all_code(), jobs=jobs, progress=bar.update)
    bar.close()
    boilerplate = starter_hashes(normalised[len(codes):])
    width = len(pieces) + 1  # the pieces, then the rest (code of theirs no piece uses)
    by_student = [normalised[i * width:(i + 1) * width] for i in range(len(everyone))]

    labels = [a.label for a in everyone]
    reported, dists, counts, class_sims, long_enough = [], {}, {}, {}, {}
    upper = np.triu(np.ones((n_class, n_class), dtype=bool), k=1)
    per_piece = [[fingerprint(n[index], boilerplate) for n in by_student] for index in range(width)]
    whole = [Fingerprint(np.unique(np.concatenate([p[i].hashes for p in per_piece])).astype(np.int64),
                         sum(p[i].tokens for p in per_piece)) for i in range(len(everyone))]
    per_piece = per_piece[:len(pieces)]
    for piece, prints in zip(pieces + [WHOLE], per_piece + [whole]):
        sim = similarity_matrix(prints)
        tokens = np.array([f.tokens for f in prints], dtype=np.int64)
        present = np.array([not f.empty for f in prints], dtype=bool)
        within = upper & present[:n_class, None] & present[None, :n_class]
        class_sims[piece] = sim[:n_class, :n_class][within]
        long_enough[piece] = int((tokens[:n_class] >= thresholds.tokens).sum())
        dist = distribution(class_sims[piece], thresholds.min_scale)
        dists[piece] = dist
        # the pairs scored: class x class (i < j) and class x known
        mask = np.zeros_like(sim, dtype=bool)
        mask[:n_class, :n_class] = upper
        mask[:n_class, n_class:] = True
        rows, cols = np.nonzero(mask)
        counts[piece] = int(rows.size)
        s = sim[rows, cols]
        z = z_scores(s, dist)
        flagged = flags(s, z, tokens[rows], tokens[cols], thresholds) & present[rows] & present[cols]
        keep = flagged | (s >= thresholds.floor) & present[rows] & present[cols]
        for i, j, si, zi, fi in zip(rows[keep], cols[keep], s[keep], z[keep], flagged[keep]):
            a, b = sorted((labels[i], labels[j]))
            reported.append(Pair(a, b, piece, float(si), float(zi), int(min(tokens[i], tokens[j])), bool(fi)))
    reported.sort(key=lambda p: (not p.flagged, -p.similarity, -p.z, p.a, p.b, p.piece))
    return Comparison(assignment, thresholds, [a.label for a in class_found], [a.label for a in known_found],
                      reported, dists, counts, list(not_compared), {a.label: a for a in everyone}, boilerplate,
                      class_sims, long_enough)
