"""Hidden checks of assignment 1: random data, edge cases and bad input.

Not shipped to students: expected values come from scikit-learn's ``PCA`` and
from the course's reference implementations in ``fmnist_edu``.
"""

import numpy as np

from fmnist_checks.a1_data_pca import (
    INF,
    NAN,
    eigenvalue_total,
    is_int,
    class_distribution_cases,
    integrity_cases,
    n_components_case,
    pca_fit_cases,
    ratio_cases,
    sklearn_n_components,
    sklearn_pca_fit,
    transform_cases,
    unit_variance_case,
)
from fmnist_checks.cases import property_case, raises_case, unchanged_case
from fmnist_checks.compare import close, equal

from .edges import redraw, threshold_is_clear


def _correlated(rng, n, d):
    """Gaussian data with clearly distinct variances along random axes, plus an offset."""
    basis, _ = np.linalg.qr(rng.normal(size=(d, d)))
    scales = np.geomspace(6.0, 0.5, d) * rng.uniform(0.9, 1.1, d)
    return np.round(rng.normal(size=(n, d)) * scales @ basis.T + rng.normal(size=d) * 5, 6)


def _shares(y, n_classes):
    from fmnist_edu import class_distribution

    return class_distribution(y, n_classes)


def _report(X, y, n_classes):
    from fmnist_edu import integrity_report

    return integrity_report(X, y, n_classes)


def _class_distribution(rng):
    n = int(rng.integers(20, 80))
    y = rng.integers(0, 5, n)
    y_missing = rng.integers(0, 3, 15)  # classes 3 and 4 never occur
    y_list = [int(v) for v in rng.integers(0, 2, 7)]
    return (
        class_distribution_cases(y, 5, _shares(y, 5), tag=", random labels")
        + class_distribution_cases(y_missing, 5, _shares(y_missing, 5),
                                   tag=", classes 3 and 4 absent")
        + class_distribution_cases(y_list, 2, _shares(y_list, 2), tag=", a list of labels",
                                   advice=True)
        + [
            unchanged_case("class_distribution", "does not modify y", [y, 5]),
            raises_case("class_distribution", "ValueError for an empty y",
                        [np.array([], dtype=int), 5]),
            raises_case("class_distribution", "ValueError for a label equal to n_classes",
                        [np.array([0, 1, 5]), 5]),
            raises_case("class_distribution", "ValueError for a negative label",
                        [np.array([0, -1, 2]), 5]),
        ]
    )


def _corrupted(rng):
    """A small pixel array with NaN, infinities, fractions and out-of-range values."""
    n, d = int(rng.integers(6, 12)), int(rng.integers(5, 9))
    X = rng.integers(0, 256, (n, d)).astype(float)
    flat = X.reshape(-1)
    spots = rng.permutation(flat.size)
    bad = [NAN, NAN, INF, -INF, 12.5, 300.5, -0.25, 256.0, -1.0, 254.999]
    flat[spots[:len(bad)]] = bad
    y = rng.integers(0, 5, n).astype(float)
    y[rng.choice(n, 4, replace=False)] = [NAN, 2.5, -1.0, 5.0]
    return X, y


def _integrity_report(rng):
    X, y = _corrupted(rng)
    y_int = np.nan_to_num(y, nan=7.0).astype(int)
    X_int = rng.integers(0, 300, (5, 4))  # integer dtype: no NaN possible
    y_5 = np.array([0, 1, 2, 3, 4])
    X_nan, y_two = np.full((2, 3), NAN), np.array([0.0, 1.0])
    return (
        integrity_cases(X, y, 5, _report(X, y, 5), tag=", random corrupted pixels and labels")
        + integrity_cases(X, y_int, 5, _report(X, y_int, 5), tag=", integer labels")
        + integrity_cases(X_int.astype(float), y_5, 5, _report(X_int, y_5, 5),
                          tag=", whole-number pixels")
        # the contract's X is a float array: an integer dtype is advice
        + integrity_cases(X_int, y_5, 5, _report(X_int, y_5, 5), tag=", integer dtype",
                          advice=True)
        + integrity_cases(X_nan, y_two, 5, _report(X_nan, y_two, 5), tag=", all NaN")
        + [unchanged_case("integrity_report", "does not modify X or y", [X, y, 5])]
    )


def _pca_fit(rng):
    X = _correlated(rng, int(rng.integers(30, 60)), int(rng.integers(4, 7)))
    X_const = _correlated(rng, 25, 4)
    X_const[:, 2] = 0.0  # a pixel that is always 0, as on the image border
    X_int = rng.integers(0, 256, (20, 3))
    return (
        pca_fit_cases(X, tag=", random correlated data")
        + pca_fit_cases(X_const, tag=", a constant feature (eigenvalue 0)")
        + pca_fit_cases(X_int.astype(float), tag=", whole-number pixels")
        + pca_fit_cases(X_int, tag=", integer dtype", advice=True)
        + [
            property_case("pca_fit", "eigenvalues sum to the total variance (n-1)", [X],
                          eigenvalue_total,
                          float(np.var(X, axis=0, ddof=1).sum()), close(1e-9, 1e-9)),
            unchanged_case("pca_fit", "does not modify X", [X]),
        ]
    )


def _explained_variance_ratio(rng):
    from sklearn.decomposition import PCA

    pca = PCA(svd_solver="full").fit(_correlated(rng, 40, 6))
    eigenvalues = pca.explained_variance_
    return (
        ratio_cases(eigenvalues, pca.explained_variance_ratio_,
                    tag=", eigenvalues of random data (scikit-learn's ratio)")
        + ratio_cases(np.array([5.0, 2.5, 2.5]), np.array([0.5, 0.25, 0.25]), tag=", three eigenvalues")
        + ratio_cases([5.0, 2.5, 2.5], np.array([0.5, 0.25, 0.25]), tag=", a list", advice=True)
        + [unchanged_case("explained_variance_ratio", "does not modify eigenvalues",
                          [eigenvalues])]
    )


def _bugs(eigenvalues, threshold, expected):
    """What the common bugs of n_components_for return on these inputs."""
    values = np.asarray(eigenvalues, dtype=float)
    ratio = np.cumsum(values) / values.sum()
    return {
        "gt": int(np.argmax(ratio > threshold)) + 1,
        "index": expected - 1,
        "unnormalised": int(np.argmax(np.cumsum(values) >= threshold)) + 1,
    }


def _k_case(eigenvalues, threshold, expected, tag="", advice=False):
    return n_components_case(eigenvalues, threshold, expected,
                             _bugs(eigenvalues, threshold, expected), tag=tag, advice=advice)


def _n_components_for(rng):
    X = _correlated(rng, 80, 8)
    _, _, eigenvalues = sklearn_pca_fit(X)
    thresholds = [redraw(lambda: round(float(rng.uniform(0.3, 0.97)), 3),
                         lambda t: threshold_is_clear(eigenvalues, t), "n_components_for threshold")
                  for _ in range(3)]
    cases = [_k_case(eigenvalues, t, sklearn_n_components(X, t),
                     tag=", eigenvalues of random data (scikit-learn's k)")
             for t in thresholds]
    cases += [
        _k_case(np.array([4.0, 2.0, 1.0, 1.0]), 0.5, 1,
                tag=" (reached exactly by the first component)"),
        _k_case(np.array([8.0, 4.0, 2.0, 1.0, 1.0]), 0.875, 3,
                tag=" (cumulative share exactly 0.875 after 3 components)"),
        _k_case(np.array([3.0, 1.0, 0.0]), 1.0, 2, tag=", a zero eigenvalue adds nothing"),
        _k_case(np.array([6.0, 3.0, 1.0]), 0.95, 3, tag=", three eigenvalues"),
        _k_case([6.0, 3.0, 1.0], 0.95, 3, tag=", a list", advice=True),
        unchanged_case("n_components_for", "does not modify eigenvalues", [eigenvalues, 0.9]),
        property_case("n_components_for", "returns an int", [eigenvalues, 0.9],
                      is_int, True,
                      equal()),
    ]
    return cases


def _pca_transform(rng):
    n, d = int(rng.integers(30, 50)), int(rng.integers(4, 7))
    X_train = _correlated(rng, n, d)
    X_test = _correlated(rng, 10, d)
    k = int(rng.integers(2, d))
    mean, components, eigenvalues = sklearn_pca_fit(X_train)
    return (
        transform_cases(X_train, X_train, k, tag=", random training data")
        + transform_cases(X_train, X_test, k, tag=", new data centred with the training mean")
        + transform_cases(X_train, X_test, d, tag=", all axes")
        + transform_cases(X_train, X_test[:1], 1, tag=", one sample, one axis")
        + [
            unit_variance_case(X_train, k, tag=", random training data"),
            unchanged_case("pca_transform", "does not modify its inputs",
                           [X_test, mean, components, eigenvalues, k]),
            raises_case("pca_transform", "ValueError when n_components exceeds the axes",
                        [X_test, mean, components, eigenvalues, d + 1], advice=True),
        ]
    )


HIDDEN = {
    "class_distribution": _class_distribution,
    "integrity_report": _integrity_report,
    "pca_fit": _pca_fit,
    "explained_variance_ratio": _explained_variance_ratio,
    "n_components_for": _n_components_for,
    "pca_transform": _pca_transform,
}
