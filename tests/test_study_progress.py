"""Progress of the study's long steps, and the marks of a quick run.

Progress: a tqdm bar when stderr is a terminal, plain ``[fmnist-edu]`` lines
when it is not (pytest's captured stderr is not a terminal). The quick marks:
``"quick"`` in ``results.json``, the first line of ``metrics.md``, the figure
titles. Synthetic data only (``run_study`` is fed a made-up course subset), so
no marker.
"""

import io
import json
import re
import sys

import numpy as np
import pytest

from fmnist_edu import figure_style, plots, study
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


def fake_course_data(n_train=2100, n_test=1100, seed=0):
    """Integer 'images' 0..255 of 5 classes, close to rank 8 (PCA keeps few components)."""
    rng = np.random.default_rng(seed)
    prototypes = rng.normal(0, 30, size=(5, 784))
    factors = rng.normal(0, 1, size=(3, 784)) * 20

    def split(n):
        y = rng.integers(0, 5, size=n)
        X = 128 + prototypes[y] + rng.normal(size=(n, 3)) @ factors
        return np.clip(np.round(X), 0, 255), y

    return (*split(n_train), *split(n_test))


def test_network_progress_lines_and_test_curve_leave_training_unchanged(capsys):
    X_train, y_train, X_test, y_test = fake_course_data(300, 100)
    net, _, seconds = study.study_network(X_train, y_train, quick=True, X_test=X_test,
                                          y_test=y_test)
    err = capsys.readouterr().err
    lines = lines_of(err, "network")
    assert [line.split(",")[0] for line in lines] == [
        "[fmnist-edu] network: 1/3 epochs (33%)", "[fmnist-edu] network: 2/3 epochs (67%)",
        "[fmnist-edu] network: 3/3 epochs (100%)"]
    assert "\r" not in err  # no tqdm bar written into a log
    assert len(net.history["test_loss"]) == len(net.history["test_accuracy"]) == 3
    assert seconds > 0
    plain, _, _ = study.study_network(X_train, y_train, quick=True)
    assert "test_loss" not in plain.history
    np.testing.assert_array_equal(net.history["loss"], plain.history["loss"])


def test_metrics_markdown_says_quick_in_its_first_line():
    model = {"train_accuracy": 0.9, "test_accuracy": 0.8, "precision": [0.8] * 5,
             "recall": [0.8] * 5, "f1": [0.8] * 5}
    quick = study.metrics_markdown({"tree": model}, quick=True)
    assert quick.splitlines()[0].startswith("**Quick smoke run**")
    assert "not the study's result" in quick.splitlines()[0]
    full = study.metrics_markdown({"tree": model})
    assert full.splitlines()[0] == "# Per-class metrics on the test set"
    assert "quick" not in full.lower()


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """run_study(quick=True) on fake data, stderr captured (not a terminal)."""
    data = fake_course_data()
    out = tmp_path_factory.mktemp("quick")
    patch = pytest.MonkeyPatch()
    patch.setattr(study, "load_course_data", lambda data_dir=None: data)
    captured = io.StringIO()
    patch.setattr(sys, "stderr", captured)
    titles = {}
    finish = figure_style.save_figure

    def record_title(fig, path, **kwargs):
        texts = [fig.get_suptitle()] + [ax.get_title() for ax in fig.axes]
        titles[path.name] = " ".join(text for text in texts if text)
        return finish(fig, path, **kwargs)

    patch.setattr(figure_style, "save_figure", record_title)
    try:
        results = study.run_study(out, quick=True, n_jobs=1)
    finally:
        patch.undo()
    return out, results, captured.getvalue(), titles


def test_quick_run_reports_every_step_in_a_log(quick_run):
    _, _, err, _ = quick_run
    assert "\r" not in err
    for step in ("1/5 data", "2/5 PCA", "3/5 decision tree", "4/5 feed-forward network",
                 "5/5 LeNet-5"):
        assert f"[fmnist-edu] {step}" in err
    assert lines_of(err, "tree grid search")[-1].startswith(
        "[fmnist-edu] tree grid search: 40/40 fits (100%)")
    assert lines_of(err, "network")[-1].startswith("[fmnist-edu] network: 3/3 epochs (100%)")
    assert lines_of(err, "LeNet-5")[-1].startswith("[fmnist-edu] LeNet-5: 2/2 epochs (100%)")


def test_quick_run_is_marked_in_every_output(quick_run):
    out, results, _, _ = quick_run
    saved = json.loads((out / "results.json").read_text())
    assert saved["quick"] is True and results["quick"] is True
    assert set(saved) == {"quick", "data", "models"}
    assert json.loads((out / "grid_search.json").read_text())["quick"] is True
    assert json.loads((out / "predictions.json").read_text())["quick"] is True
    first = (out / "metrics.md").read_text().splitlines()[0]
    assert "Quick smoke run" in first and "not the study's result" in first


def test_quick_run_figures_are_small_and_titled_quick(quick_run):
    out, _, _, titles = quick_run
    sizes = {png.name: png.stat().st_size for png in out.glob("*.png")}
    assert len(sizes) == 7
    assert all(size < 300_000 for size in sizes.values()), sizes
    assert set(titles) == set(sizes)
    for name, title in titles.items():
        assert "(quick run)" in title, name
