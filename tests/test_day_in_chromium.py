"""A student's and an instructor's day, with the pages they read checked in headless Chromium.

One student, set up as the docs say (the student configuration in her
``~/.jupyter``, no options on nbgrader's commands), fetches a5, answers
``accuracy`` right, ``confusion_matrix`` transposed (it fails visible and
hidden checks) and leaves ``precision_recall_f1`` blank, writes the first
written answer and leaves the second as released, runs the self-check
(pytest) and saves a checkpoint, then submits. The instructor collects,
grades with ``fmnist-grade`` (its output and its temporary folder watched:
no SAWarning, no ``fmnist-warm-*`` left), generates feedback, scores the
written answer in formgrader's grading view (typing in its score box, as a
TA does) and generates feedback again.

What the pages must show (:func:`page_text`, :func:`image_boxes`):

* formgrader's grading view and the feedback: each piece's verdict once (its
  headline exactly once, no ``CheckFailed`` line), no check cut inside (every
  ``call:`` line complete, no lone ``…``), no empty parentheses in a verdict;
* the feedback's grading notes: before manual grading, 3 points of written
  answers await a grader (the blank answer, scored 0 by nbgrader, does not);
  after it and a regenerated feedback, what was given, and nothing awaits;
* every figure within the window (its box's right edge and width) at 1,300
  and 1,024 pixels, in both pages.

``FMNIST_EDU_SCREENSHOTS=DIR`` also saves what the pages looked like.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from autograder.cli.headless import Browser, NoChromium, chromium, free_port, start_server, stop_server
from autograder.batch.nbgrader_cli import nbgrader_env, run_nbgrader
from autograder.cli.samples import BUGS, answer_sources, fill
from autograder.sandbox.bwrap import SandboxUnavailable, check_available

pytestmark = pytest.mark.course

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AID = "a5_evaluation"
WIDTHS = (1300, 1024)
HEADLINES = {
    "accuracy": "✓ accuracy: all 5 checks passed",
    "confusion_matrix": re.compile(r"✗ confusion_matrix: \d+ of \d+ checks failed \(2 of 2 visible, [1-9]\d* of \d+ hidden\)"),
    "precision_recall_f1": "✗ precision_recall_f1 is not implemented yet: it still raises NotImplementedError",
}
WRITTEN = "LeNet-5 wins on every class; Shirt is taken for T-shirt/top and Pullover, and they for it."
IMAGES = ("return [...document.images].map(i => { const b = i.getBoundingClientRect();"
          " return {right: b.right, width: b.width, window: window.innerWidth}; });")


def _require_tools():
    try:
        chromium()
    except NoChromium as exc:
        pytest.skip(f"{exc}: the pages cannot be looked at")
    try:
        check_available()
    except SandboxUnavailable as exc:
        pytest.skip(str(exc))


def _student_work(course):
    """The answers: accuracy right, confusion_matrix transposed, precision_recall_f1 left blank."""
    with open(os.path.join(course, "source", AID, f"{AID}.ipynb"), encoding="utf-8") as fh:
        solved = answer_sources(json.load(fh))
    return {"accuracy": solved["accuracy"], "confusion_matrix": BUGS[AID][1]}


def _run(argv, cwd, env, tmp):
    proc = subprocess.run(argv, cwd=cwd, env=nbgrader_env(dict(env, TMPDIR=tmp)), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=900)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    _require_tools()
    root = tmp_path_factory.mktemp("day")
    course, exchange, home, tmp = (str(root / n) for n in ("course", "exchange", "home-student", "tmp"))
    shutil.copytree(os.path.join(ROOT, "course"), course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "feedback_lms", "gradebook.db", "exchange",
        "downloaded", "reports", "__pycache__", ".ipynb_checkpoints", "*.csv"))
    for folder in (exchange, home, tmp):
        os.makedirs(folder)
    os.chmod(exchange, 0o777)
    env = {"FMNIST_EDU_EXCHANGE": exchange, "MPLBACKEND": "Agg"}
    student = dict(env, HOME=home, JUPYTER_CONFIG_DIR=os.path.join(home, ".jupyter"))

    # the instructor releases; the student's nbgrader reads the course's student configuration
    run_nbgrader(["generate_assignment", AID, "--force"], cwd=course, env=env)
    run_nbgrader(["release_assignment", AID, "--force"], cwd=course, env=env)
    os.makedirs(student["JUPYTER_CONFIG_DIR"])
    shutil.copyfile(os.path.join(course, "student_nbgrader_config.py"),
                    os.path.join(student["JUPYTER_CONFIG_DIR"], "nbgrader_config.py"))

    # the student: fetch, work, self-check, a checkpoint, submit; no options, as the docs say
    run_nbgrader(["fetch_assignment", AID], cwd=home, env=student)
    folder = os.path.join(home, AID)
    path = os.path.join(folder, f"{AID}.ipynb")
    with open(path, encoding="utf-8") as fh:
        nb = fill(json.load(fh), _student_work(course))
    for cell in nb["cells"]:  # a written answer is no answer cell to fill(): written by hand
        if (cell.get("metadata") or {}).get("nbgrader", {}).get("grade_id") == "q1_comparison":
            cell["source"] = WRITTEN
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(nb, fh)
    os.makedirs(os.path.join(folder, ".ipynb_checkpoints"))
    shutil.copyfile(path, os.path.join(folder, ".ipynb_checkpoints", f"{AID}-checkpoint.ipynb"))
    selfcheck = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x"], cwd=folder, capture_output=True,
                               text=True, env=nbgrader_env(student), stdin=subprocess.DEVNULL)
    assert selfcheck.returncode == 1 and "confusion_matrix" in selfcheck.stdout, selfcheck.stdout[-2000:]
    assert os.path.isdir(os.path.join(folder, ".pytest_cache"))
    run_nbgrader(["submit", AID], cwd=home, env=student)

    # the instructor: collect, grade, feedback
    run_nbgrader(["collect", AID], cwd=course, env=env)
    me = os.listdir(os.path.join(course, "submitted"))[0]
    rc, graded = _run([sys.executable, "-m", "autograder.cli.grade_class", AID, "--jobs", "1"], course, env, tmp)
    assert rc == 0, graded[-3000:]
    rc, generated = _run([sys.executable, "-m", "nbgrader", "generate_feedback", AID, "--force"], course, env, tmp)
    assert rc == 0, generated[-3000:]
    return {"course": course, "student": me, "env": env, "tmp": tmp, "profile": str(root / "chromium"),
            "graded": graded, "generated": generated, "handed_in": os.listdir(
                os.path.join(course, "submitted", me, AID))}


def page_text(browser):
    return browser.js("return document.body.innerText;")


def image_boxes(browser):
    return browser.js(IMAGES)


def _shoot(browser, name):
    folder = os.environ.get("FMNIST_EDU_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        browser.shoot(os.path.join(folder, f"{name}.png"))


def _verdicts_once(text, where):
    for piece, headline in HEADLINES.items():
        found = headline.findall(text) if isinstance(headline, re.Pattern) else \
            [m.group(0) for m in re.finditer(re.escape(headline), text)]
        assert len(found) == 1, f"{where}: {piece}'s verdict shown {len(found)} times"
    assert "CheckFailed" not in text, f"{where}: a CheckFailed line repeats a verdict"
    calls = [line.strip() for line in text.splitlines() if line.strip().startswith("call:")]
    assert calls, f"{where}: no failed check is shown"
    for line in calls:  # a check is never cut inside: every call it shows is whole
        assert line.endswith(")"), f"{where}: a check was cut inside: {line!r}"
    assert not any(line.strip() == "…" for line in text.splitlines()), f"{where}: a verdict was cut"
    assert "raised ()" not in text and "raised (), " not in text, f"{where}: empty parentheses"


def _figures_fit(browser, url, where):
    for width in WIDTHS:
        browser.resize(width)
        browser.open(url, settle=1.5)
        boxes = image_boxes(browser)
        assert boxes, f"{where}: no figure at all"
        for box in boxes:
            assert box["width"] <= box["window"] and box["right"] <= box["window"] + 1, \
                f"{where} at {width} px: a figure is clipped ({box})"
        _shoot(browser, f"{where}_{width}")


@pytest.fixture(scope="module")
def pages(day):
    """(formgrader's submission URL, the feedback's URL, the browser), a server running meanwhile."""
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + os.path.join(day["course"], "gradebook.db")) as gb:
        sid = gb.find_submission_notebook(AID, AID, day["student"]).id
    port = free_port()
    with open(os.path.join(day["tmp"], "jupyter-server.log"), "wb") as log:
        server = start_server(day["course"], port, log)
        try:
            with Browser(day["profile"], width=WIDTHS[0]) as browser:
                yield (f"http://127.0.0.1:{port}/formgrader/submissions/{sid}/",
                       f"file://{day['course']}/feedback/{day['student']}/{AID}/{AID}.html", browser)
        finally:
            stop_server(server)


def test_the_grader_is_quiet_and_leaves_nothing_behind(day):
    for output in (day["graded"], day["generated"]):
        assert "SAWarning" not in output and "Warning:" not in output, output[-3000:]
    assert "Alternative text is missing" not in day["generated"], day["generated"][-3000:]
    assert not [n for n in os.listdir(day["tmp"]) if n.startswith("fmnist-")], os.listdir(day["tmp"])


def test_the_submission_leaves_out_checkpoints_and_caches(day):
    assert f"{AID}.ipynb" in day["handed_in"]
    assert ".ipynb_checkpoints" not in day["handed_in"] and ".pytest_cache" not in day["handed_in"]


def test_formgrader_shows_each_verdict_once_and_whole(pages):
    formgrader, _, browser = pages
    browser.resize(WIDTHS[0])
    browser.open(formgrader)
    _verdicts_once(page_text(browser), "formgrader")


def test_feedback_shows_each_verdict_once_and_whole_and_what_awaits(pages):
    _, feedback, browser = pages
    browser.resize(WIDTHS[0])
    browser.open(feedback, settle=0.5)
    text = page_text(browser)
    _verdicts_once(text, "feedback")
    assert "3 points of written answers await a grader (0 of 3 given so far)." in text, text[:600]


def test_figures_fit_the_window_in_both_pages(pages):
    formgrader, feedback, browser = pages
    _figures_fit(browser, formgrader, "formgrader")
    _figures_fit(browser, feedback, "feedback")


def test_notes_are_current_after_manual_grading_in_formgrader(day, pages):
    from nbgrader.api import Gradebook

    formgrader, feedback, browser = pages
    browser.resize(WIDTHS[0])
    browser.open(formgrader)
    # the TA types 2.5 into the written answer's score box (formgrader saves it on change)
    typed = browser.js("const box = document.getElementById('q1_comparison').closest('.nbgrader_cell')"
                       ".querySelector('input.score'); box.value = '2.5';"
                       " box.dispatchEvent(new Event('change', {bubbles: true})); return box.value;")
    assert typed == "2.5"
    db = "sqlite:///" + os.path.join(day["course"], "gradebook.db")
    for _ in range(40):
        with Gradebook(db) as gb:
            score = gb.find_grade("q1_comparison", AID, AID, day["student"]).manual_score
        if score == 2.5:
            break
        time.sleep(0.25)
    assert score == 2.5, "formgrader did not save the score"
    rc, out = _run([sys.executable, "-m", "nbgrader", "generate_feedback", AID, "--force"], day["course"],
                   day["env"], day["tmp"])
    assert rc == 0, out[-3000:]
    browser.open(feedback, settle=0.5)
    text = page_text(browser)
    notes = next(line for line in text.splitlines() if line.startswith("Grading notes"))
    assert notes.endswith("1 of 5 autograded points. Written answers: 2.5 of 6 points."), notes
    _shoot(browser, "feedback_after_manual_grading")
