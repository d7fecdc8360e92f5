"""fmnist-grade against nbgrader's own serial autograde: CPU per submission, class wall time, Dask overhead.

One command measures, on this machine, what an instructor asks before adopting
the grader, and prints each figure beside its target with PASS or MISS:

* ``cpu`` (a): for each assignment, `--per-assignment` realistic solved
  submissions (the released notebook, every cell, answers and written answers
  from ``solutions/``) graded by ``fmnist-grade`` (sandbox, cell by cell,
  trusted verdict; ``--jobs`` = all cores) and by nbgrader's own autograde
  (its default preprocessors, plain ``Execute``, one after another) on
  identical copies of the course. CPU seconds per submission of each whole
  command, and their ratio (target <= 1.1). Each command runs `--repeat`
  times, alternating with the other; the medians are compared and each run's
  own ratio is printed too (one run's figures move by 10 % on a shared machine).
* ``class`` (b): a class of `--class-n` submissions of one assignment mixing
  solved, blank, half-done, buggy, crashing, hanging and corrupt ones; wall
  time of ``fmnist-grade --jobs <cores>`` against nbgrader's serial autograde
  (target <= 0.6 on 2 cores).
* ``cluster`` (c): `--cluster-n` small submissions (the assignment without its
  demo cells; the class mix without the hang) graded on a Dask LocalCluster
  (``--cluster local:W``) and by grade_class's default executor
  (``--jobs W``, threads each driving its own processes), W = 1 and 2; the
  LocalCluster's overhead in % (target <= 10 %).
* ``all``: the three, then a projection of 2,000 submissions to more workers.

CPU seconds are counted honestly: each command runs under
:mod:`benchmarks.cpu_meter`, in a cgroup of its own whose CPU clock the
kernel keeps for every process in it (``getrusage`` misses the sandboxes that
end with their pid namespace), as a child subreaper that waits for every
process below it; each figure is checked against wall time x cores, and
``--audit`` also checks it against /proc sampled during the run. Raw figures
go to ``OUT/bench_grading.json``, each command's output to ``OUT/logs/``.

Usage: ``python benchmarks/bench_grading.py all --out DIR`` (about 70 minutes
on 2 cores: (a) 20 to 25, (b) 16, (c) 25; run it alone on the machine, as root or with a
delegated cgroup for exact CPU figures), ``--quick`` for a smoke run (1
submission per assignment, a class of 10, 10 small submissions; about 15
minutes), or one of ``cpu``/``class``/``cluster``. ``--keep`` keeps the graded
courses. Needs FMNIST_EDU_DATA and bubblewrap.
"""

import argparse
import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_courses import ASSIGNMENTS, make_course  # noqa: E402
from cpu_meter import measure  # noqa: E402

from autograder.batch.nbgrader_cli import nbgrader_env  # noqa: E402

TARGETS = {"cpu_ratio": 1.1, "class_ratio": 0.6, "cluster_overhead_pct": 10.0}
PROJECTED_N, PROJECTED_WORKERS = 2000, (1, 2, 8, 32, 128)


def env():
    extra = {"MPLBACKEND": "Agg", "PYTHONWARNINGS": "ignore"}
    return nbgrader_env(extra)


def pipeline_argv(course, aid, jobs, cell_timeout, notebook_timeout, cluster="", sandbox=True):
    argv = [sys.executable, "-m", "autograder.cli.grade_class", aid, "--course", course, "--jobs", str(jobs),
            "--cell-timeout", str(cell_timeout), "--notebook-timeout", str(notebook_timeout)]
    return argv + (["--cluster", cluster] if cluster else []) + ([] if sandbox else ["--no-sandbox"])


def nbgrader_argv(aid, cell_timeout):
    return [sys.executable, "-m", "nbgrader", "autograde", aid, "--force", f"--Execute.timeout={int(cell_timeout)}"]


def graded(course, aid):
    """(autograded notebooks, code points, most code points) of `aid` in the course's gradebook."""
    from nbgrader.api import Gradebook

    root, count, got, most = os.path.join(course, "autograded"), 0, 0.0, 0.0
    for student in sorted(os.listdir(root)) if os.path.isdir(root) else ():
        count += os.path.isfile(os.path.join(root, student, aid, f"{aid}.ipynb"))
    with Gradebook(f"sqlite:///{os.path.join(course, 'gradebook.db')}") as gb:
        for sub in gb.assignment_submissions(aid):
            got, most = got + (sub.code_score or 0.0), most + (sub.max_code_score or 0.0)
    return count, got, most


def run(label, argv, course, aid, n, args, logs):
    """One metered command; its figures with `n`, what it left in autograded/ and the label."""
    print(f"  {label} ...", end="", flush=True)
    figures = measure(argv, cwd=course, env=env(), timeout=args.command_timeout, audit=args.audit,
                      log=os.path.join(logs, f"{label.replace(' ', '_')}.log"))
    done, got, most = graded(course, aid)
    figures.update(label=label, n=n, autograded=done, points=got, points_max=most,
                   cpu_per_submission_s=figures["cpu_s"] / n, wall_per_submission_s=figures["wall_s"] / n)
    print(f" {figures['wall_s']:.1f} s wall, {figures['cpu_s']:.1f} CPU s, {done}/{n} autograded"
          + (f", {got:g}/{most:g} points" if most else "") + ("" if figures["cpu_within_wall_x_cores"]
                                                           else "  [CPU > wall x cores: CHECK]"), flush=True)
    return figures


def verdict(value, target):
    return "PASS" if value <= target else "MISS"


def bench_cpu(args, tmp, logs):
    """(a) CPU s per solved submission: fmnist-grade against nbgrader's serial autograde.

    Each pair runs `--repeat` times, alternating, on the same two courses (both
    regrade everything each time): on a shared 2-core machine one run's CPU
    figures move by 10 % or more, so the ratio is of the two medians, and each
    run's own ratio is printed beside it.
    """
    print(f"(a) CPU per submission, {args.per_assignment} solved submission(s) per assignment, "
          f"{args.repeat} run(s) of each command")
    rows = {}
    for aid in args.assignments:
        ours = make_course(os.path.join(tmp, f"a-{aid}-ours"), aid, "solved", args.per_assignment)
        theirs = make_course(os.path.join(tmp, f"a-{aid}-nbgrader"), aid, "solved", args.per_assignment,
                             nbgrader_default=True)
        runs = {"nbgrader": [], "fmnist_grade": []}
        for i in range(args.repeat):
            tag = f" run {i + 1}" if args.repeat > 1 else ""
            runs["nbgrader"].append(run(f"a {aid} nbgrader{tag}", nbgrader_argv(aid, args.long_timeout), theirs,
                                        aid, args.per_assignment, args, logs))
            runs["fmnist_grade"].append(run(f"a {aid} fmnist-grade{tag}", pipeline_argv(
                ours, aid, args.jobs, args.long_timeout, 4 * args.long_timeout), ours, aid,
                args.per_assignment, args, logs))
        rows[aid] = {side: median_run(figures) for side, figures in runs.items()}
        rows[aid]["ratio"] = rows[aid]["fmnist_grade"]["cpu_s"] / rows[aid]["nbgrader"]["cpu_s"]
        rows[aid]["run_ratios"] = [o["cpu_s"] / t["cpu_s"] for o, t in zip(runs["fmnist_grade"], runs["nbgrader"])]
        rows[aid]["runs"] = runs
    return rows


def median_run(figures):
    """The run whose CPU seconds are the median (the lower middle one of an even count)."""
    ranked = sorted(figures, key=lambda f: f["cpu_s"])
    return ranked[(len(ranked) - 1) // 2]


def bench_class(args, tmp, logs):
    """(b) wall time of a mixed class: fmnist-grade on every core against nbgrader serial."""
    aid, n = args.class_assignment, args.class_n
    print(f"(b) a class of {n} mixed submissions of {aid}")
    ours = make_course(os.path.join(tmp, "b-ours"), aid, "mixed", n)
    theirs = make_course(os.path.join(tmp, "b-nbgrader"), aid, "mixed", n, nbgrader_default=True)
    row = {"assignment": aid,
           "nbgrader": run("b nbgrader serial", nbgrader_argv(aid, args.cell_timeout), theirs, aid, n, args, logs),
           "fmnist_grade": run(f"b fmnist-grade jobs {args.jobs}", pipeline_argv(
               ours, aid, args.jobs, args.cell_timeout, 20 * args.cell_timeout), ours, aid, n, args, logs)}
    row["ratio"] = row["fmnist_grade"]["wall_s"] / row["nbgrader"]["wall_s"]
    return row


def bench_cluster(args, tmp, logs):
    """(c) a Dask LocalCluster against the default executor, same number of workers."""
    aid, n = args.cluster_assignment, args.cluster_n
    sandbox = not args.cluster_no_sandbox
    print(f"(c) {n} small submissions of {aid}, {'sandboxed' if sandbox else 'no sandbox'}")
    rows = {}
    for workers in (1, 2):
        row = {}
        for how, cluster in (("local", ""), ("dask", f"local:{workers}")):
            course = make_course(os.path.join(tmp, f"c-{how}-{workers}"), aid, "small", n)
            row[how] = run(f"c {how} {workers} worker(s)", pipeline_argv(
                course, aid, workers, args.cell_timeout, 20 * args.cell_timeout, cluster=cluster,
                sandbox=sandbox), course, aid, n, args, logs)
        row["overhead_pct"] = 100.0 * (row["dask"]["wall_s"] / row["local"]["wall_s"] - 1.0)
        rows[workers] = row
    return rows


def hms(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def report(results, args):
    """The tables, as text."""
    m = results["machine"]
    out = [f"\nmachine: {m['cores']} cores, {m['platform']}; load average before {m['load_before']}, "
           f"after {m['load_after']} (other work on the machine makes every figure worse)"]
    if results.get("cpu"):
        out += _report_cpu(results["cpu"])
    if results.get("class"):
        out += _report_class(results["class"], args, m["cores"])
    if results.get("cluster"):
        out += _report_cluster(results["cluster"])
    if results.get("cpu") or results.get("class"):
        out += _projection(results)
    figures = _figures(results)
    metered, plain = sum(f["cpu_s"] for f in figures), sum(f["rusage_cpu_s"] for f in figures)
    clocks = sorted({f["clock"].split(" (")[0] for f in figures})
    bad = [f["label"] for f in figures if not f["cpu_within_wall_x_cores"]]
    out += ["", f"CPU clock: {', '.join(clocks)}. Over all commands {metered:.1f} CPU s; getrusage of the "
                f"waited-for processes alone saw {plain:.1f} (it misses sandboxes ended with their pid namespace).",
            "CPU <= wall x cores " + (f"FAILED for {bad}" if bad else "held for every command.")]
    audited = [f for f in figures if f.get("audit_cpu_s_at_least") is not None]
    if audited:
        low = [f["label"] for f in audited if not f["audit_agrees"]]
        out.append("/proc audit: the sampled lower bound "
                   + (f"EXCEEDED the metered figure for {low}" if low else "stayed at or below every metered figure")
                   + f" ({sum(f['audit_cpu_s_at_least'] for f in audited):.1f} sampled, "
                     f"{sum(f['cpu_s'] for f in audited):.1f} metered CPU s).")
    return "\n".join(out)


def _report_cpu(a):
    out = ["", "(a) CPU seconds per solved submission (whole command / submissions; all child processes)",
           f"{'assignment':<19}{'n':>3}{'fmnist-grade':>14}{'nbgrader':>10}{'ratio':>7}   target   "
           f"{'':4}  code points (ours/nbgrader)  wall s (ours/nbgrader)"]
    for aid, r in a.items():
        ours, theirs = r["fmnist_grade"], r["nbgrader"]
        points = f"{ours['points']:g}/{theirs['points']:g} of {ours['points_max']:g}"
        out.append(f"{aid:<19}{ours['n']:>3}{ours['cpu_per_submission_s']:>14.1f}"
                   f"{theirs['cpu_per_submission_s']:>10.1f}{r['ratio']:>7.2f}   <= {TARGETS['cpu_ratio']:<4}  "
                   f"{verdict(r['ratio'], TARGETS['cpu_ratio'])}  {points:<29}"
                   f"{ours['wall_s']:.0f}/{theirs['wall_s']:.0f}")
    if any(len(r.get("run_ratios", ())) > 1 for r in a.values()):
        out += ["(medians of the runs; each run's own ratio, in order:)"]
        out += [f"  {aid:<19}" + " ".join(f"{x:.2f}" for x in r["run_ratios"]) for aid, r in a.items()]
    return out


def _report_class(b, args, cores):
    ours, theirs = b["fmnist_grade"], b["nbgrader"]

    def line(what, f):
        return (f"{what:<43}{f['wall_s']:8.1f} s  ({f['autograded']}/{f['n']} autograded, "
                f"{f['cpu_per_submission_s']:.1f} CPU s each)")
    return ["", f"(b) wall time of a class of {ours['n']} mixed submissions of {b['assignment']}",
            line("nbgrader autograde, serial, no sandbox:", theirs),
            line(f"fmnist-grade --jobs {args.jobs}, sandboxed:", ours),
            f"{'ratio fmnist-grade / nbgrader:':<43}{b['ratio']:8.2f}    target <= {TARGETS['class_ratio']} "
            f"on {cores} cores   {verdict(b['ratio'], TARGETS['class_ratio'])}"]


def _report_cluster(c):
    n = next(iter(c.values()))["local"]["n"]
    out = ["", f"(c) {n} small submissions: Dask LocalCluster against local processes (wall s)",
           f"{'workers':<9}{'local':>9}{'LocalCluster':>14}{'overhead':>10}   target"]
    for workers, r in c.items():
        out.append(f"{workers:<9}{r['local']['wall_s']:>9.1f}{r['dask']['wall_s']:>14.1f}"
                   f"{r['overhead_pct']:>9.1f}%   <= {TARGETS['cluster_overhead_pct']:g}%  "
                   f"{verdict(r['overhead_pct'], TARGETS['cluster_overhead_pct'])}")
    return out


def projection(results):
    """{row: {"cpu_per_submission_s", workers: seconds}}: PROJECTED_N submissions on more workers."""
    rows = {aid: r["fmnist_grade"]["cpu_per_submission_s"] for aid, r in results.get("cpu", {}).items()}
    if results.get("class"):
        rows[f"{results['class']['assignment']} (b) mix"] = results["class"]["fmnist_grade"]["cpu_per_submission_s"]
    return {name: {"cpu_per_submission_s": per, **{w: PROJECTED_N * per / w for w in PROJECTED_WORKERS}}
            for name, per in rows.items()}


def _projection(results):
    out = ["", f"Projection: wall time of {PROJECTED_N:,} submissions (h:mm:ss) = {PROJECTED_N:,} x measured "
               "fmnist-grade CPU s per submission / workers.",
           "Assumes grading is CPU-bound and each worker is one core running one step at a time; no scheduler,",
           "data-transfer or straggler cost (see (c) for the Dask overhead measured here).",
           f"{'assignment':<25}{'CPU s/sub':>10}" + "".join(f"{w:>9}" for w in PROJECTED_WORKERS)]
    for name, row in projection(results).items():
        out.append(f"{name:<25}{row['cpu_per_submission_s']:>10.1f}"
                   + "".join(f"{hms(row[w]):>9}" for w in PROJECTED_WORKERS))
    return out


def _figures(results):
    """Every metered command's figures in `results`."""
    found = []

    def walk(x):
        if isinstance(x, dict):
            if "cpu_s" in x and "label" in x:
                if not any(f is x for f in found):  # a median run is listed among the runs too
                    found.append(x)
            else:
                for v in x.values():
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(results)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="all", choices=["all", "cpu", "class", "cluster"])
    parser.add_argument("--out", default="results/bench_grading", help="folder for the JSON and the logs")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 1 solved submission per assignment, a class of 10, 10 small submissions")
    parser.add_argument("--assignments", nargs="+", default=list(ASSIGNMENTS), choices=ASSIGNMENTS)
    parser.add_argument("--per-assignment", type=int, default=3, help="(a) solved submissions per assignment")
    parser.add_argument("--repeat", type=int, default=3, help="(a) runs of each command; the medians are compared")
    parser.add_argument("--class-n", type=int, default=40, help="(b) submissions in the class")
    parser.add_argument("--class-assignment", default="a5_evaluation", choices=ASSIGNMENTS)
    parser.add_argument("--cluster-n", type=int, default=200, help="(c) small submissions")
    parser.add_argument("--cluster-assignment", default="a5_evaluation", choices=ASSIGNMENTS)
    parser.add_argument("--cluster-no-sandbox", action="store_true", help="(c) grade without the sandbox")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="fmnist-grade --jobs in (a), (b)")
    parser.add_argument("--cell-timeout", type=float, default=30.0, help="(b), (c): seconds per cell")
    parser.add_argument("--long-timeout", type=float, default=600.0, help="(a): seconds per cell (training)")
    parser.add_argument("--command-timeout", type=float, default=4 * 3600.0, help="seconds per command")
    parser.add_argument("--audit", action="store_true",
                        help="also sample /proc during each command: a lower bound the CPU figures must reach")
    parser.add_argument("--keep", action="store_true",
                        help="keep the graded courses in OUT/work (to look at what each grader wrote)")
    args = parser.parse_args(argv)
    if args.quick:
        args.per_assignment, args.class_n, args.cluster_n, args.repeat = 1, 10, 10, 1
    if not os.environ.get("FMNIST_EDU_DATA"):
        print("note: FMNIST_EDU_DATA is not set; the notebooks find the data only in the cache", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    logs = os.path.join(args.out, "logs")
    os.makedirs(logs, exist_ok=True)
    results = {"machine": {"cores": os.cpu_count(), "platform": platform.platform(),
                           "python": platform.python_version(),
                           "load_before": [round(x, 2) for x in os.getloadavg()]},
               "args": vars(args), "targets": TARGETS, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    steps = {"cpu": bench_cpu, "class": bench_class, "cluster": bench_cluster}
    work = os.path.abspath(os.path.join(args.out, "work")) if args.keep else None
    if work:
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
    with contextlib.nullcontext(work) if work else tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        for name, step in steps.items():
            if args.what in ("all", name):
                results[name] = step(args, tmp, logs)
                _save(args.out, results)  # what is measured so far survives an interrupted run
    results["machine"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    results["projection"] = {"submissions": PROJECTED_N, "assumption": "CPU-bound, one step per core",
                             "rows": projection(results)}
    text = report(results, args)
    results["report"] = text
    _save(args.out, results)
    print(text)
    print(f"\nraw figures: {os.path.join(args.out, 'bench_grading.json')}; logs: {logs}")
    return 0


def _save(out, results):
    with open(os.path.join(out, "bench_grading.json"), "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1, default=str)


if __name__ == "__main__":
    sys.exit(main())
