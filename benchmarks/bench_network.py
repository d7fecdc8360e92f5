"""Benchmark the from-scratch network of the study against the same MLP in PyTorch.

Trains ``build_study_network`` (784 -> 32 -> 16 -> 5, leaky ReLU, softmax) on
the standardised course data, prints its test accuracy, then trains the same
MLP in PyTorch (same layer sizes, batch size, learning rate, plain SGD, same
number of samples and the same per-epoch evaluation on the whole training
set), once with ``torch.set_num_threads(2)`` and once with 1 thread, and
prints the time per epoch of each and the ratios (ours / PyTorch). On a
machine whose cores are busy with other work, PyTorch's 2-thread run can be
many times slower than its 1-thread run; compare on a quiet machine.

    python benchmarks/bench_network.py [--data-dir DIR] [--epochs N] [--dtype float32]

The data folder is ``--data-dir``, else ``FMNIST_EDU_DATA``, else the cache
(see ``fmnist_edu.load_course_data``).
"""

import argparse
import time

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler
from torch import nn

from fmnist_edu.data import load_course_data
from fmnist_edu.network import build_study_network


def fit_ours(X_train, y_train, args):
    """Fit the from-scratch network; return it and the seconds per epoch."""
    net = build_study_network(
        n_features=X_train.shape[1], learning_rate=args.learning_rate, epochs=args.epochs,
        batch_size=args.batch_size, seed=args.seed, dtype=args.dtype, progress=False,
    )
    start = time.perf_counter()
    net.fit(X_train, y_train)
    return net, (time.perf_counter() - start) / args.epochs


def fit_torch(X_train, y_train, args, n_threads=2):
    """Fit the same MLP in PyTorch (float32); return it and the seconds per epoch."""
    torch.set_num_threads(n_threads)
    torch.manual_seed(args.seed)
    X = torch.as_tensor(X_train, dtype=torch.float32)
    y = torch.as_tensor(y_train, dtype=torch.long)
    model = nn.Sequential(
        nn.Linear(X.shape[1], 32), nn.LeakyReLU(0.01),
        nn.Linear(32, 16), nn.LeakyReLU(0.01),
        nn.Linear(16, 5),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=args.learning_rate)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(args.seed)
    n, bs = X.shape[0], args.batch_size
    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(n, generator=generator)
        X_epoch, y_epoch = X[order], y[order]
        model.train()
        for first in range(0, n, bs):
            optimizer.zero_grad()
            loss = loss_fn(model(X_epoch[first:first + bs]), y_epoch[first:first + bs])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():  # the same bookkeeping as ours: loss and accuracy on all of train
            logits = model(X)
            loss_fn(logits, y).item()
            (logits.argmax(dim=1) == y).float().mean().item()
    return model, (time.perf_counter() - start) / args.epochs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    defaults = build_study_network()
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtype", choices=["float64", "float32"], default=defaults.dtype)
    args = parser.parse_args(argv)

    X_train, y_train, X_test, y_test = load_course_data(args.data_dir)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    net, ours = fit_ours(X_train, y_train, args)
    accuracy = float(np.mean(net.predict(X_test) == y_test))
    model, theirs = fit_torch(X_train, y_train, args, n_threads=2)
    _, theirs_1 = fit_torch(X_train, y_train, args, n_threads=1)
    with torch.no_grad():
        logits = model(torch.as_tensor(X_test, dtype=torch.float32))
    torch_accuracy = float((logits.argmax(dim=1).numpy() == y_test).mean())

    print(f"settings: lr={args.learning_rate} epochs={args.epochs} "
          f"batch_size={args.batch_size} seed={args.seed} dtype={args.dtype}")
    print(f"ours   : train accuracy {net.history['accuracy'][-1]:.4f}  "
          f"test accuracy {accuracy:.4f}  {ours:.3f} s/epoch")
    print(f"pytorch: test accuracy {torch_accuracy:.4f}  {theirs:.3f} s/epoch "
          f"(2 threads), {theirs_1:.3f} s/epoch (1 thread)")
    print(f"ratio ours/pytorch: {ours / theirs:.2f} vs 2 threads, {ours / theirs_1:.2f} "
          f"vs 1 thread  (target <= 1.5)")
    print(f"test accuracy >= 0.84: {accuracy >= 0.84}")


if __name__ == "__main__":
    main()
