"""Answers to assignment 5 as a student would write them: one correct, many buggy.

CORRECT maps each piece to the source of a correct answer cell. BUGGY lists
(piece, bug name, source, fragment expected in the grader's message). The
sources run after the notebook's given cells (``numpy as np``).
"""

ACCURACY = '''
def accuracy(y_true, y_pred):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in length: {len(y_true)} and {len(y_pred)}")
    return float(np.mean(y_true == y_pred))
'''

CONFUSION_MATRIX = '''
def confusion_matrix(y_true, y_pred, n_classes):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError("y_true and y_pred must have the same length")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if np.any((y < 0) | (y >= n_classes)):
            raise ValueError(f"{name} holds a label outside 0..{n_classes - 1}")
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred):
        matrix[t, p] += 1
    return matrix
'''

PRF = '''
def precision_recall_f1(y_true, y_pred, n_classes):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError("y_true and y_pred must have the same length")
    precision = np.zeros(n_classes)
    recall = np.zeros(n_classes)
    f1 = np.zeros(n_classes)
    for k in range(n_classes):
        tp = np.sum((y_pred == k) & (y_true == k))
        predicted = np.sum(y_pred == k)
        actual = np.sum(y_true == k)
        if predicted > 0:
            precision[k] = tp / predicted
        if actual > 0:
            recall[k] = tp / actual
        if precision[k] + recall[k] > 0:
            f1[k] = 2 * precision[k] * recall[k] / (precision[k] + recall[k])
    return precision, recall, f1
'''

# other correct ways of writing a piece: they must score full too
CORRECT_VARIANTS = [
    ("accuracy", "counts with a loop over zip", '''
def accuracy(y_true, y_pred):
    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred must have the same length")
    return sum(int(t == p) for t, p in zip(y_true, y_pred)) / len(y_true)
'''),
    ("confusion_matrix", "np.add.at on int64", CONFUSION_MATRIX.replace(
        """    matrix = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred):
        matrix[t, p] += 1
""", """    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
""")),
    ("precision_recall_f1", "F1 as 2 TP / (2 TP + FP + FN) from the confusion matrix", '''
def precision_recall_f1(y_true, y_pred, n_classes):
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(cm).astype(float)
    col, row = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.where(col > 0, tp / np.maximum(col, 1), 0.0)
    recall = np.where(row > 0, tp / np.maximum(row, 1), 0.0)
    denominator = col + row
    f1 = np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)
    return precision, recall, f1
'''),
]

CORRECT = {
    "accuracy": ACCURACY,
    "confusion_matrix": CONFUSION_MATRIX,
    "precision_recall_f1": PRF,
}

BUGGY = [
    # --- accuracy
    ("accuracy", "count instead of share",
     ACCURACY.replace("float(np.mean(y_true == y_pred))", "int(np.sum(y_true == y_pred))"),
     "divide by the number of samples"),
    ("accuracy", "integer division",
     ACCURACY.replace("float(np.mean(y_true == y_pred))",
                      "int(np.sum(y_true == y_pred)) // len(y_true)"),
     "integer division"),
    ("accuracy", "error rate instead of accuracy",
     ACCURACY.replace("float(np.mean(y_true == y_pred))", "float(np.mean(y_true != y_pred))"),
     "share of equal entries"),
    # --- confusion_matrix
    ("confusion_matrix", "transposed (rows predicted)",
     CONFUSION_MATRIX.replace("matrix[t, p] += 1", "matrix[p, t] += 1"), "transposed"),
    ("confusion_matrix", "float counts",
     CONFUSION_MATRIX.replace(", dtype=int)", ")"), "integer counts"),
    ("confusion_matrix", "size from the data, not n_classes",
     CONFUSION_MATRIX.replace("matrix = np.zeros((n_classes, n_classes), dtype=int)",
                              "k = max(y_true.max(), y_pred.max()) + 1\n"
                              "    matrix = np.zeros((k, k), dtype=int)"),
     "expected shape (3, 3)"),
    # --- precision_recall_f1
    ("precision_recall_f1", "precision and recall swapped",
     PRF.replace("return precision, recall, f1", "return recall, precision, f1"),
     "precision and recall are swapped"),
    ("precision_recall_f1", "NaN instead of 0 where undefined",
     '''
def precision_recall_f1(y_true, y_pred, n_classes):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError("y_true and y_pred must have the same length")
    tp = np.array([np.sum((y_true == k) & (y_pred == k)) for k in range(n_classes)])
    predicted = np.array([np.sum(y_pred == k) for k in range(n_classes)])
    actual = np.array([np.sum(y_true == k) for k in range(n_classes)])
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = tp / predicted
        recall = tp / actual
        f1 = 2 * precision * recall / (precision + recall)
    return precision, recall, f1
''', "return 0.0 there"),
    ("precision_recall_f1", "F1 as the mean of p and r",
     PRF.replace("f1[k] = 2 * precision[k] * recall[k] / (precision[k] + recall[k])",
                 "f1[k] = (precision[k] + recall[k]) / 2"),
     "harmonic mean"),
    ("precision_recall_f1", "precision over the true count (row sums)",
     PRF.replace("precision[k] = tp / predicted", "precision[k] = tp / max(actual, 1)"),
     "precision"),
]

GIVEN = '''
import numpy as np
'''

# Correct under the contract (int arrays in, no error named): they used to be
# graded as bugs; now a list or a ValueError is advice that costs no points.
CORRECT_VARIANTS += [
    ("accuracy", "written for arrays only: (a == b).mean()", '''
def accuracy(y_true, y_pred):
    return (y_true == y_pred).mean()
'''),
    ("accuracy", "written for arrays only: .shape and np.sum", '''
def accuracy(y_true, y_pred):
    return float(np.sum(y_true == y_pred) / y_true.shape[0])
'''),
    ("accuracy", "np.count_nonzero, no length check", '''
def accuracy(y_true, y_pred):
    return np.count_nonzero(y_true == y_pred) / len(y_true)
'''),
    ("confusion_matrix", "loop, no ValueError", '''
def confusion_matrix(y_true, y_pred, n_classes):
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    for i in range(len(y_true)):
        matrix[y_true[i], y_pred[i]] += 1
    return matrix
'''),
    ("confusion_matrix", "np.bincount of t * K + p, no ValueError", '''
def confusion_matrix(y_true, y_pred, n_classes):
    flat = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)
'''),
    ("confusion_matrix", "double comprehension of sums", '''
def confusion_matrix(y_true, y_pred, n_classes):
    return np.array([[np.sum((y_true == i) & (y_pred == j)) for j in range(n_classes)]
                     for i in range(n_classes)])
'''),
    ("precision_recall_f1", "loop with if/else, no ValueError", '''
def precision_recall_f1(y_true, y_pred, n_classes):
    p, r, f = [], [], []
    for k in range(n_classes):
        tp = np.sum((y_true == k) & (y_pred == k))
        fp = np.sum((y_true != k) & (y_pred == k))
        fn = np.sum((y_true == k) & (y_pred != k))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        p.append(precision)
        r.append(recall)
        f.append(f1)
    return np.array(p), np.array(r), np.array(f)
'''),
]
