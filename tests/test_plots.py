"""The study's figures: each builds a Figure with the expected axes and saves a PNG.

Synthetic data only (no marker: pyproject declares none for figures).
"""

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from fmnist_edu import plots
from fmnist_edu.pca import pca_fit

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(5), 6)
    X = rng.integers(0, 256, size=(30, 784)).astype(float)
    return X, y


def assert_png(path):
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 1000


def test_class_samples(images, tmp_path):
    X, y = images
    fig = plots.plot_class_samples(X, y, n_per_class=4, path=tmp_path / "samples.png")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 5 * 4
    assert fig.axes[0].get_ylabel() == "0 T-shirt/top"
    assert fig.axes[4 * 4].get_ylabel() == "4 Shirt"
    assert_png(tmp_path / "samples.png")


def test_class_samples_rejects_non_images():
    with pytest.raises(ValueError, match="784"):
        plots.plot_class_samples(np.zeros((4, 10)), [0, 1, 0, 1])


def test_class_distribution(tmp_path):
    y_train = np.array([0, 0, 1, 2, 2, 2])
    y_test = np.array([0, 1, 2])
    fig = plots.plot_class_distribution(
        y_train, y_test, class_names=["a", "b", "c"], path=tmp_path / "dist.png"
    )
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    heights = [patch.get_height() for patch in ax.patches]
    np.testing.assert_allclose(heights, [100 / 3, 100 / 6, 50, 100 / 3, 100 / 3, 100 / 3])
    assert len(ax.get_legend().get_texts()) == 2
    assert_png(tmp_path / "dist.png")


def test_class_distribution_needs_enough_names():
    with pytest.raises(ValueError, match="class_names"):
        plots.plot_class_distribution([0, 3], [1, 2], class_names=["a", "b"])


def test_explained_variance_marks_k(tmp_path):
    eigenvalues = np.array([5.0, 3.0, 1.0, 0.5, 0.5])  # 90% reached at k = 3
    fig = plots.plot_explained_variance(eigenvalues, 0.9, path=tmp_path / "ev.png")
    (ax,) = fig.axes
    assert any("k = 3" in text.get_text() for text in ax.texts)
    assert_png(tmp_path / "ev.png")


def test_pairs(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 6))
    y = rng.integers(0, 5, size=120)
    _, components, eigenvalues = pca_fit(X)
    Z = (X - X.mean(axis=0)) @ components.T / np.sqrt(eigenvalues)
    fig = plots.plot_pairs(Z, y, n_components=3, n_points=50, path=tmp_path / "pairs.png")
    assert len(fig.axes) == 6  # the lower triangle: (0,0), (1,0), (1,1), (2,0), (2,1), (2,2)
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_texts == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Shirt"]
    # a subsample: 50 points in each scatter plot
    assert fig.axes[1].collections[0].get_offsets().shape == (50, 2)
    assert_png(tmp_path / "pairs.png")
    with Image.open(tmp_path / "pairs.png") as image:
        assert image.mode == "P"  # saved with a palette: a scatter of 1,500 points took 1.1 MB


def test_pairs_of_many_points_stay_small(tmp_path):
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(3000, 5))
    y = rng.integers(0, 5, size=3000)
    plots.plot_pairs(Z, y, path=tmp_path / "pairs.png")
    assert (tmp_path / "pairs.png").stat().st_size < 300_000


def test_titles_can_be_given(images):
    X, y = images
    tag = " (quick run)"
    figures = [
        plots.plot_class_samples(X, y, n_per_class=2, title="samples" + tag),
        plots.plot_class_distribution(y, y, title="shares" + tag),
        plots.plot_explained_variance([3.0, 2.0, 1.0], title="variance" + tag),
        plots.plot_pairs(X[:, :3], y, n_components=2, title="pairs" + tag),
        plots.plot_training_curves({"loss": [1.0, 0.5]}, title="curves" + tag),
        plots.plot_confusion_matrices(np.eye(5, dtype=int), title="matrices" + tag),
    ]
    for fig in figures:
        texts = [fig.get_suptitle()] + [ax.get_title() for ax in fig.axes]
        assert any(text.endswith(tag) for text in texts)


def test_training_curves_with_and_without_validation(tmp_path):
    history = {"loss": [1.0, 0.6, 0.4], "accuracy": [0.5, 0.7, 0.8]}
    fig = plots.plot_training_curves(history)
    assert len(fig.axes) == 2
    assert [len(ax.lines) for ax in fig.axes] == [1, 1]
    history.update(val_loss=[1.1, 0.7, 0.6], val_accuracy=[0.4, 0.6, 0.7])
    fig = plots.plot_training_curves(history, title="net", path=tmp_path / "curves.png")
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), [1.1, 0.7, 0.6])
    assert_png(tmp_path / "curves.png")


def test_training_curves_show_test_curves_and_the_best_epoch():
    history = {"loss": [1.0, 0.6, 0.4], "accuracy": [0.5, 0.7, 0.8],
               "test_loss": [1.2, 0.9, 0.8], "test_accuracy": [0.4, 0.6, 0.65]}
    fig = plots.plot_training_curves(history, best_epoch=2)
    for ax in fig.axes:
        labels = [line.get_label() for line in ax.lines]
        assert labels == ["training", "test", "best epoch (2)"]
        np.testing.assert_array_equal(ax.lines[-1].get_xdata(), [2, 2])
    np.testing.assert_allclose(fig.axes[1].lines[1].get_ydata(), [0.4, 0.6, 0.65])


def test_training_curves_need_a_curve():
    with pytest.raises(ValueError, match="history"):
        plots.plot_training_curves({})


def test_confusion_matrices_side_by_side(tmp_path):
    m = np.array([[5, 1, 0], [2, 3, 0], [0, 0, 4]])
    fig = plots.plot_confusion_matrices(
        {"tree": m, "net": m.T}, class_names=["a", "b", "c"], path=tmp_path / "cm.png"
    )
    axes = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in axes] == ["tree", "net"]
    assert len(fig.axes) == 3  # two matrices and a colour bar
    assert sorted(t.get_text() for t in axes[0].texts) == sorted(str(v) for v in m.ravel())
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["a", "b", "c"]
    assert_png(tmp_path / "cm.png")


def test_confusion_matrix_alone(tmp_path):
    fig = plots.plot_confusion_matrices(np.eye(5, dtype=int) * 7)
    assert len(fig.axes) == 2
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()][-1] == "Shirt"


def test_confusion_matrices_reject_bad_shapes():
    with pytest.raises(ValueError, match="square"):
        plots.plot_confusion_matrices([np.zeros((2, 3))])
    with pytest.raises(ValueError, match="titles"):
        plots.plot_confusion_matrices([np.eye(2), np.eye(2)], titles=["one"])
