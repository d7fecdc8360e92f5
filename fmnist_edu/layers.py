"""Assignment 3: the dense layer, a forward/backward pair.

Every layer computes ``z = X @ weights + biases`` and ``a = activation(z)``.
:meth:`DenseLayer.backward` takes ``delta = dL/dz`` of *its own* ``z`` and
returns ``dL/dX``; it never applies an activation derivative (the network
does, see :mod:`fmnist_edu.network`).
"""

import numpy as np

from fmnist_edu._validation import as_float_array, check_positive_int, check_rng
from fmnist_edu.activations import leaky_relu, softmax
from fmnist_edu.initializers import glorot_normal, he_normal

_ACTIVATIONS = ("leaky_relu", "softmax")


class DenseLayer:
    """A fully connected layer ``a = activation(X @ weights + biases)``.

    Parameters
    ----------
    n_in : int
        Number of inputs (features) per sample.
    n_out : int
        Number of units.
    activation : {"leaky_relu", "softmax"}, default="leaky_relu"
        Leaky ReLU (slope 0.01) for hidden layers, softmax for the output layer.
    rng : numpy.random.Generator, optional
        Source of the initial weights; ``None`` means a fresh
        ``np.random.default_rng()`` (not reproducible).

    Attributes
    ----------
    weights : ndarray of shape (n_in, n_out)
        He-normal for leaky ReLU, Glorot-normal for softmax.
    biases : ndarray of shape (n_out,)
        Zeros at the start.
    inputs : ndarray of shape (n_samples, n_in) or None
        The input of the last :meth:`forward` call.
    z : ndarray of shape (n_samples, n_out) or None
        The pre-activation ``inputs @ weights + biases`` of the last forward.
    grad_weights : ndarray of shape (n_in, n_out) or None
        dL/dweights from the last :meth:`backward` call.
    grad_biases : ndarray of shape (n_out,) or None
        dL/dbiases from the last :meth:`backward` call.
    """

    def __init__(self, n_in, n_out, activation="leaky_relu", rng=None):
        self.n_in = check_positive_int(n_in, "n_in")
        self.n_out = check_positive_int(n_out, "n_out")
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {_ACTIVATIONS}, got {activation!r}")
        self.activation = activation
        rng = np.random.default_rng() if rng is None else check_rng(rng)
        init = he_normal if activation == "leaky_relu" else glorot_normal
        self.weights = init(self.n_in, self.n_out, rng)
        self.biases = np.zeros(self.n_out)
        self.inputs = None
        self.z = None
        self.grad_weights = None
        self.grad_biases = None

    def __repr__(self):
        return f"DenseLayer({self.n_in}, {self.n_out}, activation={self.activation!r})"

    def forward(self, X):
        """Compute the activations and remember `X` and ``z`` for backward.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_in)

        Returns
        -------
        a : ndarray of shape (n_samples, n_out)
            ``leaky_relu(z)`` or ``softmax(z)``.
        """
        X = as_float_array(X, "X")
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise ValueError(
                f"X must be 2-D of shape (n_samples, {self.n_in}) for this layer, "
                f"got shape {X.shape}"
            )
        return self._forward(X)

    def _forward(self, X):
        self.inputs = X
        self.z = X @ self.weights
        self.z += self.biases
        if self.activation == "softmax":
            return softmax(self.z)
        return leaky_relu(self.z)

    def backward(self, delta):
        """Store the parameter gradients and return the gradient of the input.

        Parameters
        ----------
        delta : array-like of shape (n_samples, n_out)
            dL/dz for this layer's ``z`` of the last forward pass (the
            activation's derivative already applied by the caller).

        Returns
        -------
        grad_inputs : ndarray of shape (n_samples, n_in)
            dL/dX ``= delta @ weights.T``. Sets ``grad_weights = inputs.T @ delta``
            of shape (n_in, n_out) and ``grad_biases = delta.sum(axis=0)`` of
            shape (n_out,).
        """
        if self.inputs is None:
            raise ValueError("backward called before forward: there is no stored input")
        delta = as_float_array(delta, "delta")
        if delta.shape != self.z.shape:
            raise ValueError(
                f"delta must have the shape of z, {self.z.shape}, got shape {delta.shape}"
            )
        return self._backward(delta)

    def _backward(self, delta, input_grad=True):
        self.grad_weights = self.inputs.T @ delta
        self.grad_biases = delta.sum(axis=0)
        # the first layer's dL/dX is not needed in training: skip the product
        return delta @ self.weights.T if input_grad else None

