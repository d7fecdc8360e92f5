"""A small course of a5 (and a1) for the grading tests: made, generated, submitted to."""

import copy
import hashlib
import json
import os
import shutil

from autograder.batch.nbgrader_cli import run_nbgrader
from fmnist_checks.notebook import nbgrader_meta

ASSIGNMENT = "a5_evaluation"
HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.join(os.path.dirname(HERE), "course")
WRITTEN = {"q1_comparison": "LeNet-5 is best overall; my own words here.",
           "q2_shirt": "Shirts look like T-shirts, pullovers and coats: my answer."}
HANG = '''def precision_recall_f1(y_true, y_pred, n_classes):
    while True:
        pass
'''


def _digest(folder):
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(folder)):
        dirs.sort()
        for name in sorted(files):
            with open(os.path.join(root, name), "rb") as fh:
                h.update(os.path.relpath(os.path.join(root, name), folder).encode() + fh.read())
    return h.hexdigest()


def _course(root, generate=True):
    course = os.path.join(root, "course")
    os.makedirs(os.path.join(course, "source"))
    shutil.copy(os.path.join(COURSE, "nbgrader_config.py"), course)
    for aid in (ASSIGNMENT, "a1_data_pca"):
        shutil.copytree(os.path.join(COURSE, "source", aid), os.path.join(course, "source", aid),
                        ignore=shutil.ignore_patterns("__pycache__"))
    if generate:
        run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], cwd=course)
    return course


def _submit(course, student, nb):
    """`student`'s submission as ``nbgrader zip_collect`` leaves it: the LMS's time is taken as it is."""
    folder = os.path.join(course, "submitted", student, ASSIGNMENT)
    extracted = os.path.join(course, "downloaded", ASSIGNMENT, "extracted")
    for where in (folder, extracted):
        os.makedirs(where, exist_ok=True)
    for path in (os.path.join(folder, f"{ASSIGNMENT}.ipynb"), os.path.join(extracted, f"{student}_{ASSIGNMENT}.ipynb")):
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(nb, fh)
    with open(os.path.join(folder, "timestamp.txt"), "w", encoding="utf-8") as fh:
        fh.write("2026-11-20 17:00:00.000000 UTC")


def _notebooks(course):
    with open(os.path.join(course, "source", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), encoding="utf-8") as fh:
        source = json.load(fh)
    with open(os.path.join(course, "release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), encoding="utf-8") as fh:
        release = json.load(fh)
    return source, release


def _with_written(nb):
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in WRITTEN:
            cell["source"] = WRITTEN[gid]
    return nb


