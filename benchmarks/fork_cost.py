"""What the checks' forks cost: one fork per case against one fork per piece, on a kernel like a1's.

The hidden checks run in forks of the notebook's kernel
(:func:`autograder.sandbox.worker.supervise`). A fork of a process of some hundred MB
copies its page tables (charged to the parent) and tears them down when the
child exits, and much of that teardown is in no process's accounting: neither
``os.times`` nor ``getrusage`` nor process accounting sees it, only the
cgroup's clock does. So each variant runs as a command of its own under
:mod:`benchmarks.cpu_meter` (a cgroup of its own), and the figure is its CPU
seconds less those of the same process forking nothing.

The process holds what a1's kernel holds (``fork_gc.a1_kernel_like``: numpy,
scikit-learn, matplotlib and the course data, raw and scaled), then runs `--cases` small cases (a1: 69) in
`--pieces` pieces (a1: 6): in one fork per case, or in one fork per piece.

Usage: ``python benchmarks/fork_cost.py [--cases 69] [--pieces 6] [--repeat 3]``
(needs FMNIST_EDU_DATA or the cached data)
"""

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def run_variant(mode, cases, pieces):
    """In the measured process: build the kernel, then run the cases as `mode` says."""
    import gc

    from fork_gc import a1_kernel_like

    _held, case = a1_kernel_like()
    gc.collect()
    if mode == "none":
        return
    per_piece = [cases // pieces + (i < cases % pieces) for i in range(pieces)]
    runs = per_piece if mode == "piece" else [1] * cases
    for n in runs:
        gc.freeze()  # as autograder.sandbox.worker._fork does
        pid = os.fork()
        if pid == 0:
            try:
                for _ in range(n):
                    case()
            finally:
                os._exit(0)
        gc.unfreeze()
        os.waitpid(pid, 0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=69)
    parser.add_argument("--pieces", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each variant (the median is shown)")
    parser.add_argument("--variant", choices=("none", "case", "piece"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.variant:
        run_variant(args.variant, args.cases, args.pieces)
        return 0

    from cpu_meter import measure

    figures = {v: [] for v in ("none", "case", "piece")}
    for _ in range(args.repeat):  # alternate, so drift on a shared machine hits each alike
        for variant in figures:
            argv_ = [sys.executable, os.path.abspath(__file__), "--variant", variant,
                     "--cases", str(args.cases), "--pieces", str(args.pieces)]
            figures[variant].append(measure(argv_)["cpu_s"])
    base = statistics.median(figures["none"])
    print(f"{args.cases} cases in {args.pieces} pieces, a process holding a1's kernel's data; "
          f"CPU s by the cgroup's clock, median of {args.repeat}")
    print(f"{'variant':<22} {'forks':>6} {'CPU s':>8} {'over none':>10} {'ms a fork':>10}  (cases included)")
    for variant, forks in (("none", 0), ("case", args.cases), ("piece", args.pieces)):
        cpu = statistics.median(figures[variant])
        extra = cpu - base
        name = {"none": "no fork", "case": "one fork per case", "piece": "one fork per piece"}[variant]
        per = f"{1000 * extra / forks:10.1f}" if forks else f"{'':>10}"
        print(f"{name:<22} {forks:>6} {cpu:8.2f} {extra:10.2f} {per}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
