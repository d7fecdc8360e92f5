"""Nothing a sandbox can write is shared with the host: planted links, FIFOs and sockets lead nowhere.

The grading kernel lists, from inside its sandbox, every folder it can write
(it tries to create a file in each), plants in each of them links to host
files (a fake class gradebook, the course's source notebook, the course
folder), FIFOs and listening sockets, under every name the grader itself
ever used there and some more, then kills itself. The grader restarts it (a
fresh sandbox), runs the cells below, and the hidden checks in the kernel.
Then: no host file changed, the course's tree is as it was, the sandbox after
the restart sees exactly what the first one saw before it planted anything,
and its writable folders are its own tmpfs alone.
"""

import copy
import hashlib
import json
import os
import shutil

import pytest

from autograder.batch.nbexec import SandboxedExecute
from autograder.sandbox.bwrap import SandboxUnavailable, check_available
from fmnist_checks.notebook import is_test
from grading_helpers import ASSIGNMENT, COURSE

pytestmark = pytest.mark.grading

MARK = "fmnist-probe:"
# what the grader once made in the kernel's runtime folder, and names a future one might
HOST_NAMES = ["connection.json", "connection-sandbox.json", "stubs", "job.json", "frames",
              "kernel-checks", "kernel", "checks"] + [f"kernel-{i}" for i in range(1, 8)]

PROBE = r'''
import json, os, shutil, socket, stat, sys
SKIP = ("/proc", "/sys")
def _writable():
    found = []
    for root, dirs, _ in os.walk("/", followlinks=False):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in SKIP]
        try:
            fd = os.open(os.path.join(root, ".fmnist-probe"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            continue
        os.close(fd)
        os.unlink(os.path.join(root, ".fmnist-probe"))
        found.append(root)
    # the folders it can write, less those inside another (its own files' subfolders)
    return sorted(f for f in found if os.path.dirname(f) not in found or f == "/")
def _tree():
    seen, skip = [], set(SKIP) | {"/usr", "/etc", "/dev/pts", sys.prefix, sys.base_prefix}
    packages = {p for p in sys.path if p.endswith("-packages")}
    for root, dirs, files in os.walk("/", followlinks=False):
        dirs[:] = sorted(d for d in dirs if os.path.join(root, d) not in skip
                         and not os.path.join(root, d).startswith(("/tmp/.", "/tmp/matplotlib")))
        for name in sorted(dirs + files):
            seen.append(os.path.join(root, name))
    for banned in ("sklearn/metrics", "sklearn/tree", "sklearn/decomposition"):
        for p in packages:
            folder = os.path.join(p, banned)
            if os.path.isdir(folder):
                seen += [os.path.join(folder, n) for n in sorted(os.listdir(folder))]
    return sorted(p for p in seen if "planted" not in p and not any(p.startswith(h) for h in HOST_NAMES_AT))
'''


def _plant_cell(targets):
    return PROBE + f'''
HOST_NAMES = {HOST_NAMES!r}
TARGETS = {targets!r}
HOST_NAMES_AT = []
before = _tree()
writable = _writable()
planted = 0
for w in writable:
    HOST_NAMES_AT += [os.path.join(w, n) for n in HOST_NAMES]
    for i, name in enumerate(HOST_NAMES):
        path = os.path.join(w, name)
        try:  # what the grader put there goes first (not the live kernel's own sockets)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            elif os.path.lexists(path) and not stat.S_ISSOCK(os.lstat(path).st_mode):
                os.unlink(path)
            os.symlink(TARGETS[i % len(TARGETS)], path); planted += 1
        except OSError:
            pass
    for i, target in enumerate(TARGETS):
        for kind in ("link", "fifo", "sock"):
            path = os.path.join(w, f"planted-{{kind}}-{{i}}")
            try:
                if kind == "link":
                    os.symlink(target, path)
                elif kind == "fifo":
                    os.mkfifo(path, 0o666)
                else:
                    s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(1); globals().setdefault("_keep", []).append(s)
                planted += 1
            except OSError:
                pass
print({MARK!r} + json.dumps({{"when": "before", "writable": writable, "tree": before, "planted": planted,
       "targets_seen": [t for t in TARGETS if os.path.lexists(t) and not os.path.islink(t)]}}))
'''


def _after_cell(targets):
    return PROBE + f'''
HOST_NAMES = {HOST_NAMES!r}
TARGETS = {targets!r}
writable = _writable()
HOST_NAMES_AT = [os.path.join(w, n) for w in writable for n in HOST_NAMES]
print({MARK!r} + json.dumps({{"when": "after", "writable": writable, "tree": _tree(),
       "targets_seen": [t for t in TARGETS if os.path.exists(t)]}}))
'''


def _code(source):
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source,
            "id": hashlib.sha256(source.encode()).hexdigest()[:12]}


def _state(folder):
    """{relative path: (kind, sha256 of a file's bytes)} of everything under `folder`, links unfollowed."""
    out = {}
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, folder)
            if os.path.islink(path):
                out[rel] = ("link", os.readlink(path))
            elif os.path.isfile(path):
                with open(path, "rb") as fh:
                    out[rel] = ("file", hashlib.sha256(fh.read()).hexdigest())
            else:
                out[rel] = ("dir", oct(os.lstat(path).st_mode))
    return out


def _probes(nb):
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for line in str(output.get("text", "")).splitlines():
                if line.startswith(MARK):
                    found.append(json.loads(line[len(MARK):]))
    return found


@pytest.fixture(scope="module", params=["direct", "launcher"])
def planted_run(request, tmp_path_factory):
    """The planted run, with bwrap started by the grading process (a root run) or by the root launcher
    (:mod:`autograder.sandbox.privsep`, as for a grading user)."""
    try:
        check_available()
    except SandboxUnavailable as exc:
        pytest.skip(str(exc))
    if request.param == "direct":
        yield _planted_run(tmp_path_factory)
        return
    if os.geteuid() != 0:
        pytest.skip("the launcher is root's")
    from autograder.sandbox.privsep import LAUNCHER_VAR, Launcher

    launcher = Launcher(os.getuid(), os.getgid())
    os.environ[LAUNCHER_VAR] = launcher.path
    try:
        yield _planted_run(tmp_path_factory)
    finally:
        del os.environ[LAUNCHER_VAR]
        launcher.close()


def _planted_run(tmp_path_factory):
    import nbformat

    root = str(tmp_path_factory.mktemp("nothing-shared"))
    course = os.path.join(root, "course")
    source = os.path.join(course, "source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
    os.makedirs(os.path.dirname(source))
    shutil.copy(os.path.join(COURSE, "source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), source)
    shutil.copy(os.path.join(COURSE, "nbgrader_config.py"), course)
    gradebook = os.path.join(course, "gradebook.db")
    with open(gradebook, "wb") as fh:
        fh.write(b"the class gradebook\n" * 100)
    os.makedirs(os.path.join(course, "submitted", "classmate", ASSIGNMENT))
    with open(os.path.join(course, "submitted", "classmate", ASSIGNMENT, "answers.txt"), "w") as fh:
        fh.write("a classmate's work\n")
    targets = [gradebook, source, course, os.path.join(course, "submitted"), root]
    before = _state(root)

    nb = nbformat.read(source, as_version=4)
    cut = max(i for i, c in enumerate(nb.cells) if is_test(c)) + 1  # the answers and their checks
    nb.cells = nb.cells[:cut] + [nbformat.from_dict(_code(_plant_cell(targets))),
                                 nbformat.from_dict(_code("import os\nos.kill(os.getpid(), 9)\n")),
                                 nbformat.from_dict(_code(_after_cell(targets)))]
    executor = SandboxedExecute(sandbox=True, timeout=60, notebook_timeout=300, checks_timeout=120,
                                seed="20261207", course_dir=course)
    autograded = os.path.join(course, "autograded", "eve", ASSIGNMENT)  # the kernel's cwd, as under nbgrader
    os.makedirs(autograded)
    nbformat.write(nb, os.path.join(autograded, f"{ASSIGNMENT}.ipynb"))
    before = _state(root)
    resources = {"nbgrader": {"student": "eve", "assignment": ASSIGNMENT, "notebook": ASSIGNMENT},
                 "metadata": {"path": autograded}}
    out, resources = executor.preprocess(copy.deepcopy(nb), resources)
    return {"before": before, "after": _state(root), "probes": _probes(out), "resources": resources,
            "nb": out, "targets": targets}


def test_the_sandbox_writes_only_its_own_tmpfs(planted_run):
    probes = {p["when"]: p for p in planted_run["probes"]}
    assert set(probes) == {"before", "after"}, planted_run["resources"]["fmnist_grader"]["notes"]
    first, again = probes["before"], probes["after"]
    print("writable folders inside the kernel's sandbox:", first["writable"])
    assert first["writable"] == ["/dev/shm", "/tmp", "/var/tmp"], first["writable"]
    assert again["writable"] == first["writable"]
    assert first["planted"] >= len(first["writable"]) * 15, first["planted"]  # links, FIFOs, sockets in each


def test_planted_links_fifos_and_sockets_change_no_host_file(planted_run):
    before, after = planted_run["before"], planted_run["after"]
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f"host files changed by the grader following what a sandbox planted: {changed}"


def test_after_the_restart_nothing_new_is_visible_inside(planted_run):
    probes = {p["when"]: p for p in planted_run["probes"]}
    first, again = probes["before"], probes["after"]
    assert first["targets_seen"] == [] and again["targets_seen"] == [], again["targets_seen"]
    new = sorted(set(again["tree"]) - set(first["tree"]))
    assert not new, f"visible after the restart, not before: {new[:20]}"


def test_the_kernel_was_restarted_and_its_checks_came_back(planted_run):
    notes = planted_run["resources"]["fmnist_grader"]["notes"]
    assert any("ended the kernel" in n for n in notes), notes
    records = planted_run["resources"]["fmnist_grader"].get("records", {})
    assert any(k.startswith("case:") for k in records), (notes, sorted(records)[:5])
    assert not any("fresh worker" in n for n in notes), notes


WORKER_PROBE = '''
import os
found = []
for root, dirs, _ in os.walk("/", followlinks=False):
    dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys")]
    try:
        fd = os.open(os.path.join(root, ".p"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        continue
    os.close(fd)
    os.unlink(os.path.join(root, ".p"))
    found.append(root)
found = sorted(f for f in found if os.path.dirname(f) not in found)
left = sorted(os.path.join(w, n) for w in found for n in os.listdir(w) if "planted" in n or n == "stubs")
for w in found:
    for i, target in enumerate(TARGETS):
        os.symlink(target, os.path.join(w, f"planted-{i}"))
    os.mkfifo(os.path.join(w, "planted-fifo"))
    os.symlink(TARGETS[-1], os.path.join(w, "stubs"))
raise RuntimeError("WRITABLE " + " ".join(found) + " LEFT " + " ".join(left))
'''


def test_the_workers_sandbox_writes_only_its_own_tmpfs(tmp_path):
    """The trusted worker's sandbox: its writable folders are tmpfs, and what one worker planted
    there is gone for the next and changed nothing outside."""
    try:
        check_available()
    except SandboxUnavailable as exc:
        pytest.skip(str(exc))
    from autograder.verdict.trusted import WORK_FOLDER, run_in_worker

    host = tmp_path / "host"
    host.mkdir()
    (host / "gradebook.db").write_bytes(b"grades\n" * 50)
    work = tmp_path / "work"
    work.mkdir()
    before = _state(str(tmp_path))
    code = f"TARGETS = {[str(host / 'gradebook.db'), str(host), str(work)]!r}\n" + WORKER_PROBE
    seen = []
    for _ in range(2):
        records, _ = run_in_worker(ASSIGNMENT, "eve", 1, [("accuracy", code)], str(work), steps=[],
                                   total_timeout=60)
        seen.append(records["cell:accuracy"]["error"]["message"])
    print("writable folders inside the worker's sandbox:", seen[0])
    expected = " ".join(sorted(["/dev/shm", "/tmp", "/var/tmp", WORK_FOLDER]))
    assert seen == [f"WRITABLE {expected} LEFT ", f"WRITABLE {expected} LEFT "], seen
    after = _state(str(tmp_path))
    assert {k: v for k, v in after.items() if not k.startswith("work")} == \
        {k: v for k, v in before.items() if not k.startswith("work")}
