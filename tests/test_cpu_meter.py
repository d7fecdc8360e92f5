"""benchmarks/cpu_meter.py counts the CPU time of orphaned processes, which a plain getrusage loses."""

import os
import resource
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
from cpu_meter import measure  # noqa: E402

pytestmark = pytest.mark.cli

# the command's child starts a CPU burner and exits at once: the burner is orphaned
ORPHAN = [sys.executable, "-c",
          "import subprocess, sys; subprocess.Popen([sys.executable, '-c', "
          "'import time\\nend = time.process_time() + 1.0\\nwhile time.process_time() < end: pass'])"]


def _children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def test_a_plain_getrusage_misses_the_orphan():
    before = _children_cpu()
    subprocess.run(ORPHAN, check=True)
    time.sleep(2.0)  # the burner runs (and ends) under the machine's init, not under us
    assert _children_cpu() - before < 0.5


def test_the_meter_counts_the_orphan_and_checks_wall_times_cores():
    figures = measure(ORPHAN, grace=600)  # a busy machine may take long to give it 1 CPU s
    assert figures["returncode"] == 0
    assert figures["orphans_reaped"] >= 1
    assert figures["orphan_cpu_s"] >= 0.9
    assert figures["cpu_s"] >= figures["orphan_cpu_s"]
    assert figures["check_cpu_s"] >= figures["cpu_s"]  # this process saw the meter's whole tree
    assert figures["cpu_within_wall_x_cores"]


def test_the_meter_stops_a_command_that_runs_past_its_timeout():
    start = time.perf_counter()
    figures = measure([sys.executable, "-c", "import time; time.sleep(60)"], timeout=1)
    assert figures["timed_out"] and figures["returncode"] == -9
    assert time.perf_counter() - start < 30
