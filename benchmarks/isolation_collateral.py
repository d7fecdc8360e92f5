"""Does one bug cost only its own piece? Collateral losses under the grader's isolation.

    python benchmarks/isolation_collateral.py [--ids 3] [--assignments a2_decision_tree ...]
        [--isolation tables|reference]

For each buggy answer of the corpus (``tests/submissions``) in piece B, every
other piece P of the assignment is graded with its main correct answer in a
notebook that holds B's bug, over a few student ids. A loss on P is
collateral: the isolation let B's bug reach P. ``--isolation tables`` (the
default) isolates as the sandboxed grader does, from each case's isolation
table (:mod:`autograder.verdict.isolation`); ``reference`` swaps the other pieces for
the references, as the test cell's hidden block does.
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from autograder.cli.corpus import given_sources, submissions  # noqa: E402
from autograder.cli.sweep import Answer, student_ids, sweep  # noqa: E402
from fmnist_checks.pieces import ASSIGNMENTS  # noqa: E402


def collateral(assignment, ids, isolation):
    """[(bug piece, bug, other piece, student, message)] of every collateral loss."""
    module = submissions(assignment)
    given = given_sources(assignment)
    losses = []
    for piece, bug, source, _ in module.BUGGY:
        notebook = dict(module.CORRECT, **{piece: source})
        answers = [Answer(other, "main", module.CORRECT[other], True)
                   for other in ASSIGNMENTS[assignment] if other != piece]
        sweep(given, notebook, answers, ids, isolation=isolation)
        for answer in answers:
            for student, score in zip(ids, answer.scores):
                if score < 1.0:
                    losses.append((piece, bug, answer.piece, student, answer.messages.get(student, "")))
    return losses, len(module.BUGGY)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=3)
    parser.add_argument("--assignments", nargs="*", default=list(ASSIGNMENTS))
    parser.add_argument("--isolation", choices=["tables", "reference"], default="tables")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    ids = student_ids(args.ids)
    total = 0
    for assignment in args.assignments:
        start = time.perf_counter()
        losses, n_bugs = collateral(assignment, ids, args.isolation)
        pairs = {(b, o) for _, b, o, _, _ in losses}
        print(f"{assignment}: {n_bugs} bugs x other pieces x {len(ids)} ids: {len(losses)} collateral "
              f"losses ({len(pairs)} bug/piece pairs) ({time.perf_counter() - start:.0f} s)")
        for bug_piece, bug, other, student, message in {(l[1], l[2]): l for l in losses}.values():
            print(f"    {bug_piece} [{bug}] cost {other} ({student}): {message[:200]!r}")
        total += len(losses)
        sys.stdout.flush()
    print(f"total: {total} collateral losses")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
