"""The answer corpus of ``tests/submissions``: correct answers in many styles, realistic bugs.

``tests/submissions/<assignment>_answers.py`` holds ``CORRECT`` (piece ->
source), ``CORRECT_VARIANTS`` ((piece, style, source): other correct ways of
writing a piece) and ``BUGGY`` ((piece, bug, source, message fragment)). This
module loads them as :class:`autograder.cli.sweep.Answer` lists for the grading
accuracy benchmark and its CI test.
"""

import importlib.util
import os

from fmnist_checks.notebook import is_given, read, source_of

from .sweep import Answer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUBMISSIONS = os.path.join(ROOT, "tests", "submissions")


def submissions(assignment):
    """The module ``tests/submissions/<assignment>_answers.py``."""
    path = os.path.join(SUBMISSIONS, f"{assignment}_answers.py")
    spec = importlib.util.spec_from_file_location(f"{assignment}_answers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def given_sources(assignment):
    """The source notebook's given cells, in order."""
    notebook = os.path.join(ROOT, "course", "source", assignment, f"{assignment}.ipynb")
    return [source_of(c) for c in read(notebook)["cells"] if is_given(c)]


def correct_answers(module):
    """Every correct answer: the main one of each piece, then the variants."""
    answers = [Answer(piece, "the main correct answer", source, True)
               for piece, source in module.CORRECT.items()]
    answers += [Answer(piece, style, source, True)
                for piece, style, source in getattr(module, "CORRECT_VARIANTS", [])]
    return answers


def buggy_answers(module):
    return [Answer(piece, bug, source, False) for piece, bug, source, _ in module.BUGGY]
