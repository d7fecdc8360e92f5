"""Assignment 1: principal component analysis with sphering (whitening).

PCA here is the eigendecomposition of the sample covariance matrix
(n - 1 in the denominator), the same model as scikit-learn's
``PCA(whiten=True)``, which computes it by SVD instead.
"""

import numbers

import numpy as np

from fmnist_edu._validation import check_features

# eigenvalues at most this share of the largest are treated as zero
_ZERO_EIGENVALUE = 1e-10


def pca_fit(X):
    """Fit PCA by eigendecomposition of the sample covariance matrix.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Training data, at least 2 samples.

    Returns
    -------
    mean : ndarray of shape (n_features,)
        Mean of each feature.
    components : ndarray of shape (n_features, n_features)
        Principal axes as rows, unit length, by decreasing eigenvalue.
        The sign of each axis is arbitrary; this implementation makes the
        entry of largest magnitude positive, so results are reproducible.
    eigenvalues : ndarray of shape (n_features,)
        Eigenvalues of the sample covariance ``Xc.T @ Xc / (n_samples - 1)``
        in decreasing order; the variance of the data along each axis.
        Round-off negatives are set to 0.

    Raises
    ------
    ValueError
        If `X` is not 2-D, holds NaN or infinity, or has fewer than 2 samples.

    Examples
    --------
    >>> X = [[0.0, 0.0], [2.0, 0.0], [0.0, 1.0], [2.0, 1.0]]
    >>> mean, components, eigenvalues = pca_fit(X)
    >>> mean
    array([1. , 0.5])
    >>> eigenvalues.round(4)
    array([1.3333, 0.3333])
    >>> np.abs(components)
    array([[1., 0.],
           [0., 1.]])
    """
    X = check_features(X, min_samples=2)
    mean = X.mean(axis=0)
    centred = X - mean
    covariance = centred.T @ centred / (X.shape[0] - 1)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)  # ascending
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues = np.clip(eigenvalues[order], 0.0, None)
    components = eigenvectors[:, order].T
    # sign convention: the largest-magnitude entry of each axis is positive
    largest = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(len(components)), largest])
    components *= signs[:, None]
    return mean, components, eigenvalues


def _check_eigenvalues(eigenvalues):
    """Return `eigenvalues` as a 1-D float array of non-negative values."""
    values = np.asarray(eigenvalues, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            f"eigenvalues must be a non-empty 1-D array, got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("eigenvalues contain NaN or infinity")
    largest = np.max(np.abs(values))
    if np.any(values < -_ZERO_EIGENVALUE * largest):
        raise ValueError(
            f"eigenvalues must be non-negative (a covariance has no negative "
            f"eigenvalue), got {values.min()}"
        )
    values = np.clip(values, 0.0, None)
    if values.sum() <= 0:
        raise ValueError("eigenvalues are all zero: the data has no variance")
    return values


def explained_variance_ratio(eigenvalues):
    """Share of the total variance along each principal axis.

    Parameters
    ----------
    eigenvalues : array-like of shape (n_components,)
        Non-negative eigenvalues of the covariance matrix (tiny round-off
        negatives are read as 0).

    Returns
    -------
    ratio : ndarray of shape (n_components,)
        ``eigenvalues / eigenvalues.sum()``; sums to 1.

    Raises
    ------
    ValueError
        If `eigenvalues` is empty, not 1-D, not finite, negative, or all zero.

    Examples
    --------
    >>> explained_variance_ratio([3.0, 1.0, 0.0])
    array([0.75, 0.25, 0.  ])
    """
    values = _check_eigenvalues(eigenvalues)
    return values / values.sum()


def n_components_for(eigenvalues, threshold):
    """Smallest number of components explaining at least `threshold` of the variance.

    Parameters
    ----------
    eigenvalues : array-like of shape (n_components,)
        Eigenvalues in decreasing order, as returned by :func:`pca_fit`.
    threshold : float
        Wanted share of the variance, in (0, 1].

    Returns
    -------
    k : int
        Smallest k whose cumulative explained variance ratio is
        ``>= threshold``. On an exact tie this is one less than
        scikit-learn's ``PCA(n_components=threshold)``, which uses ``>``.
        ``threshold=1.0`` gives the number of non-zero eigenvalues.

    Raises
    ------
    ValueError
        If `threshold` is not a number in (0, 1], or `eigenvalues` is not a
        valid decreasing sequence of non-negative values.

    Examples
    --------
    >>> n_components_for([4.0, 3.0, 2.0, 1.0], 0.7)
    2
    >>> n_components_for([4.0, 3.0, 2.0, 1.0], 0.71)
    3
    """
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise ValueError(f"threshold must be a number in (0, 1], got {threshold!r}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    values = _check_eigenvalues(eigenvalues)
    if np.any(np.diff(values) > 0):
        raise ValueError("eigenvalues must be sorted in decreasing order")
    cumulative = np.cumsum(values)
    # divide by the last partial sum (not values.sum()) so it is exactly 1.0
    cumulative_ratio = cumulative / cumulative[-1]
    return int(np.argmax(cumulative_ratio >= threshold)) + 1


def pca_transform(X, mean, components, eigenvalues, n_components, sphere=True):
    """Project data on the first principal axes, optionally sphering it.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data to project (training or new data).
    mean : array-like of shape (n_features,)
        Training mean from :func:`pca_fit`.
    components : array-like of shape (n_axes, n_features)
        Principal axes as rows, by decreasing eigenvalue.
    eigenvalues : array-like of shape (n_axes,)
        Their eigenvalues.
    n_components : int
        Number k of axes to keep, 1 <= k <= n_axes.
    sphere : bool, default True
        Divide each column by the square root of its eigenvalue, so the
        training data gets unit variance per column.

    Returns
    -------
    Z : ndarray of shape (n_samples, n_components)
        ``(X - mean) @ components[:k].T``, divided column-wise by
        ``sqrt(eigenvalues[:k])`` when `sphere`. Equals scikit-learn's
        ``PCA(n_components=k, whiten=True).fit(X_train).transform(X)`` up to
        the sign of each column.

    Raises
    ------
    ValueError
        On mismatched shapes, `n_components` out of range, or, with `sphere`,
        a kept eigenvalue that is (numerically) zero: sphering would divide
        by zero, so keep fewer components.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    >>> mean, components, eigenvalues = pca_fit(X)
    >>> Z = pca_transform(X, mean, components, eigenvalues, 1)
    >>> Z.shape, round(float(Z.var(ddof=1)), 6)
    ((4, 1), 1.0)
    """
    X = check_features(X, min_samples=0)
    mean = np.asarray(mean, dtype=np.float64)
    components = check_features(components, name="components")
    eigenvalues = np.asarray(eigenvalues, dtype=np.float64)
    n_axes, n_features = components.shape
    if mean.shape != (n_features,):
        raise ValueError(
            f"mean must have shape ({n_features},) to match components, got {mean.shape}"
        )
    if X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but the PCA was fitted on {n_features}"
        )
    if eigenvalues.shape != (n_axes,):
        raise ValueError(
            f"eigenvalues must have shape ({n_axes},), one per row of components, "
            f"got {eigenvalues.shape}"
        )
    if (
        isinstance(n_components, bool)
        or not isinstance(n_components, numbers.Integral)
        or not 1 <= n_components <= n_axes
    ):
        raise ValueError(f"n_components must be an integer in 1..{n_axes}, got {n_components!r}")
    k = int(n_components)
    projected = (X - mean) @ components[:k].T
    if not sphere:
        return projected
    kept = eigenvalues[:k]
    tiny = kept <= _ZERO_EIGENVALUE * max(float(np.max(eigenvalues)), 0.0)
    if np.any(tiny):
        first = int(np.argmax(tiny))
        raise ValueError(
            f"eigenvalue {first} is {kept[first]:.3g}, (numerically) zero: sphering would "
            f"divide by zero; keep at most {first} components"
        )
    return projected / np.sqrt(kept)
