"""Assignment 1: PCA with sphering, against scikit-learn's PCA(whiten=True)."""

import numpy as np
import pytest
from sklearn.decomposition import PCA

from fmnist_edu import explained_variance_ratio, n_components_for, pca_fit, pca_transform

pytestmark = pytest.mark.a1


def correlated_data(n=200, d=8, seed=0):
    """Gaussian data with distinct variances along random axes, plus an offset."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(d, d)))
    scales = np.linspace(5.0, 0.5, d)
    return rng.normal(size=(n, d)) * scales @ basis.T + rng.normal(size=d) * 10


def assert_equal_up_to_column_sign(A, B, atol):
    signs = np.sign(np.sum(A * B, axis=0))
    assert np.all(signs != 0)
    np.testing.assert_allclose(A * signs, B, atol=atol)


def test_pca_fit_matches_sklearn():
    X = correlated_data()
    mean, components, eigenvalues = pca_fit(X)
    reference = PCA().fit(X)
    assert mean.shape == (8,) and components.shape == (8, 8) and eigenvalues.shape == (8,)
    np.testing.assert_allclose(mean, reference.mean_)
    np.testing.assert_allclose(eigenvalues, reference.explained_variance_, rtol=1e-10)
    assert_equal_up_to_column_sign(components.T, reference.components_.T, atol=1e-8)


def test_pca_fit_uses_n_minus_1_and_sorts_decreasing():
    X = correlated_data(n=50, d=5, seed=3)
    _, components, eigenvalues = pca_fit(X)
    covariance = np.cov(X, rowvar=False)  # n - 1
    np.testing.assert_allclose(np.sort(eigenvalues), np.linalg.eigvalsh(covariance), rtol=1e-10)
    assert np.all(np.diff(eigenvalues) <= 0)
    np.testing.assert_allclose(components @ components.T, np.eye(5), atol=1e-10)
    # each row is an eigenvector: C v = lambda v
    np.testing.assert_allclose(
        covariance @ components.T, components.T * eigenvalues, atol=1e-9
    )


def test_pca_fit_sign_is_reproducible_and_input_untouched():
    X = correlated_data(n=40, d=4, seed=5)
    before = X.copy()
    _, components, _ = pca_fit(X)
    np.testing.assert_array_equal(X, before)
    rows = np.arange(4)
    assert np.all(components[rows, np.argmax(np.abs(components), axis=1)] > 0)


def test_pca_fit_needs_two_samples_and_finite_values():
    with pytest.raises(ValueError, match="at least 2"):
        pca_fit(np.ones((1, 3)))
    with pytest.raises(ValueError, match="NaN"):
        pca_fit(np.array([[1.0, np.nan], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="2-D"):
        pca_fit(np.ones(5))


@pytest.mark.parametrize("k", [1, 3, 8])
def test_pca_transform_matches_sklearn_whiten(k):
    X = correlated_data(seed=1)
    X_new = correlated_data(n=30, seed=2)
    mean, components, eigenvalues = pca_fit(X)
    reference = PCA(n_components=k, whiten=True).fit(X)
    for data in (X, X_new):
        Z = pca_transform(data, mean, components, eigenvalues, k)
        assert Z.shape == (len(data), k)
        assert_equal_up_to_column_sign(Z, reference.transform(data), atol=1e-8)


def test_sphered_training_data_has_unit_variance():
    X = correlated_data(seed=4)
    mean, components, eigenvalues = pca_fit(X)
    Z = pca_transform(X, mean, components, eigenvalues, 5)
    np.testing.assert_allclose(Z.var(axis=0, ddof=1), 1.0, rtol=1e-10)
    np.testing.assert_allclose(np.cov(Z, rowvar=False), np.eye(5), atol=1e-10)


def test_pca_transform_without_sphering_keeps_the_variances():
    X = correlated_data(seed=6)
    mean, components, eigenvalues = pca_fit(X)
    Z = pca_transform(X, mean, components, eigenvalues, 3, sphere=False)
    np.testing.assert_allclose(Z.var(axis=0, ddof=1), eigenvalues[:3], rtol=1e-10)
    reference = PCA(n_components=3).fit(X)
    assert_equal_up_to_column_sign(Z, reference.transform(X), atol=1e-8)


@pytest.mark.parametrize("k", [0, 9, -1, 2.0, True, None])
def test_pca_transform_rejects_bad_n_components(k):
    X = correlated_data(n=20)
    mean, components, eigenvalues = pca_fit(X)
    with pytest.raises(ValueError, match="n_components"):
        pca_transform(X, mean, components, eigenvalues, k)


def test_pca_transform_rejects_mismatched_shapes():
    X = correlated_data(n=20)
    mean, components, eigenvalues = pca_fit(X)
    with pytest.raises(ValueError, match="X has 7 features"):
        pca_transform(X[:, :7], mean, components, eigenvalues, 2)
    with pytest.raises(ValueError, match="mean"):
        pca_transform(X, mean[:7], components, eigenvalues, 2)
    with pytest.raises(ValueError, match="eigenvalues"):
        pca_transform(X, mean, components, eigenvalues[:7], 2)


def test_sphering_a_zero_variance_axis_is_a_clear_error():
    rng = np.random.default_rng(7)
    X = np.column_stack([rng.normal(size=30), rng.normal(size=30), np.full(30, 3.0)])
    mean, components, eigenvalues = pca_fit(X)
    assert eigenvalues[2] < 1e-12
    with pytest.raises(ValueError, match="keep at most 2 components"):
        pca_transform(X, mean, components, eigenvalues, 3)
    assert pca_transform(X, mean, components, eigenvalues, 2).shape == (30, 2)
    assert pca_transform(X, mean, components, eigenvalues, 3, sphere=False).shape == (30, 3)


def test_explained_variance_ratio():
    ratio = explained_variance_ratio(np.array([6.0, 3.0, 1.0, 0.0]))
    np.testing.assert_allclose(ratio, [0.6, 0.3, 0.1, 0.0])
    X = correlated_data()
    _, _, eigenvalues = pca_fit(X)
    np.testing.assert_allclose(explained_variance_ratio(eigenvalues).sum(), 1.0)
    np.testing.assert_allclose(
        explained_variance_ratio(eigenvalues), PCA().fit(X).explained_variance_ratio_, rtol=1e-10
    )


@pytest.mark.parametrize("bad", [[], [[1.0, 2.0]], [1.0, -2.0], [0.0, 0.0], [1.0, np.nan]])
def test_explained_variance_ratio_rejects(bad):
    with pytest.raises(ValueError, match="eigenvalues"):
        explained_variance_ratio(bad)


def test_n_components_for_matches_sklearn_away_from_ties():
    X = correlated_data(n=300, d=10, seed=8)
    _, _, eigenvalues = pca_fit(X)
    for threshold in (0.3, 0.5, 0.8, 0.9, 0.99):
        expected = PCA(n_components=threshold).fit(X).n_components_
        assert n_components_for(eigenvalues, threshold) == expected


def test_n_components_for_exact_tie_uses_greater_or_equal():
    eigenvalues = np.array([3.0, 3.0, 2.0, 2.0])  # cumulative 0.3, 0.6, 0.8, 1.0
    assert n_components_for(eigenvalues, 0.6) == 2
    assert n_components_for(eigenvalues, 0.6000001) == 3
    assert n_components_for([1.0, 1.0, 1.0, 1.0], 0.5) == 2
    assert n_components_for([1.0, 1.0, 1.0, 1.0], 0.25) == 1


def test_n_components_for_threshold_one():
    assert n_components_for([5.0, 1.0, 0.5], 1.0) == 3
    # trailing zero eigenvalues add nothing
    assert n_components_for([5.0, 1.0, 0.0, 0.0], 1.0) == 2
    # round-off must not push the answer past the last axis
    eigenvalues = np.full(1000, 0.1)
    assert n_components_for(eigenvalues, 1.0) == 1000


def test_n_components_for_small_threshold_is_one():
    assert n_components_for([5.0, 1.0], 1e-9) == 1


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.0000001, 2, np.nan, "0.9", None])
def test_n_components_for_rejects_threshold_outside_0_1(threshold):
    with pytest.raises(ValueError, match="threshold"):
        n_components_for([3.0, 1.0], threshold)


def test_n_components_for_rejects_unsorted_eigenvalues():
    with pytest.raises(ValueError, match="decreasing"):
        n_components_for([1.0, 3.0], 0.5)


@pytest.mark.study
def test_62_components_explain_90_percent_of_the_course_data():
    import os

    from fmnist_edu.data import ENV_VAR, load_course_data

    if not os.environ.get(ENV_VAR):
        pytest.skip(f"{ENV_VAR} is not set")
    X_train, _, _, _ = load_course_data()
    _, _, eigenvalues = pca_fit(X_train)
    assert n_components_for(eigenvalues, 0.9) == 62
