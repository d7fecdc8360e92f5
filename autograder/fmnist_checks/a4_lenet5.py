"""Visible checks of assignment 4: LeNet5, train_epoch, evaluate, EarlyStopping.

Expected values are constants worked out by hand (parameter counts, layer
shapes, early-stopping sequences) or computed with PyTorch by another route
than the piece itself: with a learning rate of 0 the mean training loss per
sample is the cross-entropy of the whole data set, and the gradient the
optimizer must see at each step is that of its own batch. Nothing here is an
answer to a graded piece.

Every ``run`` builds its own tiny model, loader and optimizer from plain
inputs, so it depends on nothing but its inputs and the answer.

The cases live in one module per topic (``a4_lenet``, ``a4_training``, ``a4_stopping``); this one holds the
``VISIBLE`` registry and re-exports the builders that the hidden checks import.
"""

from .a4_lenet import lenet_cases, TOL
from .a4_stopping import best_state_case, early_stopping_cases, stopping_case
from .a4_training import (
    evaluate_cases,
    tiny_data,
    tiny_weights,
    train_cases,
    whole_data_accuracy,
    whole_data_loss,
)


VISIBLE = {
    "LeNet5": lambda: lenet_cases(5, batch=2),
    "train_epoch": lambda: train_cases(),
    "evaluate": lambda: evaluate_cases(),
    "EarlyStopping": early_stopping_cases,
}
