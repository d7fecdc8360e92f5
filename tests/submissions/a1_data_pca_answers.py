"""Answers to assignment 1 as a student would write them: one correct, many buggy.

CORRECT maps each piece to the source of a correct answer cell. BUGGY lists
(piece, bug name, source, fragment expected in the grader's message). The
sources run after the notebook's given cell (``import numpy as np``).
"""

CLASS_DISTRIBUTION = '''
def class_distribution(y, n_classes):
    y = np.asarray(y)
    if len(y) == 0:
        raise ValueError("y is empty")
    if y.min() < 0 or y.max() > n_classes - 1:
        raise ValueError("label out of range")
    shares = np.zeros(n_classes)
    for label in y:
        shares[label] += 1
    return shares / len(y)
'''

INTEGRITY_REPORT = '''
def integrity_report(X, y, n_classes):
    X = np.array(X, dtype=float)
    y = np.array(y, dtype=float)
    finite = np.isfinite(X)
    fractional = np.zeros(X.shape, dtype=bool)
    fractional[finite] = X[finite] % 1 != 0
    outside = np.zeros(X.shape, dtype=bool)
    known = ~np.isnan(X)
    outside[known] = (X[known] < 0) | (X[known] > 255)
    good = np.zeros(y.shape, dtype=bool)
    ok = np.isfinite(y)
    good[ok] = (y[ok] % 1 == 0) & (y[ok] >= 0) & (y[ok] <= n_classes - 1)
    return {"missing": int(np.isnan(X).sum()), "non_integer": int(fractional.sum()),
            "out_of_range": int(outside.sum()), "bad_labels": int((~good).sum())}
'''

PCA_FIT = '''
def pca_fit(X):
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    cov = np.cov(X, rowvar=False)
    values, vectors = np.linalg.eigh(cov)
    order = values.argsort()[::-1]
    return mean, vectors[:, order].T, values[order]
'''

EXPLAINED_VARIANCE_RATIO = '''
def explained_variance_ratio(eigenvalues):
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    return eigenvalues / np.sum(eigenvalues)
'''

N_COMPONENTS_FOR = '''
def n_components_for(eigenvalues, threshold):
    ratio = explained_variance_ratio(eigenvalues)
    total = 0.0
    for k, share in enumerate(ratio, start=1):
        total += share
        if total >= threshold:
            return k
    return len(ratio)
'''

PCA_TRANSFORM = '''
def pca_transform(X, mean, components, eigenvalues, n_components, sphere=True):
    if n_components < 1 or n_components > len(components):
        raise ValueError("n_components out of range")
    Z = (np.asarray(X) - mean) @ components[:n_components].T
    if sphere:
        Z = Z / np.sqrt(eigenvalues[:n_components])
    return Z
'''

CORRECT = {
    "class_distribution": CLASS_DISTRIBUTION,
    "integrity_report": INTEGRITY_REPORT,
    "pca_fit": PCA_FIT,
    "explained_variance_ratio": EXPLAINED_VARIANCE_RATIO,
    "n_components_for": N_COMPONENTS_FOR,
    "pca_transform": PCA_TRANSFORM,
}

BUGGY = [
    # --- class_distribution
    ("class_distribution", "counts instead of shares", '''
def class_distribution(y, n_classes):
    y = np.asarray(y)
    if len(y) == 0 or y.min() < 0 or y.max() >= n_classes:
        raise ValueError("bad labels")
    return np.bincount(y, minlength=n_classes).astype(float)
''', "these are counts"),
    ("class_distribution", "misses classes that never occur", '''
def class_distribution(y, n_classes):
    y = np.asarray(y)
    if len(y) == 0 or y.min() < 0 or y.max() >= n_classes:
        raise ValueError("bad labels")
    _, counts = np.unique(y, return_counts=True)
    return counts / len(y)
''', "minlength"),
    ("class_distribution", "no check of the labels", '''
def class_distribution(y, n_classes):
    y = np.asarray(y)
    return np.bincount(y, minlength=n_classes) / len(y)
''', "expected ValueError to be raised"),
    ("class_distribution", "divides by n_classes", '''
def class_distribution(y, n_classes):
    y = np.asarray(y)
    if len(y) == 0 or y.min() < 0 or y.max() >= n_classes:
        raise ValueError("bad labels")
    return np.bincount(y, minlength=n_classes) / n_classes
''', "class shares, random labels"),
    ("class_distribution", "sorts y in place", '''
def class_distribution(y, n_classes):
    if len(y) == 0 or min(y) < 0 or max(y) >= n_classes:
        raise ValueError("bad labels")
    y.sort()
    return np.bincount(y, minlength=n_classes) / len(y)
''', "modified its input"),
    # --- integrity_report
    ("integrity_report", "NaN counted as non-integer", '''
def integrity_report(X, y, n_classes):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    with np.errstate(invalid="ignore"):
        bad_y = ~((y == np.floor(y)) & (y >= 0) & (y < n_classes))
        return {"missing": int(np.isnan(X).sum()),
                "non_integer": int(np.sum(X != np.floor(X))),
                "out_of_range": int(np.sum((X < 0) | (X > 255))),
                "bad_labels": int(bad_y.sum())}
''', "count non_integer among finite entries"),
    ("integrity_report", "infinity counted as non-integer", '''
def integrity_report(X, y, n_classes):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    known = ~np.isnan(X)
    with np.errstate(invalid="ignore"):
        bad_y = ~((y % 1 == 0) & (y >= 0) & (y < n_classes))
        return {"missing": int((~known).sum()),
                "non_integer": int(np.sum(known & (X % 1 != 0))),
                "out_of_range": int(np.sum(known & ((X < 0) | (X > 255)))),
                "bad_labels": int(bad_y.sum())}
''', "an infinity is out of range, not non-integer"),
    ("integrity_report", "NaN counted as out of range", '''
def integrity_report(X, y, n_classes):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    finite = np.isfinite(X)
    with np.errstate(invalid="ignore"):
        bad_y = ~((y == np.round(y)) & (y >= 0) & (y < n_classes))
        return {"missing": int(np.isnan(X).sum()),
                "non_integer": int(np.sum(finite & (X != np.round(X)))),
                "out_of_range": int(np.sum(~((X >= 0) & (X <= 255)))),
                "bad_labels": int(bad_y.sum())}
''', "not as out of range"),
    ("integrity_report", "labels checked for range only", '''
def integrity_report(X, y, n_classes):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    finite = np.isfinite(X)
    with np.errstate(invalid="ignore"):
        return {"missing": int(np.isnan(X).sum()),
                "non_integer": int(np.sum(finite & (X != np.round(X)))),
                "out_of_range": int(np.sum(~np.isnan(X) & ((X < 0) | (X > 255)))),
                "bad_labels": int(np.sum((y < 0) | (y >= n_classes)))}
''', "a label is bad when"),
    ("integrity_report", "float counts", '''
def integrity_report(X, y, n_classes):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    finite = np.isfinite(X)
    with np.errstate(invalid="ignore"):
        good = np.isfinite(y) & (y == np.round(y)) & (y >= 0) & (y < n_classes)
        return {"missing": np.isnan(X).mean() * X.size,
                "non_integer": np.mean(finite & (X != np.round(X))) * X.size,
                "out_of_range": np.mean(~np.isnan(X) & ((X < 0) | (X > 255))) * X.size,
                "bad_labels": np.mean(~good) * y.size}
''', "expected an int count"),
    # --- pca_fit
    ("pca_fit", "divides by n", '''
def pca_fit(X):
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    Xc = X - mean
    values, vectors = np.linalg.eigh(Xc.T @ Xc / len(X))
    order = values.argsort()[::-1]
    return mean, vectors[:, order].T, values[order]
''', "divides by n - 1, not n"),
    ("pca_fit", "eigenvalues left ascending", '''
def pca_fit(X):
    X = np.asarray(X, dtype=float)
    values, vectors = np.linalg.eigh(np.cov(X, rowvar=False))
    return X.mean(axis=0), vectors.T, values
''', "np.linalg.eigh returns them in increasing order"),
    ("pca_fit", "axes as columns", '''
def pca_fit(X):
    X = np.asarray(X, dtype=float)
    values, vectors = np.linalg.eigh(np.cov(X, rowvar=False))
    order = values.argsort()[::-1]
    return X.mean(axis=0), vectors[:, order], values[order]
''', "so transpose"),
    ("pca_fit", "np.cov without rowvar", '''
def pca_fit(X):
    X = np.asarray(X, dtype=float)
    values, vectors = np.linalg.eigh(np.cov(X))
    order = values.argsort()[::-1]
    return X.mean(axis=0), vectors[:, order].T, values[order]
''', "rowvar=False"),
    ("pca_fit", "forgets to centre", '''
def pca_fit(X):
    X = np.asarray(X, dtype=float)
    values, vectors = np.linalg.eigh(X.T @ X / (len(X) - 1))
    order = values.argsort()[::-1]
    return X.mean(axis=0), vectors[:, order].T, values[order]
''', "eigenvalues: "),
    ("pca_fit", "centres X in place", '''
def pca_fit(X):
    mean = X.mean(axis=0)
    X -= mean
    values, vectors = np.linalg.eigh(X.T @ X / (len(X) - 1))
    order = values.argsort()[::-1]
    return mean, vectors[:, order].T, values[order]
''', "modified its input"),
    # --- explained_variance_ratio
    ("explained_variance_ratio", "cumulative shares", '''
def explained_variance_ratio(eigenvalues):
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    return np.cumsum(eigenvalues) / eigenvalues.sum()
''', "these are cumulative shares"),
    ("explained_variance_ratio", "divides by the largest", '''
def explained_variance_ratio(eigenvalues):
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    return eigenvalues / eigenvalues.max()
''', "not the largest"),
    ("explained_variance_ratio", "divides in place", '''
def explained_variance_ratio(eigenvalues):
    eigenvalues /= np.sum(eigenvalues)
    return eigenvalues
''', "modified its input"),
    ("explained_variance_ratio", "mean instead of share", '''
def explained_variance_ratio(eigenvalues):
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    return eigenvalues / len(eigenvalues)
''', "the shares sum to 1"),
    # --- n_components_for
    ("n_components_for", "> instead of >=", '''
def n_components_for(eigenvalues, threshold):
    cumulative = np.cumsum(eigenvalues) / np.sum(eigenvalues)
    return int(np.argmax(cumulative > threshold)) + 1
''', "use >=, not >"),
    ("n_components_for", "index instead of count", '''
def n_components_for(eigenvalues, threshold):
    cumulative = np.cumsum(eigenvalues) / np.sum(eigenvalues)
    return int(np.argmax(cumulative >= threshold))
''', "plus 1"),
    ("n_components_for", "cumulative sum not divided by the total", '''
def n_components_for(eigenvalues, threshold):
    cumulative = np.cumsum(eigenvalues)
    return int(np.argmax(cumulative >= threshold)) + 1
''', "divide the cumulative sum"),
    ("n_components_for", "sorts the eigenvalues ascending", '''
def n_components_for(eigenvalues, threshold):
    values = np.sort(np.asarray(eigenvalues, dtype=float))
    cumulative = np.cumsum(values) / values.sum()
    return int(np.argmax(cumulative >= threshold)) + 1
''', "n_components_for: threshold 0.7"),
    # --- pca_transform
    ("pca_transform", "forgets to centre", '''
def pca_transform(X, mean, components, eigenvalues, n_components, sphere=True):
    if not 1 <= n_components <= len(components):
        raise ValueError("n_components out of range")
    Z = np.asarray(X) @ components[:n_components].T
    if sphere:
        Z = Z / np.sqrt(eigenvalues[:n_components])
    return Z
''', "subtract `mean` before projecting"),
    ("pca_transform", "divides by the eigenvalue", '''
def pca_transform(X, mean, components, eigenvalues, n_components, sphere=True):
    if not 1 <= n_components <= len(components):
        raise ValueError("n_components out of range")
    Z = (np.asarray(X) - mean) @ components[:n_components].T
    if sphere:
        Z = Z / eigenvalues[:n_components]
    return Z
''', "not the eigenvalue"),
    ("pca_transform", "never spheres", '''
def pca_transform(X, mean, components, eigenvalues, n_components, sphere=True):
    if not 1 <= n_components <= len(components):
        raise ValueError("n_components out of range")
    return (np.asarray(X) - mean) @ components[:n_components].T
''', "with sphere=True, divide"),
    ("pca_transform", "always spheres", '''
def pca_transform(X, mean, components, eigenvalues, n_components, sphere=True):
    if not 1 <= n_components <= len(components):
        raise ValueError("n_components out of range")
    Z = (np.asarray(X) - mean) @ components[:n_components].T
    return Z / np.sqrt(eigenvalues[:n_components])
''', "with sphere=False, return the projection"),
    ("pca_transform", "centres with the mean of X", '''
def pca_transform(X, mean, components, eigenvalues, n_components, sphere=True):
    if not 1 <= n_components <= len(components):
        raise ValueError("n_components out of range")
    X = np.asarray(X)
    Z = (X - X.mean(axis=0)) @ components[:n_components].T
    if sphere:
        Z = Z / np.sqrt(eigenvalues[:n_components])
    return Z
''', "not the mean of X"),
    ("pca_transform", "axes taken as columns", '''
def pca_transform(X, mean, components, eigenvalues, n_components, sphere=True):
    if not 1 <= n_components <= len(components):
        raise ValueError("n_components out of range")
    Z = (np.asarray(X) - mean) @ components[:, :n_components]
    if sphere:
        Z = Z / np.sqrt(eigenvalues[:n_components])
    return Z
''', "pca_transform: sphered projection on 2 axes"),
]

# answers that use a reference implementation of the piece itself: 0 points
REFERENCE_USE = [
    ("pca_fit", "sklearn PCA", '''
from sklearn.decomposition import PCA

def pca_fit(X):
    pca = PCA().fit(X)
    return pca.mean_, pca.components_, pca.explained_variance_
''', "sklearn.decomposition"),
    ("class_distribution", "fmnist_edu's own", '''
import fmnist_edu

def class_distribution(y, n_classes):
    return fmnist_edu.class_distribution(y, n_classes)
''', "fmnist_edu"),
]


# Other correct ways of writing each piece, as students and tutorials write
# them: every one must score full over any student id (tests/test_grading_corpus.py,
# benchmarks/grading_accuracy.py). (piece, style, source).
CORRECT_VARIANTS = [
    ("class_distribution", "np.bincount, vectorised", '''
def class_distribution(y, n_classes):
    if len(y) == 0:
        raise ValueError("empty")
    if np.any((y < 0) | (y >= n_classes)):
        raise ValueError("label out of range")
    return np.bincount(y, minlength=n_classes) / len(y)
'''),
    ("class_distribution", "np.unique counts into a zero array", '''
def class_distribution(y, n_classes):
    if y.size == 0 or y.min() < 0 or y.max() >= n_classes:
        raise ValueError("bad labels")
    shares = np.zeros(n_classes)
    values, counts = np.unique(y, return_counts=True)
    shares[values] = counts / counts.sum()
    return shares
'''),
    ("class_distribution", "a list comprehension of means", '''
def class_distribution(y, n_classes):
    if len(y) == 0 or not np.all((0 <= y) & (y < n_classes)):
        raise ValueError("y must be non-empty with labels in 0..n_classes-1")
    return np.array([np.mean(y == k) for k in range(n_classes)])
'''),
    ("integrity_report", "loops over the entries", '''
import math

def integrity_report(X, y, n_classes):
    missing = non_integer = out_of_range = bad_labels = 0
    for value in X.ravel():
        value = float(value)
        if math.isnan(value):
            missing += 1
            continue
        if math.isfinite(value) and value != math.floor(value):
            non_integer += 1
        if value < 0 or value > 255:
            out_of_range += 1
    for label in y.ravel():
        label = float(label)
        if not (math.isfinite(label) and label == int(label) and 0 <= label < n_classes):
            bad_labels += 1
    return {"missing": missing, "non_integer": non_integer,
            "out_of_range": out_of_range, "bad_labels": bad_labels}
'''),
    ("integrity_report", "masks with np.mod and np.errstate", '''
def integrity_report(X, y, n_classes):
    X = X.astype(float)
    y = y.astype(float)
    nan = np.isnan(X)
    with np.errstate(invalid="ignore"):
        non_integer = np.isfinite(X) & (np.mod(X, 1) != 0)
        out = ~nan & ((X < 0) | (X > 255))
        good = np.isfinite(y) & (np.floor(y) == y) & (y >= 0) & (y < n_classes)
    return {"missing": int(nan.sum()), "non_integer": int(non_integer.sum()),
            "out_of_range": int(out.sum()), "bad_labels": int(y.size - good.sum())}
'''),
    ("pca_fit", "np.linalg.eig, real part, argsort descending", '''
def pca_fit(X):
    mean = X.mean(axis=0)
    centred = X - mean
    cov = centred.T @ centred / (X.shape[0] - 1)
    values, vectors = np.linalg.eig(cov)
    values, vectors = np.real(values), np.real(vectors)
    order = np.argsort(-values)
    return mean, vectors[:, order].T, values[order]
'''),
    ("pca_fit", "SVD of the centred data", '''
def pca_fit(X):
    n, d = X.shape
    mean = np.mean(X, axis=0)
    _, s, vt = np.linalg.svd(X - mean, full_matrices=True)
    eigenvalues = np.zeros(d)
    eigenvalues[:len(s)] = s ** 2 / (n - 1)
    return mean, vt, eigenvalues
'''),
    ("pca_fit", "eigh, flipped with [::-1], helper function", '''
def _covariance(X):
    centred = X - X.mean(axis=0)
    return np.dot(centred.T, centred) / (len(X) - 1)

def pca_fit(X):
    values, vectors = np.linalg.eigh(_covariance(X))
    return X.mean(axis=0), np.flip(vectors, axis=1).T, values[::-1]
'''),
    ("explained_variance_ratio", "loop over a Python total", '''
def explained_variance_ratio(eigenvalues):
    total = sum(eigenvalues)
    return np.array([value / total for value in eigenvalues])
'''),
    ("n_components_for", "np.cumsum and np.argmax", '''
def n_components_for(eigenvalues, threshold):
    cumulative = np.cumsum(eigenvalues) / np.sum(eigenvalues)
    return int(np.argmax(cumulative >= threshold)) + 1
'''),
    ("n_components_for", "np.searchsorted", '''
def n_components_for(eigenvalues, threshold):
    cumulative = np.cumsum(explained_variance_ratio(eigenvalues))
    return int(np.searchsorted(cumulative, threshold)) + 1
'''),
    ("n_components_for", "while loop on running sums", '''
def n_components_for(eigenvalues, threshold):
    total = np.sum(eigenvalues)
    k, running = 0, 0.0
    while running / total < threshold:
        running += eigenvalues[k]
        k += 1
    return k
'''),
    ("pca_transform", "no ValueError (the contract asks for none)", '''
def pca_transform(X, mean, components, eigenvalues, n_components, sphere=True):
    Z = (X - mean) @ components[:n_components].T
    if sphere:
        Z /= np.sqrt(eigenvalues[:n_components])
    return Z
'''),
    ("pca_transform", "np.dot with a diagonal scaling matrix", '''
def pca_transform(X, mean, components, eigenvalues, n_components, sphere=True):
    W = components[:n_components].T
    if sphere:
        W = W @ np.diag(1.0 / np.sqrt(eigenvalues[:n_components]))
    return np.dot(X - mean, W)
'''),
    ("pca_transform", "projects one axis at a time", '''
def pca_transform(X, mean, components, eigenvalues, n_components, sphere=True):
    centred = X - mean
    columns = []
    for i in range(n_components):
        column = centred @ components[i]
        if sphere:
            column = column / np.sqrt(eigenvalues[i])
        columns.append(column)
    return np.column_stack(columns)
'''),
]
