"""Where the similarity flags' defaults come from: honest pairs against planted copies on the a2 corpus.

    python benchmarks/similarity_calibration.py

Writes the corpus of ``tests/submissions/a2_similarity_*.py`` as a class
(twelve independent students, five of them with code cells of their own
beside the answer cells, eight planted copiers; the public solution
passed as known code), scores every pair on every piece with the report's
own code, and prints per piece: the tokens of the students' code (starter
removed), the honest pairs' highest similarity and z-score, and the planted
pairs' lowest. A default sits between the two; the token minimum sits
between the longest piece whose honest pairs reach the planted copies'
similarities and the shortest piece where none do.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from autograder.cli import similarity_corpus as corpus  # noqa: E402
from autograder.similarity.analysis import compare  # noqa: E402
from autograder.similarity.answers import WHOLE, against_answers, class_answers  # noqa: E402
from autograder.similarity.flagging import Thresholds  # noqa: E402
from autograder.similarity.starter import starter_code  # noqa: E402
from fmnist_checks.pieces import ASSIGNMENTS  # noqa: E402


def planted_pairs():
    pairs = {}
    for copier, (source, which, _, _) in corpus.planted().PLANTED.items():
        source = "public/solution" if source == "public" else source
        pairs[tuple(sorted((copier, source)))] = set(ASSIGNMENTS[corpus.ASSIGNMENT]) if which == "all" else set(which)
    pairs[("rosa", "sven")] = set(ASSIGNMENTS[corpus.ASSIGNMENT])
    return pairs


def main():
    with tempfile.TemporaryDirectory() as tmp:
        course, public = os.path.join(tmp, "course"), os.path.join(tmp, "public")
        corpus.build_class(course, public)
        starter = starter_code(course, corpus.ASSIGNMENT)
        found, refused = class_answers(course, corpus.ASSIGNMENT, starter.instructor_sources())
        known, _ = against_answers(public, corpus.ASSIGNMENT, starter.instructor_sources())
        defaults = Thresholds()
        everything = Thresholds(floor=0.0)  # report every pair
        comparison = compare(corpus.ASSIGNMENT, found, known, starter, everything)
    planted = planted_pairs()
    print(f"{len(found)} students, {len(known)} known source; defaults: z >= {defaults.z:g}, "
          f"similarity >= {defaults.similarity:g}, tokens >= {defaults.tokens}")
    print(f"{'piece':24s} {'tokens':>10s} {'median':>6s} {'sd':>6s} | {'honest max':>10s} {'z':>5s}  pair"
          f"{'':18s} | {'planted min':>11s} {'z':>5s}  pair")
    for piece in comparison.pieces():
        rows = [p for p in comparison.pairs if p.piece == piece]
        copied = [p for p in rows if (p.a, p.b) in planted and (piece == WHOLE or piece in planted[(p.a, p.b)])]
        honest = [p for p in rows if (p.a, p.b) not in planted]
        top = max(honest, key=lambda p: p.similarity)
        top_z = max(p.z for p in honest)
        low = min(copied, key=lambda p: p.similarity)
        low_z = min(p.z for p in copied)
        tokens = [p.tokens for p in rows]
        d = comparison.distributions[piece]
        print(f"{piece:24s} {min(tokens):4d}-{max(tokens):<5d} {d.median:6.2f} {d.scale:6.3f} | "
              f"{top.similarity:10.2f} {top_z:5.1f}  {top.a + '/' + top.b:22s} | "
              f"{low.similarity:11.2f} {low_z:5.1f}  {low.a}/{low.b}")
    wrong = [p for p in comparison.flagged() if (p.a, p.b) not in planted]
    rows = {(p.a, p.b, p.piece): p for p in comparison.pairs}
    wanted = [rows.get((a, b, piece)) for (a, b), pieces in planted.items() for piece in pieces | {WHOLE}]
    unscored = len([p for p in wanted if p is None])  # a side had no code left once the starter was removed
    wanted = [p for p in wanted if p is not None]
    short = [p for p in wanted if p.tokens < defaults.tokens]
    missed = [f"{p.a}/{p.b} {p.piece}" for p in wanted if p.tokens >= defaults.tokens and not p.flagged]
    print(f"with the defaults: {len(comparison.flagged())} rows flagged, {len(wrong)} of them honest; "
          f"planted rows with enough code not flagged: {', '.join(missed) or 'none'}; planted rows under "
          f"{defaults.tokens} tokens (never flagged alone, by design): {len(short)}; planted rows with no code "
          f"to compare: {unscored}")


if __name__ == "__main__":
    main()
