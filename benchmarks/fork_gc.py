"""What a check's fork of a big process costs, with the parent's objects frozen for the GC or not.

The checks run each piece's cases in a fork of the notebook's kernel
(:func:`autograder.sandbox.worker.supervise`; ``benchmarks/fork_cost.py`` measures
why one fork per piece, not per case), and each grading step is a fork of the
warm nbgrader server. A garbage collection in such a child walks every object
it inherited, writing to each object's header, so the kernel copies every page
that holds one. ``gc.freeze()`` in the parent before forking takes those
objects out of the collector's view. This builds a process like a1's kernel
(:func:`a1_kernel_like`: numpy, scikit-learn, matplotlib, the course data), forks `--forks` children
for each kind of work, and prints the CPU milliseconds per fork, parent and
child (``os.times``, which counts a child's exit), unfrozen and frozen.

Usage: ``python benchmarks/fork_gc.py [--forks 69]`` (needs FMNIST_EDU_DATA or the cached data)
"""

import argparse
import gc
import os
import sys


def per_fork_ms(work, forks):
    """(parent, children) CPU milliseconds per fork that runs `work` and exits."""
    before = os.times()
    for _ in range(forks):
        pid = os.fork()
        if pid == 0:
            try:
                work()
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
    after = os.times()
    parent = after.user + after.system - before.user - before.system
    children = (after.children_user + after.children_system
                - before.children_user - before.children_system)
    return 1000 * parent / forks, 1000 * children / forks


def a1_kernel_like():
    """Build in this process what a1's kernel holds; (what is held, a small case to run in a fork).

    numpy, scikit-learn, matplotlib, the course data and the notebook's scaled
    copies of it. The case makes a few thousand small objects and runs numpy on
    small arrays, as a check of a1 does. Also used by ``benchmarks/fork_cost.py``.
    """
    import matplotlib.pyplot  # noqa: F401 - what a1's kernel holds
    import numpy as np
    import sklearn.decomposition  # noqa: F401

    from fmnist_edu.data import load_course_data

    X_train, _, X_test, _ = load_course_data()
    held = [X_train, X_test, X_train / 255.0, X_test / 255.0]  # the data and the notebook's scaled copies
    small = np.random.default_rng(0).random((200, 20))

    def student_like():
        rows = [list(row) for row in small]
        centred = small - small.mean(axis=0)
        np.linalg.svd(centred, full_matrices=False)
        return len(rows)

    return held, student_like


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forks", type=int, default=69, help="forks per figure (a1 runs 69 cases)")
    args = parser.parse_args(argv)

    _held, student_like = a1_kernel_like()
    works = {"nothing": lambda: None, "gc.collect()": gc.collect, "a small case": student_like}
    print(f"{len(gc.get_objects())} objects tracked by the GC in the parent; {args.forks} forks per figure")
    print(f"{'work in the child':<20} {'parent ms':>10} {'child ms':>10} {'frozen: parent ms':>18} {'child ms':>10}")
    rows = {}
    for name, work in works.items():
        rows[name] = per_fork_ms(work, args.forks)
    gc.freeze()
    for name, work in works.items():
        frozen = per_fork_ms(work, args.forks)
        print(f"{name:<20} {rows[name][0]:10.1f} {rows[name][1]:10.1f} {frozen[0]:18.1f} {frozen[1]:10.1f}")
    gc.unfreeze()
    return 0


if __name__ == "__main__":
    sys.exit(main())
