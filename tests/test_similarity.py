"""fmnist-grade similarity on the a2 corpus: every planted copy flagged, no honest pair, refused notebooks listed.

The class is the corpus of ``tests/submissions/a2_similarity_*.py`` written as
real submissions (:mod:`autograder.cli.similarity_corpus`): twelve independent
students (five with code cells of their own beside the answer cells), eight
planted copiers (one who moved the copy into added cells behind one-line wrappers), two who left the notebook blank, one whose
answer cell is too long to compare whole, one whose notebook is corrupt JSON,
one whose notebook is a link to another's, and one whose name and code carry
HTML. The public solution is passed with
``--against``.
"""

import csv
import json
import os

import numpy as np
import pytest

from autograder.cli import grade_class
from autograder.cli.corpus import given_sources
from autograder.cli.samples import answer_sources
from autograder.cli import similarity_corpus as corpus
from autograder.similarity.analysis import compare
from autograder.similarity.answers import WHOLE, Answers, against_answers, split_pieces, student_cells
from autograder.similarity.cutting import cut
from autograder.cli.similarity import similarity_report
from autograder.similarity.fingerprints import normalise
from autograder.similarity.flagging import Thresholds
from autograder.similarity.report_csv import HEADER
from autograder.similarity.starter import starter_code
from fmnist_checks.pieces import ASSIGNMENTS

pytestmark = pytest.mark.autograder

A2 = corpus.ASSIGNMENT
PIECES = ASSIGNMENTS[A2]
HOSTILE = "eve<img src=x onerror=alert(1)>"
PAYLOAD = "</pre><script>alert(1)</script>"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The corpus class plus the awkward ones, compared once: (comparison, html text, csv rows)."""
    root = tmp_path_factory.mktemp("similarity")
    course, public = str(root / "course"), str(root / "public")
    corpus.build_class(course, public)
    release = corpus.release_notebook(os.path.join(course, "source", A2, f"{A2}.ipynb"))
    for blank in ("blank1", "blank2"):
        corpus.submit(course, release, blank, {})
    corpus.submit(course, release, "padded", {"gini": "def gini(y):\n    return 0.0\n\nPAD = '" + "a" * 60_000 + "'\n"})
    kofi = corpus.honest()["kofi"]
    corpus.submit(course, release, HOSTILE, {p: f"# {PAYLOAD}\n" + s for p, s in kofi.items()})
    broken = corpus.submit(course, release, "corrupt", {})
    with open(broken, "w") as fh:
        fh.write('{"cells": [')
    linked = os.path.join(course, "submitted", "linker", A2)
    os.makedirs(linked)
    os.symlink(os.path.join(course, "submitted", "amara", A2, f"{A2}.ipynb"), os.path.join(linked, f"{A2}.ipynb"))
    comparison, html_path, csv_path = similarity_report(course, A2, [public])
    assert os.path.dirname(html_path) == os.path.join(course, "reports")
    with open(html_path, encoding="utf-8") as fh:
        page = fh.read()
    with open(csv_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return comparison, page, rows


def _flagged(rows):
    return {(a, b, piece) for a, b, piece, _, flag in rows[1:] if flag == "1"}


def _planted_pairs():
    """{(a, b): pieces copied} with a < b: each copier with its source, and the two public copiers."""
    pairs = {}
    for copier, (source, which, _, _) in corpus.planted().PLANTED.items():
        source = "public/solution" if source == "public" else source
        pairs[tuple(sorted((copier, source)))] = PIECES if which == "all" else which
    pairs[("rosa", "sven")] = PIECES
    pairs[(HOSTILE, "kofi")] = PIECES
    return pairs


def test_the_corpus_answers_are_correct():
    """Each student's answers agree with the notebook's own solution on small data (so each is a real solution)."""
    with open(os.path.join(corpus.ROOT, "course", "source", A2, f"{A2}.ipynb"), encoding="utf-8") as fh:
        solution = answer_sources(json.load(fh))
    reference = _namespace([solution[p.lower()] for p in PIECES])
    rng = np.random.default_rng(1)
    X = rng.integers(0, 4, size=(30, 3)).astype(float)
    y = rng.integers(0, 3, 30)
    expected = reference["DecisionTreeClassifier"](max_depth=3).fit(X, y).predict_proba(X)
    for name, cells in _corpus_cells().items():
        ns = _namespace([source for _, source in cells])
        for piece in ("gini", "entropy"):
            assert ns[piece](y) == pytest.approx(reference[piece](y)), (name, piece)
        assert ns["information_gain"](y, y[:9], y[9:], "entropy") == pytest.approx(
            reference["information_gain"](y, y[:9], y[9:], "entropy")), name
        assert ns["best_split"](X, y, "entropy", 2) == pytest.approx(reference["best_split"](X, y, "entropy", 2)), name
        tree = ns["DecisionTreeClassifier"](max_depth=3).fit(X, y)
        np.testing.assert_allclose(tree.predict_proba(X), expected, err_msg=name)


def _namespace(sources):
    ns = {"__name__": "__notebook__"}
    for source in given_sources(A2) + sources:
        exec(compile(source, "<answer>", "exec"), ns)
    return ns


def test_copydetect_normalises_names_layout_and_comments():
    """Renamed, reformatted and re-commented code has copydetect's normalised form unchanged."""
    plain = "def f(y):\n    total = len(y)  # size\n    return total * 2\n"
    disguised = "def g(labels):\n    # how many\n    n = len(\n        labels)\n    return n*2\n"
    assert normalise(plain) == normalise(disguised)
    assert normalise(plain) != normalise(plain.replace("* 2", "+ 2"))


def test_pieces_are_cut_by_definition_not_position():
    """A function written in another piece's cell, or a .py helper, goes with its piece."""
    cells = [("gini", "def entropy(y):\n    return 1\n\ndef gini(y):\n    return 0\n"),
             ("entropy", "x = 1\n")]
    pieces = split_pieces(cells, A2)
    assert "def entropy" in pieces["entropy"] and "x = 1" in pieces["entropy"]
    assert "def entropy" not in pieces["gini"]
    loose = split_pieces([(None, "import numpy as np\n\ndef _scan(x):\n    return x\n\n"
                                 "def best_split(X, y):\n    return _scan(X)\n")], A2)
    assert list(loose) == ["best_split"] and "def _scan" in loose["best_split"]
    assert "import numpy" not in loose["best_split"]


def test_a_piece_is_its_definition_and_the_helpers_it_reaches_in_any_cell():
    """Helpers join every piece that reads them, through helpers, from any cell; locals, scratch code and
    another piece's definition do not."""
    cells = [(None, "import numpy as np\ny = np.array([0, 1])\nprint(gini(y))\n\n"
                    "def _counts(v):\n    return np.unique(v, return_counts=True)[1]\n\n"
                    "def _shares(v):\n    c = _counts(v)\n    return c / c.sum()\n\n"
                    "TABLE = {'s': _shares}\n\ndef _hidden(v):\n    return 7\n"),
             ("gini", "def gini(y):\n    return 1 - (_shares(y) ** 2).sum()\n"),
             ("entropy", "def entropy(y):\n    p = TABLE['s'](y)\n    return gini(y) + globals()['_hidden'](y)\n")]
    pieces, rest = cut(cells, A2)
    assert "def _shares" in pieces["gini"] and "def _counts" in pieces["gini"]  # transitively
    assert "y = np.array" not in pieces["gini"] and "print(gini" in rest  # `y` is gini's parameter
    assert "TABLE =" in pieces["entropy"] and "def _shares" in pieces["entropy"] and "def _hidden" in pieces["entropy"]
    assert "def gini" not in pieces["entropy"]  # a piece is compared as itself
    assert "TABLE" not in pieces["gini"] and "import numpy" not in pieces["gini"]


def test_an_honest_students_added_helper_cell_counts_toward_their_own_piece(run):
    """emeka and chen keep their helpers in a cell of their own: each helper is in the pieces that use it;
    amara's scratch cell is hers, in * only; the release's given and test cells are nobody's."""
    comparison, page, rows = run
    emeka, chen, amara = (comparison.answers[s] for s in ("emeka", "chen", "amara"))
    assert "def _shares" in emeka.pieces["gini"] and "def _shares" in emeka.pieces["entropy"]
    assert "def _candidates" in emeka.pieces["best_split"] and "_candidates" not in emeka.pieces["gini"]
    assert "IMPURITY =" in chen.pieces["information_gain"] and "def _impurity_rows" in chen.pieces["best_split"]
    assert "y_try" in amara.rest and not any("y_try" in code for code in amara.pieces.values())
    assert not comparison.answers["nadia"].rest  # the release's given and test cells are not the student's
    # what is the instructor's is decided by content, not by metadata a student can edit
    starter = starter_code(os.path.join(corpus.ROOT, "course"), A2)
    test_cell = next(s for s in starter.others if "check(\"gini\"" in s)
    kept = student_cells([(None, test_cell), ("gini", "def gini(y):\n    return 0\n"), (None, "H = 1\n")], A2,
                         starter.instructor_sources())
    assert kept == [("gini", "def gini(y):\n    return 0\n"), (None, "H = 1\n")]


def test_a_copy_moved_into_added_cells_behind_one_line_wrappers_is_flagged(run):
    """tariq renamed goran's answers, moved each into a cell of his own and left wrappers in the answer cells:
    the pieces are the code the wrappers call, identical to goran's."""
    comparison, page, rows = run
    assert comparison.answers["tariq"].pieces["gini"].startswith("def _gini_impl(y):")
    sims = {p.piece: p.similarity for p in comparison.pairs if (p.a, p.b) == ("goran", "tariq")}
    assert all(sims.get(piece, 0) > 0.95 for piece in (*PIECES, WHOLE)), sims
    assert {("goran", "tariq", p) for p in ("best_split", "DecisionTreeClassifier", WHOLE)} <= _flagged(rows)


def test_every_planted_copy_is_flagged_on_the_pieces_copied(run):
    comparison, page, rows = run
    flagged = _flagged(rows)
    thresholds = Thresholds()
    tokens = {(p.a, p.b, p.piece): p.tokens for p in comparison.pairs}
    for (a, b), pieces in _planted_pairs().items():
        for piece in pieces:
            if tokens.get((a, b, piece), 0) >= thresholds.tokens:
                assert (a, b, piece) in flagged, f"{a} / {b} not flagged on {piece}"
        assert (a, b, WHOLE) in flagged, f"{a} / {b} not flagged on the whole answer code"
    # the long pieces are the ones a flag can rest on alone
    assert {("emeka", "mateo", "best_split"), ("emeka", "mateo", "DecisionTreeClassifier")} <= flagged


def test_no_honest_pair_is_flagged(run):
    comparison, page, rows = run
    planted = _planted_pairs()
    honest = [(a, b, piece) for a, b, piece in _flagged(rows)
              if (a, b) not in planted or piece not in list(planted[(a, b)]) + [WHOLE]]
    assert honest == []
    # the partial copier's own pieces are not flagged against the student he copied two pieces from
    assert not {("emeka", "mateo", p) for p in ("gini", "entropy", "information_gain")} & _flagged(rows)


def test_short_pieces_are_never_flagged_alone():
    """Without the token minimum, honest information_gain pairs would stand out: the minimum is what keeps them out."""
    found = _read_corpus_class()
    starter = starter_code(os.path.join(corpus.ROOT, "course"), A2)
    gated = compare(A2, found, [], starter)
    ungated = compare(A2, found, [], starter, Thresholds(tokens=0))
    planted = _planted_pairs()

    def honest_flags(comparison):
        return {(p.a, p.b, p.piece) for p in comparison.flagged() if (p.a, p.b) not in planted}

    assert not honest_flags(gated)
    assert ("amara", "goran", "gini") in honest_flags(ungated)  # both wrote the textbook gini


def test_refused_notebooks_are_listed_and_the_rest_compared(run):
    comparison, page, rows = run
    refused = {n.label: n.reason for n in comparison.not_compared}
    assert set(refused) == {"corrupt", "linker"}
    assert "not valid notebook JSON" in refused["corrupt"]
    assert "link" in refused["linker"]
    assert len(comparison.students) == 12 + 8 + 4  # the corpus, two blanks, the hostile name, the padded one
    assert "corrupt" in page and "linker" in page and "Not compared" in page
    assert "padded</td><td>compared in part: gini: only its first 50,000 of 60," in page


def test_blank_notebooks_share_only_starter_code(run):
    """Two students who submitted the release unchanged share nothing once the starter is removed."""
    comparison, page, rows = run
    assert not [r for r in rows[1:] if "blank1" in r[:2] or "blank2" in r[:2]]


def test_csv_has_the_contract_columns_and_values(run):
    comparison, page, rows = run
    assert rows[0] == HEADER == ["student_a", "student_b", "piece", "similarity", "flagged"]
    for a, b, piece, similarity, flag in rows[1:]:
        assert a < b and piece in list(PIECES) + [WHOLE]
        assert 0.0 <= float(similarity) <= 1.0 and flag in ("0", "1")
        assert flag == "1" or float(similarity) >= Thresholds().floor
    assert ("public/solution", "rosa", "best_split") in _flagged(rows)


def test_the_page_escapes_what_students_wrote_and_runs_nothing(run):
    comparison, page, rows = run
    assert "<script" not in page.lower() and "<img src=x" not in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the hostile comment, shown as text
    assert "eve&lt;img src=x onerror=alert(1)&gt;" in page  # the hostile name
    assert "Content-Security-Policy" in page and "never a verdict" in page
    assert "<mark>" in page


def test_against_an_earlier_cohort_is_labelled_by_its_course(tmp_path):
    """An earlier cohort's submitted/ folder is labelled by its course folder's name."""
    course = str(tmp_path / "cohort2025")
    release = corpus.release_notebook(corpus.course_with_source(course))
    corpus.submit(course, release, "amara", corpus.honest()["amara"])
    found, refused = against_answers(os.path.join(course, "submitted"), A2)
    assert [a.label for a in found] == ["cohort2025/amara"] and not refused
    assert set(found[0].pieces) == set(PIECES)


def test_against_a_folder_of_files_reads_py_and_plain_notebooks_and_no_links(tmp_path):
    """Known code as loose files: a .py, a notebook without nbgrader metadata; a link is refused."""
    folder = tmp_path / "public"
    folder.mkdir()
    (folder / "sol.py").write_text("import numpy as np\n\ndef gini(y):\n    return 0.0\n")
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
             for source in ("def _h(y):\n    return y\n", "def entropy(y):\n    return _h(0.0)\n")]
    (folder / "nb.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    (folder / "stolen.py").symlink_to(folder / "sol.py")
    found, refused = against_answers(str(folder), A2)
    assert {a.label: set(a.pieces) for a in found} == {"public/sol": {"gini"}, "public/nb": {"entropy"}}
    assert "def _h" in found[0].pieces["entropy"] and found[0].cohort == "public"
    assert [(n.label, "link" in n.reason) for n in refused] == [("public/stolen", True)]


def test_the_subcommand_writes_both_reports(tmp_path, capsys):
    """fmnist-grade similarity, inside a course: a copied pair flagged, both reports written."""
    course = str(tmp_path / "course")
    release = corpus.release_notebook(corpus.course_with_source(course))
    for name in ("amara", "bjorn", "chen"):
        corpus.submit(course, release, name, corpus.honest()[name])
    corpus.submit(course, release, "nadia", corpus.honest()["amara"])
    assert grade_class.main(["similarity", A2, "--course", course, "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "compared 4 notebooks" in out and "flagged: amara / nadia" in out
    assert sorted(os.listdir(os.path.join(course, "reports"))) == [f"{A2}_similarity.csv", f"{A2}_similarity.html"]
    assert grade_class.main(["similarity", A2, "--course", str(tmp_path / "nowhere")]) == 2


def test_all_pairs_are_scored(run):
    """Every pair of the class and every class x known pair is scored on every piece."""
    comparison, page, rows = run
    n, k = len(comparison.students), len(comparison.known)
    assert k == 1 and all(count == n * (n - 1) // 2 + n * k for count in comparison.compared.values())


def _corpus_cells():
    """{student: [(piece or None, source)]}: each corpus notebook's code cells in order, added cells above
    their piece's answer cell (what :func:`student_cells` reads from the notebook)."""
    module = corpus.planted()
    students = dict(corpus.honest(), **{k: v[3] for k, v in module.PLANTED.items()})
    added = dict(module.ADDED_CELLS)
    for name, (answers, more) in corpus.added().items():
        students[name], added[name] = answers, more
    return {name: [cell for p in PIECES for cell in [(None, s) for q, s in added.get(name, ()) if q == p] + [(p, a[p])]]
            for name, a in students.items()}


def _read_corpus_class():
    """The corpus answers as :class:`Answers`, without notebooks (for comparisons without reports)."""
    return [Answers(name, *cut(cells, A2)) for name, cells in _corpus_cells().items()]
