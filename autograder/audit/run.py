"""One audit: every piece's mutants, graded, tallied per piece.

Per piece: ``mutants``, ``killed`` (by the visible checks or the hidden ones),
``killed_hidden_only``, ``survived``, ``equivalent`` (listed in
``equivalent.toml`` and not killed), ``kill_rate`` = killed / (mutants -
equivalent), and the survivors with their diffs.
"""

import os
import sys
import time

from fmnist_checks.pieces import ASSIGNMENTS

from .equivalent import equivalents
from .grade import KILLED_HIDDEN, SURVIVED, grade_mutants, one_torch_thread, prepare
from .mutants import mutants_of


def sample(mutants, n):
    """A fixed sample of `n` mutants: the ones with the smallest keys (the same every run)."""
    return sorted(mutants, key=lambda m: m.key)[:n]


def tally(piece, results, listed):
    """The per-piece summary of `results` [(mutant, (status, note))]."""
    results = sorted(results, key=lambda r: (r[0].line, r[0].key))
    killed = [r for r in results if r[1][0] != SURVIVED]
    equivalent = [r for r in results if r[1][0] == SURVIVED and r[0].key in listed]
    survived = [r for r in results if r[1][0] == SURVIVED and r[0].key not in listed]
    scored = len(results) - len(equivalent)
    return {
        "mutants": len(results),
        "killed": len(killed),
        "killed_hidden_only": sum(1 for r in killed if r[1][0] == KILLED_HIDDEN),
        "survived": len(survived),
        "equivalent": len(equivalent),
        "kill_rate": round(len(killed) / scored, 4) if scored else 1.0,
        "survivors": [{"key": m.key, "function": m.function, "line": m.line, "diff": m.diff}
                      for m, _ in survived],
        "equivalents": [{"key": m.key, "reason": listed[m.key], "diff": m.diff} for m, _ in equivalent],
        "stale_equivalents": sorted(set(listed) - {m.key for m, _ in equivalent}),
    }


def _bar(total):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, unit="mutant", file=sys.stderr, disable=not sys.stderr.isatty())


def audit(assignment, n_students=3, jobs=2, per_piece=None, pieces=None):
    """Audit one assignment; return {"assignment", "students", "seconds", "pieces": {piece: tally}}.

    `per_piece` (an int) grades only a fixed sample of each piece's mutants
    (:func:`sample`); `pieces` limits the audit to those pieces.
    """
    start = time.perf_counter()
    if assignment == "a4_lenet5":
        import torch  # noqa: F401 - so that one_torch_thread finds it before the reference runs
    one_torch_thread()
    listed = equivalents()
    chosen = [p for p in ASSIGNMENTS[assignment] if pieces is None or p in pieces]
    mutants = {p: mutants_of(p) for p in chosen}
    if per_piece is not None:
        mutants = {p: sample(ms, per_piece) for p, ms in mutants.items()}
    prepared = {p: prepare(p, n_students) for p in chosen}
    every = [m for p in chosen for m in mutants[p]]
    results = {p: [] for p in chosen}
    bar = _bar(len(every))
    for mutant, outcome in grade_mutants(prepared, every, jobs, bar.update if bar else None):
        results[mutant.piece].append((mutant, outcome))
    if bar is not None:
        bar.close()
    return {
        "assignment": assignment,
        "students": n_students,
        "sampled_per_piece": per_piece,
        "seconds": round(time.perf_counter() - start, 1),
        "jobs": jobs,
        "cpus": os.cpu_count(),
        "pieces": {p: tally(p, results[p], listed.get(p, {})) for p in chosen},
    }
