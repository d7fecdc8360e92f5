"""How long ``fmnist-grade similarity`` takes for a class of 300 on a2 (target: under 60 s on 2 cores).

    python benchmarks/bench_similarity.py [--students 300] [--jobs 2]

Builds a synthetic class in a temporary course: each student's every piece
starts from one of the corpus's thirteen implementations (twelve students and
the public solution, ``tests/submissions/a2_similarity_*.py``), with names
changed, a line of their own added before about two lines in five and one
line in ten dropped; ten students copy another's notebook as it is. Then it
times the command's steps (read, compare, write the HTML and CSV) and prints
them with the machine they ran on.
"""

import argparse
import io
import keyword
import os
import platform
import random
import resource
import sys
import tempfile
import time
import tokenize

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from autograder.cli import similarity_corpus as corpus  # noqa: E402
from autograder.similarity.analysis import compare  # noqa: E402
from autograder.similarity.answers import class_answers  # noqa: E402
from autograder.similarity.report_csv import write_csv  # noqa: E402
from autograder.similarity.report_html import build_html  # noqa: E402
from autograder.similarity.starter import starter_code  # noqa: E402
from fmnist_checks.pieces import ASSIGNMENTS  # noqa: E402

KEEP = {"np", "self", "Node", "range", "len", "float", "int", "sum", "min", "max", "sorted", "zip", "gini",
        "entropy", "information_gain", "best_split", "DecisionTreeClassifier", "ClassifierMixin", "BaseEstimator",
        "check_is_fitted", "X", "y", "criterion", "min_samples_leaf", "max_depth", "def", "class", "return"}
EXTRA = ["{v} = np.zeros({k})", "{v} = len({w}) + {k}", "assert {v} is not None", "{v} = [{w} for _ in range({k})]",
         "if {v} is None:\n{i}    {v} = {k}", "{v} = dict(size={k}, name='{w}')", "{v} = np.asarray({w}).copy()",
         "for _ in range({k}):\n{i}    pass", "{v} = ({w}, {k}, {v})", "{v} = {w} * {k} - 1"]


def _mutate(source, rng):
    """`source` with its names changed, lines of its own added before 40% of its lines, 10% dropped."""
    names = {}
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.NAME and tok.string not in KEEP and not tok.string.startswith("__") \
                    and tok.string.isidentifier() and not keyword.iskeyword(tok.string):
                tok = tok._replace(string=names.setdefault(tok.string, f"v{rng.randrange(10**6)}"))
            out.append(tok)
        source = tokenize.untokenize(out)
    except (tokenize.TokenError, IndentationError, ValueError):
        pass
    lines = []
    for line in source.splitlines():
        indent = line[:len(line) - len(line.lstrip())]
        roll = rng.random()
        if roll < 0.4 and line.strip() and not line.lstrip().startswith(("def ", "class ", "else", "elif", "@")):
            lines.append(indent + rng.choice(EXTRA).format(v=f"t{rng.randrange(999)}", w=f"u{rng.randrange(999)}",
                                                           k=rng.randrange(1, 9), i=indent))
        if roll > 0.9 and not line.rstrip().endswith(":"):
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


def synthetic_class(course, n, rng):
    """Write `n` students (ten of them copies of another) into `course`; return the copied pairs."""
    release = corpus.release_notebook(corpus.course_with_source(course))
    sources = list(corpus.honest().values()) + [corpus.planted().PUBLIC]
    pieces = ASSIGNMENTS[corpus.ASSIGNMENT]
    written = {}
    for i in range(n - 10):
        name = f"s{i:03d}"
        written[name] = {p: _mutate(rng.choice(sources)[p], rng) for p in pieces}
        corpus.submit(course, release, name, written[name])
    copies = []
    for i in range(10):
        source = f"s{rng.randrange(n - 10):03d}"
        name = f"c{i:03d}"
        corpus.submit(course, release, name, dict(written[source]))
        copies.append(tuple(sorted((source, name))))
    return copies


def machine():
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as fh:
            model = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{model}; {os.cpu_count()} CPUs, {usable} usable; load average "
            f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}; Python {platform.python_version()}; "
            f"{platform.system()} {platform.release()}")


def cpu_seconds():
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    rng = random.Random(20261207)
    with tempfile.TemporaryDirectory() as tmp:
        course = os.path.join(tmp, "course")
        copies = synthetic_class(course, args.students, rng)
        print(f"machine: {machine()}")
        print(f"class: {args.students} students on {corpus.ASSIGNMENT} (10 planted copies), --jobs {args.jobs}")
        t0, c0 = time.perf_counter(), cpu_seconds()
        starter = starter_code(course, corpus.ASSIGNMENT)
        found, refused = class_answers(course, corpus.ASSIGNMENT, starter.instructor_sources())
        t1 = time.perf_counter()
        comparison = compare(corpus.ASSIGNMENT, found, [], starter, not_compared=refused, jobs=args.jobs)
        t2 = time.perf_counter()
        out = os.path.join(course, "reports")
        os.makedirs(out)
        write_csv(comparison, os.path.join(out, "a2_similarity.csv"))
        with open(os.path.join(out, "a2_similarity.html"), "w", encoding="utf-8") as fh:
            fh.write(build_html(comparison, "a2_similarity.csv"))
        t3, c3 = time.perf_counter(), cpu_seconds()
        size = os.path.getsize(os.path.join(out, "a2_similarity.html"))
    pairs = sum(comparison.compared.values())
    flagged = {(p.a, p.b) for p in comparison.flagged()}
    print(f"read {len(found)} notebooks (+ the starter): {t1 - t0:6.1f} s")
    print(f"normalise, fingerprint, score {pairs:,} (pair, piece) comparisons, flag: {t2 - t1:6.1f} s")
    print(f"write the CSV and the HTML ({len(comparison.flagged())} flagged rows, {size / 1e6:.1f} MB): "
          f"{t3 - t2:6.1f} s")
    print(f"total wall time: {t3 - t0:.1f} s (target < 60 s); CPU time {c3 - c0:.1f} s")
    print(f"planted copies flagged: {sum(pair in flagged for pair in copies)} of {len(copies)}; "
          f"other pairs flagged: {len(flagged - set(copies))}")


if __name__ == "__main__":
    main()
