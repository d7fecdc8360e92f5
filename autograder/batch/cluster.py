"""Where the grading steps run: threads on this machine, or a Dask cluster.

:func:`run_steps` runs :func:`autograder.batch.pipeline.grade_step` for each job and
yields its plain result as it finishes; the caller alone writes them.

* default: ``jobs`` threads on this machine (each step spends its time in its
  own subprocesses: nbgrader, the sandboxed kernel and worker);
* ``local:N``: a Dask ``LocalCluster`` of N single-threaded worker processes;
* ``tcp://HOST:PORT``: a running Dask scheduler (workers on other machines:
  Slurm through dask-jobqueue, Kubernetes through the Dask operator; see
  docs/instructor_guide.md).

On Dask nothing is assumed of a shared disk: a job carries the submission and
the assignment; the Fashion-MNIST files travel as the result of one Dask task
that every step depends on (:func:`_shipped_data`), are written to the
worker's own temporary folder and verified there against the SHA-256 the
coordinator computed (:func:`materialise_data`). The files are a task's
result rather than ``scatter``'ed data because the scheduler can compute a
task again, while scattered data dies with the last worker that holds it: a
step that kills workers, run on each worker in turn, then took every step
still waiting down with the data, and their lone reruns too (innocent
students given up with no scores). A worker that dies mid-grade has its step
run again elsewhere by Dask; a step that kills every worker it meets
(``distributed.scheduler.allowed-failures`` times) comes back as a failed
result with a note, and the batch finishes. A step's future is released as
soon as its result is taken, so a worker that dies later does not make Dask
grade that step again.
"""

import hashlib
import logging
import os
import queue
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed

from .bounds import grader_memory_mb, held_bytes, with_files
from ..sandbox.uids import UidRange
from ..untrusted.escape import terminal

log = logging.getLogger(__name__)

ALLOWED_FAILURES = 2  # a step is tried on at most 3 workers that die under it


def _bar(iterable, total, desc, progress):
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="submission", disable=not progress or None,
                file=sys.stderr)


def local_data():
    """({name: bytes}, {name: sha256}) of the data files this machine resolves (empty when none)."""
    from .nbexec import DATA_FILES, data_folder

    folder, _ = data_folder()
    files = {}
    for name in DATA_FILES if folder else ():
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path, "rb") as fh:
                files[name] = fh.read()
    return files, {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


_MATERIALISED = {}  # what materialise_data checked last: the sent files (held), their sums, the folder's files


def _stat_key(folder, names):
    try:
        return tuple((st.st_ino, st.st_size, st.st_mtime_ns)
                     for st in (os.stat(os.path.join(folder, n)) for n in sorted(names)))
    except OSError:
        return None


def materialise_data(files, expected):
    """Write the sent data files into this machine's temporary folder; (folder, note).

    Each file is checked against `expected` SHA-256; a mismatch is a note and no
    data (the notebook's data cells then fail, and say so) rather than wrong data.
    A worker checks them once (63 ms of CPU for the four files, each of its steps
    paid it): a later step with the same files object and sums, whose written
    files are unchanged (inode, size, time), uses that folder.
    """
    if not expected:
        return None, None
    last = _MATERIALISED
    if (last.get("files") is files and last.get("expected") == expected
            and _stat_key(last["folder"], expected) == last["stat"]):
        return last["folder"], None
    folder, note = _materialise(files, expected)
    _MATERIALISED.clear()
    if folder:
        _MATERIALISED.update(files=files, expected=dict(expected), folder=folder, stat=_stat_key(folder, expected))
    return folder, note


def _materialise(files, expected):
    tag = hashlib.sha256("".join(sorted(expected.values())).encode()).hexdigest()[:16]
    folder = os.path.join(tempfile.gettempdir(), f"fmnist-data-{tag}")
    os.makedirs(folder, exist_ok=True)
    os.chmod(folder, 0o755)
    for name, sha in sorted(expected.items()):
        data = files.get(name, b"")
        if hashlib.sha256(data).hexdigest() != sha:
            return None, f"the data file {name} arrived damaged on this worker (SHA-256 differs); no data was used"
        path = os.path.join(folder, name)
        if not os.path.exists(path) or os.path.getsize(path) != len(data):
            tmp = f"{path}.{os.getpid()}"
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        with open(path, "rb") as fh:
            if hashlib.sha256(fh.read()).hexdigest() != sha:
                return None, f"the data file {name} on this worker does not match its SHA-256; no data was used"
    return folder, None


def dask_step(step, job, files, expected):
    """`step` (the grading step) on a Dask worker: the data checked there, a uid of the worker's own."""
    folder, note = materialise_data(files, expected)
    if job["options"]["sandbox"]:
        job = dict(job, uid=_worker_uid())
    result = step(job, data_dir=folder)
    if note:
        result["notes"].append(note)
    return result


_WORKER_UIDS = {}  # thread -> UidRange held for this worker process's life (flock: freed when it dies)
_WORKER_UIDS_LOCK = threading.Lock()


def _worker_uid():
    """A sandbox uid of this worker thread's own, never shared with another grading run here."""
    with _WORKER_UIDS_LOCK:
        held = _WORKER_UIDS.get(threading.get_ident())
        if held is None:
            held = _WORKER_UIDS[threading.get_ident()] = UidRange(1)
        return held.uids[0]


def _held(files):
    """The data files as a task's result (see :func:`_shipped_data`)."""
    return files


def _shipped_data(client, files):
    """A future of `files` that Dask computes again when every worker holding it died.

    Not ``client.scatter``: scattered data has no recipe, so the scheduler forgets
    it when its last holder dies, and with it every step that needs it (they come
    back cancelled, and so would their reruns).
    """
    import dask

    tag = hashlib.sha256(b"".join(hashlib.sha256(files[n]).digest() for n in sorted(files))).hexdigest()[:16]
    # the files are meant to travel in the graph: once, to the scheduler (no "large graph" warning)
    with dask.config.set({"distributed.admin.large-graph-warning-threshold": "2GB"}):
        return client.submit(_held, files, key=f"fmnist-data-{tag}")


def _why(exc):
    """One short line for an exception a step's future raised."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:240]}" if text else type(exc).__name__


def failed_result(job, why):
    return {"assignment": job["assignment"], "student": job["student"], "key": None, "pieces": {},
            "results": None, "files": {}, "seconds": 0.0, "notes": [why]}


def run_steps(step, jobs, options, progress=True, desc="grading", key=None):
    """Yield ``step(job)`` for each job, as they finish; `key(job)` names a job's Dask task.

    A job's submitted files are read when its step is handed out
    (:func:`autograder.batch.bounds.with_files`), not before: on this machine at most
    ``jobs`` steps hold theirs (read, running or waiting to be taken), on Dask at
    most ``options.caps.in_flight_mb`` of them are in the graph at once.
    """
    if not jobs:
        return
    if options.cluster:
        yield from _run_dask(step, jobs, options, progress, desc, key)
    else:
        yield from _run_threads(step, jobs, options, progress, desc)


def _run_threads(step, jobs, options, progress, desc):
    # this run's own block of uids: another grading run on this machine never shares one
    n = max(1, options.jobs)
    held = UidRange(n) if options.sandbox else None
    uids = queue.Queue()
    for slot in range(n):
        uids.put(held.uids[slot] if held else None)
    slots = threading.Semaphore(n)  # taken before a job's files are read, given back once its result is taken
    done = queue.Queue()  # results go here, not into futures that would keep every one until the end
    stop = threading.Event()  # the caller stopped taking results: the steps not started are not

    def run(job):
        slots.acquire()
        if stop.is_set():
            return
        uid = uids.get()
        try:
            done.put((True, step(dict(with_files(job), uid=uid if options.sandbox else None))))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, raised there
            done.put((False, exc))
        finally:
            uids.put(uid)

    try:
        with ThreadPoolExecutor(max_workers=n) as pool:
            try:
                for job in jobs:
                    pool.submit(run, job)
                for _ in _bar(range(len(jobs)), len(jobs), desc, progress):
                    ok, result = done.get()
                    if not ok:
                        raise result
                    yield result
                    del result
                    slots.release()
            finally:
                stop.set()
                pool.shutdown(wait=False, cancel_futures=True)  # the jobs no thread took
                for _ in range(n):  # a thread waiting for a slot sees `stop` and returns
                    slots.release()
    finally:
        if held:
            held.close()


# A LocalCluster has no dashboard to feed, and its steps take seconds each: Dask's defaults
# (a loop tick each 20 ms in every process, system metrics each 0.5 s, the nanny's memory
# check each 0.1 s, work stealing each 0.1 s, the statistical profiler sampling every thread
# each 10 ms) cost an idle cluster 4.9 CPU s a minute with 1 worker and 10.1 with 2; these,
# 0.8 and 1.1 (`python benchmarks/idle_cluster.py --workers N`).
QUIET_LOCAL_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing-interval": "1s",
}


def connect(cluster, memory_mb=None):
    """A Dask client for ``local:N`` or a scheduler address; the LocalCluster to close, if any.

    `memory_mb`: the data cap of each worker of a LocalCluster (:func:`autograder.batch.bounds.cap_memory`);
    the workers of a running scheduler are the instructor's to bound (``dask worker --memory-limit``).
    """
    import dask
    from distributed import Client, LocalCluster

    dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES})
    if cluster.startswith("local:"):
        n = int(cluster.split(":", 1)[1])
        dask.config.set(QUIET_LOCAL_CLUSTER)  # the workers get this process's Dask config
        local = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                             worker_dashboard_address=None)
        client = Client(local)
        if memory_mb:
            from .dask_caps import MemoryCap

            client.register_plugin(MemoryCap(memory_mb), name=MemoryCap.name)
        return client, local
    if cluster.startswith(("tcp://", "tls://")):
        return Client(cluster), None
    raise ValueError(f"--cluster {cluster!r}: give local:N or tcp://HOST:PORT")


def _run_dask(step, jobs, options, progress, desc, key=None, client=None):
    from distributed import as_completed as dask_completed

    own = client is None
    local = None
    if own:
        client, local = connect(options.cluster, memory_mb=grader_memory_mb(options))
    try:
        files, expected = local_data()
        expected = jobs[0].get("data_sha256", expected)  # what the steps' keys were made with
        shipped = _shipped_data(client, files) if files else {}
        budget = options.caps.in_flight_bytes
        todo = list(jobs)
        todo.reverse()  # popped from the end: in the given order
        futures, held = {}, [0]  # future -> (job without its files, bytes it holds); bytes in the graph
        running = dask_completed()

        def submit(job, name_part, retries):
            loaded = with_files(job)
            name = f"grade-{job['student']}-{name_part}{(key(loaded) if key else str(len(todo)))[:16]}"
            return client.submit(dask_step, step, loaded, shipped, expected, key=name, retries=retries)

        def hand_out():
            """Submit steps while the graph holds less than the budget (always at least one)."""
            while todo and (not futures or held[0] + held_bytes(todo[-1]) <= budget):
                job = todo.pop()
                size = held_bytes(job)
                future = submit(job, "", 1)
                futures[future] = (job, size)
                held[0] += size
                running.add(future)

        hand_out()
        lost = []
        bar = _bar(None, len(jobs), desc, progress)
        for future in running:
            job, size = futures.pop(future)
            held[0] -= size
            try:
                result = future.result()
            except Exception as exc:  # KilledWorker: every worker it ran on died (maybe because of another step)
                lost.append((job, _why(exc)))
                log.warning("the step of %s failed on the cluster (%s); it runs again alone", terminal(job["student"]),
                            terminal(lost[-1][1]))
                continue
            finally:
                future.release()  # taken: a worker that dies later does not make Dask grade it again
                hand_out()
                bar.update(1)
            yield result
            del result
        bar.close()
        # a step that shared its workers with one that kills them is counted as a suspect too:
        # each lost step runs once more, alone, so only the step that kills workers is given up
        for job, first in lost:
            future = submit(job, "alone-", 0)
            try:
                result = future.result()
            except Exception as exc:
                why = _why(exc)
                log.error("the step of %s failed on the cluster again, alone (%s): given up", terminal(job["student"]),
                          terminal(why))
                result = failed_result(
                    job, f"grading failed on the cluster ({type(exc).__name__}): the step ended or lost "
                         f"every worker it ran on, also when it ran alone, and was given up; nothing was "
                         f"recorded (with the others: {first}; alone: {why})")
            finally:
                future.release()
            yield result
    finally:
        if own:
            client.close()
            if local is not None:
                local.close()
