"""Checks of EarlyStopping: hand-worked stopping sequences and the deep-copied best state."""

import numpy as np

from .a4_lenet import _torch
from .compare import close, equal, fields, sequence
from .core import Case


# --- EarlyStopping --------------------------------------------------------

def run_stopping(answer, losses, patience, min_delta):
    """The list of what step() returned for each loss, and best_loss at the end."""
    torch = _torch()
    stopper = answer(patience=patience, min_delta=min_delta)
    model = torch.nn.Linear(2, 1)
    returned = [stopper.step(loss, model) for loss in losses]
    return {"returned": returned, "best_loss": stopper.best_loss}


def run_initial(answer):
    stopper = answer()
    return {"best_loss": stopper.best_loss, "best_state_is_none": stopper.best_state is None}


def run_best_state(answer, losses, fills):
    """Step with the model's weights filled with `fills[i]` before step i; then change them."""
    torch = _torch()
    stopper = answer(patience=10, min_delta=0.0)
    model = torch.nn.Linear(2, 1)
    for loss, fill in zip(losses, fills):
        with torch.no_grad():
            model.weight.fill_(fill)
            model.bias.fill_(fill)
        stopper.step(loss, model)
    with torch.no_grad():  # training goes on: the stored state must not follow
        model.weight.fill_(-99.0)
        model.bias.fill_(-99.0)
    state = stopper.best_state
    if not isinstance(state, dict) or "weight" not in state:
        return {"best_state": f"not a state_dict: {type(state).__name__}"}
    return {"best_state": [state["weight"], state["bias"]], "best_loss": stopper.best_loss}


def _stop_hint(expected, got, inputs):
    if not isinstance(got, dict) or not isinstance(got.get("returned"), list):
        return None
    exp, ret = expected["returned"], got["returned"]
    wrong = [i for i, (e, g) in enumerate(zip(exp, ret)) if e is not g]
    if not wrong:
        return None
    i = wrong[0]
    if ret[i] is True:
        if i + 1 < len(exp) and exp[i + 1] is True:
            return ("you stop one epoch early: return True once `patience` epochs in a row "
                    "brought no improvement (count >= patience)")
        return ("stopped too early: reset the count to 0 after each improvement "
                "(val_loss < best_loss - min_delta)")
    if exp[i] is True:
        if i + 1 < len(ret) and ret[i + 1] is True:
            return "you stop one epoch late: return True when the count reaches patience (>=), not after"
        return ("an equal loss, or one less than min_delta below the best, is no improvement: "
                "count an improvement only when val_loss < best_loss - min_delta")
    return None


def _state_hint(expected, got, inputs):
    if isinstance(got, dict) and isinstance(got.get("best_state"), list):
        w = np.asarray(got["best_state"][0])
        if w.size and np.all(w == -99.0):
            return ("best_state changed when the model was trained further: store "
                    "copy.deepcopy(model.state_dict()); state_dict() returns references to the live tensors")
    return None


def stopping_case(losses, patience, min_delta, expected, label):
    return Case("EarlyStopping", label,
                {"losses": list(losses), "patience": patience, "min_delta": min_delta},
                run_stopping, expected, fields(returned=equal(), best_loss=close(1e-12, 1e-12)),
                call=(f"s = EarlyStopping(patience={patience}, min_delta={min_delta}); "
                      f"[s.step(loss, model) for loss in {list(losses)}]; s.best_loss"),
                hint=_stop_hint, part="stopping rule")


def best_state_case(losses, fills, label):
    best = int(np.argmin(losses))  # strict improvements only: the first minimum
    return Case("EarlyStopping", label, {"losses": list(losses), "fills": list(fills)},
                run_best_state,
                {"best_state": [np.full((1, 2), fills[best], np.float32), np.full(1, fills[best], np.float32)],
                 "best_loss": float(losses[best])},
                fields(best_state=sequence(close(0, 0), close(0, 0), names=["weight", "bias"]),
                       best_loss=close(1e-12, 1e-12)),
                call=(f"s = EarlyStopping(patience=10); for each loss in {list(losses)}: fill the "
                      f"weights of nn.Linear(2, 1) with {list(fills)}[i], s.step(loss, model); "
                      f"then fill them with -99; s.best_state"),
                hint=_state_hint, part="best state")


def early_stopping_cases():
    return [
        Case("EarlyStopping", "starts with best_loss = inf and best_state = None", {}, run_initial,
             {"best_loss": float("inf"), "best_state_is_none": True},
             fields(best_loss=equal(), best_state_is_none=equal()),
             call="s = EarlyStopping(); s.best_loss, s.best_state is None", part="best state"),
        stopping_case([1.0, 0.5, 0.6, 0.7, 0.8], 2, 0.0,
                      {"returned": [False, False, False, True, True], "best_loss": 0.5},
                      "True at the 2nd epoch in a row without improvement (patience=2)"),
        stopping_case([1.0, 1.1, 0.9, 1.0, 1.2, 1.3], 3, 0.0,
                      {"returned": [False, False, False, False, False, True], "best_loss": 0.9},
                      "an improvement resets the count (patience=3)"),
        stopping_case([1.0, 1.0, 0.8], 1, 0.0,
                      {"returned": [False, True, False], "best_loss": 0.8},
                      "an equal loss is no improvement (patience=1)"),
        stopping_case([1.0, 0.95, 0.92, 0.85], 2, 0.1,
                      {"returned": [False, False, True, False], "best_loss": 0.85},
                      "min_delta=0.1: 0.95 and 0.92 are no improvement on 1.0, 0.85 is (patience=2)"),
        best_state_case([1.0, 0.5, 0.7], [1.0, 2.0, 3.0],
                        "best_state is a deep copy of the best epoch's state_dict"),
    ]
