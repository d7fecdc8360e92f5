"""Self-check: run `pytest` in this folder to test the saved notebook with the visible checks."""

import os

from fmnist_checks.selfcheck import make_tests

make_tests('a1_data_pca', os.path.dirname(os.path.abspath(__file__)), globals())
