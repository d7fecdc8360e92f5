"""The instructor's guide's table of checks is the one the cases give."""

import os

import pytest

from autograder.cli.describe import describe

pytestmark = pytest.mark.autograder

GUIDE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "instructor_guide.md")


def test_the_guide_lists_what_each_grade_id_checks():
    text = open(GUIDE, encoding="utf-8").read()
    assert describe().strip() in text, "refresh the table: python -m autograder.cli.describe"
