"""Sample student submissions for the demo flow: solved, blank, half done, one bug.

Built from the instructor's source notebook (whose answer cells hold the
solutions) and the released notebook (blank answers), so they follow the
notebooks as they change. The one bug per assignment is a realistic mistake.
"""

import copy

from fmnist_checks.notebook import is_answer, nbgrader_meta
from fmnist_checks.pieces import ASSIGNMENTS

# (piece, answer cell source) of one realistic bug per assignment
BUGS = {
    "a1_data_pca": ("pca_fit", '''import numpy as np

def pca_fit(X):
    """PCA of X with the biased covariance (a common slip: n instead of n - 1)."""
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    centred = X - mean
    cov = centred.T @ centred / len(X)
    eigenvalues, vectors = np.linalg.eigh(cov)
    order = np.argsort(eigenvalues)[::-1]
    return mean, vectors[:, order].T, eigenvalues[order]
'''),
    "a2_decision_tree": ("entropy", '''import numpy as np

def entropy(y):
    """Entropy in nats (a common slip: natural log instead of log base 2)."""
    y = np.asarray(y)
    if y.size == 0:
        return 0.0
    _, counts = np.unique(y, return_counts=True)
    p = counts / counts.sum()
    return float(-np.sum(p * np.log(p)))
'''),
    "a3_neural_network": ("softmax", '''import numpy as np

def softmax(z):
    """Softmax without subtracting the row maximum (overflows for large z)."""
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum(axis=1, keepdims=True)
'''),
    "a4_lenet5": ("EarlyStopping", '''import copy

class EarlyStopping:
    """Early stopping that counts an equal loss as an improvement (<= instead of <)."""

    def __init__(self, patience=5, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = float("inf")
        self.best_state = None
        self.counter = 0

    def step(self, val_loss, model):
        if val_loss <= self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_state = copy.deepcopy(model.state_dict())
            self.counter = 0
        else:
            self.counter += 1
        return self.counter >= self.patience
'''),
    "a5_evaluation": ("confusion_matrix", '''import numpy as np

def confusion_matrix(y_true, y_pred, n_classes):
    """Confusion matrix with rows and columns swapped."""
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred):
        matrix[p, t] += 1
    return matrix
'''),
}


def answer_sources(nb):
    """{grade id: source} of a notebook's answer cells."""
    return {nbgrader_meta(c)["grade_id"]: c["source"] if isinstance(c["source"], str) else "".join(c["source"])
            for c in nb["cells"] if is_answer(c)}


def fill(release_nb, answers):
    """A copy of the released notebook with the answer cells in `answers` replaced."""
    nb = copy.deepcopy(release_nb)
    for cell in nb["cells"]:
        if is_answer(cell):
            gid = nbgrader_meta(cell)["grade_id"]
            if gid in answers:
                cell["source"] = answers[gid]
    return nb


def sample_submissions(assignment, source_nb, release_nb):
    """{student: (notebook, what it is)} for the demo: solved, blank, half done, one bug."""
    solved = answer_sources(source_nb)
    pieces = [p.lower() for p in ASSIGNMENTS[assignment]]
    half = {gid: solved[gid] for gid in pieces[: len(pieces) // 2] if gid in solved}
    bug_piece, bug_source = BUGS[assignment]
    buggy = dict(solved, **{bug_piece.lower(): bug_source})
    return {
        "alice": (fill(release_nb, solved), "every piece solved"),
        "bob": (fill(release_nb, {}), "blank: the released notebook as it was"),
        "carol": (fill(release_nb, half), f"half done: {', '.join(half)} solved"),
        "dave": (fill(release_nb, buggy), f"all solved but {bug_piece}, which has a bug"),
    }


def expected_scores(assignment, points):
    """What each sample student must score per piece, given {piece: points}."""
    pieces = list(ASSIGNMENTS[assignment])
    half = {p for p in pieces[: len(pieces) // 2]}
    bug_piece = BUGS[assignment][0]
    return {
        "alice": {p: points[p] for p in pieces},
        "bob": {p: 0.0 for p in pieces},
        "carol": {p: points[p] if p in half else 0.0 for p in pieces},
        "dave": {p: 0.0 if p == bug_piece else points[p] for p in pieces},
    }
