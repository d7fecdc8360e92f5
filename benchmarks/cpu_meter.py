"""Run a command and count the CPU time of every process it starts, however each one ends.

``getrusage(RUSAGE_CHILDREN)`` is not enough for the grader. It counts a
process only once its parent has waited for it, and the grading pipeline
kills sandboxes: when a bubblewrap sandbox's pid namespace ends, the kernel
reaps the processes still in it *without* adding their CPU time to anyone's
``RUSAGE_CHILDREN`` (``zap_pid_ns_processes`` sets SIGCHLD to SIG_IGN), so a
kernel that trained a network for 30 s and was then shut down leaves no
trace. Measured on a4_lenet5: ``getrusage`` saw 22 CPU s where /proc showed
at least 58.

So the meter puts the command into a **cgroup of its own** (cgroup v2, or
v1's ``cpuacct``) and reads the cgroup's CPU time at the end: the kernel
charges every process in it as it runs, whoever reaps it. The meter's own CPU
time is subtracted. It also runs the command as a *child subreaper*
(``prctl(PR_SET_CHILD_SUBREAPER)``), so orphans are reparented to it and it
waits for all of them before reading the clock, and it still reports the
``getrusage`` figure beside the cgroup's (``rusage_cpu_s``). Where no cgroup
can be made (not root, no delegation), the figure is that ``getrusage`` one,
and ``clock`` says it is a lower bound.

``--audit`` also samples /proc while the command runs (:class:`Audit`): an
independent lower bound that the meter's figure must not fall below.

Used by :mod:`benchmarks.bench_grading`; by hand:
``python benchmarks/cpu_meter.py REPORT.json [--audit] -- COMMAND ...``.
"""

import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
ORPHAN_GRACE = 30.0  # seconds left to orphans still running when the command has ended
LOWER_BOUND = "getrusage (a lower bound: sandboxes ended with their pid namespace are not counted)"


def _cpu(ru):
    return ru.ru_utime + ru.ru_stime


class CgroupClock:
    """A cgroup of this process's own, below its current one; the CPU seconds of all it holds.

    Raises OSError where none can be made (no cgroup file system, not allowed).
    """

    def __init__(self):
        self.kind, mount, current = self._hierarchy()
        self.home = os.path.join(mount, current.lstrip("/"))
        self.path = os.path.join(self.home, f"fmnist-cpu-meter-{os.getpid()}")
        os.mkdir(self.path)
        try:
            self._move(self.path)
        except OSError:
            os.rmdir(self.path)
            raise
        self.own_at_join = _cpu(resource.getrusage(resource.RUSAGE_SELF))

    @staticmethod
    def _hierarchy():
        """(kind, mount point, this process's path in it): cgroup v2 first, else v1 cpuacct."""
        mounts = {}
        with open("/proc/self/mountinfo", encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                fstype, opts = parts[parts.index("-") + 1], parts[-1].split(",")
                if fstype == "cgroup2":
                    mounts.setdefault("v2", parts[4])
                elif fstype == "cgroup" and "cpuacct" in opts:
                    mounts.setdefault("v1", parts[4])
        with open("/proc/self/cgroup", encoding="utf-8") as fh:
            member = {}
            for line in fh:
                num, controllers, path = line.rstrip("\n").split(":", 2)
                if num == "0" and controllers == "":
                    member["v2"] = path
                elif "cpuacct" in controllers.split(","):
                    member["v1"] = path
        for kind in ("v2", "v1"):
            if kind in mounts and kind in member:
                return kind, mounts[kind], member[kind]
        raise OSError("no cgroup v2 or cpuacct hierarchy")

    def _move(self, folder):
        with open(os.path.join(folder, "cgroup.procs"), "w", encoding="ascii") as fh:
            fh.write(str(os.getpid()))

    def cpu_s(self):
        """CPU seconds of every process that ever ran in the cgroup, less this process's own."""
        if self.kind == "v2":
            with open(os.path.join(self.path, "cpu.stat"), encoding="ascii") as fh:
                stat = dict(line.split() for line in fh if line.strip())
            total = int(stat["usage_usec"]) / 1e6
        else:
            with open(os.path.join(self.path, "cpuacct.usage"), encoding="ascii") as fh:
                total = int(fh.read()) / 1e9
        return total - (_cpu(resource.getrusage(resource.RUSAGE_SELF)) - self.own_at_join)

    def close(self):
        self._move(self.home)
        try:
            os.rmdir(self.path)
        except OSError:
            pass  # something below escaped the meter and still runs: the group stays, empty later


def _proc_table():
    """{pid: (ppid, start time, user + system clock ticks, name)} of every process, from /proc."""
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    head, tail = fh.read().rsplit(b")", 1)
                fields = tail.split()
                table[int(name)] = (int(fields[1]), int(fields[19]), int(fields[11]) + int(fields[12]),
                                    head.split(b"(", 1)[1].decode("utf-8", "replace"))
            except (OSError, ValueError, IndexError):
                continue
    return table


def _children(pid):
    """Pids whose parent is `pid`."""
    return [p for p, row in _proc_table().items() if row[0] == pid]


class Audit:
    """An independent lower bound of the tree's CPU time: /proc sampled while it runs.

    Each sample adds the processes below `root` (by parent links; /proc shows
    the processes of pid namespaces too) and keeps each one's latest user +
    system time. What ran after a process's last sample, and processes too
    short to be seen, are missing, so the sum is at most the true figure.
    """

    def __init__(self, root, every=0.25):
        self.root, self.every, self.next, self.seen, self.names = root, every, 0.0, {}, {}

    def sample(self):
        if time.perf_counter() < self.next:
            return
        self.next = time.perf_counter() + self.every
        table, kids = _proc_table(), {}
        for pid, row in table.items():
            kids.setdefault(row[0], []).append(pid)
        below, todo = set(), [self.root]
        while todo:
            for kid in kids.get(todo.pop(), ()):
                if kid not in below:
                    below.add(kid)
                    todo.append(kid)
        for pid in below:
            ppid, started, ticks, name = table[pid]
            self.names[(pid, started)] = f"{name} (pid {pid}, parent {ppid})"
            self.seen[(pid, started)] = max(ticks, self.seen.get((pid, started), 0))

    def top(self, n=8):
        """The `n` processes that used the most CPU seconds, named."""
        tick = os.sysconf("SC_CLK_TCK")
        return [[self.names[k], v / tick] for k, v in sorted(self.seen.items(), key=lambda kv: -kv[1])[:n]]

    def cpu_s(self):
        return sum(self.seen.values()) / os.sysconf("SC_CLK_TCK")


def meter(argv, report, timeout=None, log=None, grace=ORPHAN_GRACE, audit=False, cgroup=True):
    """Run `argv` (as the meter's only child), reap every orphan, write the figures to `report`."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    clock, why = None, "not asked for"
    if cgroup:
        try:
            clock = CgroupClock()
        except OSError as exc:
            why = str(exc)
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
    sampler = Audit(os.getpid()) if audit else None
    while True:
        if sampler:
            sampler.sample()
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
               "rusage_cpu_s": _cpu(ru), "user_s": ru.ru_utime, "sys_s": ru.ru_stime,
               "orphans_reaped": orphans, "orphan_cpu_s": orphan_cpu, "max_rss_mb": ru.ru_maxrss / 1024}
    if clock:
        figures.update(cpu_s=clock.cpu_s(), clock=f"cgroup {clock.kind} ({clock.path})")
        clock.close()
    else:
        figures.update(cpu_s=_cpu(ru), clock=f"{LOWER_BOUND}; no cgroup: {why}")
    if sampler:
        figures.update(audit_cpu_s_at_least=sampler.cpu_s(), audit_processes_seen=len(sampler.seen),
                       audit_top=sampler.top())
    with open(report, "w", encoding="utf-8") as fh:
        json.dump(figures, fh)
    return figures


def measure(argv, cwd=None, env=None, timeout=None, log=None, grace=ORPHAN_GRACE, audit=False, cgroup=True):
    """Run `argv` under the meter (in `cwd`, with `env`); return its figures (see :func:`meter`)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="cpu-meter-") as tmp:
        report = os.path.join(tmp, "report.json")
        cmd = [sys.executable, os.path.abspath(__file__), report, "--grace", str(grace)]
        if timeout:
            cmd += ["--timeout", str(timeout)]
        if log:
            cmd += ["--log", os.path.abspath(log)]
        cmd += (["--audit"] if audit else []) + ([] if cgroup else ["--no-cgroup"])
        subprocess.run(cmd + ["--"] + list(argv), cwd=cwd, env=env, check=True, stdin=subprocess.DEVNULL)
        with open(report, encoding="utf-8") as fh:
            figures = json.load(fh)
    figures["cores"] = os.cpu_count()
    figures["cpu_within_wall_x_cores"] = figures["cpu_s"] <= figures["tree_wall_s"] * os.cpu_count() * 1.02 + 0.5
    if audit:  # the sampled lower bound may not exceed what the meter counted (1 % for rounding)
        figures["audit_agrees"] = figures["audit_cpu_s_at_least"] <= figures["cpu_s"] * 1.01 + 0.1
    return figures


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--" not in argv:
        print(__doc__.splitlines()[-1].strip(), file=sys.stderr)
        return 2
    split = argv.index("--")
    own, command = argv[:split], argv[split + 1:]

    def option(name, default):
        return float(own[own.index(name) + 1]) if name in own else default
    timeout, grace = option("--timeout", None), option("--grace", ORPHAN_GRACE)
    log = own[own.index("--log") + 1] if "--log" in own else None
    meter(command, own[0], timeout=timeout, log=log, grace=grace, audit="--audit" in own,
          cgroup="--no-cgroup" not in own)
    return 0


if __name__ == "__main__":
    sys.exit(main())
