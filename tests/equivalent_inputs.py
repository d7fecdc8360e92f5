"""Random inputs of the contract, per piece, for the audit's equivalent mutants (tests/test_audit.py).

``INPUTS[piece](rng)`` returns the positional arguments of one call drawn as
the contract allows (``../shared/COURSE_SPEC.md``); :func:`same_outputs` says
whether two results are the same (arrays: same dtype, shape and values).
"""

import contextlib

import numpy as np


def _label_pair(rng):
    k = int(rng.integers(1, 9))
    n = int(rng.integers(1, 60))
    # a few classes left out of one side or both, as in real predictions
    allowed_true = rng.choice(k, size=int(rng.integers(1, k + 1)), replace=False)
    allowed_pred = rng.choice(k, size=int(rng.integers(1, k + 1)), replace=False)
    return rng.choice(allowed_true, n), rng.choice(allowed_pred, n), k


def _labels(rng):
    k = int(rng.integers(1, 6))
    return (rng.choice(rng.choice(k, size=int(rng.integers(1, k + 1)), replace=False), int(rng.integers(0, 40))),)


def _split_data(rng):
    """(X, y, criterion, min_samples_leaf): whole-number features (repeated values) or floats."""
    n, d, k = int(rng.integers(2, 25)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    X = rng.integers(0, 5, (n, d)).astype(float) if rng.random() < 0.5 else rng.normal(size=(n, d))
    return X, rng.integers(0, k, n), str(rng.choice(["gini", "entropy"])), int(rng.integers(1, 4))


def _gain(rng):
    (y,) = _labels(rng)
    y = y if len(y) else np.array([0])
    left = rng.random(len(y)) < rng.random()
    return y, y[left], y[~left], str(rng.choice(["gini", "entropy"]))


def _tree(rng):
    """(X, y, X_test, params) for fit then predict and predict_proba."""
    X, y, criterion, leaf = _split_data(rng)
    depth = None if rng.random() < 0.3 else int(rng.integers(1, 5))
    X_test = rng.normal(size=(10, X.shape[1])) * 2 + 2
    return X, y, X_test, {"criterion": criterion, "max_depth": depth, "min_samples_leaf": leaf}


def _fit_predict(cls, args):
    X, y, X_test, params = args
    model = cls(**params).fit(X, y)
    return model.predict(X_test), model.predict_proba(X_test)


def _pixels(rng):
    """(X, y, n_classes) with NaN, fractional, out-of-range and infinite pixels and bad labels."""
    n, d, k = int(rng.integers(1, 12)), int(rng.integers(1, 6)), int(rng.integers(2, 6))
    X = rng.integers(0, 256, (n, d)).astype(float)
    spoil = rng.random((n, d))
    X[spoil < 0.1] = np.nan
    X[(spoil >= 0.1) & (spoil < 0.2)] += 0.5
    X[(spoil >= 0.2) & (spoil < 0.3)] = rng.choice([-3.0, 300.0, 256.5, np.inf, -np.inf])
    y = rng.integers(0, k, n).astype(float)
    bad = rng.random(n)
    y[bad < 0.15] = k
    y[(bad >= 0.15) & (bad < 0.25)] = 1.5
    y[(bad >= 0.25) & (bad < 0.3)] = np.nan
    return X, y, k


def _data(rng):
    n, d = int(rng.integers(3, 15)), int(rng.integers(1, 6))
    return (rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d),)


def _eigenvalues(rng):
    values = np.sort(rng.exponential(size=int(rng.integers(1, 8))) + 1e-3)[::-1]
    return values, float(rng.choice([rng.uniform(0.05, 1.0), 1.0, 0.9]))


def _transform(rng):
    import fmnist_edu

    (X,) = _data(rng)
    mean, components, eigenvalues = fmnist_edu.pca_fit(X)
    k = int(rng.integers(1, X.shape[1] + 1))
    k = min(k, int(np.sum(eigenvalues > 1e-8 * eigenvalues.max())) or 1)
    return X[: int(rng.integers(1, len(X) + 1))], mean, components, eigenvalues, k, bool(rng.random() < 0.7)


def _scores(rng):
    return (rng.normal(scale=float(rng.choice([1.0, 30.0, 1e3])), size=(int(rng.integers(1, 6)), int(rng.integers(1, 6)))),)


def _one_hot(rng):
    k = int(rng.integers(1, 6))
    return rng.integers(0, k, int(rng.integers(0, 10))), k


def _cross_entropy(rng):
    n, k = int(rng.integers(1, 6)), int(rng.integers(2, 5))
    probs = rng.dirichlet(np.ones(k), size=n)
    probs[rng.random((n, k)) < 0.1] = 0.0
    Y = np.eye(k)[rng.integers(0, k, n)] if rng.random() < 0.7 else rng.dirichlet(np.ones(k), size=n)
    return probs, Y


def _init(rng):
    return int(rng.integers(1, 30)), int(rng.integers(1, 30)), int(rng.integers(0, 2**31))


def _initialised(f, args):
    n_in, n_out, seed = args
    return f(n_in, n_out, np.random.default_rng(seed))


def _layer(rng):
    n_in, n_out, n = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 5))
    activation = str(rng.choice(["leaky_relu", "softmax"]))
    return n_in, n_out, activation, int(rng.integers(0, 2**31)), rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out))


def _layer_outputs(cls, args):
    n_in, n_out, activation, seed, X, delta = args
    layer = cls(n_in, n_out, activation, rng=np.random.default_rng(seed))
    out = [layer.weights.copy(), layer.biases.copy(), layer.forward(X), layer.inputs, layer.z]
    dX = layer.backward(delta)
    return out + [dX, layer.grad_weights, layer.grad_biases]


def _network(rng):
    n, n_in, hidden, k = int(rng.integers(2, 9)), int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(2, 4))
    X, y = rng.normal(size=(n, n_in)), rng.integers(0, k, n)
    params = {"learning_rate": float(rng.uniform(0.01, 0.5)), "epochs": int(rng.integers(1, 3)),
              "batch_size": int(rng.integers(2, 9)), "seed": int(rng.integers(0, 100))}
    return X, y, (n_in, hidden, k), int(rng.integers(0, 2**31)), params


def _network_outputs(cls, args):
    import fmnist_edu

    X, y, (n_in, hidden, k), seed, params = args
    layer_rng = np.random.default_rng(seed)
    layers = [fmnist_edu.DenseLayer(n_in, hidden, "leaky_relu", rng=layer_rng),
              fmnist_edu.DenseLayer(hidden, k, "softmax", rng=layer_rng)]
    # fit limits BLAS to one thread, which asks threadpoolctl to scan the process's libraries
    # (most of a small fit's time): the test runs under one such limit instead, so both the
    # reference and the mutant run on one BLAS thread as in grading
    namespace = cls.fit.__globals__
    saved = namespace.get("threadpool_limits")
    namespace["threadpool_limits"] = lambda **kwargs: contextlib.nullcontext()
    try:
        model = cls(layers, **params).fit(X, y)
    finally:
        namespace["threadpool_limits"] = saved
    return ([model.history["loss"], model.history["accuracy"], model.predict_proba(X), model.predict(X)]
            + [layer.weights for layer in layers])


def _torch_task(rng):
    """(seed, n_samples, n_features, n_classes, batch_size, learning_rate) of a small linear task."""
    return (int(rng.integers(0, 2**31)), int(rng.integers(1, 12)), int(rng.integers(1, 4)),
            int(rng.integers(2, 4)), int(rng.integers(1, 5)), float(rng.uniform(0.01, 0.5)))


def _task_parts(args):
    import torch

    seed, n, d, k, batch, lr = args
    torch.manual_seed(seed)
    X, y = torch.randn(n, d), torch.randint(0, k, (n,))
    model = torch.nn.Sequential(torch.nn.Linear(d, k), torch.nn.Dropout(0.3))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=batch)
    return model, loader, torch.nn.CrossEntropyLoss()


def _train_outputs(f, args):
    import torch

    model, loader, loss_fn = _task_parts(args)
    optimizer = torch.optim.SGD(model.parameters(), lr=args[-1])
    loss = f(model, loader, optimizer, loss_fn)
    return [float(loss), model.training] + [p.detach().numpy().copy() for p in model.parameters()]


def _evaluate_outputs(f, args):
    import torch

    model, loader, loss_fn = _task_parts(args)
    model.train()
    loss, accuracy = f(model, loader, loss_fn)
    return [float(loss), float(accuracy), model.training, torch.is_grad_enabled()]


def _lenet(rng):
    return int(rng.integers(2, 11)), int(rng.integers(0, 2**31)), int(rng.integers(1, 4))


def _lenet_outputs(cls, args):
    import torch

    n_classes, seed, batch = args
    torch.manual_seed(seed)
    model = cls(n_classes)
    x = torch.randn(batch, 1, 28, 28)
    with torch.no_grad():
        logits = model(x)
    return [sum(p.numel() for p in model.parameters()), logits.numpy()]


def _curve(rng):
    n = int(rng.integers(1, 12))
    losses = [float(v) for v in np.round(rng.uniform(0.1, 1.0, n) + np.linspace(0.5, 0, n), 2)]
    return losses, int(rng.integers(1, 5)), float(rng.choice([0.0, 0.005, 0.02, 0.1]))


def _stopping_outputs(cls, args):
    import torch

    losses, patience, min_delta = args
    stopper = cls(patience=patience, min_delta=min_delta)
    model = torch.nn.Linear(1, 1, bias=False)
    returned = []
    for i, loss in enumerate(losses):
        with torch.no_grad():
            model.weight.fill_(float(i))
        returned.append(bool(stopper.step(loss, model)))
    state = None if stopper.best_state is None else float(stopper.best_state["weight"].item())
    return [returned, stopper.best_loss, state]


# how a piece is called on its inputs (default: piece(*args))
CALLS = {"DecisionTreeClassifier": _fit_predict, "he_normal": _initialised, "glorot_normal": _initialised,
         "DenseLayer": _layer_outputs, "NeuralNetworkClassifier": _network_outputs,
         "LeNet5": _lenet_outputs, "train_epoch": _train_outputs, "evaluate": _evaluate_outputs,
         "EarlyStopping": _stopping_outputs}

INPUTS = {
    "confusion_matrix": _label_pair,
    "precision_recall_f1": _label_pair,
    "accuracy": lambda rng: _label_pair(rng)[:2],
    "gini": _labels,
    "entropy": _labels,
    "information_gain": _gain,
    "best_split": _split_data,
    "DecisionTreeClassifier": _tree,
    "integrity_report": _pixels,
    "pca_fit": _data,
    "explained_variance_ratio": lambda rng: (_eigenvalues(rng)[0],),
    "n_components_for": _eigenvalues,
    "pca_transform": _transform,
    "leaky_relu": _scores,
    "leaky_relu_derivative": _scores,
    "softmax": _scores,
    "one_hot": _one_hot,
    "cross_entropy": _cross_entropy,
    "he_normal": _init,
    "glorot_normal": _init,
    "DenseLayer": _layer,
    "NeuralNetworkClassifier": _network,
    "LeNet5": _lenet,
    "train_epoch": _torch_task,
    "evaluate": _torch_task,
    "EarlyStopping": _curve,
}


def outputs(piece, answer, args):
    """What `answer` (the piece's function or class) gives on `args`."""
    return CALLS.get(piece, lambda f, a: f(*a))(answer, args)


def same_outputs(a, b):
    """True when `a` and `b` are the same result: equal types, array dtypes, shapes and values."""
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(same_outputs(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(same_outputs(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, float):
        return type(a) is type(b) and (a == b or (a != a and b != b))
    return type(a) is type(b) and a == b
