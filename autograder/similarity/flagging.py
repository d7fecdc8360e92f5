"""Flags calibrated to the class: a pair stands out from its piece's distribution, with enough code to tell.

For each piece (and ``*``), the class's pairs give a distribution of
similarities. A pair is flagged on the piece when all three hold:

* its robust z-score ``(s - median) / (1.4826 * MAD)`` over the class's pairs
  is at least ``z`` (the scale is at least ``min_scale``, so a piece that
  nearly nobody shares does not turn a small overlap into a huge z);
* its similarity is at least ``similarity``;
* both sides have at least ``tokens`` normalised tokens of their own (starter
  removed): a short piece that everybody writes alike is never flagged alone;
  the whole answer code (``*``) still is.

The median and MAD come from this class's pairs whose two sides have enough
code (an earlier cohort or a public solution is measured against the same
class distribution). The defaults were measured on the corpus of
``tests/submissions/a2_similarity_*.py``; docs/instructor_guide.md says how.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Thresholds:
    """When a pair is flagged, and which pairs are reported at all."""

    z: float = 4.0  # robust z-score over the class's pairs of the piece
    similarity: float = 0.6  # share of the smaller side's fingerprints found in the other
    tokens: int = 200  # normalised tokens each side must have (starter removed)
    floor: float = 0.5  # pairs below this similarity (and not flagged) are left out of the reports
    min_scale: float = 0.05  # the least robust standard deviation

    def check(self):
        """Raise ValueError naming a threshold out of its range."""
        for name in ("similarity", "floor"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"--{name} must be between 0 and 1, not {getattr(self, name)}")
        if self.tokens < 0 or self.min_scale <= 0:
            raise ValueError("--tokens must be >= 0 and the scale floor > 0")
        return self


@dataclass
class Distribution:
    """A piece's class distribution: ``median``, robust ``scale``, number of ``pairs`` it is measured on."""

    median: float
    scale: float
    pairs: int


def distribution(similarities, min_scale):
    """The :class:`Distribution` of the class's pair similarities (a 1-D array)."""
    values = np.asarray(similarities, dtype=float)
    if values.size == 0:
        return Distribution(0.0, min_scale, 0)
    median = float(np.median(values))
    mad = float(np.median(np.abs(values - median)))
    return Distribution(median, max(1.4826 * mad, min_scale), int(values.size))


def z_scores(similarities, dist):
    """Robust z-scores of `similarities` against the class distribution `dist`."""
    return (np.asarray(similarities, dtype=float) - dist.median) / dist.scale


def flags(similarities, z, tokens_a, tokens_b, thresholds):
    """Boolean array: which pairs are flagged (the module's rule)."""
    enough = np.minimum(tokens_a, tokens_b) >= thresholds.tokens
    return (np.asarray(z) >= thresholds.z) & (np.asarray(similarities) >= thresholds.similarity) & enough
