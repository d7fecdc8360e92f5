"""Execute the five source notebooks (with their solutions) top to bottom and print the times.

Each must run in at most 120 s on 2 cores. Needs FMNIST_EDU_DATA (or the data in
the cache). Usage: ``python benchmarks/bench_notebooks.py [assignment ...]``.
"""

import os
import shutil
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(os.path.dirname(HERE), "course", "source")
ASSIGNMENTS = ("a1_data_pca", "a2_decision_tree", "a3_neural_network", "a4_lenet5", "a5_evaluation")
LIMIT = 120.0


def run(assignment):
    """Execute a copy of the source notebook; return (seconds, error or None)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, assignment)
        shutil.copytree(os.path.join(SOURCE, assignment), folder)
        nb = nbformat.read(os.path.join(folder, f"{assignment}.ipynb"), as_version=4)
        client = NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": folder}})
        start = time.perf_counter()
        try:
            client.execute()
            error = None
        except Exception as exc:  # report and go on with the next notebook
            error = f"{type(exc).__name__}: {str(exc).splitlines()[-1] if str(exc) else ''}"
        seconds = time.perf_counter() - start
        stderr = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                  if o.get("name") == "stderr"]
        if stderr and error is None:
            error = f"{len(stderr)} outputs went to stderr"
        return seconds, error


def main(argv=None):
    names = (argv if argv is not None else sys.argv[1:]) or ASSIGNMENTS
    print(f"{'notebook':<20} {'seconds':>8}  result (limit {LIMIT:.0f} s)")
    worst = 0
    for name in names:
        seconds, error = run(name)
        verdict = error or ("ok" if seconds <= LIMIT else "TOO SLOW")
        print(f"{name:<20} {seconds:>8.1f}  {verdict}", flush=True)
        worst = max(worst, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
