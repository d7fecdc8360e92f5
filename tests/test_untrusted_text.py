"""One path for untrusted text: arbitrary Unicode and junk against every sink and the notebook reader.

Property tests (Hypothesis): whatever a student makes their code raise or
print, or writes into their notebook, each sink of :mod:`autograder.untrusted.escape`
and :mod:`autograder.untrusted.browser` keeps its invariant, and the notebook reader
(:func:`autograder.verdict.submission.read_submission`) answers with a Submission
whose problems say what was wrong, never with an exception:

* every sink: no unpaired surrogate (UTF-8 can write it), no control
  character (newlines only where the sink keeps them);
* the terminal: no escape sequence, no bidi override;
* a CSV cell: no formula (no leading ``= + - @``, tab or CR, nor their
  full-width forms, even after blanks);
* a figure label: never mathtext, and matplotlib draws it;
* HTML (cleaned student HTML, rendered student markdown, outputs): nothing
  live when parsed (no script-like element, event handler, ``javascript:``
  or data link), also after nbconvert renders it as markdown again;
* the class report's page and CSV, and a verdict written into a notebook,
  with the worst of these strings in them.
"""

import csv
import io
import json
import os
import re

import nbformat
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from autograder.untrusted.browser import clean_html, clean_output, markdown_html
from autograder.untrusted.escape import clean_text, csv_cell, figure_label, html_text, md_block, md_inline, terminal
from html_checks import live

pytestmark = pytest.mark.autograder

# what a hostile or unlucky student's text holds: lone surrogates, escapes, bidi, formulas,
# mathtext, markup that sanitisers have let through somewhere
JUNK = ["\ud800", "\udfff", "\ud83d\ude00", "\x00", "\x07", "\x1b[2J", "\x1b]0;owned\x07", "\x9b31m", "\r", "\n",
        "\t", "\u202e", "\u2066", "\u200f", "\ufeff", "=", "+", "-", "@", "\uff1d", " =SUM(A1)", "$", "\\", "$\\frac{",
        "\\$", "$x$", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
        "<iframe srcdoc='<script>alert(1)</script>'>", "&#106;avascript:alert(1)", "jav&#x09;ascript:",
        "[x](javascript:alert(1))", "[x](&#106;avascript:alert(1))", "![i](data:text/html,<script>)",
        "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">d</a>", "<details open ontoggle=alert(1)>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "<!--", "-->", "<![CDATA[", "]]>",
        "</pre>", "```", "```mermaid\n<img src=x onerror=alert(1)>\n```", "\\href{javascript:alert(1)}{x}",
        "<style>*{}</style>", "<form action=x><button>", "<a href=' javascript:1'>", "&lt;script&gt;", "\\u0000"]
junk = st.lists(st.one_of(st.text(max_size=20), st.sampled_from(JUNK)), max_size=12).map("".join)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _writable(text, newlines=True):
    text.encode("utf-8")  # no unpaired surrogate
    allowed = {"\n", "\t"} if newlines else set()
    assert not [c for c in text if (ord(c) < 32 or 0x7f <= ord(c) <= 0x9f) and c not in allowed], repr(text)


@FAST
@given(junk)
def test_clean_text_can_be_written_anywhere(text):
    out = clean_text(text)
    _writable(out)
    json.dumps(out, ensure_ascii=False).encode("utf-8")
    assert clean_text(out) == out


@FAST
@given(junk, st.booleans())
def test_the_terminal_gets_no_escape_and_no_bidi(text, keep_newlines):
    out = terminal(text, keep_newlines=keep_newlines)
    _writable(out, newlines=keep_newlines)
    assert "\t" not in out and not any(c in out for c in "\x1b\x9b\u202e\u2066\u200f\u061c")


@FAST
@given(junk)
def test_a_csv_cell_is_never_a_formula(text):
    cell = csv_cell(text)
    _writable(cell, newlines=False)
    assert cell.lstrip(" ")[:1] not in ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
    buf = io.StringIO()
    csv.writer(buf).writerow([cell, 1.5])
    assert next(csv.reader(io.StringIO(buf.getvalue()))) == [cell, "1.5"]


@FAST
@given(junk)
def test_markdown_sinks_hold_no_markup(text):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    inline, block = md_inline(text), md_block(text)
    _writable(inline, newlines=False)
    _writable(block)
    assert "<" not in inline and "$" not in inline
    assert block.count("<pre>") == 1 and block.count("</pre>") == 1 and "$" not in block
    assert live(markdown2html_mistune(inline)) == [] and live(markdown2html_mistune(block)) == []


@FAST
@given(junk)
def test_html_text_is_only_text(text):
    import html

    out = html_text(text)
    _writable(out)
    assert "<" not in out and html.unescape(out) == terminal(text, keep_newlines=True)


@SLOW
@given(junk)
def test_a_figure_label_is_never_mathtext_and_is_drawn(text):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import cbook
    from matplotlib.figure import Figure

    label = figure_label(text)
    _writable(label, newlines=False)
    assert not cbook.is_math_text(label)
    fig = Figure(figsize=(2, 1))
    fig.text(0, 0.5, label)
    fig.gca().set_yticks([0], [label])
    fig.canvas.draw()  # mathtext or a surrogate would raise here


@FAST
@given(junk)
def test_cleaned_html_has_nothing_live(text):
    out = clean_html(text)
    _writable(out)
    assert live(out) == [], out
    assert not re.search(r"\\(href|url|class|cssId|style)(?![A-Za-z])", out)  # MathJax makes these live


@SLOW
@given(junk)
def test_rendered_markdown_has_nothing_live_even_rendered_again(text):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    out = markdown_html(text)
    _writable(out)
    assert "\n" not in out  # one line: markdown passes it through as one HTML block
    assert live(out) == [], out
    assert live(markdown2html_mistune(out)) == []  # as formgrader renders the cell


outputs = st.fixed_dictionaries({
    "output_type": st.sampled_from(["stream", "error", "display_data", "execute_result", "junk", 3]),
    "name": st.one_of(junk, st.none()), "text": st.one_of(junk, st.lists(junk, max_size=3)),
    "ename": junk, "evalue": junk, "traceback": st.one_of(st.lists(junk, max_size=3), junk),
    "execution_count": st.one_of(st.integers(), junk, st.none()),
    "data": st.dictionaries(st.sampled_from(["text/html", "text/plain", "image/png", "image/svg+xml", "text/markdown",
                                             "application/javascript", "text/latex", "application/json", "junk"]),
                            st.one_of(junk, st.lists(junk, max_size=3), st.integers()), max_size=4),
    "metadata": st.dictionaries(st.sampled_from(["image/png", "text/html", "filenames", "width"]),
                                st.one_of(st.dictionaries(st.sampled_from(["width", "height", "isolated"]),
                                                          st.one_of(st.integers(), junk, st.booleans())), junk)),
})


@SLOW
@given(outputs)
def test_an_output_keeps_nothing_live(output):
    out = clean_output(output)
    if out is None:
        return
    json.dumps(out, ensure_ascii=False).encode("utf-8")
    assert set(out.get("data", {})) <= {"text/plain", "text/html", "image/png", "image/jpeg", "text/latex"}
    assert live(out.get("data", {}).get("text/html", "")) == []
    for sizes in out.get("metadata", {}).values():
        assert all(type(v) is int for v in sizes.values())
    nbformat.validate(nbformat.from_dict(dict(nbformat.v4.new_notebook(), cells=[
        nbformat.v4.new_code_cell("x", outputs=[nbformat.from_dict(out)])])))


json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), junk),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(junk, inner, max_size=4),
                           max_leaves=20)
cells = st.fixed_dictionaries({"cell_type": st.sampled_from(["code", "markdown", "raw", "junk"]),
                               "source": st.one_of(junk, st.lists(junk, max_size=3), json_values),
                               "metadata": st.one_of(json_values, st.fixed_dictionaries({"nbgrader": st.fixed_dictionaries({
                                   "solution": st.booleans(), "grade": st.booleans(),
                                   "grade_id": st.one_of(st.sampled_from(["accuracy", "confusion_matrix"]), json_values)})}))})
notebook_bytes = st.one_of(
    st.binary(max_size=200),
    junk.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.builds(lambda cs, meta: json.dumps({"cells": cs, "metadata": meta, "nbformat": 4}).encode(),
              st.lists(cells, max_size=4), json_values),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.just(b"[" * 100000), st.just(b'{"cells": [' + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"]}"),
)


@SLOW
@given(notebook_bytes)
def test_the_notebook_reader_never_raises(tmp_path_factory, data):
    from autograder.verdict.submission import Submission, read_submission

    folder = tmp_path_factory.mktemp("nb")
    path = os.path.join(folder, "a5_evaluation.ipynb")
    with open(path, "wb") as fh:
        fh.write(data)
    sub = read_submission(path, "a5_evaluation", "eve")
    assert isinstance(sub, Submission)
    for line in sub.problems:
        _writable(line, newlines=False)
    for source in sub.answers.values():
        source.encode("utf-8")
    assert sub.readable or sub.problems


@SLOW
@given(junk, st.lists(junk, max_size=3))
def test_a_verdict_with_any_message_is_written_into_the_notebook(message, notes):
    """An unpaired surrogate in an exception message once left a submission with no grade and no feedback."""
    from autograder.batch.annotate import put_verdict

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("check()")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_accuracy", "points": 1,
                                 "locked": True, "schema_version": 3}
    nb.cells = [cell]
    put_verdict(nb, "a5_evaluation", {"accuracy": {"score": 0.0, "points": 1.0, "message": message}}, notes)
    nbformat.writes(nb).encode("utf-8")
    json.dumps(nb.metadata["fmnist_grader"], ensure_ascii=False).encode("utf-8")


NASTY = ["eve\ud800\u202e", "=HYPERLINK(\"http://evil.example\")", "$\\frac{1}{$ \\ check", "\x1b]0;owned\x07 hint",
         "<script>alert(1)</script>", "-1+1", "@SUM(A1)", " \t=1"]


def test_the_class_report_takes_the_worst_text(tmp_path):
    """A check label with \\ and $ once crashed the report's figures for the whole class; a hint
    put a formula and terminal escapes into the class CSV."""
    from autograder.reports.class_results import ClassReport, Item, Student, write_csv
    from autograder.reports.report_page import build_html

    items = [Item("accuracy", "autograded", 1.0), Item("q1", "written", 3.0)]
    students = []
    for i, text in enumerate(NASTY):
        s = Student(f"{text}{i}", scores={"accuracy": 0.0, "q1": None})
        s.failures["accuracy"] = [(f"{text} check", f"{text} hint")]
        s.notes = [f"{text} note"]
        students.append(s)
    report = ClassReport("a5_evaluation", items, students)
    page = build_html(report, "scores.csv")
    page.encode("utf-8")
    ours = ["a href='scores.csv'"]  # the page's one link, to the CSV beside it
    assert [x for x in live(page.split("</head>", 1)[1]) if x not in ours] == [] and "script-src 'none'" in page
    path = write_csv(report, str(tmp_path / "scores.csv"))
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    for row in rows[1:]:
        for cell in row:
            _writable(cell, newlines=False)
            assert cell.lstrip(" ")[:1] not in ("=", "+", "-", "@", "\t"), row
            assert "\x1b" not in cell and "\u202e" not in cell


def _feedback_page(nb, resources):
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    from autograder.reports import feedback

    c = Config()
    c.HTMLExporter.template_name = feedback.TEMPLATE_NAME
    c.HTMLExporter.extra_template_basedirs = [feedback.nbgrader_template_dir(), feedback.TEMPLATE_DIR]
    c.HTMLExporter.extra_template_paths = feedback.template_paths()
    return HTMLExporter(config=c).from_notebook_node(nb, resources=resources)[0]


def _page_live(page):
    from collections import Counter

    # the template's own: its scripts (which the policy blocks), links to anchors of the page and
    # the cells' anchors (ids the sanitiser made of [A-Za-z0-9_-] only)
    return Counter(x for x in live(page) if not x.startswith(("a href='#", "a name=", "div id='cell-id=")))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # shrinking a page takes minutes
@given(st.lists(cells, max_size=4), json_values)
def test_a_whole_notebook_renders_as_feedback_with_nothing_live(cell_list, metadata):
    """Any notebook, cleaned as generate_feedback cleans it, renders with the course's template
    into a page whose only live parts are the template's own (blocked by its policy)."""
    from autograder.batch.safe_notebook import clean_notebook

    raw = {"cells": cell_list, "metadata": metadata if isinstance(metadata, dict) else {},
           "nbformat": 4, "nbformat_minor": 5}
    nb = clean_notebook(nbformat.from_dict(json.loads(json.dumps(raw))), keep_marks=True)  # as SanitiseFeedback
    for cell in nb.cells:  # what nbgrader's GetGrades adds from the gradebook
        role = cell.metadata.get("nbgrader", {})
        if role.get("grade") or role.get("task"):
            role.update(score=0.0, points=role.get("points", 1.0))
    resources = {"nbgrader": {"notebook": "a5_evaluation", "score": 0, "max_score": 1, "late_penalty": 0},
                 "fmnist_csp": "script-src 'none'"}
    page = _feedback_page(nb, resources)
    page.encode("utf-8")
    empty = _feedback_page(nbformat.v4.new_notebook(), resources)
    assert _page_live(page) == _page_live(empty)
    assert page.index('http-equiv="Content-Security-Policy"') < page.index("<script")


def test_a_cell_marked_as_the_graders_is_cleaned_for_feedback_like_any_other():
    """generate_feedback keeps the grader's marks, but a mark says nothing of what a cell holds: an
    autograded notebook that did not pass autograde's cleaning (copied by hand, an older version)
    may carry a student's cell marked as the grader's notes, and it is cleaned all the same."""
    from autograder.batch.safe_notebook import clean_notebook

    planted = {"cell_type": "markdown", "metadata": {"fmnist_grader": "notes"},
               "source": "**Grading notes** <img src=x onerror=alert(1)><script>alert(2)</script>"}
    nb = nbformat.from_dict({"cells": [planted], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    cell = clean_notebook(nb, keep_marks=True).cells[0]
    assert cell.metadata.get("fmnist_grader") == "notes"
    assert "onerror" not in cell.source and "<script" not in cell.source, cell.source
