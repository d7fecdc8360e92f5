"""fmnist-grade on a Dask cluster: the same scores as on one machine, killed workers, --resume.

A LocalCluster of two workers, reached through its scheduler's address as
``--cluster tcp://...`` would. A worker plugin of this test kills the worker
the first time it starts bob's step (Dask must run it again elsewhere) and
every time it starts doomed's (recorded as failed, the batch finishes). a5
with its demo cells left out, four submissions, no sandbox: this test is about
where the steps run.
"""

import copy
import json
import os
import shutil
import sys

import pytest

from autograder.batch.cluster import materialise_data
from autograder.batch.nbgrader_cli import run_nbgrader
from autograder.batch.pipeline import Options, grade_class
from autograder.cli.samples import BUGS, answer_sources, fill
from fmnist_checks.notebook import is_answer, is_given, is_test

pytestmark = pytest.mark.grading

ASSIGNMENT = "a5_evaluation"
HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.join(os.path.dirname(HERE), "course")


def _course(root):
    course = os.path.join(root, "course")
    os.makedirs(os.path.join(course, "source"))
    shutil.copy(os.path.join(COURSE, "nbgrader_config.py"), course)
    shutil.copytree(os.path.join(COURSE, "source", ASSIGNMENT), os.path.join(course, "source", ASSIGNMENT))
    path = os.path.join(course, "source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    nb["cells"] = [c for c in nb["cells"] if c["cell_type"] != "code" or is_given(c) or is_answer(c) or is_test(c)]
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(nb, fh)
    run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], cwd=course)
    with open(os.path.join(course, "release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), encoding="utf-8") as fh:
        release = json.load(fh)
    solved = answer_sources(nb)
    piece, bug = BUGS[ASSIGNMENT]
    for student, answers in (("ann", solved), ("bob", dict(solved, **{piece.lower(): bug})),
                             ("carl", {}), ("doomed", solved)):
        folder = os.path.join(course, "submitted", student, ASSIGNMENT)
        os.makedirs(folder)
        with open(os.path.join(folder, f"{ASSIGNMENT}.ipynb"), "w", encoding="utf-8") as fh:
            json.dump(fill(release, answers), fh)
    return course


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # the tests that need it skip
    WorkerPlugin = object


class Killer(WorkerPlugin):
    """Worker plugin: end the worker when it starts bob's step the first time, doomed's always."""

    def __init__(self, marker):
        self.marker = marker

    def transition(self, key, start, finish, **kwargs):
        if finish != "executing":
            return
        name = str(key)
        if "grade-doomed-" in name:
            os._exit(1)
        if "grade-bob-" in name and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os._exit(1)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    import cloudpickle
    import dask

    root = str(tmp_path_factory.mktemp("cluster"))
    here, there = _course(os.path.join(root, "here")), _course(os.path.join(root, "there"))
    options = dict(sandbox=False, cell_timeout=30, notebook_timeout=240)
    alone = {r.student: r for r in grade_class(here, ASSIGNMENT, options=Options(jobs=2, **options),
                                               progress=False)}
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with dask.config.set({"distributed.scheduler.allowed-failures": 2}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        client = distributed.Client(cluster)
        try:
            client.register_plugin(Killer(os.path.join(root, "bob-killed-once")), name="killer")
            on_dask = {r.student: r for r in grade_class(
                there, ASSIGNMENT, options=Options(cluster=cluster.scheduler_address, **options),
                progress=False)}
        finally:
            client.close()
            cluster.close()
    return here, there, alone, on_dask, options, root


def test_the_same_scores_on_a_cluster_as_on_one_machine(graded):
    _, _, alone, on_dask, _, root = graded
    assert os.path.exists(os.path.join(root, "bob-killed-once")), "bob's worker was never killed"
    for student in ("ann", "bob", "carl"):
        assert on_dask[student].scores == alone[student].scores, (student, on_dask[student].notes)
        assert on_dask[student].scores, student
    assert alone["ann"].total == 5 and alone["carl"].total == 0 and 0 < alone["bob"].total < 5


def test_a_step_that_kills_every_worker_is_recorded_as_failed(graded):
    _, there, alone, on_dask, _, _ = graded
    assert alone["doomed"].total == 5
    doomed = on_dask["doomed"]
    assert doomed.scores == {} and any("given up" in n for n in doomed.notes), doomed.notes
    assert not os.path.exists(os.path.join(there, "autograded", "doomed"))


def test_resume_skips_unchanged_steps_and_redoes_them_when_the_checks_change(graded, monkeypatch):
    here, _, alone, _, options, _ = graded
    again = {r.student: r for r in grade_class(here, ASSIGNMENT, options=Options(resume=True, **options),
                                               progress=False)}
    for student, r in again.items():
        assert any("not graded again" in n for n in r.notes), student
        assert r.scores == alone[student].scores
    import autograder.batch.pipeline as pipeline

    monkeypatch.setattr(pipeline, "grader_fingerprint", lambda: "checks changed")
    redone = grade_class(here, ASSIGNMENT, ["ann"], options=Options(resume=True, **options), progress=False)
    assert not any("not graded again" in n for n in redone[0].notes)


def _fake_step(job, data_dir=None):
    """A grading step in no time: the data file it was given, as its notes."""
    with open(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"), "rb") as fh:
        data = fh.read().decode()
    return {"assignment": job["assignment"], "student": job["student"], "key": None, "pieces": {"A": 1},
            "results": {}, "files": {}, "seconds": 0.0, "notes": [data]}


def test_no_step_is_lost_with_the_worker_that_held_the_only_copy_of_the_data(tmp_path, monkeypatch):
    """Issue 11: the data used to be scattered, and scattered data dies with its last holder.

    One worker: bob's step ends it once, which took the only copy of the data, so
    every step not done yet came back cancelled, their lone reruns too (the data
    was gone), and they were given up with no scores. The data is a task's result
    now: Dask computes it again on the restarted worker and every step is graded.
    """
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    import hashlib

    import cloudpickle
    import dask

    import autograder.batch.cluster as cluster_module

    files = {"t10k-labels-idx1-ubyte.gz": b"the labels"}
    sha = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    monkeypatch.setattr(cluster_module, "local_data", lambda: (files, sha))
    jobs = [{"assignment": ASSIGNMENT, "student": s, "options": {"sandbox": False}, "data_sha256": sha}
            for s in ("ann", "bob", "carl")]
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with dask.config.set({"distributed.scheduler.allowed-failures": 2}):
        cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                           dashboard_address=None, worker_dashboard_address=None)
        client = distributed.Client(cluster)
        try:
            client.register_plugin(Killer(str(tmp_path / "bob-killed-once")), name="killer")
            results = {r["student"]: r for r in cluster_module._run_dask(
                _fake_step, jobs, Options(cluster="given", sandbox=False), False, "grading", client=client)}
        finally:
            client.close()
            cluster.close()
    assert (tmp_path / "bob-killed-once").exists(), "bob's worker was never killed"
    for student in ("ann", "bob", "carl"):
        assert results[student]["pieces"] == {"A": 1}, (student, results[student]["notes"])
        assert results[student]["notes"] == ["the labels"], student


def test_data_sent_to_a_worker_is_checked_by_sha256(tmp_path, monkeypatch):
    import hashlib

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    files = {"t10k-labels-idx1-ubyte.gz": b"labels"}
    good = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    folder, note = materialise_data(files, good)
    assert note is None and open(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"), "rb").read() == b"labels"
    bad = copy.deepcopy(good)
    bad["t10k-labels-idx1-ubyte.gz"] = "0" * 64
    folder, note = materialise_data(files, bad)
    assert folder is None and "SHA-256" in note


def test_local_cluster_workers_run_with_the_quiet_settings():
    """`--cluster local:N` workers tick, sample and check memory seldom (an idle worker burned
    4.9 CPU s a minute with Dask's defaults, 0.8 with these: benchmarks/idle_cluster.py)."""
    pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    import dask

    from autograder.batch.cluster import QUIET_LOCAL_CLUSTER, connect

    # connect() sets this process's config: the block puts the values back after
    with dask.config.set({key: dask.config.get(key) for key in QUIET_LOCAL_CLUSTER}):
        client, local = connect("local:1")
        try:
            client.wait_for_workers(1)
            seen = client.run(lambda: {key: dask.config.get(key) for key in QUIET_LOCAL_CLUSTER})
        finally:
            client.close()
            local.close()
    assert QUIET_LOCAL_CLUSTER["distributed.admin.tick.interval"] == "1s"
    for worker, config in seen.items():
        assert config == QUIET_LOCAL_CLUSTER, (worker, config)


def test_a_worker_checks_the_data_once_and_again_when_its_copy_changed(tmp_path, monkeypatch):
    import hashlib

    import autograder.batch.cluster as cluster_module

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    files = {"t10k-labels-idx1-ubyte.gz": b"labels"}
    good = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    folder, note = materialise_data(files, good)
    path = os.path.join(folder, "t10k-labels-idx1-ubyte.gz")
    calls = []
    real = cluster_module._materialise
    monkeypatch.setattr(cluster_module, "_materialise", lambda *a: calls.append(1) or real(*a))
    assert materialise_data(files, good) == (folder, None) and calls == []  # the same files: no second check
    with open(path, "wb") as fh:  # the worker's copy changed under it (same size)
        fh.write(b"LABELS")
    os.utime(path, ns=(1, 1))
    folder_now, note = materialise_data(files, good)  # checked again, and refused
    assert folder_now is None and "does not match its SHA-256" in note and calls == [1]
    os.remove(path)
    other = {"t10k-labels-idx1-ubyte.gz": b"labels"}  # another object with the same bytes: checked
    assert materialise_data(other, good) == (folder, None) and calls == [1, 1]
    assert open(path, "rb").read() == b"labels"
