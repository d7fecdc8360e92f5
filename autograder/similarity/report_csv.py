"""``reports/ASSIGNMENT_similarity.csv``: one row per reported pair and piece.

Exactly the columns ``student_a,student_b,piece,similarity,flagged``:
``student_a < student_b``; ``piece`` is a graded name or ``*`` (the whole
answer code); ``similarity`` in [0, 1] with three decimals; ``flagged`` 1 or
0. Rows: every pair and piece at or above the reporting floor, and every
flagged one; flagged first, then by similarity. A label that a spreadsheet
would read as a formula is written with a leading ``'`` (:func:`csv_cell`).
"""

import csv

from ..untrusted.escape import csv_cell

HEADER = ["student_a", "student_b", "piece", "similarity", "flagged"]


def write_csv(comparison, path):
    """Write the CSV of `comparison` (an :class:`.analysis.Comparison`) to `path`; return `path`."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for pair in comparison.pairs:
            writer.writerow([csv_cell(pair.a), csv_cell(pair.b), pair.piece,
                             f"{min(max(pair.similarity, 0.0), 1.0):.3f}", int(pair.flagged)])
    return path
