"""Benchmark: our decision tree and grid search against scikit-learn's.

Run from the repository root (needs the Fashion-MNIST files, see
``fmnist_edu.load_course_data``)::

    python benchmarks/bench_tree.py           # the study's full grid: takes a while
    python benchmarks/bench_tree.py --quick   # a small grid, a few minutes

It prints
(a) one fit on the study features (10,000 x 62 sphered PCA, gini, max_depth
    15, min_samples_leaf 21): our time, scikit-learn's and the ratio;
(b) how many of the 5,000 test predictions are equal at those parameters;
(c) agreement at other parameters, and how far scikit-learn agrees with itself
    across ``random_state`` (a difference there means tied split candidates);
(d) the grid search: wall time of :func:`fmnist_edu.tree_search.grid_search_tree`
    against ``GridSearchCV(n_jobs=2)`` over scikit-learn's tree, the ratio,
    both best parameters and how far the CV score tables differ;
(e) the test accuracy of the best tree.

Timings depend on the machine and on what else runs on it.
"""

import argparse
import time

import numpy as np
from sklearn.tree import DecisionTreeClassifier as SklearnTree

from fmnist_edu.data import load_course_data
from fmnist_edu.pca import pca_fit, pca_transform
from fmnist_edu.tree import DecisionTreeClassifier
from fmnist_edu.tree_search import grid_search_tree, sklearn_grid_search

STUDY_PARAMS = dict(criterion="gini", max_depth=15, min_samples_leaf=21)
N_COMPONENTS = 62


def study_features():
    """The study's inputs: 62 sphered PCA components of the course subset."""
    X_train, y_train, X_test, y_test = load_course_data()
    mean, components, eigenvalues = pca_fit(X_train)
    return (pca_transform(X_train, mean, components, eigenvalues, N_COMPONENTS),
            y_train,
            pca_transform(X_test, mean, components, eigenvalues, N_COMPONENTS),
            y_test)


def best_time(fit, repeats):
    """Smallest wall time of `repeats` calls of `fit()`, and its last result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small grid, one timing repeat")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--sklearn-grid", choices=["all", "near-best", "none"], default="all",
                        help="GridSearchCV over scikit-learn's tree on the whole grid (default), "
                             "on the cells within 2 depths and 3 leaf sizes of our best "
                             "(both criteria), or not at all")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3

    X_train, y_train, X_test, y_test = study_features()
    print(f"study features: train {X_train.shape}, test {X_test.shape}")

    # (a) one fit
    ours_s, ours = best_time(lambda: DecisionTreeClassifier(**STUDY_PARAMS).fit(X_train, y_train),
                             repeats)
    theirs_s, theirs = best_time(
        lambda: SklearnTree(random_state=0, **STUDY_PARAMS).fit(X_train, y_train), repeats)
    print(f"(a) one fit {STUDY_PARAMS} (best of {repeats}): ours {ours_s:.3f} s, "
          f"scikit-learn {theirs_s:.3f} s, ratio {ours_s / theirs_s:.2f}")

    # (b) equal predictions at the study parameters
    equal = int(np.sum(ours.predict(X_test) == theirs.predict(X_test)))
    print(f"(b) equal test predictions at {STUDY_PARAMS}: {equal}/{len(y_test)}")

    # (c) other parameters, and scikit-learn against itself
    print("(c) equal test predictions: ours vs sklearn(random_state=0) | "
          "sklearn(0) vs sklearn(1), sklearn(0) vs sklearn(2)")
    for criterion, max_depth, min_samples_leaf in [("gini", 5, 1), ("entropy", 10, 10),
                                                   ("entropy", 15, 21), ("gini", 20, 1),
                                                   ("entropy", 20, 1)]:
        params = dict(criterion=criterion, max_depth=max_depth, min_samples_leaf=min_samples_leaf)
        ours_pred = DecisionTreeClassifier(**params).fit(X_train, y_train).predict(X_test)
        sk_pred = [SklearnTree(random_state=r, **params).fit(X_train, y_train).predict(X_test)
                   for r in range(3)]
        print(f"    {criterion:7s} depth {max_depth:2d} leaf {min_samples_leaf:2d}: "
              f"{np.sum(ours_pred == sk_pred[0])} | "
              f"{np.sum(sk_pred[0] == sk_pred[1])}, {np.sum(sk_pred[0] == sk_pred[2])}")

    # (d) the grid search
    if args.quick:
        grid = dict(max_depths=range(1, 9), min_samples_leafs=[1, 10, 30])
    else:
        grid = dict(max_depths=range(1, 21), min_samples_leafs=range(1, 31))
    grid["criteria"] = ("gini", "entropy")
    n_cells = 2 * len(grid["max_depths"]) * len(grid["min_samples_leafs"])
    start = time.perf_counter()
    fast = grid_search_tree(X_train, y_train, cv=5, n_jobs=args.n_jobs, random_state=0, **grid)
    fast_s = time.perf_counter() - start
    start = time.perf_counter()
    own = grid_search_tree(X_train, y_train, cv=5, n_jobs=args.n_jobs, **grid)
    own_s = time.perf_counter() - start
    n_fits = len(grid["min_samples_leafs"]) * 2 * 5
    print(f"(d) grid of {n_cells} cells x 5 folds, n_jobs={args.n_jobs}, {n_fits} fits each:")
    print(f"    grid_search_tree(random_state=0), replaying scikit-learn's tree: {fast_s:.1f} s, "
          f"best {fast['best_params']} CV {fast['best_score']:.6f}")
    print(f"    grid_search_tree(), our tree (ties to the lowest feature): {own_s:.1f} s, "
          f"best {own['best_params']} CV {own['best_score']:.6f}")
    own_diff = np.abs(own["mean_test_score"] - fast["mean_test_score"])
    print(f"    our tree vs scikit-learn's (random_state=0) mean CV: max abs difference "
          f"{own_diff.max():.6f}, cells that differ {int(np.sum(own_diff > 0))}/{n_cells}")
    results = [("ours", own)]
    if args.sklearn_grid != "none":
        sub = dict(grid)
        depth_index = [fast["max_depths"].index(fast["best_params"]["max_depth"])]
        leaf_index = [fast["min_samples_leafs"].index(fast["best_params"]["min_samples_leaf"])]
        if args.sklearn_grid == "near-best":
            depth_index = range(max(depth_index[0] - 2, 0),
                                min(depth_index[0] + 3, len(fast["max_depths"])))
            leaf_index = range(max(leaf_index[0] - 3, 0),
                               min(leaf_index[0] + 4, len(fast["min_samples_leafs"])))
            sub["max_depths"] = [fast["max_depths"][i] for i in depth_index]
            sub["min_samples_leafs"] = [fast["min_samples_leafs"][i] for i in leaf_index]
        else:
            depth_index = range(len(fast["max_depths"]))
            leaf_index = range(len(fast["min_samples_leafs"]))
        start = time.perf_counter()
        slow = sklearn_grid_search(X_train, y_train, cv=5, n_jobs=args.n_jobs, **sub)
        slow_s = time.perf_counter() - start
        n_sub = slow["mean_test_score"].size
        ours_sub = fast["mean_test_score"][:, list(depth_index)][:, :, list(leaf_index)]
        ours_split = fast["split_test_scores"][:, list(depth_index)][:, :, list(leaf_index)]
        diff = np.abs(ours_sub - slow["mean_test_score"])
        split_diff = ours_split != slow["split_test_scores"]
        print(f"    GridSearchCV(sklearn tree, random_state=0) on {args.sklearn_grid} "
              f"({n_sub} cells, {n_sub * 5} fits): {slow_s:.1f} s; compared with "
              f"grid_search_tree(random_state=0):")
        if args.sklearn_grid == "all":
            print(f"    wall time ratio ours / GridSearchCV: {fast_s / slow_s:.3f}")
        print(f"    best sklearn {slow['best_params']} CV {slow['best_score']:.6f}"
              + ("" if args.sklearn_grid == "all" else " (best of these cells only)"))
        print(f"    mean CV tables: max abs difference {diff.max():.6f}, "
              f"cells that differ {int(np.sum(diff > 0))}/{n_sub}, "
              f"fold scores that differ {int(split_diff.sum())}/{split_diff.size}")
        for c, criterion in enumerate(slow["criteria"]):
            leafs_with_diff = [m for j, m in enumerate(slow["min_samples_leafs"])
                               if np.any(diff[c, :, j] > 0)]
            print(f"    {criterion}: min_samples_leaf values with a differing cell: "
                  f"{leafs_with_diff}")
        results.append(("sklearn", slow))

    # (e) the best tree on the test set
    trees = {"ours": DecisionTreeClassifier,
             "sklearn": lambda **params: SklearnTree(random_state=0, **params)}
    for name, result in results:
        tree = trees[name]
        model = tree(**result["best_params"]).fit(X_train, y_train)
        accuracy = np.mean(model.predict(X_test) == y_test)
        print(f"(e) test accuracy of {name} best tree {result['best_params']}: {accuracy:.4f}")


if __name__ == "__main__":
    main()
