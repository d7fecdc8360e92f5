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


# --- run recipes of the hidden checks (they only call the answer; the grader's
# worker finds them here by name) ---------------------------------------------

def tensor_loader(X, y, batch_size):
    """A torch DataLoader over (X, y), not shuffled."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    return DataLoader(TensorDataset(torch.as_tensor(X), torch.as_tensor(y)), batch_size=batch_size)


def train_setup(inputs):
    import torch

    X, y = tiny_data(inputs["n_samples"], inputs["n_features"], inputs["n_classes"], inputs["seed"])
    weight, bias = tiny_weights(inputs["n_features"], inputs["n_classes"], inputs["seed"])
    model = torch.nn.Linear(inputs["n_features"], inputs["n_classes"])
    with torch.no_grad():
        model.weight.copy_(torch.as_tensor(weight))
        model.bias.copy_(torch.as_tensor(bias))
    model.eval()
    if inputs["optimizer"] == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=inputs["lr"])
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=inputs["lr"], momentum=0.9)
    return model, tensor_loader(X, y, inputs["batch_size"]), optimizer, torch.nn.CrossEntropyLoss()


def run_train_steps(answer, **inputs):
    model, loader, optimizer, loss_fn = train_setup(inputs)
    loss = answer(model, loader, optimizer, loss_fn, device="cpu")
    return {"mean_loss": loss, "weight": model.weight.detach().numpy().copy(),
            "bias": model.bias.detach().numpy().copy(), "training": model.training}


def run_evaluate_loader(answer, **inputs):
    import torch

    X, y = tiny_data(inputs["n_samples"], inputs["n_features"], inputs["n_classes"], inputs["seed"])
    weight, bias = tiny_weights(inputs["n_features"], inputs["n_classes"], inputs["seed"])
    model = torch.nn.Sequential(torch.nn.Linear(inputs["n_features"], inputs["n_classes"]),
                                torch.nn.Dropout(0.5))
    with torch.no_grad():
        model[0].weight.copy_(torch.as_tensor(weight))
        model[0].bias.copy_(torch.as_tensor(bias))
    torch.manual_seed(0)
    result = answer(model, tensor_loader(X, y, inputs["batch_size"]), torch.nn.CrossEntropyLoss(), device="cpu")
    return list(result) if isinstance(result, (tuple, list)) else result
