"""Where fmnist-grade's CPU beside the notebook goes (beside benchmarks/bench_grading.py).

Prints the CPU seconds of

* starting a fresh Python that imports nbgrader and the grader's
  preprocessors: what each grading step paid before steps forked from a warm
  server, and what nbgrader's serial autograde pays once per class;
* starting the warm nbgrader server for each assignment
  (:mod:`autograder.batch.warm_nbgrader`: nbgrader, the preprocessors, and what that
  assignment's checks import), once per fmnist-grade run or Dask worker;
* building each assignment's case steps on the trusted side (inputs, recipes
  and isolation tables, :func:`autograder.verdict.trusted.build_steps`) in a warm
  process, then the cases' expected answers: what each step's forked child
  computes besides running nbgrader.

Usage: ``python benchmarks/grading_overhead.py`` (about a minute).
"""

import resource
import subprocess
import sys

IMPORTS = "import nbgrader.apps.autogradeapp, nbgrader.preprocessors, autograder.batch.nbexec, autograder.batch.annotate"


def cpu_seconds(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def startup_seconds():
    """CPU seconds of a fresh Python importing what a grading step's nbgrader process imports."""
    before = cpu_seconds(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", IMPORTS], check=True)
    return cpu_seconds(resource.RUSAGE_CHILDREN) - before


def warm_server_seconds(assignment):
    """CPU seconds of starting (and stopping) the warm nbgrader server for `assignment`."""
    from autograder.batch.nbgrader_cli import nbgrader_env
    from autograder.batch.warm_nbgrader import WarmServer

    before = cpu_seconds(resource.RUSAGE_CHILDREN)
    WarmServer(nbgrader_env(), assignment).close()
    return cpu_seconds(resource.RUSAGE_CHILDREN) - before


def trusted_side_seconds(assignment):
    """(CPU s of build_steps, CPU s of the expected answers, number of cases), warm, for one submission."""
    from autograder.hidden import all_cases, grading_seed
    from autograder.verdict.trusted import build_steps
    from autograder.batch.warm_nbgrader import warm_up
    from fmnist_checks.pieces import ASSIGNMENTS

    warm_up(assignment)  # what the warm server has done before any step
    seed = grading_seed(assignment, "x")
    start = cpu_seconds(resource.RUSAGE_SELF)
    steps = build_steps(assignment, seed)
    built = cpu_seconds(resource.RUSAGE_SELF)
    for piece in ASSIGNMENTS[assignment]:
        visible, hidden = all_cases(piece, seed)
        for case in visible + hidden:
            case.expected()
    return built - start, cpu_seconds(resource.RUSAGE_SELF) - built, len(steps)


def main():
    from fmnist_checks.pieces import ASSIGNMENTS

    print(f"a fresh Python importing nbgrader + the grader's preprocessors: {startup_seconds():.1f} CPU s")
    for assignment in ASSIGNMENTS:
        print(f"{assignment}: warm nbgrader server start {warm_server_seconds(assignment):.1f} CPU s (once per run)")
    for assignment in ASSIGNMENTS:
        steps_s, expected_s, n = trusted_side_seconds(assignment)
        print(f"{assignment}: per step, build_steps (inputs + isolation tables) {steps_s:.2f} CPU s for {n} cases; "
              f"expected answers {expected_s:.2f} CPU s")


if __name__ == "__main__":
    main()
