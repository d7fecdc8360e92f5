"""The similarity of every pair of students on one piece, from their copydetect fingerprints.

copydetect compares two files by the fingerprints they share
(``find_fingerprint_overlap``); for a whole class that is one set
intersection per pair and piece, 270,000 for 300 students. Here the class's
fingerprints of one piece form a sparse 0/1 matrix (students x distinct
fingerprints), and one sparse product gives every pair's number of shared
fingerprints at once.

The similarity of a pair is the share of the *smaller* side's fingerprints
found in the other (containment): a student who copied a piece and added
code of their own still shares all of what they copied with its source.
(copydetect reports each side's share; this is the larger of the two.)
"""

import numpy as np


def shared_counts(fingerprints):
    """(shared (n, n) int array: fingerprints each pair shares, sizes (n,): each one's fingerprints)."""
    from scipy.sparse import csr_matrix

    sizes = np.array([f.hashes.size for f in fingerprints], dtype=np.int64)
    n = len(fingerprints)
    if n == 0 or sizes.sum() == 0:
        return np.zeros((n, n), dtype=np.int64), sizes
    values = np.concatenate([f.hashes for f in fingerprints])
    _, columns = np.unique(values, return_inverse=True)
    indptr = np.concatenate([[0], np.cumsum(sizes)])
    matrix = csr_matrix((np.ones(values.size, dtype=np.int32), columns.ravel(), indptr),
                        shape=(n, int(columns.max()) + 1))
    return np.asarray((matrix @ matrix.T).todense(), dtype=np.int64), sizes


def similarity_matrix(fingerprints):
    """(n, n) similarities in [0, 1]: shared fingerprints over the smaller side's; 0 where a side has none."""
    shared, sizes = shared_counts(fingerprints)
    smaller = np.minimum(sizes[:, None], sizes[None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(smaller > 0, shared / np.maximum(smaller, 1), 0.0)
    return np.clip(sim, 0.0, 1.0)
