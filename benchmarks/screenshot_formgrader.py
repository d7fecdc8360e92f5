"""Screenshots of formgrader's grading view of a submission whose function hangs.

What an instructor sees after ``fmnist-grade`` when a student's answer never
returns: the student's own notebook, autograded, in formgrader's grading view
(``/formgrader/submissions/<id>/``), with her written answers waiting for a
score, her figures, and the grader's note on each cell it stopped.

It works in a temporary copy of ``course/`` (nothing in the project changes):

1. generates a5_evaluation and submits, for the student "hana", the solved
   notebook (``solutions/``) with her two written answers filled in with
   recognisable text ("HANA'S ANSWER TO QUESTION 1/2"), the notebook's own
   plotting cells, and ``while True: pass`` put at the top of
   ``precision_recall_f1``'s body;
2. runs ``fmnist-grade a5_evaluation`` with short timeouts (5 s per cell and
   check), so the hang is stopped quickly, in the checks and in each cell
   that calls the function; its grade table goes to ``OUT/fmnist-grade.txt``;
3. starts a headless Jupyter server (formgrader is its server extension) on a
   free port of 127.0.0.1, without a token, for the few seconds the
   screenshots take, and drives headless Chromium over its DevTools protocol:
   ``hang_full_page.png`` (the whole grading view) and bands of it:
   ``hang_grading_notes.png`` (the notes at the top), ``hang_stopped_cell.png``
   (her answer with the loop, the stopped cell and the grader's note, the
   0-point verdict), ``hang_figure.png`` (a later stopped cell, then a figure
   her notebook drew) and ``hang_written_answers.png`` (her two answers with
   formgrader's score boxes). The page's HTML is saved too.

Usage: ``python benchmarks/screenshot_formgrader.py --out DIR`` (two minutes;
needs bubblewrap, Chromium and FMNIST_EDU_DATA). ``--keep`` keeps the course.
"""

import argparse
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_courses import generate, put_in_answer, released, solved, submit, written_answers  # noqa: E402

from autograder.batch.nbgrader_cli import nbgrader_env  # noqa: E402

AID, STUDENT = "a5_evaluation", "hana"
WRITTEN = {
    "q1_comparison": "**HANA'S ANSWER TO QUESTION 1.** LeNet-5 wins on every class; the tree is worst, "
                     "and all three mix up Shirt, T-shirt/top and Pullover (the upper-body garments).",
    "q2_shirt": "**HANA'S ANSWER TO QUESTION 2.** Shirts look like T-shirts and pullovers at 28x28 pixels: "
                "same outline, and the buttons and collars that tell them apart are a few grey pixels.",
}
HANG = "while True:  # hana's debugging loop, left in\n        pass"

# The views, as JavaScript returning [first element, last element]: a view is the band of the
# page from the top of the first to the bottom of the last.
HELPERS = """
const all = (sel, text) => [...document.querySelectorAll(sel)].filter(e => e.textContent.includes(text));
const cellWith = (sel, text) => { const f = all(sel, text); return f[f.length - 1].closest('.cell'); };
const heading = prefix => [...document.querySelectorAll('h1,h2,h3')].find(h => h.id.startsWith(prefix));
"""
VIEWS = {
    "grading_notes": "const n = cellWith('.text_cell_render', 'Grading notes'); return [n, n];",
    "stopped_cell": "return [heading('Part-C'), cellWith('.cell', 'Trusted grader, precision_recall_f1')];",
    "figure": "const notes = all('.text_cell_render', \"Grader's note\");"
              " return [notes[notes.length - 1].closest('.cell').previousElementSibling,"
              " document.querySelector('.output_png').closest('.cell')];",
    "written_answers": "return [heading('Question-1'), document.getElementById('q2_shirt').closest('.cell')];",
}


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    raise SystemExit("screenshot_formgrader: no Chromium found (apt-get install chromium)")


def make_submission(course):
    nb = solved(AID, released(course, AID), written=WRITTEN)
    assert set(written_answers(nb)) == set(WRITTEN), written_answers(nb)
    submit(course, AID, {STUDENT: put_in_answer(nb, "precision_recall_f1", HANG)})


def grade(course, out):
    """fmnist-grade with short timeouts; its table goes to OUT/fmnist-grade.txt."""
    argv = [sys.executable, "-m", "autograder.cli.grade_class", AID, "--course", course,
            "--cell-timeout", "5", "--notebook-timeout", "180", "--jobs", "1"]
    proc = subprocess.run(argv, env=nbgrader_env({"MPLBACKEND": "Agg"}), capture_output=True, text=True)
    with open(os.path.join(out, "fmnist-grade.txt"), "w", encoding="utf-8") as fh:
        fh.write(proc.stdout)
    if proc.returncode != 0:
        raise SystemExit(f"fmnist-grade failed:\n{proc.stdout}{proc.stderr[-3000:]}")
    print(proc.stdout)


def submission_id(course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{os.path.join(course, 'gradebook.db')}") as gb:
        return gb.find_submission_notebook(AID, AID, STUDENT).id


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as resp:
        return resp.read().decode("utf-8", "replace")


def start_server(course, port, log):
    """A Jupyter server rooted at the course (formgrader needs the course inside its root).

    127.0.0.1 only and no token: formgrader's page fetches the grades with
    further requests, which a token in the page's URL does not cover.
    """
    argv = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            f"--ServerApp.root_dir={course}", "--IdentityProvider.token=", "--allow-root"]
    proc = subprocess.Popen(argv, cwd=course, env=nbgrader_env(), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    for _ in range(120):
        try:
            fetch(f"http://127.0.0.1:{port}/api/status")
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"the Jupyter server stopped (exit {proc.returncode}); see its log")
            time.sleep(0.5)
    os.killpg(proc.pid, 9)
    raise SystemExit("the Jupyter server did not answer within a minute")


class Browser:
    """Headless Chromium driven over the DevTools protocol (websocket-client comes with jupyter_server)."""

    def __init__(self, profile, width=1280):
        import websocket

        self.proc = subprocess.Popen(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--remote-debugging-port=0", "--remote-allow-origins=*", f"--user-data-dir={profile}",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        for line in self.proc.stderr:
            found = re.search(rb"DevTools listening on ws://([^/]+)/", line)
            if found:
                break
        else:
            raise SystemExit("Chromium did not start its DevTools endpoint")
        pages = json.loads(fetch(f"http://{found.group(1).decode()}/json/list"))
        url = next(p["webSocketDebuggerUrl"] for p in pages if p["type"] == "page")
        self.ws = websocket.create_connection(url, timeout=120, suppress_origin=True)
        self.next_id, self.width, self.loaded = 0, width, False
        self.call("Page.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.loaded = self.loaded or msg.get("method") == "Page.loadEventFired"

    def open(self, url, settle=3.0):
        self.call("Emulation.setDeviceMetricsOverride", width=self.width, height=1000, deviceScaleFactor=1,
                  mobile=False)
        self.loaded = False
        self.call("Page.navigate", url=url)
        end = time.monotonic() + 60
        while not self.loaded and time.monotonic() < end:
            self.loaded = json.loads(self.ws.recv()).get("method") == "Page.loadEventFired"
        time.sleep(settle)  # formgrader's scripts fetch the grades and comments after the load
        # formgrader does not shrink a wide figure: widen the window until the widest one fits
        # (the page is centred, so each widening moves it right by half as much)
        for _ in range(12):
            right = self.js("return Math.max(0, ...[...document.images].map(i => i.getBoundingClientRect().right));")
            if right + 40 <= self.width:
                break
            self.width = int(2 * (right + 40) - self.width)
            self.call("Emulation.setDeviceMetricsOverride", width=self.width, height=1000,
                      deviceScaleFactor=1, mobile=False)
            time.sleep(0.5)

    def js(self, body):
        result = self.call("Runtime.evaluate", expression=f"(() => {{ {HELPERS} {body} }})()", returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{body}: {result['exceptionDetails'].get('exception', {}).get('description')}")
        return result["result"].get("value")

    def band(self, view, pad=12):
        """(left, top, width, height) in page pixels of a view of :data:`VIEWS` (the notebook's width)."""
        body = VIEWS[view].replace("return [", "const els = [", 1)
        left, right, top, bottom = self.js(
            body + " const r = els.map(e => e.getBoundingClientRect());"
                   " const c = document.getElementById('notebook-container').getBoundingClientRect();"
                   " const top = r[0].top + scrollY, bottom = r[r.length - 1].bottom + scrollY;"
                   " const imgs = [...document.images].map(i => i.getBoundingClientRect())"
                   "   .filter(b => b.top + scrollY >= top && b.bottom + scrollY <= bottom).map(b => b.right);"
                   " return [c.left, Math.max(c.right, ...imgs), top, bottom];")
        left = max(0, left - pad)
        return left, max(0, top - pad), min(self.width - left, right - left + 2 * pad), bottom - top + 2 * pad

    def shoot(self, path, left=0, top=0, width=None, height=None):
        if height is None:
            height = self.js("return document.documentElement.scrollHeight;")
        width = width or self.width
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": left, "y": top, "width": width, "height": height, "scale": 1})
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(shot["data"]))
        print(f"{path} ({int(width)}x{int(height)})")

    def close(self):
        try:
            self.ws.close()
        finally:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results/screens")
    parser.add_argument("--keep", action="store_true", help="keep the temporary course and print its path")
    args = parser.parse_args(argv)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="formgrader-screens-")
    server = None
    try:
        course = generate(tmp, AID)
        make_submission(course)
        grade(course, out)
        sid = submission_id(course)
        port = free_port()
        with open(os.path.join(out, "jupyter-server.log"), "wb") as log:
            server = start_server(course, port, log)
            url = f"http://127.0.0.1:{port}/formgrader/submissions/{sid}/"
            with open(os.path.join(out, "submission.html"), "w", encoding="utf-8") as fh:
                fh.write(fetch(url))
            browser = Browser(os.path.join(tmp, "chromium"))
            try:
                browser.open(url)
                browser.shoot(os.path.join(out, "hang_full_page.png"))
                for view in VIEWS:
                    browser.shoot(os.path.join(out, f"hang_{view}.png"), *browser.band(view))
            finally:
                browser.close()
    finally:
        if server is not None:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        if args.keep:
            print(f"course kept in {tmp}/course")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
