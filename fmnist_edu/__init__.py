"""fmnist-edu: the reference implementation of the course.

Every graded piece of the course is importable from here under the name the
course contract gives it::

    from fmnist_edu import DecisionTreeClassifier, pca_fit, LeNet5

Sub-modules are imported on first use, so ``import fmnist_edu`` stays fast and
only the LeNet-5 pieces pull in PyTorch.
"""

from importlib import import_module

__version__ = "0.1.0"

# name -> sub-module that defines it, in the order of the course contract
_EXPORTS = {
    # data
    "load_course_data": "data",
    "CLASS_NAMES": "data",
    # assignment 1
    "class_distribution": "integrity",
    "integrity_report": "integrity",
    "pca_fit": "pca",
    "explained_variance_ratio": "pca",
    "n_components_for": "pca",
    "pca_transform": "pca",
    # assignment 2
    "gini": "splits",
    "entropy": "splits",
    "information_gain": "splits",
    "best_split": "splits",
    "Node": "tree",
    "DecisionTreeClassifier": "tree",
    # assignment 3
    "leaky_relu": "activations",
    "leaky_relu_derivative": "activations",
    "softmax": "activations",
    "one_hot": "activations",
    "cross_entropy": "activations",
    "he_normal": "initializers",
    "glorot_normal": "initializers",
    "DenseLayer": "layers",
    "NeuralNetworkClassifier": "network",
    # assignment 4
    "LeNet5": "lenet",
    "train_epoch": "lenet",
    "evaluate": "lenet",
    "EarlyStopping": "lenet",
    # assignment 5
    "accuracy": "metrics",
    "confusion_matrix": "metrics",
    "precision_recall_f1": "metrics",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'fmnist_edu' has no attribute {name!r}") from None
    value = getattr(import_module(f"fmnist_edu.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
