"""No student script runs in a browser: the feedback, formgrader's grading view and the class report.

One hostile student, "mallory", is graded for real (``fmnist-grade`` in the
sandbox): her written answers, her cells' outputs, her cells' and notebook's
metadata and a file beside her notebook carry scripts in every form a
sanitiser has missed somewhere (``<script>``, event handlers, ``<svg onload>``,
``<iframe srcdoc>``, entity-encoded and tab-split ``javascript:`` links, data:
links, JavaScript and SVG outputs, an image size that opens an attribute,
forged grader metadata); one of her answers raises a message holding an
unpaired surrogate, a formula, a terminal escape and mathtext. Every payload,
if it ran, would set ``document.title`` and ``window.name`` to PWNED, write
PWNED to the console and load a URL of a listener this test runs.

Headless Chromium (DevTools protocol, :mod:`benchmarks.devtools`) opens the
feedback page, formgrader's grading view (a token-less Jupyter server on
127.0.0.1) and the class report, and the tests read the page's title and
name, its console and the listener. A control page holding the same payloads
raw proves that the detector sees a script that runs.
"""

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from autograder.cli import feedback, report
from autograder.cli.headless import Browser, NoChromium, chromium, fetch, free_port, start_server, stop_server
from autograder.batch.nbgrader_cli import nbgrader_env, run_nbgrader
from autograder.batch.pipeline import Options, grade_class
from autograder.cli.samples import answer_sources, fill
from autograder.sandbox.bwrap import SandboxUnavailable, check_available
from grading_helpers import ASSIGNMENT, _course, _notebooks, _submit
from html_checks import live


pytestmark = pytest.mark.grading
STUDENT = "mallory"
NO_CHROMIUM = "chromium is not installed (apt-get install chromium): the pages cannot be opened"


class _Listener(BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args):
        pass


def payload(port, where):
    """JavaScript that marks the page if it runs, and calls the listener (single quotes only)."""
    return (f"document.title='PWNED';window.name='PWNED';console.log('PWNED {where}');"
            f"new Image().src='http://127.0.0.1:{port}/{where}';fetch('http://127.0.0.1:{port}/f{where}')")


def written_answer(port):
    p = lambda where: payload(port, where)  # noqa: E731
    return (f"My answer. <script>{p('script')}</script>\n\n"
            f"<img src=x onerror=\"{p('onerror')}\">\n\n"
            f"<svg onload=\"{p('svg')}\"><circle r=\"5\"/></svg>\n\n"
            f"<iframe srcdoc=\"<script>{p('srcdoc')}</script>\"></iframe>\n\n"
            f"<details open ontoggle=\"{p('ontoggle')}\">details</details>\n\n"
            f"[entity link](&#106;avascript:{p('entity')}) and <a href=\"jav&#x09;ascript:{p('tab')}\">tab link</a>\n\n"
            f"[data link](data:text/html;base64,{base64.b64encode(f'<script>{p(1)}</script>'.encode()).decode()})\n\n"
            f"<form action=\"http://127.0.0.1:{port}/form\"><button>go</button></form>\n\n"
            f"<style>body {{ background: url(http://127.0.0.1:{port}/css) }}</style>\n\n"
            f"<img src=\"http://127.0.0.1:{port}/pixel\"> <object data=\"http://127.0.0.1:{port}/object\"></object>\n\n"
            f"```mermaid\n<img src=x onerror=\"{p('mermaid')}\">\n```\n\n"
            "![attached](attachment:a.svg)\n")


def output_cell(port):
    """A code cell of hers whose outputs try every display type, and whose metadata is forged."""
    p = payload(port, "output")
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" onload="{p}"><script>{p}</script></svg>'
    code = "\n".join([
        "from IPython.display import HTML, SVG, Javascript, Markdown, display",
        f"P = {p!r}",
        "display(HTML('<script>' + P + '</script><img src=x onerror=\"' + P + '\">'))",
        "display(Javascript(P))",
        f"display(SVG({svg!r}))",
        "display(Markdown('[md link](javascript:' + P + ') <iframe srcdoc=\"<script>' + P + '</script>\"></iframe>'))",
        "display({'image/png': 'iVBORw0KGgo=', 'text/plain': 'png'}, raw=True,"
        " metadata={'image/png': {'width': '1 onerror=\"' + P + '\"'}})",
        "display({'text/html': '<b>isolated</b><script>' + P + '</script>'}, raw=True,"
        " metadata={'text/html': {'isolated': True}})",
        "print('a lone surrogate: \\ud800, an escape: \\x1b]0;owned\\x07')",
    ])
    return {"cell_type": "code", "execution_count": None, "outputs": [], "source": code,
            "metadata": {"fmnist_piece": f"<img src=x onerror=\"{p}\">",
                         "nbgrader": {"grade": False, "solution": False, "locked": False,
                                      "grade_id": f"x\"><img src=x onerror=\"{p}\">", "schema_version": 3},
                         "tags": [f"x\"><img src=x onerror=\"{p}\">"]}}


RAISES = ('def accuracy(y_true, y_pred):\n'
          '    raise ValueError("bad \\ud800 value \\x1b]0;owned\\x07\\n\\n'
          'accuracy: $\\\\frac{1}{$ \\\\ check $x$\\n    hint: =HYPERLINK(\\"http://evil.example\\")")\n')


def hostile_notebook(course, port):
    source, release = _notebooks(course)
    nb = fill(release, dict(answer_sources(source), accuracy=RAISES))
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" onload="{payload(port, "attachment")}"/>'
    for cell in nb["cells"]:
        gid = (cell["metadata"].get("nbgrader") or {}).get("grade_id")
        if gid == "q1_comparison":
            cell["source"] = written_answer(port)
            cell["metadata"]["nbgrader"]["task"] = True  # a role the gradebook does not give it
            cell["attachments"] = {"a.svg": {"image/svg+xml": base64.b64encode(svg.encode()).decode()}}
        elif gid == "q2_shirt":
            cell["source"] = f"Second answer <img src=x onerror=\"{payload(port, 'q2')}\">"
    forged = {"cell_type": "markdown", "source": f"**Trusted grader, `accuracy`: 1 of 1 points** "
                                                 f"<script>{payload(port, 'forged')}</script>",
              "metadata": {"fmnist_grader": "verdict"}}
    nb["cells"] += [output_cell(port), forged]
    nb["metadata"].update(
        widgets={"application/vnd.jupyter.widget-state+json": {"x": f"</script><script>{payload(port, 'w')}</script>"}},
        fmnist_grader={"pieces": {"accuracy": {"score": 1, "points": 1, "message": "forged"}}, "notes": []},
        title=f"<script>{payload(port, 'title')}</script>")
    return nb


@pytest.fixture(scope="module")
def listener():
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, listener):
    try:
        check_available()
    except SandboxUnavailable as exc:
        pytest.skip(f"no sandbox: {exc}")
    course = _course(str(tmp_path_factory.mktemp("browser")))
    port = listener.server_address[1]
    _submit(course, STUDENT, hostile_notebook(course, port))
    folder = os.path.join(course, "submitted", STUDENT, ASSIGNMENT)
    with open(os.path.join(folder, "notes.html"), "w", encoding="utf-8") as fh:  # her own "feedback"
        fh.write(f"<html><body>10 of 10 points<script>{payload(port, 'own')}</script></body></html>")
    results = grade_class(course, ASSIGNMENT, options=Options(jobs=1, cell_timeout=30, notebook_timeout=300),
                          progress=False)
    run_nbgrader(["generate_feedback", ASSIGNMENT, "--force"], cwd=course)
    lms = os.path.join(course, "feedback_lms")
    refused = []
    released = feedback.release(course, ASSIGNMENT, lms, refused)
    return course, {r.student: r for r in results}, released, refused


def _autograded(course):
    with open(os.path.join(course, "autograded", STUDENT, ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), encoding="utf-8") as fh:
        return json.load(fh)


def test_the_hostile_submission_is_graded_with_its_feedback(graded):
    course, results, _, _ = graded
    r = results[STUDENT]
    assert r.scores["accuracy"] == 0 and r.scores["confusion_matrix"] == r.points["confusion_matrix"], r.notes
    assert "\ufffd" in r.messages["accuracy"] or "bad" in r.messages["accuracy"], r.messages["accuracy"]
    assert not any("grading failed" in n or "could not autograde" in n for n in r.notes), r.notes
    assert os.path.exists(os.path.join(course, "feedback", STUDENT, ASSIGNMENT, f"{ASSIGNMENT}.html"))


def test_the_autograded_notebook_holds_nothing_live(graded):
    course, _, _, _ = graded
    nb = _autograded(course)
    text = json.dumps(nb)
    assert "PWNED" in text  # her payloads are there, as inert text
    for cell in nb["cells"]:
        meta = cell["metadata"]
        assert "fmnist_piece" not in meta and meta.get("fmnist_grader") in (None, "notes", "note", "stopped")
        for output in cell.get("outputs", []):
            assert set(output.get("data", {})) <= {"text/plain", "text/html", "image/png", "image/jpeg", "text/latex"}
            assert live("".join(output.get("data", {}).get("text/html", ""))) == []
        if cell["cell_type"] == "markdown":
            assert live("".join(cell["source"])) == [], cell["source"]
    # the roles are the gradebook's: no forged grade id, no task flag
    roles = {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"] for c in nb["cells"]
             if "nbgrader" in c["metadata"]}
    assert all(gid.replace("_", "").isalnum() for gid in roles), sorted(roles)
    assert not roles["q1_comparison"].get("task") and roles["q1_comparison"]["points"] == 3
    assert set(nb["metadata"]) <= {"kernelspec", "language_info", "fmnist_grader"}
    assert nb["metadata"]["fmnist_grader"]["pieces"]["accuracy"]["score"] == 0


def test_feedback_hands_out_only_the_page_the_grader_made(graded):
    course, _, (exchange, by_hand), refused = graded
    assert exchange == [] and refused == []
    page = f"{STUDENT}_{ASSIGNMENT}.html"
    assert by_hand == {STUDENT: os.path.join(course, "feedback_lms", page)}
    assert sorted(os.listdir(os.path.join(course, "feedback_lms"))) == [page]
    folder = os.path.join(course, "feedback", STUDENT, ASSIGNMENT)
    assert "notes.html" not in os.listdir(folder)  # her own page never reached the feedback folder
    # a page that got there anyway (an older grader copied it) is removed, not handed out
    with open(os.path.join(folder, "evil.html"), "w", encoding="utf-8") as fh:
        fh.write("<script>alert(1)</script>")
    lms = os.path.join(course, "lms2")
    _, again = feedback.release(course, ASSIGNMENT, lms)
    assert sorted(os.listdir(lms)) == [page] and "evil.html" not in os.listdir(folder)
    # a page changed after generate_feedback is not handed out either
    with open(os.path.join(folder, f"{ASSIGNMENT}.html"), "a", encoding="utf-8") as fh:
        fh.write("<script>changed</script>")
    refused = []
    with pytest.raises(ValueError, match="generate_feedback"):
        feedback.release(course, ASSIGNMENT, os.path.join(course, "lms3"), refused)
    assert refused == [STUDENT]
    run_nbgrader(["generate_feedback", ASSIGNMENT, "--force"], cwd=course)
    assert feedback.generated_pages(folder) == [f"{ASSIGNMENT}.html"]


# --- in the browser ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    try:
        chromium()
    except NoChromium:
        pytest.skip(NO_CHROMIUM)
    b = Browser(str(tmp_path_factory.mktemp("chromium")))
    yield b
    b.close()


def _verdict(b, listener, url, container="body"):
    """What the page did: its title and name, what it wrote to the console, the listener's hits,
    and live attributes or links left in `container`."""
    b.js("window.name = 'clean';")  # a tab keeps its window.name across pages: the last page's is not this one's
    b.console.clear()
    _Listener.hits.clear()
    b.open(url, settle=2.0)
    live = b.js(f"const root = document.querySelector({container!r}) || document.body;"
                " return [...root.querySelectorAll('*')].filter(e => [...e.attributes].some(a =>"
                " a.name.startsWith('on') || /^\\s*(javascript|data|vbscript):/i.test(a.value) && a.name !== 'src'))"
                ".map(e => e.outerHTML.slice(0, 120));")
    return {"title": b.js("return document.title;"), "name": b.js("return window.name;"),
            "console": [text for _, text in b.console if "PWNED" in text], "hits": list(_Listener.hits),
            "live": live, "csp": b.js("const m = document.querySelector(\"meta[http-equiv='Content-Security-Policy']\");"
                                      " return m ? m.content : null;")}


def _assert_nothing_ran(seen):
    assert seen["title"] != "PWNED" and seen["name"] != "PWNED", seen
    assert seen["console"] == [] and seen["hits"] == [], seen
    assert seen["live"] == [], seen


def test_the_detector_sees_a_script_that_runs(browser, listener, tmp_path):
    """The control: the same written answer as raw HTML, no sanitiser, no policy."""
    page = tmp_path / "control.html"
    page.write_text(f"<html><head><title>control</title></head><body>"
                    f"<img src=x onerror=\"{payload(listener.server_address[1], 'control')}\"></body></html>")
    seen = _verdict(browser, listener, f"file://{page}")
    assert seen["title"] == "PWNED" and seen["console"] and seen["live"], seen


def test_the_feedback_page_runs_no_student_script(graded, browser, listener):
    course, _, (_, by_hand), _ = graded
    seen = _verdict(browser, listener, f"file://{by_hand[STUDENT]}", "#notebook-container")
    _assert_nothing_ran(seen)
    assert "script-src 'none'" in seen["csp"] and "object-src 'none'" in seen["csp"], seen["csp"]
    assert browser.js("return document.body.innerText.includes('My answer.');")  # her answer is shown


def test_formgraders_grading_view_runs_no_student_script(graded, browser, listener, tmp_path):
    course, _, _, _ = graded
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{os.path.join(course, 'gradebook.db')}") as gb:
        sid = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, STUDENT).id
    port = free_port()
    with open(tmp_path / "jupyter.log", "wb") as log:
        server = start_server(course, port, log, env=nbgrader_env())
        try:
            url = f"http://127.0.0.1:{port}/formgrader/submissions/{sid}/"
            assert "My answer." in fetch(url)
            seen = _verdict(browser, listener, url, "#notebook-container")
            assert browser.js("return document.body.innerText.includes('My answer.');")  # her answer is shown
            shot = os.environ.get("FMNIST_FORMGRADER_SHOT")  # where to keep a screenshot of the view
            if shot:
                browser.shoot(shot)
        finally:
            stop_server(server)
    _assert_nothing_ran(seen)


def test_the_class_report_runs_no_student_script(graded, browser, listener, tmp_path):
    course, _, _, _ = graded
    html_path, csv_path = report.write_report(course, ASSIGNMENT, str(tmp_path))
    seen = _verdict(browser, listener, f"file://{html_path}")
    _assert_nothing_ran(seen)
    assert "script-src 'none'" in seen["csp"]
    assert browser.js("return document.images.length;") >= 3  # the figures were drawn
