"""The whole study in one call: :func:`run_study`, behind ``fmnist-edu reproduce``.

Steps, each a function of its own:

1. :func:`study_data` - load and verify the course subset, integrity checks,
   class balance;
2. :func:`study_pca` - PCA on the training images, the components for 90% of
   the variance, sphered features;
3. :func:`study_tree` - 5-fold grid search of the from-scratch tree on the
   sphered features, then one fit with the best parameters;
4. :func:`study_network` - the 784 -> 32 -> 16 -> 5 network on standardised
   pixels;
5. :func:`study_lenet5` - LeNet-5 with a validation split and early stopping;
6. :func:`model_report` - accuracy, per-class precision, recall, F1 and the
   confusion matrix of each model.

:func:`run_study` writes ``results.json`` (the contract's layout), the figures
(PNG), ``metrics.md`` (per-class tables), ``grid_search.json`` and
``predictions.json`` (the test labels and each model's predictions) to one
folder. ``quick=True`` runs every step on small subsets, a small grid and few
epochs: a smoke test in well under a minute, not a result; every output says
so (``"quick": true`` in the JSON files, a first line in ``metrics.md``,
"(quick run)" in the figure titles).

Progress goes to stderr (:mod:`fmnist_edu.progress`): a line per step, and
for the grid search, the network and LeNet-5 a bar in a terminal or a line
per tenth of the work in a log file.
"""

import json
import time
from pathlib import Path

import numpy as np

from fmnist_edu.data import CLASS_NAMES, load_course_data
from fmnist_edu.integrity import class_distribution, integrity_report
from fmnist_edu.metrics import accuracy, confusion_matrix, precision_recall_f1
from fmnist_edu.network import NeuralNetworkClassifier, build_study_network, cross_entropy, one_hot
from fmnist_edu.pca import n_components_for, pca_fit, pca_transform
from fmnist_edu.progress import Progress, say, stderr_is_terminal

N_CLASSES = len(CLASS_NAMES)
VARIANCE_KEPT = 0.9

# the study's grid (6,000 fits) and the quick mode's
FULL_GRID = {"max_depths": range(1, 21), "min_samples_leafs": range(1, 31),
             "criteria": ("gini", "entropy")}
QUICK_GRID = {"max_depths": range(1, 9), "min_samples_leafs": (1, 5, 10, 20),
              "criteria": ("gini", "entropy")}
QUICK_TRAIN, QUICK_TEST = 2000, 1000
QUICK_TAG = " (quick run)"
PAIRS_POINTS = 1500  # points of the pair plot: enough to see the classes overlap


def study_data(data_dir=None, quick=False, seed=0):
    """Load the course subset and check it.

    Returns
    -------
    data : dict
        ``X_train`` (n_train, 784), ``y_train`` (n_train,), ``X_test``,
        ``y_test`` and the contract's ``data`` block entries (``n_train``,
        ``n_test``, ``train_class_share``, ``test_class_share``) plus
        ``integrity`` (the reports of both splits).
    """
    X_train, y_train, X_test, y_test = load_course_data(data_dir)
    if quick:
        rng = np.random.default_rng(seed)
        tr = np.sort(rng.choice(len(y_train), QUICK_TRAIN, replace=False))
        te = np.sort(rng.choice(len(y_test), QUICK_TEST, replace=False))
        X_train, y_train, X_test, y_test = X_train[tr], y_train[tr], X_test[te], y_test[te]
    integrity = {
        "train": integrity_report(X_train, y_train, N_CLASSES),
        "test": integrity_report(X_test, y_test, N_CLASSES),
    }
    for split, report in integrity.items():
        if any(report.values()):
            raise ValueError(f"the {split} data failed its integrity checks: {report}")
    return {
        "X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test,
        "n_train": int(len(y_train)), "n_test": int(len(y_test)),
        "train_class_share": class_distribution(y_train, N_CLASSES).tolist(),
        "test_class_share": class_distribution(y_test, N_CLASSES).tolist(),
        "integrity": integrity,
    }


def study_pca(X_train, X_test, threshold=VARIANCE_KEPT):
    """PCA fitted on the training images; sphered projections on the first k axes.

    Returns
    -------
    pca : dict
        ``eigenvalues`` (784,), ``n_components`` (k), ``Z_train`` (n_train, k),
        ``Z_test`` (n_test, k).
    """
    mean, components, eigenvalues = pca_fit(X_train)
    k = n_components_for(eigenvalues, threshold)
    Z_train = pca_transform(X_train, mean, components, eigenvalues, k, sphere=True)
    Z_test = pca_transform(X_test, mean, components, eigenvalues, k, sphere=True)
    return {"eigenvalues": eigenvalues, "n_components": int(k), "Z_train": Z_train, "Z_test": Z_test}


def study_tree(Z_train, y_train, quick=False, n_jobs=2):
    """Grid search of the tree by 5-fold CV, then one fit with the best parameters.

    Returns
    -------
    model, grid, fit_seconds
        The fitted :class:`~fmnist_edu.tree.DecisionTreeClassifier`, the grid
        search result (:func:`~fmnist_edu.tree_search.grid_search_tree`) and
        the seconds of the final fit.
    """
    from fmnist_edu.tree import DecisionTreeClassifier
    from fmnist_edu.tree_search import grid_search_tree

    grid = grid_search_tree(Z_train, y_train, cv=5, n_jobs=n_jobs, progress=True,
                            **(QUICK_GRID if quick else FULL_GRID))
    model = DecisionTreeClassifier(**grid["best_params"])
    start = time.perf_counter()
    model.fit(Z_train, y_train)
    return model, grid, time.perf_counter() - start


class _WatchedNetwork(NeuralNetworkClassifier):
    """The study's network that, after each epoch, also scores held-out data and reports.

    :class:`~fmnist_edu.network.NeuralNetworkClassifier` has no per-epoch
    callback; its ``fit`` calls ``_record`` once after every epoch, and this
    subclass extends that step. Training itself is unchanged (the extra
    forward pass draws no random numbers). Set ``held_out`` (X, y) and
    ``epoch_progress`` (a :class:`~fmnist_edu.progress.Progress`) before
    ``fit``; ``watch_seconds`` is the time spent here, not training.
    """

    held_out = None
    epoch_progress = None
    watch_seconds = 0.0

    def _record(self, X, Y, y):
        super()._record(X, Y, y)
        start = time.perf_counter()
        info = {"loss": f"{self.history['loss'][-1]:.4f}",
                "accuracy": f"{self.history['accuracy'][-1]:.4f}"}
        if self.held_out is not None:
            X_held, y_held = self.held_out
            probs = self.predict_proba(X_held)
            self.history.setdefault("test_loss", []).append(
                cross_entropy(probs, one_hot(y_held, probs.shape[1])))
            self.history.setdefault("test_accuracy", []).append(
                float(np.mean(probs.argmax(axis=1) == y_held)))
            info["test_accuracy"] = f"{self.history['test_accuracy'][-1]:.4f}"
        if self.epoch_progress is not None:
            self.epoch_progress.update(**info)
        self.watch_seconds += time.perf_counter() - start


def study_network(X_train, y_train, quick=False, seed=0, X_test=None, y_test=None):
    """The study's network on standardised pixels (scaler fitted on train).

    With `X_test` and `y_test`, ``model.history`` also holds ``test_loss``
    and ``test_accuracy`` after each epoch (for the figure only: nothing is
    chosen by them).

    Returns
    -------
    model, scaler, fit_seconds
        `fit_seconds` is the training time, without the per-epoch test scoring.
    """
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X_train)
    kwargs = {"epochs": 3} if quick else {}
    # the network draws its own tqdm bar in a terminal; lines come from here otherwise
    base = build_study_network(n_features=X_train.shape[1], n_classes=N_CLASSES, seed=seed,
                               progress=stderr_is_terminal(), **kwargs)
    model = _WatchedNetwork(**base.get_params(deep=False))
    if X_test is not None:
        model.held_out = (scaler.transform(X_test), np.asarray(y_test))
    model.epoch_progress = Progress(model.epochs, "network", "epoch", bar=False)
    start = time.perf_counter()
    try:
        model.fit(scaler.transform(X_train), y_train)
    finally:
        model.epoch_progress.close()
        model.epoch_progress = None
    return model, scaler, time.perf_counter() - start - model.watch_seconds


def study_lenet5(X_train, y_train, quick=False, seed=0):
    """LeNet-5 trained with the reference recipe (see :mod:`fmnist_edu.lenet_training`).

    Returns
    -------
    model, history, fit_seconds
    """
    from fmnist_edu.lenet_training import fit_lenet5

    kwargs = {"max_epochs": 2} if quick else {}
    start = time.perf_counter()
    model, history = fit_lenet5(X_train, y_train, n_classes=N_CLASSES, seed=seed,
                                progress=True, **kwargs)
    return model, history, time.perf_counter() - start


def model_report(params, y_train, train_pred, y_test, test_pred, fit_seconds):
    """The contract's per-model block of ``results.json``."""
    precision, recall, f1 = precision_recall_f1(y_test, test_pred, N_CLASSES)
    return {
        "params": params,
        "train_accuracy": float(accuracy(y_train, train_pred)),
        "test_accuracy": float(accuracy(y_test, test_pred)),
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "f1": f1.tolist(),
        "confusion_matrix": confusion_matrix(y_test, test_pred, N_CLASSES).tolist(),
        "fit_seconds": float(fit_seconds),
    }


def metrics_markdown(models, study_accuracy=None, quick=False):
    """Per-class precision, recall and F1 tables of every model, in markdown.

    With `quick`, the first line says that these are a smoke run's numbers.
    """
    lines = []
    if quick:
        lines += [
            f"**Quick smoke run** (`fmnist-edu reproduce --quick`: {QUICK_TRAIN:,} training and "
            f"{QUICK_TEST:,} test images, a small grid, few epochs): these numbers test that "
            "the pipeline runs; they are not the study's result.",
            "",
        ]
    lines += ["# Per-class metrics on the test set", ""]
    lines += ["| model | train accuracy | test accuracy | the study |", "|---|---|---|---|"]
    for name, m in models.items():
        ref = (study_accuracy or {}).get(name)
        ref_text = f"{ref:.0%}" if ref is not None else ""
        lines.append(f"| {name} | {m['train_accuracy']:.4f} | {m['test_accuracy']:.4f} | {ref_text} |")
    for name, m in models.items():
        lines += ["", f"## {name}", "", "| class | precision | recall | F1 |", "|---|---|---|---|"]
        for k, cls in enumerate(CLASS_NAMES):
            lines.append(f"| {cls} | {m['precision'][k]:.3f} | {m['recall'][k]:.3f} | {m['f1'][k]:.3f} |")
    return "\n".join(lines) + "\n"


STUDY_ACCURACY = {"decision_tree": 0.76, "neural_network": 0.84, "lenet5": 0.87}
MODEL_TITLES = {"decision_tree": "decision tree", "neural_network": "feed-forward network",
                "lenet5": "LeNet-5"}


def run_study(out_dir, data_dir=None, quick=False, seed=0, n_jobs=2):
    """Rerun the whole study and write figures, tables and ``results.json`` to `out_dir`.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write to (created if missing).
    data_dir : str or Path, optional
        Folder of the four official files (see :func:`~fmnist_edu.data.load_course_data`).
    quick : bool, default=False
        Smoke-test mode: subsets, a small grid, few epochs. Every output is
        marked (``"quick"`` in the JSON files, the first line of
        ``metrics.md``, "(quick run)" in the figure titles).
    seed : int, default=0
        Seed of the network's and LeNet-5's randomness (the tree has none).
    n_jobs : int, default=2
        Processes of the grid search.

    Returns
    -------
    results : dict
        What ``results.json`` holds: ``quick`` (bool) and the contract's
        ``data`` and ``models`` blocks.
    """
    from fmnist_edu import plots
    from fmnist_edu.lenet_training import predict_lenet5

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tag = QUICK_TAG if quick else ""
    if quick:
        say("quick smoke run: subsets, a small grid, few epochs (not the study's result)")

    say("1/5 data: loading, verifying and checking the course subset")
    data = study_data(data_dir, quick=quick, seed=seed)
    X_train, y_train, X_test, y_test = data["X_train"], data["y_train"], data["X_test"], data["y_test"]
    plots.plot_class_samples(X_train, y_train, title="Random images of each class" + tag,
                             path=out / "class_samples.png")
    plots.plot_class_distribution(y_train, y_test, title="Class distribution" + tag,
                                  path=out / "class_distribution.png")

    say("2/5 PCA with sphering")
    pca = study_pca(X_train, X_test)
    plots.plot_explained_variance(pca["eigenvalues"], threshold=VARIANCE_KEPT,
                                  title="PCA: cumulative explained variance" + tag,
                                  path=out / "explained_variance.png")
    n_points = min(PAIRS_POINTS, len(y_train))
    plots.plot_pairs(pca["Z_train"], y_train, n_points=n_points,
                     title=f"First 5 sphered principal components of {n_points:,} random training "
                           f"images:\npairs below the diagonal, each class's histogram on it{tag}",
                     path=out / "pca_pairs.png")
    say(f"    {pca['n_components']} components keep {VARIANCE_KEPT:.0%} of the variance")

    models, predictions = {}, {"y_test": y_test.tolist()}

    say("3/5 decision tree: 5-fold grid search, then the best tree")
    tree, grid, tree_seconds = study_tree(pca["Z_train"], y_train, quick=quick, n_jobs=n_jobs)
    tree_test = tree.predict(pca["Z_test"])
    params = dict(grid["best_params"], cv_accuracy=float(grid["best_score"]))
    models["decision_tree"] = model_report(params, y_train, tree.predict(pca["Z_train"]),
                                           y_test, tree_test, tree_seconds)
    predictions["decision_tree"] = tree_test.tolist()
    _write_json(out / "grid_search.json", {
        "criteria": grid["criteria"], "max_depths": grid["max_depths"],
        "min_samples_leafs": grid["min_samples_leafs"],
        "mean_test_score": np.asarray(grid["mean_test_score"]).tolist(),
        "best_params": grid["best_params"], "best_score": float(grid["best_score"]),
        "quick": quick,
    })

    say("4/5 feed-forward network 784 -> 32 -> 16 -> 5")
    net, scaler, net_seconds = study_network(X_train, y_train, quick=quick, seed=seed,
                                             X_test=X_test, y_test=y_test)
    net_test = net.predict(scaler.transform(X_test))
    net_params = {"hidden": [32, 16], "learning_rate": net.learning_rate, "epochs": net.epochs,
                  "batch_size": net.batch_size, "seed": seed}
    models["neural_network"] = model_report(net_params, y_train, net.predict(scaler.transform(X_train)),
                                            y_test, net_test, net_seconds)
    predictions["neural_network"] = net_test.tolist()
    plots.plot_training_curves(
        net.history, path=out / "network_training.png",
        title=f"Feed-forward network after each epoch{tag}\ntraining: the whole training set;"
              " test: the test set, used for this figure only (nothing is chosen by it)")

    say("5/5 LeNet-5 with early stopping")
    lenet, history, lenet_seconds = study_lenet5(X_train, y_train, quick=quick, seed=seed)
    lenet_test = predict_lenet5(lenet, X_test)
    lenet_params = {"epochs": history["epochs"], "best_epoch": history["best_epoch"], "seed": seed}
    models["lenet5"] = model_report(lenet_params, y_train, predict_lenet5(lenet, X_train),
                                    y_test, lenet_test, lenet_seconds)
    predictions["lenet5"] = lenet_test.tolist()
    plots.plot_training_curves(
        {"loss": history["train_eval_loss"], "accuracy": history["train_eval_accuracy"],
         "val_loss": history["val_loss"], "val_accuracy": history["val_accuracy"]},
        best_epoch=history["best_epoch"], path=out / "lenet5_training.png",
        title=f"LeNet-5 after each epoch{tag}\ntraining: {history['n_val']:,} training images, "
              f"unaugmented; validation: the {history['n_val']:,} held-out images; early stopping "
              f"restored epoch {history['best_epoch']}")

    plots.plot_confusion_matrices(
        {f"{MODEL_TITLES[name]} ({m['test_accuracy']:.1%})": np.array(m["confusion_matrix"])
         for name, m in models.items()},
        title=f"Confusion matrices on the test set ({len(y_test):,} images){tag}",
        path=out / "confusion_matrices.png")
    (out / "metrics.md").write_text(metrics_markdown(models, STUDY_ACCURACY, quick=quick),
                                    encoding="utf-8")
    predictions["quick"] = quick
    _write_json(out / "predictions.json", predictions)

    results = {
        "quick": quick,
        "data": {
            "n_train": data["n_train"], "n_test": data["n_test"],
            "train_class_share": data["train_class_share"],
            "test_class_share": data["test_class_share"],
            "pca_components_90": pca["n_components"],
        },
        "models": models,
    }
    _write_json(out / "results.json", results)
    say(f"done in {time.perf_counter() - t0:.0f} s")
    return results


def _write_json(path, obj):
    Path(path).write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")
