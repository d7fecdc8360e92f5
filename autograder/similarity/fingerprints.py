"""copydetect's normalisation and fingerprints of each piece, the starter's fingerprints removed.

copydetect (``copydetect.utils``) tokenises with pygments' Python lexer and
writes every name as ``V`` (a defined function's name ``F``, a class's ``O``),
every string as ``S``, and drops whitespace and comments: renaming,
reformatting and rewritten comments leave the normalised code unchanged.
Its fingerprints are hashes of every k-gram of that code (k =
:data:`NOISE` characters, copydetect's default noise threshold; window 1, so
every k-gram is kept). A "token" in copydetect's terms, and here, is one
character of the normalised code: ``return`` is 6, a name is 1.

The starter's k-grams (the release's answer cells and given cells) are
removed from every piece. copydetect's own removal
(``get_document_fingerprints(..., boilerplate)``) assumes a document never
repeats a k-gram and raises IndexError when it does (``self._grow(X[m],
y[m], depth + 1)`` twice does), so it is done here on the fingerprint set.

Normalising (pygments) is the costly step; :func:`normalise_all` spreads it
over processes. Hashing stays in this process: copydetect hashes with
Python's ``hash``, which differs between interpreters.
"""

import os
from dataclasses import dataclass

import numpy as np
from copydetect import defaults
from copydetect.utils import filter_code, get_document_fingerprints, get_token_coverage, hashed_kgrams

NOISE = defaults.NOISE_THRESHOLD  # k: shared runs shorter than this many tokens are noise
WINDOW = defaults.GUARANTEE_THRESHOLD - defaults.NOISE_THRESHOLD + 1  # 1: every k-gram is a fingerprint


@dataclass
class Fingerprint:
    """One piece of one student: ``hashes`` (sorted unique int64) and ``tokens`` (normalised tokens they cover)."""

    hashes: np.ndarray
    tokens: int

    @property
    def empty(self):
        return self.hashes.size == 0


def normalise(code):
    """copydetect's normalised form of Python `code` (a str; names V/F/O, strings S, no layout)."""
    return filter_code(code, "answer.py", language="python")[0]


def normalise_all(codes, jobs=1, progress=None):
    """[normalise(c) for c in codes], over `jobs` processes (fork) when there are many.

    `progress` is called with the number of codes done after each chunk.
    """
    if jobs <= 1 or len(codes) < 64 or "fork" not in _start_methods():
        out = []
        for code in codes:
            out.append(normalise(code))
            if progress and len(out) % 64 == 0:
                progress(64)
        if progress:
            progress(len(out) % 64)
        return out
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        out = []
        for text in pool.imap(normalise, codes, chunksize=32):
            out.append(text)
            if progress and len(out) % 64 == 0:
                progress(64)
        if progress:
            progress(len(out) % 64)
        return out


def _start_methods():
    import multiprocessing

    return multiprocessing.get_all_start_methods() if os.name == "posix" else []


def starter_hashes(normalised_starter):
    """Every k-gram hash of the normalised starter codes (sorted unique)."""
    parts = [hashed_kgrams(text, NOISE) for text in normalised_starter if len(text) >= NOISE]
    return np.unique(np.concatenate(parts)).astype(np.int64) if parts else np.array([], dtype=np.int64)


def fingerprint(normalised, boilerplate):
    """The :class:`Fingerprint` of one normalised code, the `boilerplate` hashes removed."""
    if len(normalised) < NOISE:
        return Fingerprint(np.array([], dtype=np.int64), 0)
    _, index = get_document_fingerprints(normalised, NOISE, WINDOW)
    keys = np.fromiter(index.keys(), dtype=np.int64, count=len(index))
    if boilerplate.size:
        keep = ~np.isin(keys, boilerplate)
        index = {h: i for h, i, k in zip(index.keys(), index.values(), keep) if k}
        keys = keys[keep]
    return Fingerprint(np.sort(keys), int(get_token_coverage(index, NOISE, len(normalised))))
