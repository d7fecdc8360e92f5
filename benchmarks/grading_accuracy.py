"""How often does grading get it wrong? False failures and misses over many student ids.

    python benchmarks/grading_accuracy.py [--ids 500] [--assignments a1_data_pca ...] [--isolation tables]

For each assignment, every answer of the corpus in ``tests/submissions`` is
graded (in this process, with the hidden cases of each student id, scored by
``autograder.hidden.score_outcomes`` as in grading):

* false failures: (correct answer, student id) pairs that lost points;
* misses: (buggy answer, student id) pairs that scored full;
* the false-failure rate over student ids: the share of ids for which at
  least one correct answer lost points.

It exits with status 1 when there is any false failure, so it can gate a release.
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from autograder.cli.corpus import buggy_answers, correct_answers, given_sources, submissions  # noqa: E402
from autograder.cli.sweep import student_ids, sweep  # noqa: E402
from fmnist_checks.pieces import ASSIGNMENTS  # noqa: E402


def measure(assignment, ids, bug_ids, isolation="reference"):
    module = submissions(assignment)
    given = given_sources(assignment)
    correct = sweep(given, module.CORRECT, correct_answers(module), ids, isolation=isolation)
    buggy = sweep(given, module.CORRECT, buggy_answers(module), bug_ids, isolation=isolation)
    return correct, buggy


def report(assignment, correct, buggy, ids, bug_ids, seconds):
    false = [(a, s) for a in correct for s, score in zip(ids, a.scores) if score < 1.0]
    bad_ids = {s for _, s in false}
    misses = [(a, s) for a in buggy for s, score in zip(bug_ids, a.scores) if score >= 1.0]
    never = [a for a in buggy if all(score >= 1.0 for score in a.scores)]
    print(f"{assignment}: {len(correct)} correct answers x {len(ids)} ids, "
          f"{len(buggy)} buggy answers x {len(bug_ids)} ids ({seconds:.0f} s)")
    print(f"  false failures: {len(false)} of {len(correct) * len(ids)} "
          f"(answers affected: {len({id(a) for a, _ in false})})")
    print(f"  false-failure rate over student ids: {len(bad_ids)}/{len(ids)} = "
          f"{len(bad_ids) / len(ids):.4f}")
    print(f"  misses: {len(misses)} of {len(buggy) * len(bug_ids)} "
          f"(bugs never caught: {len(never)})")
    for answer in {id(a): a for a, _ in false}.values():
        student = next(iter(answer.messages))
        print(f"    FALSE FAILURE {answer.piece} [{answer.label}] e.g. {student}: "
              f"{answer.messages[student][:300]}")
    for answer in never:
        print(f"    MISSED {answer.piece} [{answer.label}]")
    return len(false), len(misses)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=500, help="student ids per correct answer")
    parser.add_argument("--bug-ids", type=int, default=None,
                        help="student ids per buggy answer (default: --ids)")
    parser.add_argument("--start", type=int, default=0,
                        help="number of the first student id (to split a sweep over processes)")
    parser.add_argument("--assignments", nargs="*", default=list(ASSIGNMENTS))
    parser.add_argument("--isolation", choices=["reference", "tables"], default="reference",
                        help="how the other pieces are isolated: swapped for the references (the "
                             "test cell's hidden block) or answered from the isolation tables, as "
                             "the sandboxed grader does")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    ids = student_ids(args.ids, args.start)
    bug_ids = student_ids(args.bug_ids if args.bug_ids is not None else args.ids, args.start)
    totals = [0, 0]
    for assignment in args.assignments:
        start = time.perf_counter()
        correct, buggy = measure(assignment, ids, bug_ids, args.isolation)
        false, missed = report(assignment, correct, buggy, ids, bug_ids, time.perf_counter() - start)
        totals[0] += false
        totals[1] += missed
        sys.stdout.flush()
    print(f"total: {totals[0]} false failures, {totals[1]} misses")
    return 1 if totals[0] else 0


if __name__ == "__main__":
    sys.exit(main())
