"""Least knowledge: no oracle a student can query, no other piece's cases in a check's memory.

The class, not the instance: stub submissions whose pieces compute nothing
and only try to get the reference's answers out of the grader

* by calling the other pieces' stand-ins on the case's inputs and on
  derived ones (``gini(y) = -information_gain(zeros(2n), y, y)``,
  ``accuracy = trace(confusion_matrix(...)) / n``, cumulative shares by
  bisecting ``n_components_for``), many times, and on a huge input
  (``confusion_matrix(y, y, 15000)``: 1.8 GB if the reference answered it);
* by reading other pieces' hidden inputs from their own memory
  (``/proc/self/mem``, which holds every object of the process, what
  ``gc.get_objects()``, frames and globals reach and what the fork inherited
  and freed): a probe piece answers right only when it finds its own
  case's inputs and no other piece's;

score 0 on the stub pieces (the probe full), in the sandboxed worker on one
machine and inside a Dask worker, and the grading process's peak RSS
(``resource.getrusage``) stays bounded. Each grading runs in a fresh process
so its peak is its own.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.grading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 4242
MAX_GROWTH_KB = 400 * 1024  # what grading one submission may add to its process's peak

HELPERS = '''
import numpy as np

_DEPTH = [0]

def _ask(function, *args, **kwargs):
    """A stand-in's answer, or None (a stub calling a stub calling a stub ends here)."""
    if _DEPTH[0] > 1:
        return None
    _DEPTH[0] += 1
    try:
        return function(*args, **kwargs)
    except Exception:
        return None
    finally:
        _DEPTH[0] -= 1
'''

STUBS = {
    "a2_decision_tree": {
        "gini": '''
def gini(y):
    y = np.asarray(y)
    if len(y) == 0:
        return 0.0
    gain = _ask(information_gain, np.zeros(2 * len(y), dtype=y.dtype), y, y)
    return None if gain is None else -gain
''',
        "entropy": '''
def entropy(y):
    y = np.asarray(y)
    if len(y) == 0:
        return 0.0
    gain = _ask(information_gain, np.zeros(2 * len(y), dtype=y.dtype), y, y, criterion="entropy")
    return None if gain is None else -gain
''',
        "information_gain": '''
def information_gain(y, y_left, y_right, criterion="gini"):
    for i in range(400):  # many calls on inputs of its choosing
        _ask(gini, np.arange(i % 7 + 1))
    return _ask(best_split, np.arange(len(y), dtype=float).reshape(-1, 1), np.asarray(y), criterion)
''',
    },
    "a5_evaluation": {
        "accuracy": '''
def accuracy(y_true, y_pred):
    _ask(confusion_matrix, np.asarray(y_true)[:2], np.asarray(y_pred)[:2], 15000)  # 1.8 GB of answer
    k = int(max(np.max(y_true), np.max(y_pred))) + 1
    cm = _ask(confusion_matrix, y_true, y_pred, k)
    return None if cm is None else float(np.trace(np.asarray(cm)) / len(y_true))
''',
        "precision_recall_f1": '''
def precision_recall_f1(y_true, y_pred, n_classes):
    for k in range(300):
        _ask(confusion_matrix, y_true, y_pred, n_classes + k)
    return _ask(confusion_matrix, y_true, y_pred, n_classes)
''',
    },
    "a1_data_pca": {
        "explained_variance_ratio": '''
def explained_variance_ratio(eigenvalues):
    e = np.asarray(eigenvalues, dtype=float)
    cum = []
    for k in range(1, len(e) + 1):  # bisect n_components_for for each cumulative share
        lo, hi = 0.0, 1.0
        for _ in range(40):
            mid = (lo + hi) / 2
            got = _ask(n_components_for, e, mid)
            if got is None:
                return None
            lo, hi = (mid, hi) if got <= k else (lo, mid)
        cum.append(lo)
    return np.diff(np.concatenate([[0.0], cum]))
''',
        "class_distribution": '''
def class_distribution(y, n_classes):
    report = _ask(integrity_report, np.zeros((len(y), 1)), y, n_classes)
    return None if report is None else np.full(n_classes, 1.0 / n_classes)
''',
    },
}

PROBE = '''
_FOUND = {}

def _scan(needles):
    """{name: found} of (first half, second half) needles in this process's memory."""
    if _FOUND.get("pid") == os.getpid():  # once per process (a demo cell may call it in the kernel)
        return _FOUND
    found = {name: False for name in needles}
    import ctypes
    ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE 1: /proc/self/mem is ours to read again
    fd = os.open("/proc/self/mem", os.O_RDONLY)
    try:
        for line in open("/proc/self/maps").read().splitlines():
            parts = line.split()
            if "r" not in parts[1] or (len(parts) > 5 and parts[5].startswith("/")) or parts[-1] in ("[vvar]", "[vsyscall]"):
                continue
            start, end = (int(x, 16) for x in parts[0].split("-"))
            pos = start
            while pos < end:
                n = min(end - pos, 64 << 20)
                try:
                    chunk = os.pread(fd, n + 64, pos) if pos + n < end else os.pread(fd, n, pos)
                except OSError:
                    break
                for name, (a, b) in needles.items():
                    i = chunk.find(a)
                    while i >= 0 and not found[name]:
                        if chunk[i + len(a):i + len(a) + len(b)] == b:
                            found[name] = True
                        i = chunk.find(a, i + 1)
                pos += n
    finally:
        os.close(fd)
    _FOUND.clear()
    _FOUND.update(found)
    _FOUND["pid"] = os.getpid()
    return _FOUND
'''


def _probe_source(piece, own, foreign):
    """`piece` answers right only if it sees `own`'s needle and none of `foreign`'s."""
    import fmnist_edu

    def halves(text):
        return (text[:24].encode(), text[24:48].encode())

    needles = {f"own:{k}": halves(v) for k, v in own.items()}
    needles.update({f"foreign:{k}": halves(v) for k, v in foreign.items()})
    lines = [f"    {name!r}: ({a!r}, {b!r})," for name, (a, b) in needles.items()]
    import inspect

    signature = inspect.signature(getattr(fmnist_edu, piece))
    params = list(signature.parameters)
    return "import os\nimport numpy as np\n" + PROBE + "\n_NEEDLES = {\n" + "\n".join(lines) + "\n}\n" + \
        f'''
def {piece}{signature}:
    found = _scan(_NEEDLES)
    if any(v for k, v in found.items() if k.startswith("foreign:")) or not any(
            v for k, v in found.items() if k.startswith("own:")):
        return "found: " + " ".join(sorted(k for k, v in found.items() if v and k != "pid"))[:200]
    return _right({", ".join(params)})
'''


def _needles(steps):
    """{step: 48 characters of its inputs' JSON found in no other step's}: in memory only with the inputs.

    The window is array data (digits, not JSON keys); a step without
    such a window (tiny or constant arrays) has none.
    """
    out = {}
    for step in steps:
        text = step["inputs"]
        others = [s["inputs"] for s in steps if s is not step]
        for i in range(0, max(0, len(text) - 48), 5):
            window = text[i:i + 48]
            if (all(c in "0123456789.,- e[]" for c in window) and sum(c.isdigit() for c in window) >= 14
                    and len(set(window)) > 6 and not any(window in o for o in others)):
                out[step["step"]] = window
                break
    return out


def grade_stubs(assignment, cells_by_piece, seed=SEED):
    """({piece: score}, {piece: message}, peak RSS (KB) of this process, notes): run in a fresh process."""
    import resource
    import tempfile

    from autograder.verdict.submission import Submission, source_cells
    from autograder.verdict.trusted import build_steps, judge, run_in_worker

    given, points = source_cells(os.path.join(ROOT, "course", "source", assignment, f"{assignment}.ipynb"))
    cells = list(given) + [(piece.lower(), src) for piece, src in cells_by_piece.items()]
    with tempfile.TemporaryDirectory() as workdir:
        records, notes = run_in_worker(assignment, "stub", seed, cells, workdir, sandbox=True,
                                       step_timeout=60, total_timeout=400,
                                       steps=build_steps(assignment, seed))
    submission = Submission("stub", assignment, answers={p.lower(): s for p, s in cells_by_piece.items()})
    verdicts = judge(assignment, seed, records, submission, {p.lower(): 1.0 for p in cells_by_piece})
    return ({p: verdicts[p].score for p in cells_by_piece}, {p: verdicts[p].message[:300] for p in cells_by_piece},
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, notes)


def submission_for(assignment, probe=None, seed=SEED):
    """The stub pieces of `assignment`, and the probe piece (answering right from `_right`)."""
    from fmnist_checks.pieces import ASSIGNMENTS

    from autograder.verdict.trusted import build_steps

    pieces = ASSIGNMENTS[assignment]
    head = HELPERS
    cells = {piece: head + textwrap.dedent(src) for piece, src in STUBS[assignment].items()}
    if probe is not None:
        from autograder.cli.corpus import submissions

        steps = build_steps(assignment, seed, isolate=False)
        n_visible = {}
        from fmnist_checks.runner import visible_cases

        for piece in pieces:
            n_visible[piece] = len(visible_cases(piece))
        hidden = [s for s in steps if int(s["step"].rsplit(":", 1)[1]) >= n_visible[s["piece"]]]
        needles = _needles(hidden)
        own = {k: v for k, v in needles.items() if k.split(":")[1] == probe}
        foreign = {k: v for k, v in needles.items() if k.split(":")[1] != probe}
        assert own and foreign, "no distinctive inputs to look for"
        right = submissions(assignment).CORRECT[probe].replace(f"def {probe}(", "def _right(", 1)
        cells[probe] = right + "\n" + _probe_source(probe, own, foreign)
    return cells


def _run_fresh(assignment, probe):
    code = ("import json, sys; sys.path.insert(0, 'tests'); import test_least_knowledge as t; "
            f"cells = t.submission_for({assignment!r}, {probe!r}); "
            f"print(json.dumps(t.grade_stubs({assignment!r}, cells)))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.path.join(ROOT, "autograder")]))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    scores, messages, peak_kb, notes = json.loads(out.stdout.strip().splitlines()[-1])
    return scores, messages, peak_kb, notes


def _baseline_kb():
    code = ("import resource, sys; sys.path.insert(0, 'tests'); import test_least_knowledge as t; "
            "import autograder.verdict.trusted, autograder.verdict.isolation, fmnist_edu; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.path.join(ROOT, "autograder")])),
                         capture_output=True, text=True, timeout=300)
    return int(out.stdout.strip().splitlines()[-1])


PROBES = {"a5_evaluation": "confusion_matrix", "a2_decision_tree": "best_split", "a1_data_pca": "pca_fit"}


@pytest.mark.parametrize("assignment", ["a5_evaluation", "a2_decision_tree", "a1_data_pca"])
def test_stubs_get_no_reference_answer_and_no_other_pieces_cases_on_one_machine(assignment):
    if not os.path.exists("/usr/bin/bwrap"):
        pytest.skip("bubblewrap is not installed")
    scores, messages, peak_kb, notes = _run_fresh(assignment, PROBES[assignment])
    probe = PROBES[assignment]
    stubs = {p: s for p, s in scores.items() if p != probe}
    assert all(s == 0.0 for s in stubs.values()), (stubs, messages)
    assert scores[probe] == 1.0, (messages[probe], notes)
    growth = peak_kb - _baseline_kb()
    assert growth < MAX_GROWTH_KB, f"grading grew the process's peak by {growth / 1024:.0f} MB"


def test_stubs_score_zero_inside_a_dask_worker_whose_memory_stays_bounded():
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    if not os.path.exists("/usr/bin/bwrap"):
        pytest.skip("bubblewrap is not installed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        def task(root):
            import resource
            import sys

            sys.path[:0] = [os.path.join(root, "tests"), root, os.path.join(root, "autograder")]
            import test_least_knowledge as t

            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            scores, messages, peak, notes = t.grade_stubs("a5_evaluation", t.submission_for("a5_evaluation", "confusion_matrix"))
            return scores, messages, before, peak

        scores, messages, before, peak = client.submit(task, ROOT, pure=False).result(timeout=600)
    finally:
        client.close()
        cluster.close()
    assert scores["accuracy"] == 0.0 and scores["precision_recall_f1"] == 0.0, messages
    assert scores["confusion_matrix"] == 1.0, messages
    assert peak - before < MAX_GROWTH_KB, f"the Dask worker's peak grew by {(peak - before) / 1024:.0f} MB"


def test_the_notebooks_kernel_forks_hold_only_their_own_pieces_cases(tmp_path):
    """The checks in forks of the notebook's own kernel: no piece's cases in the kernel before its fork."""
    from autograder.hidden import grading_seed
    from autograder.batch.pipeline import Options, grade_class
    from autograder.cli.samples import fill
    from grading_helpers import ASSIGNMENT, _course, _notebooks, _submit

    course = _course(str(tmp_path))
    _, release = _notebooks(course)
    seed = grading_seed(ASSIGNMENT, "probe", course_dir=course)  # makes the course's secret
    cells = submission_for(ASSIGNMENT, "confusion_matrix", seed)
    _submit(course, "probe", fill(release, {p.lower(): src for p, src in cells.items()}))
    options = Options(jobs=1, sandbox=False, cell_timeout=60, notebook_timeout=300)
    result = grade_class(course, ASSIGNMENT, options=options, progress=False)[0]
    assert not any("fresh worker" in n for n in result.notes), result.notes
    assert result.scores["accuracy"] == 0.0 and result.scores["precision_recall_f1"] == 0.0, result.messages
    assert result.scores["confusion_matrix"] == 2.0, result.messages["confusion_matrix"]
