"""Courses and submissions for :mod:`benchmarks.bench_grading` (and the formgrader screenshots).

* :func:`make_course` copies ``course/`` into a temporary folder, generates one
  assignment and writes the given notebooks as ``submitted/<student>/<aid>/``.
* :func:`solved` is a realistic solved submission: the released notebook
  (every cell the student gets: demos, plots, data loading) with each answer
  cell filled from ``solutions/`` as :mod:`autograder.cli.samples` does, and the
  written answers filled from there too.
* :func:`mixed` is the mix of a class: solved, blank, half done, buggy (the
  samples of :mod:`autograder.cli.samples`) plus a crash, a hang and corrupt JSON.
"""

import copy
import json
import os
import shutil

from autograder.batch.nbgrader_cli import run_nbgrader
from autograder.cli.samples import answer_sources, fill, sample_submissions
from fmnist_checks.notebook import is_answer, is_given, is_test, nbgrader_meta

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)
COURSE = os.path.join(PROJECT, "course")
SOLUTIONS = os.path.join(PROJECT, "solutions")
ASSIGNMENTS = ("a1_data_pca", "a2_decision_tree", "a3_neural_network", "a4_lenet5", "a5_evaluation")

# nbgrader's own autograde: its default preprocessors (the course's student side first), plain Execute
NBGRADER_DEFAULT = """
c.Autograde.autograde_preprocessors = [
    "autograder.batch.release.InstallStudentSide", "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern", "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata"]
"""

BROKEN = {
    "crash": "import os\nos._exit(1)\n",
    "hang": "def {piece}(*args, **kwargs):\n    while True:\n        pass\n",
}


def _load(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def generate(root, assignment, small=False, nbgrader_default=False):
    """A copy of ``course/`` in ``root/course`` with `assignment` generated; its path."""
    course = os.path.join(root, "course")
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db", "__pycache__", ".fmnist-grade",
        "reports", "feedback_lms", "downloaded", "exchange", ".ipynb_checkpoints"))
    if nbgrader_default:
        with open(os.path.join(course, "nbgrader_config.py"), "a", encoding="utf-8") as fh:
            fh.write(NBGRADER_DEFAULT)
    if small:  # the graded skeleton only: markdown, given, answer and test cells
        path = os.path.join(course, "source", assignment, f"{assignment}.ipynb")
        nb = _load(path)
        nb["cells"] = [c for c in nb["cells"]
                       if c["cell_type"] != "code" or is_given(c) or is_answer(c) or is_test(c)]
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(nb, fh)
    run_nbgrader(["generate_assignment", assignment, "--force"], cwd=course)
    return course


def released(course, assignment):
    return _load(os.path.join(course, "release", assignment, f"{assignment}.ipynb"))


def source(course, assignment):
    return _load(os.path.join(course, "source", assignment, f"{assignment}.ipynb"))


def solved(assignment, release_nb, written=None):
    """The released notebook solved from ``solutions/``: answer cells and written answers.

    `written` ({grade id: markdown}) replaces written answers; the others come from ``solutions/``.
    """
    solution = _load(os.path.join(SOLUTIONS, assignment, f"{assignment}.ipynb"))
    code = {gid: "".join(line for line in text.splitlines(keepends=True)  # a student never sees these
                         if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
            for gid, text in answer_sources(solution).items()}
    nb = fill(release_nb, code)
    answers = {nbgrader_meta(c).get("grade_id"): c["source"] for c in solution["cells"]
               if c["cell_type"] == "markdown" and nbgrader_meta(c).get("solution")}
    answers.update(written or {})
    for cell in nb["cells"]:
        gid = nbgrader_meta(cell).get("grade_id")
        if cell["cell_type"] == "markdown" and nbgrader_meta(cell).get("solution") and gid in answers:
            cell["source"] = answers[gid]
    return nb


def written_answers(nb):
    """Grade ids of the written (manually graded markdown) answers of a notebook."""
    return [nbgrader_meta(c)["grade_id"] for c in nb["cells"]
            if c["cell_type"] == "markdown" and nbgrader_meta(c).get("solution") and nbgrader_meta(c).get("grade")]


def put_in_answer(nb, grade_id, code_first):
    """A copy of `nb` whose answer cell `grade_id` runs `code_first` at the top of its function's body."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if is_answer(cell) and nbgrader_meta(cell)["grade_id"] == grade_id:
            text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            lines = text.splitlines(keepends=True)
            head = next(i for i, line in enumerate(lines) if line.startswith(f"def {grade_id}("))
            body = next(i for i in range(head + 1, len(lines)) if lines[i].strip())
            if lines[body].strip().startswith(('"""', "'''")):  # after the docstring
                quote = lines[body].strip()[:3]
                if lines[body].strip().count(quote) < 2:
                    body = next(i for i in range(body + 1, len(lines)) if quote in lines[i])
                body += 1
            lines.insert(body, f"    {code_first}\n")
            cell["source"] = "".join(lines)
            return nb
    raise KeyError(f"no answer cell {grade_id!r}")


def mixed(course, assignment, hang=True):
    """The mixed class's notebooks (dicts; a str is a corrupt file)."""
    src, rel = source(course, assignment), released(course, assignment)
    samples = [nb for nb, _ in sample_submissions(assignment, src, rel).values()]
    first = next(c for c in rel["cells"] if is_answer(c))
    gid = nbgrader_meta(first)["grade_id"]  # function names are the lower-case grade ids
    samples.append(fill(rel, {gid: BROKEN["crash"]}))
    if hang:
        samples.append(fill(rel, {gid: BROKEN["hang"].format(piece=gid)}))
    samples.append("{ corrupt")
    return samples


def submit(course, assignment, notebooks):
    """Write {student: notebook} as ``submitted/<student>/<aid>/<aid>.ipynb`` (a str: the file's text)."""
    for student, nb in notebooks.items():
        folder = os.path.join(course, "submitted", student, assignment)
        os.makedirs(folder)
        with open(os.path.join(folder, f"{assignment}.ipynb"), "w", encoding="utf-8") as fh:
            fh.write(nb if isinstance(nb, str) else json.dumps(nb))
        with open(os.path.join(folder, "timestamp.txt"), "w", encoding="utf-8") as fh:
            fh.write("2026-11-20 17:00:00.000000 UTC")


def make_course(root, assignment, kind, n, nbgrader_default=False):
    """A course in ``root`` with `n` submissions of `assignment` of `kind`: solved, mixed or small."""
    course = generate(root, assignment, small=kind == "small", nbgrader_default=nbgrader_default)
    if kind == "solved":
        pool = [solved(assignment, released(course, assignment))]
    else:  # small: no hang, so the figure is the cost of many short steps, not of a timeout
        pool = mixed(course, assignment, hang=kind == "mixed")
    submit(course, assignment, {f"student{i:02d}": pool[i % len(pool)] for i in range(n)})
    return course
