"""Answers to assignment 4 as a student would write them: one correct, many buggy.

CORRECT maps each piece to the source of a correct answer cell. BUGGY lists
(piece, bug name, source, fragment expected in the grader's message). The
sources run after the notebook's given cells (``copy``, ``math``, ``numpy as
np``, ``torch``, ``from torch import nn``).
"""

LENET5 = '''
class LeNet5(nn.Module):
    def __init__(self, n_classes=5):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, n_classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)
'''

TRAIN_EPOCH = '''
def train_epoch(model, loader, optimizer, loss_fn, device="cpu"):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(targets)
        count += len(targets)
    return total / count
'''

EVALUATE = '''
def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            logits = model(inputs)
            total += loss_fn(logits, targets).item() * len(targets)
            correct += (logits.argmax(dim=1) == targets).sum().item()
            count += len(targets)
    return total / count, correct / count
'''

EARLY_STOPPING = '''
class EarlyStopping:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = math.inf
        self.best_state = None
        self.counter = 0

    def step(self, val_loss, model):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_state = copy.deepcopy(model.state_dict())
            self.counter = 0
        else:
            self.counter += 1
        return self.counter >= self.patience
'''

# other correct ways of writing a piece: they must score full too
CORRECT_VARIANTS = [
    ("train_epoch", "divides by len(loader.dataset)",
     TRAIN_EPOCH.replace("return total / count", "return total / len(loader.dataset)")),
    ("LeNet5", "tanh and average pooling in nn.Sequential blocks", '''
class LeNet5(nn.Module):
    def __init__(self, n_classes=5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
            nn.Linear(84, n_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))
'''),
    ("evaluate", "returns float32 tensors",
     EVALUATE.replace("total, correct, count = 0.0, 0, 0", "total = torch.zeros(()); correct = torch.zeros(()); count = 0")
             .replace("loss_fn(logits, targets).item() * len(targets)", "loss_fn(logits, targets) * len(targets)")
             .replace("(logits.argmax(dim=1) == targets).sum().item()", "(logits.argmax(dim=1) == targets).sum()")),
    ("EarlyStopping", "stores a state_dict of cloned tensors",
     EARLY_STOPPING.replace("copy.deepcopy(model.state_dict())",
                            "{k: v.detach().clone() for k, v in model.state_dict().items()}")),
]

CORRECT = {
    "LeNet5": LENET5,
    "train_epoch": TRAIN_EPOCH,
    "evaluate": EVALUATE,
    "EarlyStopping": EARLY_STOPPING,
}

BUGGY = [
    # --- LeNet5
    ("LeNet5", "no padding on the first convolution",
     LENET5.replace("kernel_size=5, padding=2)", "kernel_size=5)")
           .replace("nn.Linear(16 * 5 * 5, 120)", "nn.Linear(16 * 4 * 4, 120)"),
     "padding=2"),
    ("LeNet5", "softmax at the end of forward",
     LENET5.replace("return self.fc3(x)", "return torch.softmax(self.fc3(x), dim=1)"),
     "return the raw logits"),
    ("LeNet5", "n_classes ignored (always 5 outputs)",
     LENET5.replace("nn.Linear(84, n_classes)", "nn.Linear(84, 5)"),
     "number of parameters, n_classes="),
    ("LeNet5", "10 maps in the second convolution",
     LENET5.replace("nn.Conv2d(6, 16, kernel_size=5)", "nn.Conv2d(6, 10, kernel_size=5)")
           .replace("nn.Linear(16 * 5 * 5, 120)", "nn.Linear(10 * 5 * 5, 120)"),
     "shapes of the parameters"),
    ("LeNet5", "no pooling after the second convolution",
     LENET5.replace("x = self.pool(torch.relu(self.conv2(x)))", "x = torch.relu(self.conv2(x))")
           .replace("nn.Linear(16 * 5 * 5, 120)", "nn.Linear(16 * 10 * 10, 120)"),
     "number of parameters"),
    # --- train_epoch
    ("train_epoch", "mean of the batch means",
     '''
def train_epoch(model, loader, optimizer, loss_fn, device="cpu"):
    model.train()
    losses = []
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs.to(device)), targets.to(device))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)
''', "you averaged the batch means"),
    ("train_epoch", "forgot model.train()",
     TRAIN_EPOCH.replace("    model.train()\n", ""), "call model.train()"),
    ("train_epoch", "forgot optimizer.zero_grad()",
     TRAIN_EPOCH.replace("        optimizer.zero_grad()\n", ""), "optimizer.zero_grad()"),
    ("train_epoch", "forgot optimizer.step()",
     TRAIN_EPOCH.replace("        optimizer.step()\n", ""), "number of optimizer.step() calls"),
    ("train_epoch", "divides by the number of batches",
     TRAIN_EPOCH.replace("return total / count", "return total / len(loader)"), "mean_loss"),
    ("train_epoch", "returns the summed loss, not the mean",
     TRAIN_EPOCH.replace("return total / count", "return total"), "mean_loss"),
    # --- evaluate
    ("evaluate", "forgot model.eval()",
     EVALUATE.replace("    model.eval()\n", ""), "call model.eval()"),
    ("evaluate", "no torch.no_grad()",
     EVALUATE.replace("    with torch.no_grad():\n", "    if True:\n"), "torch.no_grad()"),
    ("evaluate", "mean of the batch means",
     EVALUATE.replace("total += loss_fn(logits, targets).item() * len(targets)",
                      "total += loss_fn(logits, targets).item()")
             .replace("return total / count, correct / count",
                      "return total / len(loader), correct / count"),
     "you averaged the batch means"),
    ("evaluate", "accuracy as a percentage",
     EVALUATE.replace("correct / count", "100 * correct / count"), "not a percentage"),
    ("evaluate", "arg-max over the batch axis",
     EVALUATE.replace("argmax(dim=1)", "argmax(dim=0)"), "accuracy"),
    # --- EarlyStopping
    ("EarlyStopping", "shallow copy of the state_dict",
     EARLY_STOPPING.replace("copy.deepcopy(model.state_dict())", "model.state_dict()"),
     "copy.deepcopy(model.state_dict())"),
    ("EarlyStopping", "<= instead of < (an equal loss counts as improvement)",
     EARLY_STOPPING.replace("val_loss < self.best_loss", "val_loss <= self.best_loss"),
     "an equal loss is no improvement"),
    ("EarlyStopping", "counter not reset after an improvement",
     EARLY_STOPPING.replace("            self.counter = 0\n", ""), "reset the count"),
    ("EarlyStopping", "off by one: > patience",
     EARLY_STOPPING.replace("self.counter >= self.patience", "self.counter > self.patience"),
     "one epoch late"),
    ("EarlyStopping", "min_delta ignored",
     EARLY_STOPPING.replace("self.best_loss - self.min_delta", "self.best_loss"),
     "min_delta=0.1"),
    ("EarlyStopping", "best_loss starts at 0",
     EARLY_STOPPING.replace("self.best_loss = math.inf", "self.best_loss = 0.0"),
     "best_loss = inf"),
]

GIVEN = '''
import copy
import math

import numpy as np
import torch
from torch import nn
'''

# more correct styles (piece, style, source): every one must score full over
# any student id (tests/test_grading_corpus.py, benchmarks/grading_accuracy.py)
CORRECT_VARIANTS += [
    ("LeNet5", "one nn.Sequential, ReLU modules, max pooling", '''
class LeNet5(nn.Module):
    def __init__(self, n_classes=5):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, stride=1, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, n_classes),
        )

    def forward(self, x):
        return self.net(x)
'''),
    ("LeNet5", "by hand with torch.nn.functional and x.view", '''
import torch.nn.functional as F


class LeNet5(nn.Module):
    def __init__(self, n_classes=5):
        super(LeNet5, self).__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.f5 = nn.Linear(400, 120)
        self.f6 = nn.Linear(120, 84)
        self.out = nn.Linear(84, n_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.avg_pool2d(torch.tanh(self.c3(x)), kernel_size=2)
        x = x.view(x.size(0), -1)
        x = F.relu(self.f5(x))
        x = F.relu(self.f6(x))
        return self.out(x)
'''),
    ("train_epoch", "sums loss * batch size as a tensor, enumerate over the loader", '''
def train_epoch(model, loader, optimizer, loss_fn, device="cpu"):
    model.train()
    running = 0.0
    seen = 0
    for i, (xb, yb) in enumerate(loader):
        xb, yb = xb.to(device), yb.to(device)
        out = model(xb)
        loss = loss_fn(out, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running += loss.detach() * xb.size(0)
        seen += xb.size(0)
    return float(running / seen)
'''),
    ("evaluate", "torch.inference_mode, counts in Python", '''
def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    losses, hits, n = [], 0, 0
    with torch.inference_mode():
        for xb, yb in loader:
            out = model(xb.to(device))
            yb = yb.to(device)
            losses.append(loss_fn(out, yb).item() * yb.shape[0])
            hits += int((torch.argmax(out, dim=1) == yb).sum())
            n += yb.shape[0]
    return sum(losses) / n, hits / n
'''),
    ("EarlyStopping", "best - val > min_delta, float('inf'), patience counter named wait", '''
class EarlyStopping:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = float("inf")
        self.best_state = None
        self.wait = 0

    def step(self, val_loss, model):
        if self.best_loss - val_loss > self.min_delta:
            self.best_loss = val_loss
            self.best_state = copy.deepcopy(model.state_dict())
            self.wait = 0
            return False
        self.wait += 1
        return self.wait >= self.patience
'''),
    ("EarlyStopping", "val + min_delta < best, stop flag kept", '''
class EarlyStopping:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_state = np.inf, None
        self.bad_epochs = 0
        self.should_stop = False

    def step(self, val_loss, model):
        improved = val_loss + self.min_delta < self.best_loss
        if improved:
            self.best_loss = val_loss
            self.best_state = copy.deepcopy(model.state_dict())
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
        self.should_stop = self.bad_epochs >= self.patience
        return self.should_stop
'''),
]
