"""Benchmark the data loading and the from-scratch PCA against scikit-learn.

Times the first (verifying) read of the four files, ``pca_fit`` against
``sklearn.decomposition.PCA(svd_solver="full")`` on the 10,000 training
images, and the sphering projection; checks that both PCAs agree (the
eigenvalues and the number of components for 90% of the variance) and prints
that number (the study's value is 62).

    python benchmarks/bench_pca.py [--data-dir DIR] [--repeat N]

The data folder is ``--data-dir``, else ``FMNIST_EDU_DATA``, else the cache
(see ``fmnist_edu.load_course_data``).
"""

import argparse
import time

import numpy as np
from sklearn.decomposition import PCA

from fmnist_edu.data import load_course_data
from fmnist_edu.pca import n_components_for, pca_fit, pca_transform


def best_of(repeat, function, *args):
    """Return the last result of `function(*args)` and its best time in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - start)
    return result, min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    X_train, _, _, _ = load_course_data(args.data_dir)
    print(f"load_course_data (read + verify):  {time.perf_counter() - start:6.2f} s")
    _, seconds = best_of(args.repeat, load_course_data, args.data_dir)
    print(f"load_course_data (already verified): {seconds:6.2f} s")

    (mean, components, eigenvalues), ours = best_of(args.repeat, pca_fit, X_train)
    reference, theirs = best_of(args.repeat, lambda X: PCA(svd_solver="full").fit(X), X_train)
    print(f"pca_fit:                           {ours:6.2f} s")
    print(f"sklearn PCA(svd_solver='full'):    {theirs:6.2f} s  (ours / sklearn = {ours / theirs:.2f})")

    k = n_components_for(eigenvalues, 0.9)
    _, seconds = best_of(args.repeat, pca_transform, X_train, mean, components, eigenvalues, k)
    print(f"pca_transform (k={k}, sphere):      {seconds:6.2f} s")
    top = reference.explained_variance_[:k]
    print(f"components for 90% variance: ours {k}, sklearn {PCA(0.9).fit(X_train).n_components_}")
    print(f"max relative eigenvalue difference (first {k}): "
          f"{np.max(np.abs(eigenvalues[:k] - top) / top):.1e}")


if __name__ == "__main__":
    main()
