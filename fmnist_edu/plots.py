"""The study's figures.

Every function builds its own :class:`matplotlib.figure.Figure` (no pyplot
state, no window: it works on a headless machine), returns it, and saves it
when given a `path`. In a notebook, a returned figure shows as the cell's
output. Each PNG of the study stays under 300 kB (the pair plot's thousands of
points are saved with a 256-colour palette).
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from fmnist_edu import figure_style
from fmnist_edu._validation import check_features, check_same_length
from fmnist_edu.figure_style import CLASS_COLOURS  # noqa: F401 (part of the plots API)

def plot_class_samples(X, y, class_names=None, n_per_class=8, seed=0,
                       title="Random images of each class", path=None):
    """Show a few random images of each class, one row per class.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784)
        Flattened 28x28 images.
    y : array-like of shape (n_samples,)
        Labels 0..K-1.
    class_names : sequence of str, optional
        Name of each class; default the course's `CLASS_NAMES`.
    n_per_class : int, default 8
        Images per row (fewer if a class has fewer).
    seed : int, default 0
        Seed of the random choice of images.
    title : str, default "Random images of each class"
        Figure title.
    path : str or Path, optional
        Where to save the figure (format from the suffix).

    Returns
    -------
    fig : matplotlib.figure.Figure
        K rows of `n_per_class` axes.
    """
    X = check_features(X)
    y = figure_style.class_labels(y)
    check_same_length(X, y, "X", "y")
    if X.shape[1] != 784:
        raise ValueError(f"X must hold flattened 28x28 images (784 features), got {X.shape[1]}")
    n_classes, names = figure_style.class_names_for(class_names, int(y.max()))
    rng = np.random.default_rng(seed)
    fig = Figure(figsize=(1.1 * n_per_class + 1.2, 1.2 * n_classes))
    axes = fig.subplots(n_classes, n_per_class, squeeze=False)
    for k in range(n_classes):
        members = np.flatnonzero(y == k)
        chosen = rng.choice(members, size=min(n_per_class, members.size), replace=False)
        for j, ax in enumerate(axes[k]):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if j < chosen.size:
                ax.imshow(X[chosen[j]].reshape(28, 28), cmap="gray_r", vmin=0, vmax=255)
        axes[k, 0].set_ylabel(
            f"{k} {names[k]}", rotation=0, ha="right", va="center", fontsize=10
        )
    fig.suptitle(title)
    return figure_style.save_figure(fig, path)


def plot_class_distribution(y_train, y_test, class_names=None, title="Class distribution",
                            path=None):
    """Grouped bars of the class shares of the training and test labels.

    Parameters
    ----------
    y_train, y_test : array-like of shape (n_samples,)
        Labels 0..K-1.
    class_names : sequence of str, optional
        Name of each class; default the course's `CLASS_NAMES`.
    title : str, default "Class distribution"
    path : str or Path, optional
        Where to save the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One axes; each bar is annotated with its share in percent, and a
        dotted line marks the uniform share 1/K.
    """
    y_train = figure_style.class_labels(y_train, "y_train")
    y_test = figure_style.class_labels(y_test, "y_test")
    n_classes, names = figure_style.class_names_for(class_names, int(max(y_train.max(), y_test.max())))
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    positions = np.arange(n_classes)
    width = 0.4
    for offset, labels, label, colour in (
        (-width / 2, y_train, f"train (n={y_train.size:,})", "#4c72b0"),
        (width / 2, y_test, f"test (n={y_test.size:,})", "#dd8452"),
    ):
        shares = np.bincount(labels, minlength=n_classes) / labels.size
        bars = ax.bar(positions + offset, 100 * shares, width, label=label, color=colour)
        ax.bar_label(bars, labels=[f"{100 * s:.2f}" for s in shares], fontsize=8, padding=2)
    ax.axhline(100 / n_classes, color="grey", linestyle=":", linewidth=1)
    ax.set_xticks(positions, names)
    ax.set_ylabel("share of the split (%)")
    ax.set_ylim(0, 100 / n_classes * 1.35)
    ax.set_title(title)
    ax.legend(loc="upper right", ncols=2, fontsize=9)
    return figure_style.save_figure(fig, path)


def plot_explained_variance(eigenvalues, threshold=0.9,
                            title="PCA: cumulative explained variance", path=None):
    """Cumulative explained variance against the number of components.

    Parameters
    ----------
    eigenvalues : array-like of shape (n_features,)
        Eigenvalues in decreasing order (from ``pca_fit``).
    threshold : float, default 0.9
        Variance share to mark; the smallest k reaching it is annotated.
    title : str, default "PCA: cumulative explained variance"
    path : str or Path, optional
        Where to save the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One axes.
    """
    from fmnist_edu.pca import explained_variance_ratio, n_components_for

    ratio = explained_variance_ratio(eigenvalues)
    k = n_components_for(eigenvalues, threshold)
    cumulative = np.cumsum(ratio)
    counts = np.arange(1, ratio.size + 1)
    k_at = np.log(k) / np.log(ratio.size) if ratio.size > 1 else 0.0
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    ax.plot(counts, 100 * cumulative, color="#4c72b0", linewidth=1.8)
    ax.axhline(100 * threshold, color="grey", linestyle="--", linewidth=1)
    ax.axvline(k, color="#c44e52", linestyle="--", linewidth=1)
    ax.plot([k], [100 * cumulative[k - 1]], "o", color="#c44e52")
    ax.annotate(
        f"k = {k} components\nexplain {100 * cumulative[k - 1]:.1f}% (>= {100 * threshold:g}%)",
        xy=(k, 100 * cumulative[k - 1]),
        # beside the dashed line at k, on the side with room (x axis: log 1..n_features)
        xytext=(k_at + 0.05, 0.35) if k_at < 0.6 else (k_at - 0.05, 0.35),
        textcoords="axes fraction",
        ha="left" if k_at < 0.6 else "right",
        arrowprops={"arrowstyle": "->", "color": "#c44e52"},
        fontsize=9,
    )
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))  # 1, 10, 100
    ax.set_xlim(1, ratio.size)
    ax.set_ylim(0, 101)
    ax.set_xlabel("number of principal components k (log scale)")
    ax.set_ylabel("cumulative explained variance (%)")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    return figure_style.save_figure(fig, path)


def plot_pairs(Z, y, n_components=5, class_names=None, n_points=1500, seed=0, title=None,
               path=None):
    """Pair plot of the first sphered principal components, coloured by class.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_dims)
        Projected (e.g. sphered) data, n_dims >= `n_components`.
    y : array-like of shape (n_samples,)
        Labels 0..K-1.
    n_components : int, default 5
        Number of leading columns to plot against each other.
    class_names : sequence of str, optional
        Name of each class; default the course's `CLASS_NAMES`.
    n_points : int, default 1500
        Random subsample of points drawn (all points if fewer).
    seed : int, default 0
        Seed of the subsample.
    title : str, optional
        Figure title; default names the components and the number of points.
    path : str or Path, optional
        Where to save the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The lower triangle of an `n_components` x `n_components` grid, row
        by row: scatter plots below the diagonal, per-class histograms on it
        (``n_components * (n_components + 1) / 2`` axes); one legend with
        the class names.
    """
    Z = check_features(Z, name="Z")
    y = figure_style.class_labels(y)
    check_same_length(Z, y, "Z", "y")
    if not 1 <= n_components <= Z.shape[1]:
        raise ValueError(f"n_components must be in 1..{Z.shape[1]}, got {n_components}")
    n_classes, names = figure_style.class_names_for(class_names, int(y.max()))
    rng = np.random.default_rng(seed)
    chosen = rng.permutation(Z.shape[0])[: min(n_points, Z.shape[0])]
    Z, y = Z[chosen, :n_components], y[chosen]
    low, high = np.percentile(Z, [0.5, 99.5], axis=0)
    fig = Figure(
        figsize=(2.1 * n_components + 0.5, 2.1 * n_components + 1.0), layout="constrained"
    )
    axes = fig.subplots(n_components, n_components, squeeze=False)
    for i in range(n_components):
        for j in range(n_components):
            ax = axes[i, j]
            if j > i:  # the upper triangle would mirror the lower one
                ax.remove()
                continue
            if i == j:
                bins = np.linspace(low[j], high[j], 30)
                for k in range(n_classes):
                    ax.hist(Z[y == k, j], bins=bins, histtype="step", color=figure_style.colour(k))
                ax.set_yticks([])
            else:
                ax.scatter(
                    Z[:, j], Z[:, i], c=[figure_style.colour(k) for k in y], s=3, alpha=0.5, linewidths=0,
                    rasterized=True,
                )
                ax.set_ylim(low[i], high[i])
            ax.set_xlim(low[j], high[j])
            ax.tick_params(labelsize=7)
            if i < n_components - 1:
                ax.set_xticklabels([])
            else:
                ax.set_xlabel(f"PC {j + 1}")
            if j > 0 and i != j:
                ax.set_yticklabels([])
            elif j == 0 and i != 0:
                ax.set_ylabel(f"PC {i + 1}")
    axes[0, 0].set_ylabel("PC 1")
    handles = [
        Line2D([], [], marker="o", linestyle="", color=figure_style.colour(k), label=names[k])
        for k in range(n_classes)
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=n_classes, frameon=False)
    if title is None:
        title = f"First {n_components} sphered principal components ({Z.shape[0]:,} random points)"
    fig.suptitle(title)
    return figure_style.save_figure(fig, path, palette=True)


# (key prefix, legend label, line style, colour) of each kind of curve, in drawing order
_CURVES = (("", "training", "-", "#1f77b4"), ("val_", "validation", "--", "#ff7f0e"),
           ("test_", "test", ":", "#2ca02c"))


def plot_training_curves(history, title=None, best_epoch=None, path=None):
    """Loss and accuracy per epoch: training, and validation or test when present.

    Parameters
    ----------
    history : dict of str to list of float
        ``loss`` and ``accuracy`` per epoch (training), optionally
        ``val_loss`` and ``val_accuracy`` (validation) and ``test_loss`` and
        ``test_accuracy`` (test). A key that is missing leaves its curve out.
    title : str, optional
        Figure title.
    best_epoch : int, optional
        1-based epoch to mark with a vertical line on both axes (e.g. the
        one whose weights early stopping restored).
    path : str or Path, optional
        Where to save the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Two axes: loss (left) and accuracy (right).
    """
    keys = [curve[0] + key for curve in _CURVES for key in ("loss", "accuracy")]
    if not any(history.get(key) for key in keys):
        raise ValueError(f"history must hold at least one of {', '.join(map(repr, keys))}")
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, key, label in ((axes[0], "loss", "loss"), (axes[1], "accuracy", "accuracy")):
        for prefix, name, style, colour in _CURVES:
            values = history.get(prefix + key)
            if values:
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, values, style, color=colour, marker="o", markersize=3, label=name)
        if best_epoch is not None:
            ax.axvline(best_epoch, color="#555555", linestyle="-.", linewidth=1.2,
                       label=f"best epoch ({best_epoch})")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=9)
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0].set_title("Loss (mean cross-entropy)")
    axes[1].set_title("Accuracy")
    if title:
        fig.suptitle(title)
    return figure_style.save_figure(fig, path)


def plot_confusion_matrices(matrices, titles=None, class_names=None, title=None, path=None):
    """One or several confusion matrices side by side, counts annotated.

    Parameters
    ----------
    matrices : array-like of shape (K, K), or a sequence or dict of them
        Counts, rows true class, columns predicted class. A dict maps titles
        to matrices.
    titles : sequence of str, optional
        One title per matrix (ignored for a dict).
    class_names : sequence of str, optional
        Name of each class; default the course's `CLASS_NAMES`.
    title : str, optional
        Figure title above all matrices.
    path : str or Path, optional
        Where to save the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One axes per matrix (colour bars not counted). Colours show the share
        of each true class (row-normalised), so the matrices are comparable.
    """
    if isinstance(matrices, dict):
        titles, matrices = list(matrices), list(matrices.values())
    elif np.ndim(matrices) == 2:
        matrices = [matrices]
    matrices = [np.asarray(m) for m in matrices]
    if not matrices:
        raise ValueError("no confusion matrix given")
    for m in matrices:
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise ValueError(f"a confusion matrix must be square (K, K), got shape {m.shape}")
    if titles is not None and len(titles) != len(matrices):
        raise ValueError(f"{len(titles)} titles for {len(matrices)} matrices")
    n_classes = matrices[0].shape[0]
    if any(m.shape != (n_classes, n_classes) for m in matrices):
        raise ValueError("all confusion matrices must have the same shape")
    _, names = figure_style.class_names_for(class_names, n_classes - 1)
    names = names[:n_classes]
    fig = Figure(figsize=(4.6 * len(matrices) + 0.8, 4.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(matrices)))
    for index, (ax, m) in enumerate(zip(axes, matrices)):
        rows = m.sum(axis=1, keepdims=True)
        shares = np.divide(m, rows, out=np.zeros(m.shape), where=rows > 0)
        image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
        for i in range(n_classes):
            for j in range(n_classes):
                ax.text(
                    j, i, f"{m[i, j]:g}", ha="center", va="center", fontsize=9,
                    color="white" if shares[i, j] > 0.6 else "black",
                )
        ax.set_xticks(range(n_classes), names, rotation=40, ha="right", fontsize=9)
        ax.set_yticks(range(n_classes), names if index == 0 else [], fontsize=9)
        ax.set_xlabel("predicted class")
        if index == 0:
            ax.set_ylabel("true class")
        if titles is not None:
            ax.set_title(titles[index])
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="share of the true class")
    if title:
        fig.suptitle(title)
    return figure_style.save_figure(fig, path)
