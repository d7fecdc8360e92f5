"""Bounds on the trusted side and per-student failure (issue 21): tried on a class, not an instance.

* One submission of 24 files just under the per-file cap (1.2 GB, sparse: no
  disk) among ordinary ones: the coordinator's peak RSS stays bounded (it
  drove the grading process to 2 GB, a LocalCluster's coordinator to 5.5 GB),
  the others are graded, and the big one is graded for its notebook with a
  note; on threads and on a LocalCluster, each in a fresh process
  (``benchmarks/submission_bounds.py``).
* A student whose ``timestamp.txt`` is garbage, and one whose files break the
  store (a folder named ``grading.json``): each is that student's note, the
  others are recorded, and ``fmnist-grade`` exits with status 3.
* The pieces: the survey decides before reading and follows no link; the
  gradebook's rows of one student go in one transaction; the memory cap is
  ``RLIMIT_DATA`` and leaves torch working.
"""

import json
import os
import resource
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "benchmarks"))

from submission_bounds import ASSIGNMENT, grade, make_course, per_file_cap, submit  # noqa: E402

pytestmark = pytest.mark.grading

# ann, bob and hog's notebook, the grader's imports, one step's files and results at a time:
# about 330 MB measured on threads and 420 MB on a LocalCluster (its scheduler in the same
# process); the 1.2 GB submission read whole took it to 2.5 GB and 4.5 GB
PEAK_MB = 800


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_course(str(tmp_path_factory.mktemp("bounds")), files=24)


def _check_class(out):
    results = out["results"]
    assert set(results) == {"ann", "bob", "hog"}
    assert sum(results["ann"]["scores"].values()) == 5, results["ann"]
    assert 0 < sum(results["bob"]["scores"].values()) < 5, results["bob"]
    hog = results["hog"]
    assert sum(hog["scores"].values()) == 5, hog  # the notebook is graded in full
    assert any("not shipped to the grader" in n for n in hog["notes"]), hog["notes"]
    assert hog["needs_look"], hog


def test_a_huge_submission_leaves_the_coordinator_bounded_and_the_class_graded(course):
    out = grade(course)
    assert out["rss_mb"] < PEAK_MB, f"the coordinator peaked at {out['rss_mb']:.0f} MB"
    _check_class(out)
    autograded = os.path.join(course, "autograded", "hog", ASSIGNMENT)
    held = sum(os.path.getsize(os.path.join(autograded, f)) for f in os.listdir(autograded))
    assert held <= 70 * 2**20, f"the autograded folder holds {held / 2**20:.0f} MB"


def test_a_huge_submission_leaves_a_local_cluster_coordinator_bounded(course):
    pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    out = grade(course, "local:1")
    assert out["rss_mb"] < PEAK_MB, f"the LocalCluster's coordinator peaked at {out['rss_mb']:.0f} MB"
    _check_class(out)


# -- per-student failure ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """ann and bob as usual; tim's timestamp.txt is garbage; gus's files break the store."""
    from autograder.cli import grade_class as command

    course = make_course(str(tmp_path_factory.mktemp("broken")), students=("ann", "bob", "tim", "gus"))
    with open(os.path.join(course, "submitted", "tim", ASSIGNMENT, "timestamp.txt"), "w") as fh:
        fh.write("the 31st of Smarch, at teatime")
    # a folder where the coordinator writes grading.json: copied by nbgrader like any other
    os.makedirs(os.path.join(course, "submitted", "gus", ASSIGNMENT, "grading.json"))
    with open(os.path.join(course, "submitted", "gus", ASSIGNMENT, "grading.json", "x"), "w") as fh:
        fh.write("x")
    csv = os.path.join(os.path.dirname(course), "grades.csv")
    before = resource.getrlimit(resource.RLIMIT_DATA)
    code = command.main([ASSIGNMENT, "--course", course, "--no-sandbox", "--cell-timeout", "30",
                         "--csv", csv])
    # fmnist-grade capped its own data segment while it graded, and only then
    assert resource.getrlimit(resource.RLIMIT_DATA) == before
    return course, code, csv


def test_one_students_failure_is_their_note_and_the_exit_status_says_so(broken, capsys):
    course, code, csv = broken
    assert code == 3
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        assert gb.find_submission(ASSIGNMENT, "ann").score == 5
        assert 0 < gb.find_submission(ASSIGNMENT, "bob").score < 5
        assert gb.find_submission(ASSIGNMENT, "gus").score == 5  # the gradebook first: it holds gus
        with pytest.raises(MissingEntry):
            gb.find_submission(ASSIGNMENT, "tim")  # nothing of tim's: not even a student row
        with pytest.raises(MissingEntry):
            gb.find_student("tim")
    with open(csv, encoding="utf-8") as fh:
        rows = {line.split(",")[0]: line for line in fh.read().splitlines()[1:]}
    assert set(rows) == {"ann", "bob", "tim", "gus"}
    assert "timestamp.txt" in rows["tim"] and "not recorded" in rows["tim"]
    assert "autograded folder could not be written" in rows["gus"]
    for student in ("ann", "bob"):
        with open(os.path.join(course, "autograded", student, ASSIGNMENT, "grading.json"), encoding="utf-8") as fh:
            assert json.load(fh)["student"] == student


def test_a_records_rows_go_in_one_transaction(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.batch.gradebook import import_assignment, record

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])  # alembic
    import_assignment(url, {"name": "a", "duedate": None, "alembic_version": None, "notebooks": [
        {"name": "a", "kernelspec": "{}", "grade_cells": [{"name": "g", "max_score": 1.0, "cell_type": "code"}],
         "solution_cells": [], "task_cells": [], "source_cells": []}]})
    good = {"timestamp": "2026-11-20 17:00:00 UTC", "notebooks": {"a": {
        "late_submission_penalty": None, "grades": {"g": {"auto_score": 1.0}}, "comments": {}}}}
    with pytest.raises(ValueError, match="timestamp.txt"):  # NotRecorded, before anything is written
        record(url, "a", "tim", dict(good, timestamp="teatime"))
    # a grade the gradebook does not have: it fails after the student and submission were made
    with pytest.raises(MissingEntry):
        record(url, "a", "gus", dict(good, notebooks={"a": dict(good["notebooks"]["a"], grades={"zz": {}})}))
    record(url, "a", "ann", good)
    with Gradebook(url) as gb:
        assert [s.id for s in gb.students] == ["ann"]
        assert gb.find_submission("a", "ann").score == 1.0


# -- the pieces ---------------------------------------------------------------------------------

def test_the_survey_decides_before_reading_and_follows_no_link(tmp_path, monkeypatch):
    import autograder.sandbox.safefs as safefs
    from autograder.batch.bounds import Caps, survey

    folder = tmp_path / "sub"
    (folder / "deep" / "er").mkdir(parents=True)
    (folder / "a5_evaluation.ipynb").write_text("{}")
    (folder / "deep" / "er" / "small.py").write_text("x = 1")
    for i in range(3):
        with open(folder / f"big_{i}.bin", "wb") as fh:
            fh.truncate(per_file_cap() - 1)
    with open(folder / "too_big.bin", "wb") as fh:
        fh.truncate(per_file_cap() + 1)
    (folder / "link").symlink_to("/etc/passwd")
    (folder / "dirlink").symlink_to(str(tmp_path))
    os.mkfifo(folder / "fifo")
    reads = []
    monkeypatch.setattr(safefs, "read_regular", lambda *a, **k: reads.append(a))
    files, notes, over = survey(str(folder), Caps(submission_mb=64), first=("a5_evaluation.ipynb",))
    assert reads == [] and over
    assert list(files)[0] == "a5_evaluation.ipynb"
    assert set(files) == {"a5_evaluation.ipynb", "big_0.bin", os.path.join("deep", "er", "small.py")}
    text = " ".join(notes)
    for name in ("link", "dirlink", "fifo", "too_big.bin", "big_1.bin", "big_2.bin"):
        assert name in text, (name, notes)
    files, notes, over = survey(str(folder), Caps(submission_files=1), first=("a5_evaluation.ipynb",))
    assert list(files) == ["a5_evaluation.ipynb"] and over


def test_the_memory_cap_is_the_data_segment_and_torch_still_imports():
    """RLIMIT_DATA at 1 GB: torch and numpy import and work, a 2 GB allocation fails in that process."""
    code = ("from autograder.batch.bounds import cap_memory; import resource; assert cap_memory(1024); "
            "import numpy, torch; torch.ones(1000, 1000).sum(); numpy.ones((1000, 1000)).sum()\n"
            "try:\n    numpy.ones(2**28)\nexcept MemoryError:\n"
            "    print('capped', resource.getrlimit(resource.RLIMIT_DATA)[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == f"capped {2**30}", out.stderr[-2000:]


def test_a_steps_process_runs_under_the_cap(tmp_path):
    """The warm server's child for a step (what runs nbgrader) takes the step's cap before anything else."""
    from autograder.batch.warm_nbgrader import _run_step

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the server's child, as the server forks it
        try:
            _run_step({"memory_mb": 1536, "cwd": str(tmp_path), "env": {}, "log": str(tmp_path / "log"),
                       "args": ["--version"]})
            os.write(write_end, str(resource.getrlimit(resource.RLIMIT_DATA)[0]).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    seen = os.read(read_end, 64)
    os.waitpid(pid, 0)
    assert seen == str(1536 * 2**20).encode()


def test_local_cluster_workers_run_under_the_cap():
    pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    import dask

    from autograder.batch.cluster import QUIET_LOCAL_CLUSTER, connect

    with dask.config.set({key: dask.config.get(key) for key in QUIET_LOCAL_CLUSTER}):
        client, local = connect("local:1", memory_mb=1536)
        try:
            client.wait_for_workers(1)
            seen = client.run(lambda: resource.getrlimit(resource.RLIMIT_DATA)[0])
        finally:
            client.close()
            local.close()
    assert list(seen.values()) == [1536 * 2**20]


def test_zip_collect_extracts_within_bounds(tmp_path):
    """An LMS download: bob's zip, a class bundle (``bundles``) holding carl's zip, and eve's bomb (20 MB of zeros
    in 20 members, a link, a name leaving the folder): at most 8 MB of eve's is extracted
    (``--BoundedExtractor.max_archive_mb=8``), no link, nothing outside; all three are collected."""
    import stat
    import zipfile

    from autograder.batch.nbgrader_cli import run_nbgrader

    course = make_course(str(tmp_path), students=())
    with open(os.path.join(course, "release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), "rb") as fh:
        nb = fh.read()
    archive = os.path.join(course, "downloaded", ASSIGNMENT, "archive")
    os.makedirs(archive)
    with zipfile.ZipFile(os.path.join(archive, "bob_attempt_2026-11-20-17-00-00.zip"), "w") as zf:
        zf.writestr(f"bob_{ASSIGNMENT}.ipynb", nb)
    with zipfile.ZipFile(tmp_path / "carl.zip", "w") as zf:
        zf.writestr(f"carl_{ASSIGNMENT}.ipynb", nb)
    with zipfile.ZipFile(os.path.join(archive, "class.zip"), "w") as zf:
        zf.write(tmp_path / "carl.zip", "carl.zip")
    with zipfile.ZipFile(os.path.join(archive, "eve.zip"), "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"eve_{ASSIGNMENT}.ipynb", nb)
        for i in range(20):
            zf.writestr(f"junk_{i:02d}.bin", bytes(2**20))
        link = zipfile.ZipInfo("passwd")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("../../../escaped.txt", "out")
    run_nbgrader(["zip_collect", ASSIGNMENT, "--force", "--BoundedExtractor.max_archive_mb=8",
                  "--BoundedExtractor.bundles=class.zip"], cwd=course)
    extracted = os.path.join(course, "downloaded", ASSIGNMENT, "extracted")
    size = 0
    for root, dirs, files in os.walk(extracted):
        for name in dirs + files:
            assert not os.path.islink(os.path.join(root, name)), name
        size += sum(os.path.getsize(os.path.join(root, f)) for f in files if f.startswith("junk"))
    assert size <= 8 * 2**20, f"{size / 2**20:.0f} MB of eve's junk was extracted"
    assert not any("escaped" in f for _, _, files in os.walk(course) for f in files)
    for student in ("bob", "carl", "eve"):
        assert os.path.isfile(os.path.join(course, "submitted", student, ASSIGNMENT, f"{ASSIGNMENT}.ipynb")), student


def _zip_collect(tmp_path, archives):
    """``nbgrader zip_collect`` (exit status, stderr) on an LMS download of `archives` {name: {member: bytes}}."""
    import subprocess
    import sys
    import zipfile

    course = make_course(str(tmp_path), students=())
    archive = os.path.join(course, "downloaded", ASSIGNMENT, "archive")
    os.makedirs(archive)
    for name, members in archives.items():
        if isinstance(members, bytes):
            with open(os.path.join(archive, name), "wb") as fh:
                fh.write(members)
            continue
        with zipfile.ZipFile(os.path.join(archive, name), "w") as zf:
            for member, data in members.items():
                zf.writestr(member, data)
    done = subprocess.run([sys.executable, "-m", "nbgrader", "zip_collect", ASSIGNMENT, "--force"], cwd=course,
                          capture_output=True, text=True, errors="surrogateescape", timeout=300)
    return course, done.returncode, done.stderr


def _collected(course):
    submitted = os.path.join(course, "submitted")
    return sorted(os.path.relpath(os.path.join(r, f), submitted) for r, _, fs in os.walk(submitted) for f in fs
                  if f.endswith(".ipynb"))


def _released(course):
    with open(os.path.join(course, "release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), "rb") as fh:
        return fh.read()


def test_zip_collect_takes_the_student_from_the_archives_own_name(tmp_path):
    """A name inside mallory's archive never makes it another student's, nor stops the class: with bob's own
    upload present (a duplicate for bob stopped zip_collect, exit 1) and without it (mallory's notebook
    became bob's). Two notebooks of the same name in one archive are that student's alone to sort out."""
    nb = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    planted = {f"bob_{ASSIGNMENT}.ipynb": b'{"planted": "by mallory"}'}
    for with_bob in (True, False):
        archives = {"mallory_2002_9002_homework.zip": planted, f"carol_2003_9003_{ASSIGNMENT}.ipynb": nb,
                    "dave_2004_9004_hw.zip": {f"{ASSIGNMENT}.ipynb": nb, f"sub/{ASSIGNMENT}.ipynb": nb}}
        if with_bob:
            archives[f"bob_2001_9001_{ASSIGNMENT}.ipynb"] = nb
        course, status, err = _zip_collect(tmp_path / str(with_bob), archives)
        assert status == 0, err[-2000:]
        expected = ["bob"] * with_bob + ["carol", "mallory"]
        assert _collected(course) == [os.path.join(s, ASSIGNMENT, f"{ASSIGNMENT}.ipynb") for s in expected]
        if with_bob:
            with open(os.path.join(course, "submitted", "bob", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), "rb") as fh:
                assert fh.read() == nb
        assert "dave's download holds 2 files" in err


def test_one_archive_that_cannot_be_extracted_is_its_own_warning(tmp_path):
    """A member "d" and a member "d/x" (and an archive inside named like a member) once raised
    FileExistsError out of the extractor and nobody was collected: now it is that archive's warning."""
    nb = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    import io
    import zipfile

    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("x.txt", "x")
    course, status, err = _zip_collect(tmp_path, {
        f"alice_1001_9001_{ASSIGNMENT}.ipynb": nb,
        "mallory_1002_9002_hw.zip": {f"mallory_{ASSIGNMENT}.ipynb": nb, "d": b"a file", "d/x": b"under it",
                                     "n": b"a file", "n.zip": inner.getvalue()},
        f"zed_1003_9003_{ASSIGNMENT}.ipynb": nb})
    assert status == 0, err[-2000:]
    assert _collected(course) == [os.path.join(s, ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
                                  for s in ("alice", "mallory", "zed")]
    assert "d/x (FileExistsError)" in err or "d/x (NotADirectoryError)" in err


def test_names_from_an_archive_reach_the_terminal_inert(tmp_path):
    """A member name with escape sequences (window title, clear screen, colour) is logged without them."""
    evil = "../\x1b]0;PWNED\x07\x1b[2J\x1b[31mALL GRADES DELETED\x1b[0m\u202e"
    course, status, err = _zip_collect(tmp_path, {"mallory_1002_9002_hw.zip": {evil: b"x"},
                                                  "eve\x1b[2J_1_2_hw.zip": {f"{ASSIGNMENT}.ipynb": b"{}"}})
    assert "ALL GRADES DELETED" in err and "not taken" in err
    assert "\x1b" not in err and "\x07" not in err and "\u202e" not in err
