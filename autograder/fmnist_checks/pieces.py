"""The graded pieces of each assignment, in contract order, and what each may not use.

The contract: an answer that imports or calls a reference implementation of the
piece itself (``fmnist_edu``'s own, ``sklearn.tree``, ``sklearn.decomposition``,
``sklearn.metrics`` for the metrics pieces) earns 0 for that piece.
"""

ASSIGNMENTS = {
    "a1_data_pca": (
        "class_distribution",
        "integrity_report",
        "pca_fit",
        "explained_variance_ratio",
        "n_components_for",
        "pca_transform",
    ),
    "a2_decision_tree": (
        "gini",
        "entropy",
        "information_gain",
        "best_split",
        "DecisionTreeClassifier",
    ),
    "a3_neural_network": (
        "leaky_relu",
        "leaky_relu_derivative",
        "softmax",
        "one_hot",
        "cross_entropy",
        "he_normal",
        "glorot_normal",
        "DenseLayer",
        "NeuralNetworkClassifier",
    ),
    "a4_lenet5": ("LeNet5", "train_epoch", "evaluate", "EarlyStopping"),
    "a5_evaluation": ("accuracy", "confusion_matrix", "precision_recall_f1"),
}

PIECE_ASSIGNMENT = {piece: aid for aid, pieces in ASSIGNMENTS.items() for piece in pieces}

# modules whose use makes an answer a copy of a reference implementation
_ALWAYS_BANNED = ("fmnist_edu", "autograder", "fmnist_checks")
_BANNED_BY_ASSIGNMENT = {
    "a1_data_pca": ("sklearn.decomposition",),
    "a2_decision_tree": ("sklearn.tree",),
    "a3_neural_network": (),
    "a4_lenet5": (),
    "a5_evaluation": ("sklearn.metrics",),
}


def banned_modules(piece):
    """Module prefixes that the answer to `piece` must not import or call.

    >>> banned_modules("confusion_matrix")
    ('fmnist_edu', 'autograder', 'fmnist_checks', 'sklearn.metrics')
    """
    return _ALWAYS_BANNED + _BANNED_BY_ASSIGNMENT[PIECE_ASSIGNMENT[piece]]


def grade_id(piece):
    """The nbgrader grade id of a piece's answer cell.

    >>> grade_id("DecisionTreeClassifier")
    'decisiontreeclassifier'
    """
    return piece.lower()


def piece_of(grade_id, assignment=None):
    """The piece a grade id names (``test_gini`` or ``gini`` -> ``gini``), else None.

    >>> piece_of("test_decisiontreeclassifier")
    'DecisionTreeClassifier'
    """
    name = grade_id[len("test_"):] if grade_id.startswith("test_") else grade_id
    pieces = ASSIGNMENTS.get(assignment, ()) if assignment else PIECE_ASSIGNMENT
    for piece in pieces:
        if piece.lower() == name:
            return piece
    return None
