"""Self-check: run `pytest` in this folder to test the saved notebook with the visible checks."""

import os

from fmnist_checks.selfcheck import make_tests

make_tests('a4_lenet5', os.path.dirname(os.path.abspath(__file__)), globals())
