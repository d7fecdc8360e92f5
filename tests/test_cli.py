"""The fmnist-edu command line: parsing, the data command and a quick reproduce."""

import json
import os

import pytest

from fmnist_edu.cli import build_parser, main

needs_data = pytest.mark.skipif(
    not os.environ.get("FMNIST_EDU_DATA"), reason="FMNIST_EDU_DATA names no data folder"
)


@pytest.mark.cli
def test_reproduce_requires_out():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["reproduce"])


@pytest.mark.cli
def test_data_command_reports_a_missing_folder_in_one_line(tmp_path, capsys):
    code = main(["data", "--data-dir", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and "nowhere" in err
    assert "Traceback" not in err


@pytest.mark.cli
@pytest.mark.study
@needs_data
def test_data_command_prints_class_shares(capsys):
    assert main(["data"]) == 0
    out = capsys.readouterr().out
    assert "10000 train images" in out and "5000 test images" in out
    assert "Shirt" in out


@pytest.mark.cli
@pytest.mark.study
@needs_data
def test_quick_reproduce_writes_the_contract_layout(tmp_path, capsys):
    assert main(["reproduce", "--quick", "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "quick smoke run" in out
    # stderr is no terminal here: progress comes as lines, with no tqdm bar
    assert "[fmnist-edu] tree grid search: 40/40 fits (100%)" in err
    assert "[fmnist-edu] LeNet-5: 2/2 epochs (100%)" in err
    assert "\r" not in err
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results) == {"quick", "data", "models"}  # the contract's two blocks, and the mark
    assert results["quick"] is True
    assert set(results["data"]) == {"n_train", "n_test", "train_class_share",
                                    "test_class_share", "pca_components_90"}
    assert abs(sum(results["data"]["train_class_share"]) - 1) < 1e-9
    assert set(results["models"]) == {"decision_tree", "neural_network", "lenet5"}
    for model in results["models"].values():
        assert set(model) == {"params", "train_accuracy", "test_accuracy", "precision",
                              "recall", "f1", "confusion_matrix", "fit_seconds"}
        assert len(model["f1"]) == 5 and len(model["confusion_matrix"]) == 5
        assert sum(map(sum, model["confusion_matrix"])) == results["data"]["n_test"]
        assert model["test_accuracy"] > 0.5  # far above chance (0.2) even in quick mode
    for figure in ("class_samples", "class_distribution", "explained_variance", "pca_pairs",
                   "network_training", "lenet5_training", "confusion_matrices"):
        assert 1000 < (tmp_path / f"{figure}.png").stat().st_size < 300_000
    metrics = (tmp_path / "metrics.md").read_text()
    assert "| Shirt |" in metrics
    assert metrics.startswith("**Quick smoke run**")
