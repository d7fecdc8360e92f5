"""What an idle Dask LocalCluster costs: CPU seconds a minute, Dask's defaults against fmnist-grade's.

A step takes seconds, so what the cluster's own processes burn between tasks
(event-loop ticks, metrics, memory checks, work stealing, the profiler) is
pure overhead on top of grading. This starts ``--workers`` workers the way
``fmnist-grade --cluster local:N`` does (:func:`autograder.batch.cluster.connect`),
once with Dask's defaults and once with
:data:`autograder.batch.cluster.QUIET_LOCAL_CLUSTER`, runs one task, then sums the
CPU time of the client, scheduler, nannies and workers over `--seconds` of
idling.

Usage: ``python benchmarks/idle_cluster.py [--workers 1] [--seconds 60]``
"""

import argparse
import os
import subprocess
import sys
import time


def idle_cpu(quiet, workers, seconds):
    """CPU seconds the cluster's processes spent over `seconds` of idling; (cpu, processes)."""
    import dask
    import psutil

    from autograder.batch import cluster

    if not quiet:  # Dask's defaults: connect() without the quiet settings
        cluster.QUIET_LOCAL_CLUSTER = {}
    client, local = cluster.connect(f"local:{workers}")
    try:
        client.wait_for_workers(workers)
        client.submit(sum, [1, 2]).result()
        me = psutil.Process()

        def total():
            procs = [me] + me.children(recursive=True)
            return sum(sum(p.cpu_times()[:2]) for p in procs), len(procs)

        before, _ = total()
        time.sleep(seconds)
        after, count = total()
        assert dask.config.get("distributed.admin.tick.interval") == ("1s" if quiet else "20ms")
        return after - before, count
    finally:
        client.close()
        local.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--one", choices=["default", "quiet"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:  # one configuration, in a process of its own (Dask's config is per process)
        cpu, count = idle_cpu(args.one == "quiet", args.workers, args.seconds)
        print(f"{cpu:.3f} {count}")
        return 0
    print(f"idle LocalCluster, {args.workers} worker(s), {args.seconds:.0f} s")
    print(f"{'config':<10} {'CPU s':>7} {'CPU s per minute':>17} {'processes':>10}")
    figures = {}
    for which in ("default", "quiet"):
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", which, "--workers",
                              str(args.workers), "--seconds", str(args.seconds)],
                             capture_output=True, text=True, check=True).stdout.split()
        cpu, count = float(out[-2]), int(out[-1])
        figures[which] = cpu
        print(f"{which:<10} {cpu:7.2f} {cpu * 60 / args.seconds:17.2f} {count:10d}")
    print(f"quiet / default: {figures['quiet'] / figures['default']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
