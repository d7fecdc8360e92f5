"""Run a command and count the CPU time of every process it starts, orphans included.

``getrusage(RUSAGE_CHILDREN)`` counts a process only once its parent has
waited for it, and the grading pipeline kills process groups whose members
then lose their parent (a kernel's or a worker's bubblewrap is killed, its
sandbox's init is reparented to the machine's init and reaped there): their
CPU seconds would be missing from a plain ``getrusage``. So the command runs
under a small meter process that makes itself a *child subreaper*
(``prctl(PR_SET_CHILD_SUBREAPER)``): every orphan below it is reparented to
it, and it waits for all of them, so its ``RUSAGE_CHILDREN`` holds the CPU
time of the whole tree. It also counts the orphans it reaped and their CPU
seconds (what a plain ``getrusage`` would have lost).

Used by :mod:`benchmarks.bench_grading`; by hand:
``python benchmarks/cpu_meter.py REPORT.json -- COMMAND ...``.
"""

import ctypes
import json
import resource
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
ORPHAN_GRACE = 30.0  # seconds left to orphans still running when the command has ended


def _cpu(ru):
    return ru.ru_utime + ru.ru_stime


def _children(pid):
    """Pids whose parent is `pid` (from /proc)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                found.append(int(name))
    return found


def meter(argv, report, timeout=None, log=None, grace=ORPHAN_GRACE):
    """Run `argv` (as the meter's only child), reap every orphan, write the figures to `report`."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    out = open(log, "ab") if log else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)

    def stop(signum, frame):  # interrupted: the command (in a session of its own) goes too
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        finally:
            sys.exit(128 + signum)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status, timed_out, orphans, orphan_cpu, wall = None, False, 0, 0.0, None
    deadline = start + timeout if timeout else None
    while True:
        try:
            pid, wstatus, ru = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break  # nothing left below the meter
        if pid == proc.pid:
            status = os.waitstatus_to_exitcode(wstatus)
            wall = time.perf_counter() - start
            grace_end = time.perf_counter() + grace
        elif pid:
            orphans += 1
            orphan_cpu += _cpu(ru)
        else:  # nothing to reap just now
            now = time.perf_counter()
            if status is None and deadline and now > deadline:
                timed_out, deadline = True, None
                os.killpg(proc.pid, signal.SIGKILL)
            if status is not None and now > grace_end:  # orphans still running: stopped
                for child in _children(os.getpid()):
                    try:
                        os.kill(child, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            time.sleep(0.05)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = {"argv": argv, "returncode": status, "timed_out": timed_out, "wall_s": wall,
               "tree_wall_s": time.perf_counter() - start,  # until the last process below was reaped
               "cpu_s": _cpu(ru), "user_s": ru.ru_utime, "sys_s": ru.ru_stime,
               "orphans_reaped": orphans, "orphan_cpu_s": orphan_cpu, "max_rss_mb": ru.ru_maxrss / 1024}
    with open(report, "w", encoding="utf-8") as fh:
        json.dump(figures, fh)
    return figures


def measure(argv, cwd=None, env=None, timeout=None, log=None, grace=ORPHAN_GRACE):
    """Run `argv` under the meter (in `cwd`, with `env`); return its figures (see :func:`meter`).

    Also checks the meter against this process's own ``RUSAGE_CHILDREN``
    (which holds the meter and, through it, the whole tree): ``check_cpu_s``.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="cpu-meter-") as tmp:
        report = os.path.join(tmp, "report.json")
        cmd = [sys.executable, os.path.abspath(__file__), report, "--grace", str(grace)]
        if timeout:
            cmd += ["--timeout", str(timeout)]
        if log:
            cmd += ["--log", os.path.abspath(log)]
        before = _cpu(resource.getrusage(resource.RUSAGE_CHILDREN))
        subprocess.run(cmd + ["--"] + list(argv), cwd=cwd, env=env, check=True, stdin=subprocess.DEVNULL)
        after = _cpu(resource.getrusage(resource.RUSAGE_CHILDREN))
        with open(report, encoding="utf-8") as fh:
            figures = json.load(fh)
    figures["check_cpu_s"] = after - before  # the meter's own CPU time is the (small) difference
    figures["cores"] = os.cpu_count()
    figures["cpu_within_wall_x_cores"] = figures["cpu_s"] <= figures["tree_wall_s"] * os.cpu_count() * 1.02 + 0.5
    return figures


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--" not in argv:
        print(__doc__.splitlines()[-1].strip(), file=sys.stderr)
        return 2
    split = argv.index("--")
    own, command = argv[:split], argv[split + 1:]
    report, timeout, log, grace = own[0], None, None, ORPHAN_GRACE
    if "--grace" in own:
        grace = float(own[own.index("--grace") + 1])
    if "--timeout" in own:
        timeout = float(own[own.index("--timeout") + 1])
    if "--log" in own:
        log = own[own.index("--log") + 1]
    meter(command, report, timeout=timeout, log=log, grace=grace)
    return 0


if __name__ == "__main__":
    sys.exit(main())
