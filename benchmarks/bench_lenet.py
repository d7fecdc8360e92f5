"""Benchmark the reference LeNet-5 recipe against a plain LeNet-5 on the course data.

Trains LeNet-5 with the recipe of :func:`fmnist_edu.lenet_training.fit_lenet5`
(its defaults) on the 10,000 course training images minus the 10% validation
split, with ``torch.set_num_threads(2)`` on the CPU, and prints the training
wall time, the epochs run, the best epoch and the test accuracy on the 5,000
course test images. In the same run it trains a "plain" LeNet-5 for the same
number of epochs on the same split: tanh and 2x2 average pooling, pixels
scaled to 0..1, no augmentation, Adam at lr 1e-3, batch 64, plain
cross-entropy, early stopping with the same patience restoring the best
state. The target is a test accuracy of at least 0.88 within 180 s of training.

    python benchmarks/bench_lenet.py [--data-dir DIR] [--seeds 0 1] [--threads 2]

Timings depend on the machine's load: compare on a quiet machine.
"""

import argparse
import time

import numpy as np
import torch
from torch import nn

from fmnist_edu.data import load_course_data
from fmnist_edu.lenet import EarlyStopping, LeNet5, evaluate, train_epoch
from fmnist_edu.lenet_training import _stratified_split, fit_lenet5, predict_lenet5

TARGET_ACCURACY = 0.88
TARGET_SECONDS = 180.0


def plain_lenet5(n_classes=5):
    """The same 61,281-parameter LeNet-5 with tanh and average pooling."""
    model = LeNet5(n_classes)
    for i in (1, 4):
        model.features[i] = nn.Tanh()
    for i in (2, 5):
        model.features[i] = nn.AvgPool2d(2)
    for i in (2, 4):
        model.classifier[i] = nn.Tanh()
    return model


def fit_plain(X_train, y_train, seed, max_epochs, patience):
    """Train the plain baseline; return (model, epochs, best_epoch, seconds)."""
    train_idx, val_idx = _stratified_split(y_train, 0.1, np.random.default_rng(seed))
    images = torch.as_tensor(X_train / 255.0, dtype=torch.float32).reshape(-1, 1, 28, 28)
    targets = torch.as_tensor(y_train)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    train_set = torch.utils.data.TensorDataset(images[train_idx], targets[train_idx])
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=64, shuffle=True, generator=generator)
    val_loader = [(images[val_idx], targets[val_idx])]
    model = plain_lenet5()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    stopper = EarlyStopping(patience=patience)
    start = time.perf_counter()
    val_losses = []
    for _ in range(max_epochs):
        train_epoch(model, train_loader, optimizer, loss_fn)
        val_loss, _ = evaluate(model, val_loader, loss_fn)
        val_losses.append(val_loss)
        if stopper.step(val_loss, model):
            break
    seconds = time.perf_counter() - start
    model.load_state_dict(stopper.best_state)
    model.eval()
    return model, len(val_losses), int(np.argmin(val_losses)) + 1, seconds


def plain_accuracy(model, X, y):
    with torch.no_grad():
        logits = model(torch.as_tensor(X / 255.0, dtype=torch.float32).reshape(-1, 1, 28, 28))
    return float((logits.argmax(1).numpy() == y).mean())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-plain", action="store_true", help="skip the plain baseline")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    X_train, y_train, X_test, y_test = load_course_data(args.data_dir)
    print(f"torch {torch.__version__}, {args.threads} threads; train {X_train.shape}, test {X_test.shape}")
    header = f"{'model':<8} {'seed':>4} {'epochs':>6} {'best':>4} {'train s':>8} {'s/epoch':>7} {'test acc':>8}"
    print(header)
    recipe_accs, plain_accs = [], []
    for seed in args.seeds:
        model, history = fit_lenet5(X_train, y_train, seed=seed, n_threads=args.threads, progress=False)
        acc = float(np.mean(predict_lenet5(model, X_test) == y_test))
        acc_no_tta = float(np.mean(predict_lenet5(model, X_test, tta=False) == y_test))
        recipe_accs.append(acc)
        epochs, seconds = history["epochs"], history["seconds"]
        print(f"{'recipe':<8} {seed:>4} {epochs:>6} {history['best_epoch']:>4} "
              f"{seconds:>8.1f} {seconds / epochs:>7.2f} {acc:>8.4f}  (without flip TTA {acc_no_tta:.4f})",
              flush=True)
        if seconds > TARGET_SECONDS:
            print(f"  over the {TARGET_SECONDS:.0f} s target (a busy machine inflates this)")
        if not args.no_plain:
            plain, p_epochs, p_best, p_seconds = fit_plain(
                X_train, y_train, seed, max_epochs=epochs, patience=history["params"]["patience"])
            p_acc = plain_accuracy(plain, X_test, y_test)
            plain_accs.append(p_acc)
            print(f"{'plain':<8} {seed:>4} {p_epochs:>6} {p_best:>4} "
                  f"{p_seconds:>8.1f} {p_seconds / p_epochs:>7.2f} {p_acc:>8.4f}", flush=True)
    print(f"recipe test accuracy: mean {np.mean(recipe_accs):.4f}, min {np.min(recipe_accs):.4f} "
          f"(target >= {TARGET_ACCURACY})")
    if plain_accs:
        print(f"plain  test accuracy: mean {np.mean(plain_accs):.4f}, min {np.min(plain_accs):.4f}")


if __name__ == "__main__":
    main()
