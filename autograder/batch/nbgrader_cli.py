"""Running nbgrader's own commands from Python, the same way everywhere.

nbgrader runs the ``alembic`` executable by name when it creates a gradebook,
so the folder of this interpreter's scripts must be on ``PATH`` even when the
virtual environment is not activated.
"""

import os
import subprocess
import sys


def nbgrader_env(extra=None):
    """``os.environ`` with this interpreter's scripts folder first on PATH, plus `extra`."""
    env = dict(os.environ)
    scripts = os.path.dirname(sys.executable)
    env["PATH"] = scripts + os.pathsep + env.get("PATH", "")
    env.update(extra or {})
    return env


def nbgrader_argv(*args):
    """The argv of ``nbgrader ARGS`` with this interpreter."""
    return [sys.executable, "-m", "nbgrader", *args]


def run_nbgrader(args, cwd, env=None, check=True, timeout=None):
    """Run ``nbgrader ARGS`` in `cwd`; raise RuntimeError with its output tail when it fails."""
    proc = subprocess.run(nbgrader_argv(*args), cwd=cwd, env=nbgrader_env(env), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if check and (proc.returncode != 0 or "[ERROR]" in proc.stderr or "| ERROR]" in proc.stderr):
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-1500:]}{proc.stderr[-2500:]}")
    return proc
