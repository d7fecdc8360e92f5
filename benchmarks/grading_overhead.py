"""Where fmnist-grade's extra CPU per submission goes (beside benchmarks/bench_grading.py).

Prints the CPU seconds of starting a Python that imports nbgrader and the
grader's preprocessors (fmnist-grade does it once per submission, nbgrader's
serial autograde once per class), and of building each assignment's case
inputs, isolation tables and expected answers on the trusted side.

Usage: ``python benchmarks/grading_overhead.py`` (about a minute).
"""

import time, resource, subprocess, sys
from autograder.hidden import grading_seed
def cpu(): r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
def kids(): r = resource.getrusage(resource.RUSAGE_CHILDREN); return r.ru_utime + r.ru_stime
k0 = kids(); subprocess.run([sys.executable, "-c", "import nbgrader.apps.autogradeapp, nbgrader.preprocessors, autograder.nbexec, autograder.annotate"], check=True)
print(f"a process importing nbgrader + the grader's preprocessors: {kids()-k0:.1f} CPU s")
from autograder.trusted import build_steps, step_names
from autograder.hidden import all_cases
from fmnist_checks.pieces import ASSIGNMENTS

for aid in ASSIGNMENTS:
    seed = grading_seed(aid, "x")
    c0 = cpu(); steps = build_steps(aid, seed); c1 = cpu()
    for p in ASSIGNMENTS[aid]:
        v, h = all_cases(p, seed)
        for case in v + h: case.expected()
    c2 = cpu()
    print(f"{aid}: build_steps (inputs + isolation tables) {c1-c0:.1f} CPU s for {len(steps)} cases; expected answers {c2-c1:.1f} CPU s")
