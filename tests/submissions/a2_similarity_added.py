"""The similarity corpus's honest cells that students added to the notebook beside the answer cells.

``ADDED`` maps a student to ``(answers, cells)``: their answer cells as
submitted and the code cells they added, ``[(piece, source)]``, each written
just above the answer cell of `piece`. The grader runs every cell, so these
are the student's code as much as the answer cells are:

* ``emeka`` and ``chen`` moved their helpers (``_shares``, ``_candidates``;
  ``IMPURITY``, ``_impurity_rows``) out of the answer cells into a cell of
  their own: each helper still belongs to the pieces that use it;
* ``amara``, ``hana`` and ``ines`` tried their functions out in a scratch
  cell, as many students do: code no piece uses, counted in ``*`` only.
"""

import ast

from a2_similarity_honest_1 import AMARA, CHEN, EMEKA
from a2_similarity_honest_2 import HANA, INES


def moved_out(answers, piece, names):
    """(`answers` without the top-level definitions `names` of `piece`'s cell, those definitions' source)."""
    source = answers[piece]
    lines = source.splitlines(keepends=True)
    keep, moved = list(range(len(lines))), []
    for node in ast.parse(source).body:
        bound = getattr(node, "name", None) or getattr(getattr(node, "targets", [None])[0], "id", None)
        if bound in names:
            span = range(node.lineno - 1, node.end_lineno)
            moved.append("".join(lines[i] for i in span))
            keep = [i for i in keep if i not in span]
    rest = dict(answers)
    rest[piece] = "".join(lines[i] for i in keep).strip("\n") + "\n"
    return rest, "\n\n".join(moved)


_emeka, _shares = moved_out(EMEKA, "gini", {"_shares"})
_emeka, _candidates = moved_out(_emeka, "best_split", {"_candidates"})
_chen, _impurity = moved_out(CHEN, "information_gain", {"IMPURITY"})
_chen, _rows = moved_out(_chen, "best_split", {"_impurity_rows"})

ADDED = {
    "emeka": (_emeka, [("gini", "# my helpers\nimport numpy as np\n\n\n" + _shares + "\n\n\n" + _candidates)]),
    "chen": (_chen, [("information_gain", _impurity + "\n\n\n" + _rows)]),
    "amara": (AMARA, [("information_gain", "y_try = np.array([0, 0, 1, 1, 1])\n"
                                           "print(gini(y_try), entropy(y_try))\n")]),
    "hana": (HANA, [("DecisionTreeClassifier", "X_toy = np.array([[1.0], [2.0], [3.0], [4.0]])\ny_toy = np.array([0, 0, 1, 1])\n"
                                   "print(best_split(X_toy, y_toy))\nprint(information_gain(y_toy, y_toy[:2], y_toy[2:]))\n")]),
    "ines": (INES, [("DecisionTreeClassifier", "for name in ['gini', 'entropy']:\n"
                                               "    print(name, information_gain([0, 1, 1, 0], [0, 0], [1, 1], name))\n")]),
}
