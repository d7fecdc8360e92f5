"""Visible checks of assignment 1: class balance, integrity report, PCA with sphering.

This module is shipped to students, so it holds no answer to a graded piece:
expected values are scikit-learn's ``PCA`` (``explained_variance_`` uses n-1,
``whiten=True`` divides by the square root of each eigenvalue) or constants
computed by hand for the small fixed inputs below. The case builders take the
expected value as an argument; the hidden module passes values it computes.
"""

import copy

import numpy as np

from .cases import function_case, property_case, raises_case, unchanged_case
from .compare import close, columns_up_to_sign, equal
from .core import show
from .plain import is_number

NAN, INF = float("nan"), float("inf")

# six samples, three features with clearly distinct variances along the axes
X_SMALL = np.array([
    [2.0, 0.0, 1.0],
    [0.0, 1.0, 3.0],
    [4.0, 1.0, 2.0],
    [1.0, 3.0, 0.0],
    [3.0, 2.0, 5.0],
    [5.0, 4.0, 1.0],
])
X_NEW = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [6.0, 2.0, 3.0]])


def _with_inputs(build):
    """``expect(*args, **kwargs)`` on copies, so an expectation never touches the inputs."""

    def expect(*args, **kwargs):
        return build(*copy.deepcopy(args), **copy.deepcopy(kwargs))

    return expect


# reducers of property cases (module level, so they travel by name)

def total(result, *_):
    """The sum of a 1-D result."""
    return float(np.sum(result))


def column_variances(Z, *_):
    """The sample variance (n-1) of each column."""
    return np.var(np.asarray(Z, dtype=float), axis=0, ddof=1)


def eigenvalue_total(out, *_):
    """The sum of the eigenvalues ``pca_fit`` returned (its third item)."""
    return float(np.sum(out[2]))


def is_int(k, *_):
    """Whether the result is a Python or numpy integer."""
    return type(k).__name__ in ("int", "int64", "int32")


# --- class_distribution ------------------------------------------------------

def _hint_shares(expected, got, inputs):
    got = np.asarray(got, dtype=float) if isinstance(got, (list, np.ndarray)) else None
    if got is None or got.ndim != 1:
        return None
    y, n_classes = inputs["args"][0], inputs["args"][1]
    if got.shape[0] < n_classes:
        return (f"all {n_classes} classes need a share, also those that never occur "
                f"(0.0): np.bincount has a minlength argument")
    if got.shape == np.shape(expected) and np.isclose(got.sum(), len(y)):
        return "these are counts: divide by the number of labels to get shares"
    return None


def class_distribution_cases(y, n_classes, expected, tag="", advice=False):
    """The shares of `y` (`expected`) and the fact that they sum to 1."""
    return [
        function_case("class_distribution", f"class shares{tag}", [y, n_classes],
                      expected, close(1e-12, 1e-12), hint=_hint_shares, advice=advice),
        property_case("class_distribution", f"the shares sum to 1{tag}", [y, n_classes],
                      total, 1.0, close(1e-12, 1e-12), advice=advice),
    ]


# --- integrity_report --------------------------------------------------------

REPORT_KEYS = ("missing", "non_integer", "out_of_range", "bad_labels")


def int_count():
    """A count: an ``int`` equal to the expected one."""
    inner = equal()

    def compare(expected, got):
        if type(got) is not int:
            return f"expected an int count, got {show(got)} (use int(...))"
        return inner(expected, got)

    return compare


def report_compare(expected, got):
    """The four counts of an integrity report, each compared exactly."""
    if not isinstance(got, dict):
        return f"expected a dict with keys {list(REPORT_KEYS)}, got {show(got)}"
    problems = []
    for key in REPORT_KEYS:
        if key not in got:
            problems.append(f"{key!r}: missing (keys present: {sorted(got)})")
            continue
        problem = int_count()(expected[key], got[key])
        if problem:
            problems.append(f"{key!r}: {problem}")
    return "\n    ".join(problems) if problems else None


def _hint_report(expected, got, inputs):
    if not isinstance(got, dict) or not all(is_number(got.get(k)) for k in REPORT_KEYS):
        return None
    X = np.asarray(inputs["args"][0], dtype=float)
    n_nan, n_inf = int(np.isnan(X).sum()), int(np.isinf(X).sum())
    extra_ni = got["non_integer"] - expected["non_integer"]
    extra_oor = got["out_of_range"] - expected["out_of_range"]
    if extra_ni > 0 and extra_ni in (n_nan, n_inf, n_nan + n_inf):
        why = ("NaN is missing, and an infinity is out of range, not non-integer"
               if n_nan == n_inf or extra_ni == n_nan + n_inf
               else "NaN counts as missing only" if extra_ni == n_nan
               else "an infinity is out of range, not non-integer")
        return f"{why}: count non_integer among finite entries only (np.isfinite)"
    if n_nan and extra_oor == n_nan:
        return "NaN counts as missing only, not as out of range (compare only non-NaN entries)"
    if n_inf and extra_oor == -n_inf:
        return "infinities are outside 0..255 and count as out_of_range"
    if got["bad_labels"] < expected["bad_labels"]:
        return "a label is bad when it is NaN, has a fractional part, or lies outside 0..n_classes-1"
    return None


def integrity_cases(X, y, n_classes, expected, tag="", advice=False):
    """The report of `X`, `y`: the dict `expected` of four counts."""
    return [function_case("integrity_report", f"counts{tag}", [X, y, n_classes],
                          expected, report_compare, hint=_hint_report, advice=advice)]


# --- pca_fit -----------------------------------------------------------------

def sklearn_pca_fit(X):
    """``(mean, components, eigenvalues)`` from scikit-learn's ``PCA().fit(X)``."""
    from sklearn.decomposition import PCA

    pca = PCA(svd_solver="full").fit(X)
    d = X.shape[1]
    eigenvalues = np.zeros(d)
    eigenvalues[:len(pca.explained_variance_)] = pca.explained_variance_
    components = np.zeros((d, d))
    components[:len(pca.components_)] = pca.components_
    return pca.mean_, components, eigenvalues


def pca_fit_compare(rtol=1e-7, atol=1e-9):
    """``(mean, components, eigenvalues)``; axes are compared as rows, up to sign.

    Only the axes of a (numerically) distinct, non-zero eigenvalue are unique up
    to sign: those rows are compared; every row must be unit length and
    orthogonal to the others.
    """
    check_close = close(rtol, atol)

    def compare(expected, got):
        if not isinstance(got, list) or len(got) != 3:
            return f"expected a tuple (mean, components, eigenvalues), got {show(got)}"
        mean, components, eigenvalues = (np.asarray(v, dtype=float) for v in expected)
        problems = []
        problem = check_close(mean, got[0])
        if problem:
            problems.append(f"mean: {problem}")
        scale = max(float(eigenvalues.max()), 1.0)
        problem = close(rtol, atol * scale)(eigenvalues, got[2])
        if problem:
            problems.append(f"eigenvalues: {problem}")
        got_c = np.asarray(got[1], dtype=float) if isinstance(got[1], np.ndarray) else None
        d = len(mean)
        if got_c is None or got_c.shape != (d, d):
            shape = None if got_c is None else got_c.shape
            problems.append(f"components: expected an array of shape ({d}, {d}), got shape "
                            f"{shape}: {show(got[1])}")
        else:
            gaps = np.abs(eigenvalues[:, None] - eigenvalues[None, :]) + np.eye(d) * scale
            unique = (eigenvalues > 1e-8 * scale) & (gaps.min(axis=1) > 1e-6 * scale)
            signs = np.where(np.sum(got_c * components, axis=1) < 0, -1.0, 1.0)
            problem = close(1e-6, 1e-6)(components[unique], (got_c * signs[:, None])[unique])
            if problem:
                problems.append("components (rows = axes, by decreasing eigenvalue, "
                                f"compared up to the sign of each row): {problem}")
            elif not np.allclose(got_c @ got_c.T, np.eye(d), atol=1e-6):
                problems.append("components: the rows are not orthonormal (unit length, "
                                "mutually orthogonal)")
        return "\n    ".join(problems) if problems else None

    return compare


def _hint_pca_fit(expected, got, inputs):
    if not isinstance(got, list) or len(got) != 3:
        return None
    X = np.asarray(inputs["args"][0])
    n, d = X.shape
    mean, components, eigenvalues = (np.asarray(v, dtype=float) for v in expected)
    got_c, got_e = np.asarray(got[1]), np.asarray(got[2])
    if got_c.shape == (n, n) and n != d:
        return "np.cov treats rows as variables: use np.cov(X, rowvar=False) or Xc.T @ Xc / (n - 1)"
    if got_e.shape == eigenvalues.shape and got_e.dtype.kind in "iuf":
        if np.allclose(np.sort(got_e), np.sort(eigenvalues)) and not np.allclose(got_e, eigenvalues):
            return "sort by decreasing eigenvalue: np.linalg.eigh returns them in increasing order"
        if np.allclose(got_e, eigenvalues * (n - 1) / n):
            return "the sample covariance divides by n - 1, not n"
    if got_c.shape == components.shape and got_c.dtype.kind == "f":
        top = components[0]
        if abs(abs(float(got_c[:, 0] @ top)) - 1) < 1e-6 and abs(abs(float(got_c[0] @ top)) - 1) > 1e-6:
            return ("the axes must be the rows of components: np.linalg.eigh returns them "
                    "as columns, so transpose")
    return None


def pca_fit_cases(X, tag="", advice=False):
    """pca_fit of `X` against scikit-learn's PCA."""
    return [function_case("pca_fit", f"mean, axes and eigenvalues{tag}", [X],
                          _with_inputs(sklearn_pca_fit), pca_fit_compare(),
                          hint=_hint_pca_fit, advice=advice)]


# --- explained_variance_ratio ------------------------------------------------

def _hint_ratio(expected, got, inputs):
    got = np.asarray(got) if isinstance(got, (list, np.ndarray)) else None
    if got is None or got.shape != np.shape(expected) or got.dtype.kind not in "iuf":
        return None
    if np.allclose(got, np.cumsum(expected)):
        return "these are cumulative shares: return each eigenvalue's own share"
    values = np.asarray(inputs["args"][0], dtype=float)
    if np.allclose(got, values / values.max()):
        return "divide by the sum of the eigenvalues (the total variance), not the largest"
    return None


def ratio_cases(eigenvalues, expected, tag="", advice=False):
    """Each eigenvalue's share of the total (`expected`), and that the shares sum to 1."""
    return [
        function_case("explained_variance_ratio", f"shares of the variance{tag}", [eigenvalues],
                      expected, close(1e-9, 1e-12), hint=_hint_ratio, advice=advice),
        property_case("explained_variance_ratio", f"the shares sum to 1{tag}", [eigenvalues],
                      total, 1.0, close(1e-12, 1e-12), advice=advice),
    ]


# --- n_components_for --------------------------------------------------------

N_COMPONENTS_BUGS = {
    "gt": "the cumulative share may equal the threshold exactly: use >=, not >",
    "index": "k counts components: the index of the first cumulative share >= threshold, plus 1",
    "unnormalised": "compare the cumulative SHARE with the threshold: divide the cumulative sum "
                    "by the total",
}


def n_components_case(eigenvalues, threshold, expected, bugs=None, tag="", advice=False):
    """One call of n_components_for with its expected k (an int).

    `bugs` maps a common bug (a key of `N_COMPONENTS_BUGS`) to the k it returns
    on these inputs; the hint names a bug when it alone explains the result.
    """
    bugs = dict(bugs or {})

    def hint(expected, got, inputs):
        matches = [N_COMPONENTS_BUGS[bug] for bug, value in bugs.items() if value == got]
        return matches[0] if len(matches) == 1 else None

    return function_case("n_components_for", f"threshold {threshold}{tag}",
                         [eigenvalues, threshold], expected, equal(), hint=hint, advice=advice)


def sklearn_n_components(X, threshold):
    """scikit-learn's k for `threshold` (uses >, equal to >= off exact ties)."""
    from sklearn.decomposition import PCA

    return int(PCA(n_components=threshold, svd_solver="full").fit(X).n_components_)


# --- pca_transform -----------------------------------------------------------

def sklearn_transform(X_train, X, k, sphere):
    """scikit-learn's ``PCA(n_components=k, whiten=sphere).fit(X_train).transform(X)``."""
    from sklearn.decomposition import PCA

    return PCA(n_components=k, whiten=sphere, svd_solver="full").fit(X_train).transform(X)


def _hint_transform(expected, got, inputs):
    got = np.asarray(got) if isinstance(got, np.ndarray) else None
    if got is None or got.shape != np.shape(expected) or got.dtype.kind not in "iuf":
        return None
    X, mean, components, eigenvalues, k = inputs["args"]
    sphere = inputs["kwargs"].get("sphere", True)
    expected = np.asarray(expected, dtype=float)
    got = got.astype(float)
    root = np.sqrt(np.asarray(eigenvalues[:k], dtype=float))
    same = lambda a: np.allclose(np.abs(got), np.abs(a), atol=1e-8)  # noqa: E731
    if sphere and same(expected / root):
        return "divide each column by the square root of its eigenvalue, not the eigenvalue"
    if sphere and same(expected * root):
        return "with sphere=True, divide each column by the square root of its eigenvalue"
    if not sphere and same(expected / root):
        return "with sphere=False, return the projection without dividing"
    if len(got) > 1 and np.allclose(got.mean(axis=0), 0.0, atol=1e-9) and \
            not np.allclose(expected.mean(axis=0), 0.0, atol=1e-6):
        return "centre with the training mean `mean` you are given, not the mean of X"
    shift = got - expected * np.where(np.sum(got * expected, axis=0) < 0, -1.0, 1.0)
    if len(got) > 1 and np.allclose(shift, shift[0]) and not np.allclose(shift[0], 0.0):
        return "centre the data first: subtract `mean` before projecting"
    return None


def transform_cases(X_train, X, k, tag=""):
    """pca_transform of `X` on a PCA of `X_train` (scikit-learn's), sphered and not."""
    mean, components, eigenvalues = sklearn_pca_fit(X_train)
    args = [X, mean, components, eigenvalues, k]
    return [
        function_case("pca_transform", f"sphered projection on {k} axes{tag}", args,
                      sklearn_transform(X_train, X, k, True), columns_up_to_sign(1e-6, 1e-8),
                      hint=_hint_transform),
        function_case("pca_transform", f"projection on {k} axes, sphere=False{tag}", args,
                      sklearn_transform(X_train, X, k, False), columns_up_to_sign(1e-6, 1e-8),
                      kwargs={"sphere": False}, hint=_hint_transform),
    ]


def unit_variance_case(X_train, k, tag=""):
    """The sphered training data has sample variance 1 in every column."""
    mean, components, eigenvalues = sklearn_pca_fit(X_train)
    return property_case(
        "pca_transform", f"sphered training data: variance (n-1) of each column is 1{tag}",
        [X_train, mean, components, eigenvalues, k],
        column_variances, np.ones(k),
        close(1e-7, 1e-9))


VISIBLE = {
    "class_distribution": lambda: class_distribution_cases(
        np.array([0, 2, 2, 1]), 4, np.array([0.25, 0.25, 0.5, 0.0])) + [
        raises_case("class_distribution", "ValueError for a label outside 0..n_classes-1",
                    [np.array([0, 1, 3]), 3], part="validation"),
    ],
    "integrity_report": lambda: [
        *integrity_cases(np.array([[0.0, 255.0], [17.0, 3.0]]), np.array([0, 4]), 5,
                         {"missing": 0, "non_integer": 0, "out_of_range": 0, "bad_labels": 0},
                         tag=", a clean data set"),
        *integrity_cases(np.array([[0.0, 255.0, NAN], [1.5, -3.0, INF]]), np.array([0, 7]), 5,
                         {"missing": 1, "non_integer": 1, "out_of_range": 2, "bad_labels": 1},
                         tag=" (the docstring's example)"),
        *integrity_cases(np.array([[NAN, NAN, 2.0]]), np.array([1]), 5,
                         {"missing": 2, "non_integer": 0, "out_of_range": 0, "bad_labels": 0},
                         tag=", NaN only"),
        *integrity_cases(np.array([[300.5, -INF, 7.25]]), np.array([2.5]), 5,
                         {"missing": 0, "non_integer": 2, "out_of_range": 2, "bad_labels": 1},
                         tag=", 300.5 is both non-integer and out of range"),
    ],
    "pca_fit": lambda: pca_fit_cases(X_SMALL) + [
        unchanged_case("pca_fit", "does not modify X", [X_SMALL]),
    ],
    "explained_variance_ratio": lambda: ratio_cases(np.array([6.0, 2.0, 0.0, 0.0]),
                                                    np.array([0.75, 0.25, 0.0, 0.0])),
    # eigenvalues 4, 2, 1, 1: shares 0.5, 0.25, 0.125, 0.125, cumulative 0.5, 0.75,
    # 0.875, 1 (exact in binary floating point, whatever the order of operations)
    "n_components_for": lambda: [
        n_components_case(np.array([4.0, 2.0, 1.0, 1.0]), 0.7, 2,
                          {"gt": 2, "index": 1, "unnormalised": 1}),
        n_components_case(np.array([4.0, 2.0, 1.0, 1.0]), 0.75, 2,
                          {"gt": 3, "index": 1, "unnormalised": 1},
                          tag=" (cumulative share exactly 0.75 after 2 components)"),
        n_components_case(np.array([4.0, 2.0, 1.0, 1.0]), 0.8, 3,
                          {"gt": 3, "index": 2, "unnormalised": 1}),
        n_components_case(np.array([4.0, 2.0, 1.0, 1.0]), 1.0, 4,
                          {"gt": 1, "index": 3, "unnormalised": 1}),
    ],
    "pca_transform": lambda: transform_cases(X_SMALL, X_SMALL, 2) + [
        transform_cases(X_SMALL, X_NEW, 2, tag=", new data centred with the training mean")[0],
        unit_variance_case(X_SMALL, 2),
    ],
}
