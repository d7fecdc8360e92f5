"""Student code runs once: the hidden checks run in forks of the notebook's own kernel.

Graded without the sandbox (so an answer cell can count its runs in a file of
this test's): a submission whose answer cell counts how often it runs and
whose last cell rebinds a graded name, and one whose `precision_recall_f1`
kills the kernel from inside a check. The sandboxed path is graded by
tests/test_grade_steps.py with the same code.
"""

import os

import pytest

from autograder.batch.pipeline import Options, grade_class
from autograder.cli.samples import answer_sources, fill
from grading_helpers import ASSIGNMENT, _course, _notebooks, _submit

pytestmark = pytest.mark.grading

KILLER = '''import os
_KERNEL = os.getpid()


def precision_recall_f1(y_true, y_pred, n_classes):
    if os.getpid() != _KERNEL:  # in a check: a fork of the kernel
        os.kill(_KERNEL, 9)
    return _solved(y_true, y_pred, n_classes)
'''


def _append_cell(nb, source):
    nb["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                        "source": source})
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("kernel-checks")
    course = _course(str(root))
    source, release = _notebooks(course)
    solved = answer_sources(source)
    counter = os.path.join(str(root), "accuracy-cell-runs.txt")
    counted = f"open({counter!r}, 'a').write('ran\\n')\n" + solved["accuracy"]
    once = fill(release, dict(solved, accuracy=counted))
    _submit(course, "once", _append_cell(once, "accuracy = 'rebound by a later cell'\n"))
    killer = solved["precision_recall_f1"].replace("def precision_recall_f1(", "def _solved(", 1) + "\n\n" + KILLER
    _submit(course, "killer", fill(release, dict(solved, precision_recall_f1=killer)))
    options = Options(jobs=1, sandbox=False, cell_timeout=30, notebook_timeout=300)
    results = {r.student: r for r in grade_class(course, ASSIGNMENT, options=options, progress=False)}
    return results, counter


def test_the_answer_cells_run_once_and_the_checks_grade_what_they_defined(graded):
    results, counter = graded
    once = results["once"]
    with open(counter, encoding="utf-8") as fh:
        runs = fh.read().count("ran")
    assert runs == 1, f"the accuracy answer cell ran {runs} times; notes: {once.notes}"
    assert once.scores == {"accuracy": 1.0, "confusion_matrix": 2.0, "precision_recall_f1": 2.0}, once.messages
    assert not any("fresh worker" in n for n in once.notes), once.notes


def test_a_check_that_kills_the_kernel_costs_only_its_piece(graded):
    results, _ = graded
    killer = results["killer"]
    assert killer.scores["precision_recall_f1"] == 0.0, killer.messages
    assert killer.scores["accuracy"] == 1.0 and killer.scores["confusion_matrix"] == 2.0, killer.messages
    assert any("ended the notebook's kernel" in n for n in killer.notes), killer.notes


def test_a_checks_fork_starts_with_its_parents_objects_frozen_and_the_parent_does_not():
    """The kernel's checks each run in a fork (``worker._fork``): a garbage collection there
    walks only the fork's own objects, and the kernel's own collector is left as it was."""
    import gc

    from autograder.sandbox.worker import _fork

    kept = [[i] for i in range(10_000)]  # objects the parent holds  # noqa: F841
    r, w = os.pipe()
    pid = _fork()
    if pid == 0:
        try:
            os.close(r)
            os.write(w, str(gc.get_freeze_count()).encode())
        finally:
            os._exit(0)
    os.close(w)
    seen = int(os.read(r, 64) or b"0")
    os.close(r)
    os.waitpid(pid, 0)
    assert seen >= 10_000, f"the fork saw {seen} frozen objects"
    assert gc.get_freeze_count() == 0
