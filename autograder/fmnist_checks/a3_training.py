"""Checks of NeuralNetworkClassifier's fit (mini-batches, shuffling, history) and predict."""

import numpy as np

from .a3_common import _one_thread, _t, _torch
from .a3_network import (
    _build_network,
    _layers_of,
    _list_close,
    _one_hot_np,
    _sizes,
    _torch_forward,
    _torch_loss,
)
from .compare import close, fields, true
from .core import Case, show


def _fit_run(answer, X, y, weights, biases, learning_rate, epochs, batch_size, seed):
    net, layers = _build_network(answer, weights, biases, learning_rate=learning_rate,
                                 epochs=epochs, batch_size=batch_size, seed=seed)
    X_mine, y_mine = np.array(X), np.array(y)
    returned = net.fit(X_mine, y_mine)
    history = getattr(net, "history", None)
    layers = _layers_of(net, layers)
    result = {"returned_self": returned is net,
              "inputs_unchanged": bool(np.array_equal(X_mine, X) and np.array_equal(y_mine, y)),
              "history_keys": sorted(history) if isinstance(history, dict) else show(history),
              "weights": [layer.weights for layer in layers],
              "biases": [layer.biases for layer in layers]}
    if isinstance(history, dict):
        result["loss"] = [float(v) for v in history.get("loss", [])]
        result["accuracy"] = [float(v) for v in history.get("accuracy", [])]
    return result


@_one_thread
def _torch_gd(X, y, weights, biases, learning_rate, steps_per_epoch, epochs):
    """Plain full-batch gradient descent in torch; the history after each epoch."""
    torch = _torch()
    n_classes = np.shape(weights[-1])[1]
    Y = _one_hot_np(y, n_classes)
    Ws = [_t(W).requires_grad_(True) for W in weights]
    bs = [_t(b).requires_grad_(True) for b in biases]
    loss_hist, acc_hist = [], []
    for _ in range(epochs):
        for _ in range(steps_per_epoch):
            loss = _torch_loss(X, Y, Ws, bs)
            for p in Ws + bs:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in Ws + bs:
                    p -= learning_rate * p.grad
        with torch.no_grad():
            loss_hist.append(float(_torch_loss(X, Y, Ws, bs)))
            pred = _torch_forward(X, Ws, bs).argmax(dim=1).numpy()
            acc_hist.append(float(np.mean(pred == np.asarray(y))))
    return ([W.detach().numpy() for W in Ws], [b.detach().numpy() for b in bs], loss_hist, acc_hist)


def _fit_full_batch_expect(X, y, weights, biases, learning_rate, epochs, batch_size, seed):
    Ws, bs, loss, acc = _torch_gd(X, y, weights, biases, learning_rate, 1, epochs)
    return {"returned_self": True, "inputs_unchanged": True, "history_keys": ["accuracy", "loss"],
            "weights": Ws, "biases": bs, "loss": loss, "accuracy": acc}


def _hint_fit(expected, got, inputs):
    if not isinstance(got, dict) or not isinstance(got.get("loss"), list):
        return None
    advice = (f"record the loss and accuracy once per epoch ({inputs['epochs']} epochs: "
              f"{inputs['epochs']} entries), on the whole training data, after the epoch's batches")
    if len(got["loss"]) != len(expected["loss"]):
        return advice
    if len(got["loss"]) > 1 and np.allclose(got["loss"][1:], expected["loss"][:-1], rtol=1e-6):
        return advice + " (your entries lag one step behind: they were computed before an update)"
    return None


def network_fit_full_batch_cases(X, y, weights, biases, learning_rate, epochs, tag=""):
    """With one batch holding all samples, shuffling cannot matter: fit is plain GD."""
    n = len(y)
    history_close = _values_close(1e-6, 1e-10)
    return [Case(
        piece="NeuralNetworkClassifier",
        label=f"fit with batch_size >= n_samples: returns self, history per epoch and "
              f"weights equal plain full-batch gradient descent in torch{tag}",
        inputs={"X": X, "y": np.asarray(y), "weights": weights, "biases": biases,
                "learning_rate": float(learning_rate), "epochs": int(epochs),
                "batch_size": int(n + 3), "seed": 0},
        run=_fit_run, expect=_fit_full_batch_expect,
        compare=fields(returned_self=true("fit returns self"),
                       inputs_unchanged=true("fit left X and y unchanged"),
                       history_keys=_contains("loss", "accuracy"),
                       loss=history_close, accuracy=history_close,
                       weights=_list_close(1e-6, 1e-10), biases=_list_close(1e-6, 1e-10)),
        call=f"NeuralNetworkClassifier(layers {_sizes(weights)}, learning_rate={learning_rate}, "
             f"epochs={epochs}, batch_size={n + 3}).fit(X, y) with X {np.shape(X)}",
        hint=_hint_fit, part="fit",
    )]


def _values_close(rtol, atol):
    inner = close(rtol, atol)

    def compare(expected, got):
        if not isinstance(got, list):
            return f"expected a list of {len(expected)} numbers, got {show(got)}"
        if len(got) != len(expected):
            return f"expected {len(expected)} entries (one per epoch), got {len(got)}: {show(got)}"
        return inner(np.asarray(expected, dtype=np.float64), np.asarray(got, dtype=np.float64))

    return compare


def _contains(*keys):
    def compare(expected, got):
        if isinstance(got, list) and all(k in got for k in keys):
            return None
        return f"history must be a dict with keys {list(keys)}, got {show(got)}"

    return compare


def _fit_copies_expect(X, y, weights, biases, learning_rate, epochs, batch_size, seed):
    steps = -(-len(y) // batch_size)
    Ws, bs, loss, acc = _torch_gd(X[:1], y[:1], weights, biases, learning_rate, steps, epochs)
    return {"weights": Ws, "biases": bs}


def network_fit_batches_cases(x, label, copies, weights, biases, learning_rate, epochs, batch_size, tag=""):
    """n copies of one sample: every batch has the same mean gradient, whatever the shuffle.

    So ``epochs * ceil(n / batch_size)`` gradient-descent steps on that one sample.
    """
    X = np.tile(np.asarray(x, dtype=np.float64), (copies, 1))
    y = np.full(copies, int(label))
    steps = -(-copies // batch_size)
    return [Case(
        piece="NeuralNetworkClassifier",
        label=f"fit runs ceil(n / batch_size) = {steps} mini-batch steps per epoch, each on a batch mean{tag}",
        inputs={"X": X, "y": y, "weights": weights, "biases": biases,
                "learning_rate": float(learning_rate), "epochs": int(epochs),
                "batch_size": int(batch_size), "seed": 0},
        run=_fit_run, expect=_fit_copies_expect,
        compare=fields(weights=_list_close(1e-6, 1e-10), biases=_list_close(1e-6, 1e-10)),
        call=f"NeuralNetworkClassifier(layers {_sizes(weights)}, learning_rate={learning_rate}, "
             f"epochs={epochs}, batch_size={batch_size}).fit(X, y) with {copies} copies of one sample",
        part="fit",
    )]


def _shuffle_run(answer, X, y, weights, biases, learning_rate, epochs, batch_size, seed):
    histories = []
    for s in (seed, seed, seed + 1):
        net, _ = _build_network(answer, weights, biases, learning_rate=learning_rate,
                                epochs=epochs, batch_size=batch_size, seed=s)
        net.fit(np.array(X), np.array(y))
        histories.append([float(v) for v in net.history["loss"]])
    return {"same_seed_same_history": histories[0] == histories[1],
            "other_seed_other_history": histories[0] != histories[2]}


def network_shuffle_cases(X, y, weights, biases, learning_rate, epochs, batch_size, seed, tag=""):
    return [Case(
        piece="NeuralNetworkClassifier",
        label=f"fit shuffles the mini-batches with a Generator seeded with seed{tag}",
        inputs={"X": X, "y": np.asarray(y), "weights": weights, "biases": biases,
                "learning_rate": float(learning_rate), "epochs": int(epochs),
                "batch_size": int(batch_size), "seed": int(seed)},
        run=_shuffle_run,
        expect={"same_seed_same_history": True, "other_seed_other_history": True},
        compare=fields(
            same_seed_same_history=true("two fits from the same weights with the same seed give the same history"),
            other_seed_other_history=true("another seed shuffles differently, so the history differs")),
        call=f"three fits from the same weights (batch_size={batch_size}, epochs={epochs}) "
             f"with seed={seed}, seed={seed} and seed={seed + 1}",
        hint=lambda e, g, i: ("shuffle with np.random.default_rng(self.seed), created in fit"
                              if isinstance(g, dict) and g.get("same_seed_same_history") is False
                              else "shuffle with a Generator seeded with self.seed, not a fixed one"
                              if isinstance(g, dict) and g.get("other_seed_other_history") is False
                              else None),
        part="shuffling",
    )]


def _predict_run(answer, X, y, weights, biases, learning_rate, epochs, X_new):
    net, _ = _build_network(answer, weights, biases, learning_rate=learning_rate,
                            epochs=epochs, batch_size=len(y) + 3, seed=0)
    net.fit(np.array(X), np.array(y))
    X_mine = np.array(X_new)
    proba = net.predict_proba(X_mine)
    pred = net.predict(X_mine)
    return {"proba": proba, "pred": pred, "X_unchanged": bool(np.array_equal(X_mine, X_new))}


def _predict_expect(X, y, weights, biases, learning_rate, epochs, X_new):
    Ws, bs, _, _ = _torch_gd(X, y, weights, biases, learning_rate, 1, epochs)
    proba = _torch_forward(X_new, [_t(W) for W in Ws], [_t(b) for b in bs]).numpy()
    return {"proba": proba, "pred": proba.argmax(axis=1), "X_unchanged": True}


def network_predict_cases(X, y, weights, biases, learning_rate, epochs, X_new, tag=""):
    return [Case(
        piece="NeuralNetworkClassifier",
        label=f"predict_proba (rows sum to 1) and predict (their argmax, ints) after fit{tag}",
        inputs={"X": X, "y": np.asarray(y), "weights": weights, "biases": biases,
                "learning_rate": float(learning_rate), "epochs": int(epochs), "X_new": X_new},
        run=_predict_run, expect=_predict_expect,
        compare=fields(proba=close(1e-6, 1e-10), pred=close(0, 0, dtype_kind="i"),
                       X_unchanged=true("predict_proba and predict left X unchanged")),
        call=f"net.fit(X, y) (batch_size >= n, epochs={epochs}); net.predict_proba(X_new); "
             f"net.predict(X_new) with X_new {np.shape(X_new)}",
        part="predict",
    )]
