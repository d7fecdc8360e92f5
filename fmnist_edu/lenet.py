"""Assignment 4: LeNet-5 in PyTorch, one training epoch, evaluation, early stopping.

The network follows LeCun et al. (1998) adapted to 28x28 Fashion-MNIST images:
a padding of 2 on the first convolution makes the 28x28 input behave like
LeNet-5's original 32x32 one, so the feature maps are 28 -> 14 -> 10 -> 5 and
the first fully connected layer sees 16 * 5 * 5 = 400 values.

Modern choices replace the original tanh and average (sub-sampling) pooling by
ReLU and max pooling: they train faster and reach a higher accuracy here, and
neither adds parameters, so the model keeps LeNet-5's 61,281 parameters for
5 classes::

    conv1  1 -> 6,  5x5:   6 * 25 + 6      =    156
    conv2  6 -> 16, 5x5:  16 * 150 + 16    =  2,416
    fc1    400 -> 120:    400 * 120 + 120  = 48,120
    fc2    120 -> 84:     120 * 84 + 84    = 10,164
    fc3    84 -> 5:       84 * 5 + 5       =    425
                                             ------
                                             61,281

``fmnist_edu.lenet_training`` builds the full training recipe (data split,
normalisation, augmentation, schedule) on top of these pieces.
"""

import copy
import math

import torch
from torch import nn

from fmnist_edu._validation import check_n_classes


class LeNet5(nn.Module):
    """LeNet-5 for (N, 1, 28, 28) images, returning logits.

    Parameters
    ----------
    n_classes : int, default=5
        Number of output classes.

    Attributes
    ----------
    features : torch.nn.Sequential
        conv 5x5 (1 -> 6, padding 2), ReLU, 2x2 max pool, conv 5x5 (6 -> 16),
        ReLU, 2x2 max pool: (N, 1, 28, 28) -> (N, 16, 5, 5).
    classifier : torch.nn.Sequential
        Fully connected 400 -> 120 -> 84 -> n_classes with ReLU between:
        (N, 400) -> (N, n_classes).

    Examples
    --------
    >>> import torch
    >>> model = LeNet5()
    >>> sum(p.numel() for p in model.parameters())
    61281
    >>> model(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 5])
    """

    def __init__(self, n_classes=5):
        super().__init__()
        self.n_classes = check_n_classes(n_classes)
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2),  # (N, 6, 28, 28)
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 6, 14, 14)
            nn.Conv2d(6, 16, kernel_size=5),  # (N, 16, 10, 10)
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 16, 5, 5)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (N, 400)
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, self.n_classes),
        )

    def forward(self, x):
        """Return the logits of a batch of images.

        Parameters
        ----------
        x : torch.Tensor of shape (N, 1, 28, 28)
            Float images.

        Returns
        -------
        logits : torch.Tensor of shape (N, n_classes)
            Unnormalised class scores (apply softmax for probabilities).
        """
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            raise ValueError(f"LeNet5 expects input of shape (N, 1, 28, 28), got {tuple(x.shape)}")
        return self.classifier(self.features(x))


def train_epoch(model, loader, optimizer, loss_fn, device="cpu"):
    """Train `model` for one pass over `loader` and return the mean loss per sample.

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch (B, ...) to logits (B, n_classes); put in training mode.
    loader : iterable of (inputs, targets)
        Batches of inputs (B, 1, 28, 28) and int64 labels (B,), e.g. a
        ``torch.utils.data.DataLoader``; the last batch may be smaller.
    optimizer : torch.optim.Optimizer
        Updates the parameters of `model` after every batch.
    loss_fn : callable
        ``loss_fn(logits, targets)`` returning the batch MEAN loss (PyTorch's
        default ``reduction="mean"``).
    device : str or torch.device, default="cpu"
        Where each batch is moved before the forward pass; `model` is expected
        to be there already.

    Returns
    -------
    mean_loss : float
        Sum over batches of (batch mean loss * batch size) divided by the number
        of samples, so a smaller last batch counts by its size.
    """
    model.train()
    total_loss = 0.0
    n_samples = 0
    for inputs, targets in loader:
        inputs = inputs.to(device)
        targets = targets.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        batch_size = targets.shape[0]
        total_loss += loss.item() * batch_size
        n_samples += batch_size
    if n_samples == 0:
        raise ValueError("loader yielded no samples")
    return total_loss / n_samples


def evaluate(model, loader, loss_fn, device="cpu"):
    """Return the mean loss and the accuracy of `model` per sample of `loader`.

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch (B, ...) to logits (B, n_classes); put in evaluation mode.
    loader : iterable of (inputs, targets)
        Batches of inputs (B, 1, 28, 28) and int64 labels (B,).
    loss_fn : callable
        ``loss_fn(logits, targets)`` returning the batch mean loss.
    device : str or torch.device, default="cpu"
        Where each batch is moved before the forward pass.

    Returns
    -------
    mean_loss : float
        Batch mean losses weighted by batch size, divided by the sample count.
    accuracy : float
        Share of samples whose arg-max logit equals the target, in [0, 1].
    """
    model.eval()
    total_loss = 0.0
    n_correct = 0
    n_samples = 0
    with torch.no_grad():
        for inputs, targets in loader:
            inputs = inputs.to(device)
            targets = targets.to(device)
            logits = model(inputs)
            batch_size = targets.shape[0]
            total_loss += loss_fn(logits, targets).item() * batch_size
            n_correct += (logits.argmax(dim=1) == targets).sum().item()
            n_samples += batch_size
    if n_samples == 0:
        raise ValueError("loader yielded no samples")
    return total_loss / n_samples, n_correct / n_samples


class EarlyStopping:
    """Stop training once the validation loss has stopped improving.

    Parameters
    ----------
    patience : int, default=5
        Number of epochs in a row without improvement after which `step`
        returns True.
    min_delta : float, default=0.0
        An epoch improves only when ``val_loss < best_loss - min_delta``.

    Attributes
    ----------
    best_loss : float
        Lowest validation loss seen so far (``inf`` before the first step).
    best_state : dict or None
        Deep copy of the model's ``state_dict`` at `best_loss`; restore it with
        ``model.load_state_dict(stopper.best_state)``.
    counter : int
        Epochs in a row without improvement.

    Examples
    --------
    >>> from torch import nn
    >>> stopper = EarlyStopping(patience=2)
    >>> model = nn.Linear(1, 1)
    >>> [stopper.step(loss, model) for loss in (1.0, 0.5, 0.6, 0.7)]
    [False, False, False, True]
    >>> stopper.best_loss
    0.5
    """

    def __init__(self, patience=5, min_delta=0.0):
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be a positive integer, got {patience!r}")
        if not isinstance(min_delta, (int, float)) or not math.isfinite(min_delta) or min_delta < 0:
            raise ValueError(f"min_delta must be a finite number >= 0, got {min_delta!r}")
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = math.inf
        self.best_state = None
        self.counter = 0

    def step(self, val_loss, model):
        """Record one epoch's validation loss; return True when training should stop.

        Parameters
        ----------
        val_loss : float
            This epoch's validation loss.
        model : torch.nn.Module
            Its ``state_dict`` is deep-copied into `best_state` on improvement.

        Returns
        -------
        stop : bool
            True once `patience` epochs in a row brought no improvement.
        """
        val_loss = float(val_loss)
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_state = copy.deepcopy(model.state_dict())
            self.counter = 0
        else:
            self.counter += 1
        return self.counter >= self.patience

    def __repr__(self):
        return (
            f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
            f"best_loss={self.best_loss:.4g}, counter={self.counter})"
        )
