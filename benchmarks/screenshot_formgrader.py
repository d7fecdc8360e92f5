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
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_courses import generate, put_in_answer, released, solved, submit, written_answers  # noqa: E402

from autograder.cli.headless import Browser, NoChromium, fetch, free_port, start_server, stop_server  # noqa: E402
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
            try:
                browser = Browser(os.path.join(tmp, "chromium"), helpers=HELPERS)
            except NoChromium as exc:
                raise SystemExit(f"screenshot_formgrader: {exc}")
            with browser:
                browser.open(url)
                browser.shoot(os.path.join(out, "hang_full_page.png"))
                for view, view_js in VIEWS.items():
                    browser.shoot(os.path.join(out, f"hang_{view}.png"), *browser.band(view_js))
    finally:
        if server is not None:
            stop_server(server)
        if args.keep:
            print(f"course kept in {tmp}/course")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
