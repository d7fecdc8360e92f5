"""Checks of gini, entropy and information_gain: hand-computed values, each worked out
in a comment so a student can redo it on paper.
"""

import numpy as np

from .cases import function_case, unchanged_case
from .compare import close


# --- impurities ------------------------------------------------------------

SCALAR = close(1e-9, 1e-12)


def _hint_gini(expected, got, inputs):
    y = np.asarray(inputs["args"][0])
    if y.size == 0 or not isinstance(got, (int, float)):
        return None
    counts = np.unique(y, return_counts=True)[1]
    if abs(got) < 1e-12 and expected > 0:
        return "1 - sum(p) is always 0: the Gini impurity is 1 - sum(p_k ** 2)"
    if abs(got - (1.0 - np.sum(counts.astype(float) ** 2))) < 1e-9:
        return "use the class shares p_k = count_k / n, not the counts"
    if abs(got - np.sum((counts / y.size) ** 2)) < 1e-9:
        return "you returned sum(p_k ** 2); the impurity is 1 minus that"
    return None


def _hint_entropy(expected, got, inputs):
    if not isinstance(got, (int, float)):
        return None
    if got != got:  # NaN
        return "a class with no sample gives 0 * log(0) = nan: leave out the zero shares (0 log 0 counts as 0)"
    if expected > 0 and abs(got - expected * np.log(2.0)) < 1e-9:
        return "your entropy is in nats (natural log): the contract wants bits, use np.log2"
    if expected > 0 and abs(got - expected * np.log10(2.0)) < 1e-9:
        return "your entropy uses log base 10: use np.log2 (bits)"
    if expected > 0 and abs(got + expected) < 1e-9:
        return "the sign is flipped: entropy is -sum(p_k log2 p_k), which is >= 0"
    return None


def gini_cases():
    """Hand-computed Gini impurities."""
    def case(label, y, value):
        return function_case("gini", label, [np.array(y, dtype=np.int64)], value, SCALAR,
                             hint=_hint_gini)

    return [
        # 1 - (3/4)**2 - (1/4)**2 = 1 - 9/16 - 1/16 = 6/16
        case("three of one class, one of another", [0, 0, 0, 1], 0.375),
        # five classes, one sample each: 1 - 5 * (1/5)**2
        case("five classes, equal shares", [0, 1, 2, 3, 4], 0.8),
        # counts 2, 1, 3 of 6: 1 - (4 + 1 + 9) / 36 = 22/36
        case("labels in any order", [0, 2, 2, 1, 2, 0], 22 / 36),
        case("a pure node has impurity 0", [2, 2, 2], 0.0),
        case("an empty array has impurity 0.0", [], 0.0),
        unchanged_case("gini", "does not modify its input", [np.array([3, 1, 1, 0])]),
    ]


def entropy_cases():
    """Hand-computed entropies in bits."""
    def case(label, y, value):
        return function_case("entropy", label, [np.array(y, dtype=np.int64)], value, SCALAR,
                             hint=_hint_entropy)

    return [
        # two equal classes: exactly one bit
        case("two equal classes: 1 bit", [0, 0, 1, 1], 1.0),
        # four equal classes: log2(4)
        case("four equal classes: 2 bits", [0, 1, 2, 3], 2.0),
        # -(3/4 log2 3/4 + 1/4 log2 1/4)
        case("three of one class, one of another", [0, 0, 0, 1], 0.8112781244591328),
        # labels 0 and 2 only (class 1 absent): -(2/3 log2 2/3 + 1/3 log2 1/3)
        case("a label value that does not occur (class 1 absent)", [0, 2, 0], 0.9182958340544896),
        case("a pure node has entropy 0", [1, 1, 1], 0.0),
        case("an empty array has entropy 0.0", [], 0.0),
        unchanged_case("entropy", "does not modify its input", [np.array([3, 1, 1, 0])]),
    ]


def _hint_information_gain(expected, got, inputs):
    if isinstance(got, (int, float)) and expected != 0 and abs(got + expected) < 1e-9:
        return "the sign is flipped: the gain is the parent's impurity minus the children's"
    return None


WEIGHTS = ("weight each child's impurity by its share of the samples: "
           "n_left/n * impurity(y_left) + n_right/n * impurity(y_right)")
CRITERION = "criterion='entropy' must use your entropy, not gini"


def _known_wrong(*pairs):
    """A hint for the values that known bugs give on one hand-made case: (value, hint) pairs."""
    def hint(expected, got, inputs):
        if isinstance(got, (int, float)):
            for value, text in pairs:
                if abs(got - value) < 1e-9:
                    return text
        return _hint_information_gain(expected, got, inputs)

    return hint


def information_gain_cases():
    """Hand-computed gains, gini and entropy."""
    def case(label, args, value, criterion=None, hint=_hint_information_gain):
        kwargs = {} if criterion is None else {"criterion": criterion}
        return function_case("information_gain", label,
                             [np.array(a, dtype=np.int64) for a in args], value, SCALAR,
                             kwargs=kwargs, hint=hint)

    halves = ([0, 0, 1, 1], [0, 0], [1, 1])
    uneven = ([0, 0, 0, 1, 1, 1], [0, 0, 0, 1], [1, 1])
    entropy_of_left = 0.8112781244591328  # entropy of [0, 0, 0, 1]
    return [
        # parent 0.5, both children pure
        case("a perfect split of two equal classes", halves, 0.5),
        # parent 1 bit, both children pure (gini would give 0.5)
        case("a perfect split, entropy", halves, 1.0, criterion="entropy",
             hint=_known_wrong((0.5, CRITERION))),
        # parent 0.5; left gini 0.375 weighted 4/6, right pure: 0.5 - 0.25
        # (unweighted: 0.5 - 0.375/2; weights swapped: 0.5 - 2/6 * 0.375)
        case("children of different sizes are weighted by their share", uneven, 0.25,
             hint=_known_wrong((0.3125, WEIGHTS), (0.375, WEIGHTS))),
        # parent 1 bit; left 0.8112781244591328 weighted 4/6 (gini would give 0.25)
        case("children of different sizes, entropy", uneven,
             1.0 - 4 / 6 * entropy_of_left, criterion="entropy",
             hint=_known_wrong((0.25, CRITERION), (1.0 - entropy_of_left / 2, WEIGHTS),
                               (1.0 - 2 / 6 * entropy_of_left, WEIGHTS))),
        # nothing moves: the gain is 0 (unweighted: 4/9 - 4/9 / 2; weights swapped: 4/9)
        case("an empty child: gain 0", ([0, 1, 1], [], [0, 1, 1]), 0.0,
             hint=_known_wrong((2 / 9, WEIGHTS), (4 / 9, WEIGHTS))),
        unchanged_case("information_gain", "does not modify its inputs",
                       [np.array([0, 1, 1]), np.array([0]), np.array([1, 1])]),
    ]
