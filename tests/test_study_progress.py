"""Progress of the study's long steps.

A tqdm bar when stderr is a terminal, plain ``[fmnist-edu]`` lines when it is
not (pytest's captured stderr is not a terminal). Synthetic data only, so no
marker.
"""

import io
import re
import sys

import numpy as np
import pytest

from fmnist_edu.progress import Progress, stderr_is_terminal
from fmnist_edu.tree_search import grid_search_tree


class FakeTerminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self):
        return True


def lines_of(err, desc):
    return [line for line in err.splitlines() if line.startswith(f"[fmnist-edu] {desc}: ")]


def test_lines_per_tenth_when_stderr_is_not_a_terminal(capsys):
    assert not stderr_is_terminal()
    with Progress(40, "demo", "fit") as progress:
        for _ in range(40):
            progress.update(loss="0.5")
    lines = lines_of(capsys.readouterr().err, "demo")
    assert len(lines) == 10
    assert lines[0].startswith("[fmnist-edu] demo: 4/40 fits (10%), ") and "left" in lines[0]
    assert re.fullmatch(r"\[fmnist-edu\] demo: 40/40 fits \(100%\), \d+ s, loss 0\.5", lines[-1])


def test_an_early_end_writes_the_last_count(capsys):
    with Progress(40, "demo", "epoch") as progress:
        for _ in range(31):
            progress.update()
    last = lines_of(capsys.readouterr().err, "demo")[-1]
    assert last.startswith("[fmnist-edu] demo: 31/40 epochs (78%), ") and "left" not in last


def test_a_terminal_gets_a_bar_and_no_lines(monkeypatch):
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    with Progress(5, "demo", "fit") as progress:
        for _ in range(5):
            progress.update()
    err = sys.stderr.getvalue()
    assert "\r" in err and "5/5" in err
    assert "[fmnist-edu]" not in err


def test_disabled_and_bar_false_write_nothing(capsys, monkeypatch):
    with Progress(3, "off", "fit", enabled=False) as progress:
        progress.update(3)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    with Progress(3, "own bar", "fit", bar=False) as progress:  # the step draws its own
        progress.update(3)
    assert sys.stderr.getvalue() == ""


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 20)
    X = rng.normal(size=(60, 4)) + y[:, None]
    return X, y


def test_grid_search_bar_ends_at_100_percent(blobs, monkeypatch):
    """The bar once ended at n-1 of n (98% for the quick grid's 40 fits)."""
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    grid_search_tree(*blobs, max_depths=[1, 2], min_samples_leafs=[1, 2, 3, 4], cv=5, n_jobs=1)
    last = sys.stderr.getvalue().split("\r")[-1]
    assert "40/40" in last and "100%" in last


def test_grid_search_lines_in_a_log(blobs, capsys):
    grid_search_tree(*blobs, max_depths=[1, 2], min_samples_leafs=[1, 2, 3, 4], cv=5, n_jobs=1)
    lines = lines_of(capsys.readouterr().err, "tree grid search")
    assert len(lines) == 10 and "40/40 fits (100%)" in lines[-1]
