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

# --- attacks by a student who has read the grader's source (issue #10) -------------------------
# Each one fails (or leaves no trace) only because of what the grader does; the comment says what.

CORRECT_ACCURACY = '''
import numpy as np
def accuracy(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError("the lengths differ")
    return float(np.mean(y_true == y_pred))
'''

NOT_DONE = {name: f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n"
            for name in ("accuracy", "confusion_matrix", "precision_recall_f1")}

# forged results: every answer is NotImplementedError; the accuracy cell writes well-formed
# records and frames everywhere it can, and replaces the worker's call_answer and frame writer
FORGE = NOT_DONE["accuracy"] + '''
import os, sys, json, struct, gc
record = {"step": "case:accuracy:0", "ok": True, "result": 1.0}
line = (json.dumps(record) + "\\n").encode()
frame = struct.pack(">Q", len(line)) + line
head = json.dumps({"step": "case:accuracy:0", "status": "ok"}).encode()
# aimed at the trusted worker (in nbgrader's kernel the fds are its sockets: leave them alone)
for fd in (range(1, 64) if "ipykernel" not in sys.modules else ()):
    for data in (line, frame, struct.pack(">Q", len(head)) + head + frame):
        try:
            os.write(fd, data)
        except OSError:
            pass
for path in (f"/proc/{os.getppid()}/fd/1", "/proc/1/fd/1", f"/proc/{os.getppid()}/mem"):
    try:
        with open(path, "wb") as fh:
            fh.write(line)
    except OSError:
        pass
try:
    import fmnist_checks.core as core
    core.call_answer = lambda case, answer: {"__forged__": True}
except Exception:
    pass
for module in list(sys.modules.values()):
    for name in ("call_answer", "emit", "write_frame", "_send"):
        if hasattr(module, name):
            try:
                setattr(module, name, lambda *a, **k: None)
            except Exception:
                pass
'''

# answers within reach: the hidden case generators with the public seed rule, the reference's
# source read from disk and exec'd, scikit-learn's metrics by a name built at run time
REACH_ACCURACY = '''
import hashlib, importlib, os
import numpy as np
_cache = {}
def _hidden_expectations():
    hidden = importlib.import_module("auto" + "grader.hid" + "den")
    student = os.environ.get("FMNIST_EDU_STUDENT", "reach")
    for secret_path in ("{COURSE}/.fmnist-grading-secret",):
        try:
            open(secret_path, "rb").read()
        except OSError:
            pass
    seed = int.from_bytes(hashlib.sha256(f"a5_evaluation/{student}".encode()).digest()[:4], "little")
    visible, cases = hidden.all_cases("accuracy", seed)
    return {repr(c.inputs): c.expected() for c in visible + cases}
def accuracy(y_true, y_pred):
    table = _cache.setdefault("t", _hidden_expectations())
    for key, value in table.items():
        if repr(np.asarray(y_true).tolist()) in key:
            return value
    raise NotImplementedError()
'''
REACH_CONFUSION = '''
import ast, glob, importlib, os, sys
def _project_paths():
    # the editable install's finder names the project's folders
    for folder in sys.path:
        for finder in glob.glob(os.path.join(folder, "__editable__*finder.py")):
            text = open(finder).read()
            start = text.index("MAPPING")
            return ast.literal_eval(text[text.index("{", start):text.index("}", start) + 1])
    return {}
def confusion_matrix(y_true, y_pred, n_classes):
    path = _project_paths()["fmnist" + "_edu"]
    sys.path.insert(0, os.path.dirname(path))
    namespace = {"__name__": "ref"}
    source = open(os.path.join(path, "metrics.py")).read()
    exec(compile(source, "metrics.py", "exec"), namespace)
    return namespace["confusion_matrix"](y_true, y_pred, n_classes)
'''
REACH_PRF = '''
import importlib
def _metrics():
    return importlib.import_module("sk" + "learn." + "met" + "rics")
_kept = {}
def precision_recall_f1(y_true, y_pred, n_classes, _get=_metrics):
    m = _kept.setdefault("m", _get())
    labels = list(range(n_classes))
    p, r, f, _ = m.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return p, r, f
'''

# files outside the submission: from the kernel (nbgrader's autograde), replace the autograded
# notebook and a planted file by links to the course's source notebook and gradebook
PLANT_LINKS = CORRECT_ACCURACY + '''
import os
for name, target in (("a5_evaluation.ipynb", "{COURSE}/source/a5_evaluation/a5_evaluation.ipynb"),
                     ("planted.txt", "{COURSE}/gradebook.db")):
    try:
        if os.path.lexists(name):
            os.unlink(name)
        os.symlink(target, name)
    except OSError:
        pass
for path in ("{COURSE}/source/a5_evaluation/a5_evaluation.ipynb", "{COURSE}/gradebook.db"):
    try:
        with open(path, "w") as fh:
            fh.write("overwritten")
    except OSError:
        pass
'''

# leaks: print the hidden checks and the reference at definition time, answer right
LEAK = CORRECT_ACCURACY + '''
import ast, glob, os, sys
for folder in sys.path:
    for finder in glob.glob(os.path.join(folder, "__editable__*finder.py")):
        text = open(finder).read()
        start = text.index("MAPPING")
        paths = ast.literal_eval(text[text.index("{", start):text.index("}", start) + 1])
        for path in (os.path.join(paths["autograder"], "hidden", "a5_evaluation.py"),
                     os.path.join(paths["fmnist" + "_edu"], "metrics.py")):
            try:
                print(open(path).read())
            except OSError as exc:
                print("not readable:", type(exc).__name__)
'''

# injection: messages that are HTML, markdown and terminal escape sequences
INJECT = '''
def accuracy(y_true, y_pred):
    raise ValueError("<script>alert('xss')</script><img src=x onerror=alert(1)>\\n\\n"
                     "**Trusted grader, `accuracy`: 1 of 1 points**\\n\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07"
                     "\\u202eevil")
'''

# resources: fill every writable folder, print 30 MB, and send a frame whose array has a huge
# dtype from the step's own pipe
RESOURCES = CORRECT_ACCURACY + '''
import os
for folder in ("/tmp", "/dev/shm", "/var/tmp", "."):
    try:
        with open(os.path.join(folder, "fill.bin"), "wb") as fh:
            for _ in range(2048):
                fh.write(b"x" * 2**20)
    except OSError:
        pass
print("y" * (30 * 2**20))
'''
HUGE_DTYPE = '''
import json, os, struct
def confusion_matrix(y_true, y_pred, n_classes):
    payload = json.dumps({"result": {"__ndarray__": ["a", "b", "c"], "dtype": "<U200000000",
                                     "shape": [3]}}).encode()
    for fd in range(3, 16):
        try:
            os.write(fd, struct.pack(">Q", len(payload)) + payload)
        except OSError:
            pass
    os._exit(0)
'''

# robustness: a %timeit line and %matplotlib inline in a correct answer
MAGICS = '''
%matplotlib inline
import numpy as np
def accuracy(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError("the lengths differ")
    return float(np.mean(y_true == y_pred))
%timeit accuracy(np.array([0, 1]), np.array([0, 1]))
'''

INJECTED_NAME = "<img src=x onerror=alert(1)>**1 of 1 points**\x1b[2J.ipynb"

CORPUS.update({
    "forge": ("every answer NotImplementedError; forges records/frames on every fd and patches the worker",
              ("answers", dict(NOT_DONE, accuracy=FORGE)), NOTHING),
    "reach": ("looks up the hidden cases, execs the reference's source, holds sklearn.metrics",
              ("answers", {"accuracy": REACH_ACCURACY, "confusion_matrix": REACH_CONFUSION,
                           "precision_recall_f1": REACH_PRF}), NOTHING),
    "plant_links": ("its kernel replaces files beside the notebook by links to the course's files",
                    ("answers", {"accuracy": PLANT_LINKS}), ALL),
    "linked_notebook": ("the submitted notebook is a link to the course's source notebook",
                        ("symlink", "{COURSE}/source/a5_evaluation/a5_evaluation.ipynb"), NOTHING),
    "leak": ("prints the hidden checks and the reference when its cell runs",
             ("answers", {"accuracy": LEAK}), ALL),
    "inject": ("an error message that is HTML, markdown and escape sequences",
               ("answers", {"accuracy": INJECT}), NO_ACCURACY),
    "inject_name": ("the notebook saved under a name that is HTML and escape sequences",
                    ("rename", INJECTED_NAME), NOTHING),
    "resources": ("fills /tmp, /dev/shm, /var/tmp and its folder, prints 30 MB, forges a huge dtype",
                  ("answers", {"accuracy": RESOURCES, "confusion_matrix": HUGE_DTYPE}),
                  dict(ALL, confusion_matrix=0)),
    "robust": ("malformed cell metadata (nbgrader: true, a list) and %timeit/%matplotlib in an answer",
               [("answers", {"accuracy": MAGICS}), ("bad_metadata", None)], ALL),
})
