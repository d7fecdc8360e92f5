"""The mutants listed as equivalent, each with a reason a reviewer can check.

``autograder/audit/equivalent.toml`` holds one table per piece, keyed by the
mutant's key (:attr:`autograder.audit.mutants.Mutant.key`)::

    [precision_recall_f1]
    0123456789 = "np.zeros_like(tp) -> np.zeros_like(None)? no: ... (one line)"

A listed mutant counts as equivalent, not as survived; ``tests/test_audit.py``
proves each one gives the reference's outputs on a thousand random inputs of
the contract, so nothing is listed only to raise the kill rate.
"""

import os
import tomllib

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "equivalent.toml")


def equivalents(path=PATH):
    """{piece: {mutant key: reason}}."""
    if not os.path.exists(path):
        return {}
    with open(path, "rb") as fh:
        table = tomllib.load(fh)
    return {piece: dict(keys) for piece, keys in table.items()}
