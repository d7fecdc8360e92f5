"""Where fmnist-grade's extra CPU per submission goes (beside benchmarks/bench_grading.py).

Prints the CPU seconds of

* starting a Python that imports nbgrader and the grader's preprocessors:
  fmnist-grade does it once per submission (one ``nbgrader autograde`` per
  grading step), nbgrader's serial autograde once per class;
* building each assignment's case steps on the trusted side (inputs, recipes
  and isolation tables, :func:`autograder.trusted.build_steps`), then the
  cases' expected answers.

Usage: ``python benchmarks/grading_overhead.py`` (about a minute).
"""

import resource
import subprocess
import sys

IMPORTS = "import nbgrader.apps.autogradeapp, nbgrader.preprocessors, autograder.nbexec, autograder.annotate"


def cpu_seconds(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def startup_seconds():
    """CPU seconds of a fresh Python importing what a grading step's nbgrader process imports."""
    before = cpu_seconds(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", IMPORTS], check=True)
    return cpu_seconds(resource.RUSAGE_CHILDREN) - before


def trusted_side_seconds(assignment, student="x"):
    """(CPU s of build_steps, CPU s of the expected answers, number of cases) for one submission."""
    from autograder.hidden import all_cases, grading_seed
    from autograder.trusted import build_steps
    from fmnist_checks.pieces import ASSIGNMENTS

    seed = grading_seed(assignment, student)
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

    print(f"a process importing nbgrader + the grader's preprocessors: {startup_seconds():.1f} CPU s")
    for assignment in ASSIGNMENTS:
        steps_s, expected_s, n = trusted_side_seconds(assignment)
        print(f"{assignment}: build_steps (inputs + isolation tables) {steps_s:.1f} CPU s for {n} cases; "
              f"expected answers {expected_s:.1f} CPU s")


if __name__ == "__main__":
    main()
