"""A corpus of hostile and broken submissions of a5_evaluation, with the grade each must get.

Each entry: student id -> (what it does, how to build it, expected scores).
``build`` is one operation or a list of them, each one of
  ("answers", {grade id: source})  the solved notebook with these answer cells replaced;
  ("raw", text)                    the notebook file's bytes are this text;
  ("rename", new name)             the solved notebook saved under another name;
  ("drop_given", None)             the solved notebook without its given and test cells;
  ("edit_given", source)           the solved notebook with its locked given cells edited;
  ("grade_id", (old, new))         an answer cell's grade id changed;
  ("other_assignment", None)       another assignment's released notebook under this name;
  ("extra_file", (path, text))     the solved notebook plus a file beside it.
Expected scores: piece -> "full" or 0. ``{COURSE}`` in a source is replaced by the
test course's absolute path, ``{PORT}`` by a port the test listens on.
"""

WRONG_ACCURACY = '''
def accuracy(y_true, y_pred):
    return 0.0
'''

ALL = {"accuracy": "full", "confusion_matrix": "full", "precision_recall_f1": "full"}
NO_ACCURACY = dict(ALL, accuracy=0)
NOTHING = {"accuracy": 0, "confusion_matrix": 0, "precision_recall_f1": 0}

CORPUS = {
    "solved": ("every piece right", ("answers", {}), ALL),
    "always_equal": ("returns an object whose == is always True", ("answers", {"accuracy": '''
class Anything(float):
    def __eq__(self, other):
        return True
    __ne__ = lambda self, other: False
    def __float__(self):
        return 0.0

def accuracy(y_true, y_pred):
    return Anything(0.0)
'''}), NO_ACCURACY),
    "patch_numpy": ("monkeypatches numpy's comparisons, then answers wrong", ("answers", {"accuracy": '''
import numpy as np
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
''' + WRONG_ACCURACY}), NO_ACCURACY),
    "patch_sklearn": ("replaces scikit-learn's accuracy_score (a dynamic import the ban cannot see)",
                      ("answers", {"accuracy": '''
_metrics = __import__("importlib").import_module("sklearn." + "metrics")
_metrics.accuracy_score = lambda *a, **k: 0.0
''' + WRONG_ACCURACY}), NO_ACCURACY),
    "patch_checks": ("replaces the checks themselves", ("answers", {"accuracy": '''
import fmnist_checks, fmnist_checks.runner
fmnist_checks.check = fmnist_checks.runner.check = lambda *a, **k: None
''' + WRONG_ACCURACY}), NO_ACCURACY),
    "swallow": ("hides every traceback", ("answers", {"accuracy": '''
get_ipython().showtraceback = lambda *a, **k: None
def accuracy(y_true, y_pred):
    raise RuntimeError("not done")
'''}), NO_ACCURACY),
    "transformer": ("an input transformer that empties every later cell", ("answers", {"accuracy": WRONG_ACCURACY + '''
get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
'''}), NO_ACCURACY),
    "exit_at_import": ("os._exit while its cell runs", ("answers", {"confusion_matrix": '''
import os
os._exit(0)
'''}), dict(ALL, confusion_matrix=0)),
    "exit_in_call": ("os._exit inside the function", ("answers", {"accuracy": '''
import os
def accuracy(y_true, y_pred):
    os._exit(3)
'''}), NO_ACCURACY),
    "segfault": ("crashes the interpreter", ("answers", {"accuracy": '''
import ctypes
def accuracy(y_true, y_pred):
    return ctypes.string_at(0)
'''}), NO_ACCURACY),
    "infinite_loop": ("never returns", ("answers", {"accuracy": '''
def accuracy(y_true, y_pred):
    while True:
        pass
'''}), NO_ACCURACY),
    "memory_bomb": ("allocates without end", ("answers", {"accuracy": '''
def accuracy(y_true, y_pred):
    hoard = []
    while True:
        hoard.append(bytearray(100 * 2**20))
'''}), NO_ACCURACY),
    "fork_bomb": ("forks without end", ("answers", {"accuracy": '''
import os
def accuracy(y_true, y_pred):
    while True:
        try:
            os.fork()
        except OSError:
            pass
'''}), NO_ACCURACY),
    "huge_output": ("prints a million lines, answers right", ("answers", {"accuracy": '''
import numpy as np
def accuracy(y_true, y_pred):
    for i in range(10**6):
        print("spam", i)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1 or y_true.size == 0:
        raise ValueError("y_true and y_pred must be 1-D, non-empty and of the same length")
    return float(np.mean(y_true == y_pred))
'''}), ALL),
    "read_gradebook": ("reads the gradebook, else fails", ("answers", {"accuracy": '''
import numpy as np
def accuracy(y_true, y_pred):
    open("{COURSE}/gradebook.db", "rb").read()
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
'''}), NO_ACCURACY),
    "read_source": ("reads the instructor's source notebook, else fails", ("answers", {"accuracy": '''
import numpy as np
def accuracy(y_true, y_pred):
    open("{COURSE}/source/a5_evaluation/a5_evaluation.ipynb").read()
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
'''}), NO_ACCURACY),
    "read_other": ("reads another student's submission, else fails", ("answers", {"accuracy": '''
import numpy as np
def accuracy(y_true, y_pred):
    open("{COURSE}/submitted/solved/a5_evaluation/a5_evaluation.ipynb").read()
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
'''}), NO_ACCURACY),
    "write_outside": ("writes into the course folder, else fails", ("answers", {"accuracy": '''
import numpy as np
def accuracy(y_true, y_pred):
    with open("{COURSE}/pwned.txt", "w") as fh:
        fh.write("pwned")
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
'''}), NO_ACCURACY),
    "network": ("connects to a server on this machine, else fails", ("answers", {"accuracy": '''
import socket
import numpy as np
def accuracy(y_true, y_pred):
    socket.create_connection(("127.0.0.1", {PORT}), timeout=2).close()
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
'''}), NO_ACCURACY),
    "syntax_error": ("a syntax error in one answer", ("answers", {"confusion_matrix": '''
def confusion_matrix(y_true, y_pred, n_classes)
    return None
'''}), dict(ALL, confusion_matrix=0)),
    "name_error": ("uses a name it never defined", ("answers", {"precision_recall_f1": '''
def precision_recall_f1(y_true, y_pred, n_classes):
    return undefined_helper(y_true, y_pred, n_classes)
'''}), dict(ALL, precision_recall_f1=0)),
    "renamed": ("the notebook saved under another name", ("rename", "my_work.ipynb"), NOTHING),
    "corrupt": ("the notebook file is not JSON", ("raw", '{"cells": [ {"cell_type": "code", '), NOTHING),
    "deleted_locked": ("given and test cells deleted", ("drop_given", None), ALL),
    "edited_locked": ("the given imports cell rewritten to break numpy", ("edit_given",
                      "import numpy as np\nnp.mean = lambda *a, **k: 1.0\n"), ALL),
    "changed_grade_id": ("an answer cell's grade id changed", ("grade_id", ("accuracy", "accuracy_v2")),
                         NO_ACCURACY),
    "other_assignment": ("another assignment's notebook handed in", ("other_assignment", None), NOTHING),
    "fake_autograder": ("ships its own autograder package that passes everything", ("extra_file", (
        "autograder/hidden/__init__.py", "def grade(*a, **k):\n    return None\n")), ALL),
}
CORPUS["fake_autograder_wrong"] = (
    "its own autograder package that passes everything, and a wrong answer",
    [("answers", {"accuracy": WRONG_ACCURACY}),
     ("extra_file", ("autograder/hidden/__init__.py", "def grade(*a, **k):\n    return None\n"))],
    NO_ACCURACY)
CORPUS["shadow_grader"] = (
    "ships autograder/ beside the notebook, hoping the grader's own code imports it as root",
    ("extra_file", ("autograder/__init__.py",
                    "open('{COURSE}/pwned_root.txt', 'w').write('ran as the grader')\n")),
    ALL)
