"""Answers to assignment 3 as students write them: one correct, many buggy.

``CORRECT`` maps each piece to the source of a correct answer cell.
``BUGGY`` lists ``(piece, bug name, source, fragment)``: an answer cell with a
realistic mistake and a fragment the grader's message must contain.
``tests/test_autograder_a3.py`` grades them.
"""

CORRECT = {
    "leaky_relu": '''
def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)
''',
    "leaky_relu_derivative": '''
def leaky_relu_derivative(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha)
''',
    "softmax": '''
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
''',
    "one_hot": '''
def one_hot(y, n_classes):
    y = np.asarray(y, dtype=int)
    Y = np.zeros((len(y), n_classes))
    Y[np.arange(len(y)), y] = 1.0
    return Y
''',
    "cross_entropy": '''
def cross_entropy(probs, Y):
    probs = np.clip(probs, 1e-12, None)
    return float(-np.sum(Y * np.log(probs)) / probs.shape[0])
''',
    "he_normal": '''
def he_normal(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
''',
    "glorot_normal": '''
def glorot_normal(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))
''',
    "DenseLayer": '''
class DenseLayer:
    def __init__(self, n_in, n_out, activation="leaky_relu", rng=None):
        if rng is None:
            rng = np.random.default_rng()
        self.activation = activation
        if activation == "softmax":
            self.weights = glorot_normal(n_in, n_out, rng)
        else:
            self.weights = he_normal(n_in, n_out, rng)
        self.biases = np.zeros(n_out)
        self.inputs = None
        self.z = None

    def forward(self, X):
        self.inputs = X
        self.z = X @ self.weights + self.biases
        if self.activation == "softmax":
            return softmax(self.z)
        return leaky_relu(self.z)

    def backward(self, delta):
        self.grad_weights = self.inputs.T @ delta
        self.grad_biases = delta.sum(axis=0)
        return delta @ self.weights.T
''',
    "NeuralNetworkClassifier": '''
class NeuralNetworkClassifier:
    def __init__(self, layers, learning_rate=0.01, epochs=10, batch_size=32, seed=0):
        self.layers = layers
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed

    def forward(self, X):
        a = X
        for layer in self.layers:
            a = layer.forward(a)
        self.probs = a
        return a

    def backward(self, Y):
        delta = (self.probs - Y) / Y.shape[0]
        for i in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[i].backward(delta)
            if i > 0:
                delta = grad * leaky_relu_derivative(self.layers[i - 1].z)

    def step(self):
        for layer in self.layers:
            layer.weights = layer.weights - self.learning_rate * layer.grad_weights
            layer.biases = layer.biases - self.learning_rate * layer.grad_biases

    def fit(self, X, y):
        n_classes = self.layers[-1].weights.shape[1]
        Y = one_hot(y, n_classes)
        rng = np.random.default_rng(self.seed)
        self.history = {"loss": [], "accuracy": []}
        for epoch in range(self.epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), self.batch_size):
                batch = order[start:start + self.batch_size]
                self.forward(X[batch])
                self.backward(Y[batch])
                self.step()
            probs = self.forward(X)
            self.history["loss"].append(cross_entropy(probs, Y))
            self.history["accuracy"].append(np.mean(probs.argmax(axis=1) == y))
        return self

    def predict_proba(self, X):
        return self.forward(X)

    def predict(self, X):
        return self.predict_proba(X).argmax(axis=1)
''',
}


def _replace(piece, old, new):
    """The correct source of `piece` with `old` replaced by `new` (which must occur)."""
    source = CORRECT[piece]
    assert old in source, (piece, old)
    return source.replace(old, new)


BUGGY = [
    # -- leaky_relu ----------------------------------------------------------
    ("leaky_relu", "plain ReLU", _replace(
        "leaky_relu", "np.where(z > 0, z, alpha * z)", "np.maximum(z, 0)"), "plain ReLU"),
    ("leaky_relu", "alpha hard-coded", _replace(
        "leaky_relu", "alpha * z", "0.01 * z"), "use the alpha argument"),
    ("leaky_relu", "modifies its input", '''
def leaky_relu(z, alpha=0.01):
    z[z < 0] *= alpha
    return z
''', "modified its input"),
    # -- leaky_relu_derivative -------------------------------------------------
    ("leaky_relu_derivative", "0 instead of alpha for z <= 0", _replace(
        "leaky_relu_derivative", "np.where(z > 0, 1.0, alpha)", "np.where(z > 0, 1.0, 0.0)"),
     "the derivative is alpha, not 0"),
    ("leaky_relu_derivative", "1 at z == 0", _replace(
        "leaky_relu_derivative", "z > 0", "z >= 0"), "at z == 0 the contract uses alpha"),
    ("leaky_relu_derivative", "returns leaky_relu itself", _replace(
        "leaky_relu_derivative", "np.where(z > 0, 1.0, alpha)", "np.where(z > 0, z, alpha * z)"),
     "that is leaky_relu itself"),
    ("leaky_relu_derivative", "alpha hard-coded", _replace(
        "leaky_relu_derivative", "1.0, alpha)", "1.0, 0.01)"), "alpha=0.2"),
    # -- softmax -------------------------------------------------------------
    ("softmax", "no max subtraction", '''
def softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
''', "subtract each row's own maximum"),
    ("softmax", "wrong axis", '''
def softmax(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
''', "wrong axis"),
    ("softmax", "global maximum", '''
def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=1, keepdims=True)
''', "subtract each row's own maximum"),
    ("softmax", "in-place shift", '''
def softmax(z):
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z
''', "modified its input"),
    # -- one_hot ---------------------------------------------------------------
    ("one_hot", "transposed", '''
def one_hot(y, n_classes):
    return (np.arange(n_classes)[:, None] == np.asarray(y)[None, :]).astype(float)
''', "transposed"),
    ("one_hot", "integer dtype", '''
def one_hot(y, n_classes):
    return np.eye(n_classes, dtype=int)[y]
''', "expected a float array"),
    ("one_hot", "n_classes from the data", '''
def one_hot(y, n_classes):
    return np.eye(np.max(y) + 1)[y]
''', "not y.max() + 1"),
    # -- cross_entropy ---------------------------------------------------------
    ("cross_entropy", "sum instead of mean", _replace(
        "cross_entropy", " / probs.shape[0]", ""), "mean over the rows"),
    ("cross_entropy", "no clipping", '''
def cross_entropy(probs, Y):
    return float(-np.sum(Y * np.log(probs)) / probs.shape[0])
''', "clip the probabilities"),
    ("cross_entropy", "mean over every entry", '''
def cross_entropy(probs, Y):
    return float(np.mean(-Y * np.log(np.clip(probs, 1e-12, None))))
''', "divides by n_classes"),
    ("cross_entropy", "log base 2", _replace(
        "cross_entropy", "np.log(probs)", "np.log2(probs)"), "natural log"),
    # -- he_normal -------------------------------------------------------------
    ("he_normal", "variance used as std", _replace(
        "he_normal", "np.sqrt(2.0 / n_in)", "2.0 / n_in"), "square root of the variance"),
    ("he_normal", "fan-out", _replace(
        "he_normal", "np.sqrt(2.0 / n_in)", "np.sqrt(2.0 / n_out)"), "fan-in n_in, not n_out"),
    ("he_normal", "global numpy random state", _replace(
        "he_normal", "rng.normal(", "np.random.normal("), "draw the numbers from the Generator"),
    ("he_normal", "uniform with the right spread", '''
def he_normal(n_in, n_out, rng):
    limit = np.sqrt(6.0 / n_in)
    return rng.uniform(-limit, limit, size=(n_in, n_out))
''', "not normally distributed"),
    # -- glorot_normal ---------------------------------------------------------
    ("glorot_normal", "variance 1/(n_in+n_out)", _replace(
        "glorot_normal", "2.0 / (n_in + n_out)", "1.0 / (n_in + n_out)"), "variance 2 / (n_in + n_out)"),
    ("glorot_normal", "He formula", _replace(
        "glorot_normal", "2.0 / (n_in + n_out)", "2.0 / n_in"), "that is He-normal"),
    ("glorot_normal", "variance used as std", _replace(
        "glorot_normal", "np.sqrt(2.0 / (n_in + n_out))", "2.0 / (n_in + n_out)"),
     "square root of the variance"),
    ("glorot_normal", "fresh Generator with a fixed seed", _replace(
        "glorot_normal", "return rng.normal(", "return np.random.default_rng(42).normal("),
     "another seed gives other weights"),
    # -- DenseLayer ------------------------------------------------------------
    ("DenseLayer", "backward missing a transpose", _replace(
        "DenseLayer", "return delta @ self.weights.T", "return delta @ self.weights"),
     "your code raised ValueError"),
    ("DenseLayer", "grad_biases not summed over the batch", _replace(
        "DenseLayer", "self.grad_biases = delta.sum(axis=0)", "self.grad_biases = delta"),
     "sum delta over the batch"),
    ("DenseLayer", "grad_biases averaged", _replace(
        "DenseLayer", "delta.sum(axis=0)", "delta.mean(axis=0)"), "not the mean"),
    ("DenseLayer", "returns dL/dz instead of dL/dX", _replace(
        "DenseLayer", "return delta @ self.weights.T", "return delta"),
     "not the delta it was given"),
    ("DenseLayer", "He init for the softmax layer too", _replace(
        "DenseLayer", 'if activation == "softmax":\n            self.weights = glorot_normal',
        'if activation == "nothing":\n            self.weights = glorot_normal'),
     "starts Glorot-normal"),
    ("DenseLayer", "z stored after the activation", '''
class DenseLayer:
    def __init__(self, n_in, n_out, activation="leaky_relu", rng=None):
        rng = np.random.default_rng() if rng is None else rng
        self.activation = activation
        init = glorot_normal if activation == "softmax" else he_normal
        self.weights = init(n_in, n_out, rng)
        self.biases = np.zeros(n_out)

    def forward(self, X):
        self.inputs = X
        z = X @ self.weights + self.biases
        self.z = softmax(z) if self.activation == "softmax" else leaky_relu(z)
        return self.z

    def backward(self, delta):
        self.grad_weights = self.inputs.T @ delta
        self.grad_biases = delta.sum(axis=0)
        return delta @ self.weights.T
''', "before the activation"),
    # -- NeuralNetworkClassifier -----------------------------------------------
    ("NeuralNetworkClassifier", "output delta without / n", _replace(
        "NeuralNetworkClassifier", "delta = (self.probs - Y) / Y.shape[0]", "delta = self.probs - Y"),
     "divide by the number of samples"),
    ("NeuralNetworkClassifier", "forgot the leaky ReLU derivative", _replace(
        "NeuralNetworkClassifier", "delta = grad * leaky_relu_derivative(self.layers[i - 1].z)",
        "delta = grad"), "leaky_relu_derivative(z of this layer)"),
    ("NeuralNetworkClassifier", "step adds the gradient", _replace(
        "NeuralNetworkClassifier",
        "layer.weights = layer.weights - self.learning_rate * layer.grad_weights",
        "layer.weights = layer.weights + self.learning_rate * layer.grad_weights"),
     "gradient descent subtracts"),
    ("NeuralNetworkClassifier", "history recorded per batch", '''
class NeuralNetworkClassifier:
    def __init__(self, layers, learning_rate=0.01, epochs=10, batch_size=32, seed=0):
        self.layers = layers
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        self.probs = X
        return X

    def backward(self, Y):
        delta = (self.probs - Y) / len(Y)
        for i in reversed(range(len(self.layers))):
            grad = self.layers[i].backward(delta)
            if i > 0:
                delta = grad * leaky_relu_derivative(self.layers[i - 1].z)

    def step(self):
        for layer in self.layers:
            layer.weights -= self.learning_rate * layer.grad_weights
            layer.biases -= self.learning_rate * layer.grad_biases

    def fit(self, X, y):
        Y = one_hot(y, self.layers[-1].weights.shape[1])
        rng = np.random.default_rng(self.seed)
        self.history = {"loss": [], "accuracy": []}
        for epoch in range(self.epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), self.batch_size):
                idx = order[start:start + self.batch_size]
                probs = self.forward(X[idx])
                self.backward(Y[idx])
                self.step()
                self.history["loss"].append(cross_entropy(probs, Y[idx]))
                self.history["accuracy"].append(np.mean(probs.argmax(axis=1) == y[idx]))
        return self

    def predict_proba(self, X):
        return self.forward(X)

    def predict(self, X):
        return self.predict_proba(X).argmax(axis=1)
''', "once per epoch"),
    ("NeuralNetworkClassifier", "shuffle not seeded", _replace(
        "NeuralNetworkClassifier", "rng = np.random.default_rng(self.seed)", "rng = np.random.default_rng()"),
     "same seed give the same history"),
    ("NeuralNetworkClassifier", "shuffle with a fixed seed", _replace(
        "NeuralNetworkClassifier", "rng = np.random.default_rng(self.seed)", "rng = np.random.default_rng(0)"),
     "another seed shuffles differently"),
    ("NeuralNetworkClassifier", "last partial batch dropped", _replace(
        "NeuralNetworkClassifier", "for start in range(0, len(X), self.batch_size):",
        "for start in range(0, len(X) - self.batch_size + 1, self.batch_size):"),
     "full-batch gradient descent"),
    ("NeuralNetworkClassifier", "fit does not return self", _replace(
        "NeuralNetworkClassifier", "        return self\n", "        return self.history\n"),
     "fit returns self"),
]


# Other correct ways of writing each piece (piece, style, source). Every one
# must score full over any student id (tests/test_grading_corpus.py,
# benchmarks/grading_accuracy.py).
CORRECT_VARIANTS = [
    ("leaky_relu", "np.maximum (alpha < 1)", '''
def leaky_relu(z, alpha=0.01):
    return np.maximum(z, alpha * z)
'''),
    ("leaky_relu", "copy and boolean mask", '''
def leaky_relu(z, alpha=0.01):
    out = np.array(z, dtype=float, copy=True)
    out[out <= 0] *= alpha
    return out
'''),
    ("leaky_relu_derivative", "ones_like with a mask", '''
def leaky_relu_derivative(z, alpha=0.01):
    grad = np.ones_like(z, dtype=float)
    grad[z <= 0] = alpha
    return grad
'''),
    ("softmax", "exp of shifted scores, divided by keepdims sum", '''
def softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=-1, keepdims=True)
'''),
    ("softmax", "log-sum-exp", '''
def softmax(z):
    m = z.max(axis=1, keepdims=True)
    log_norm = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return np.exp(z - log_norm)
'''),
    ("one_hot", "rows of the identity", '''
def one_hot(y, n_classes):
    return np.eye(n_classes)[y]
'''),
    ("one_hot", "loop", '''
def one_hot(y, n_classes):
    Y = np.zeros((len(y), n_classes), dtype=float)
    for i, label in enumerate(y):
        Y[i, label] = 1
    return Y
'''),
    ("cross_entropy", "np.maximum clip, mean of row sums", '''
def cross_entropy(probs, Y):
    return np.mean(-np.sum(Y * np.log(np.maximum(probs, 1e-12)), axis=1))
'''),
    ("he_normal", "standard normal times the spread", '''
def he_normal(n_in, n_out, rng):
    return rng.standard_normal((n_in, n_out)) * np.sqrt(2 / n_in)
'''),
    ("glorot_normal", "scale= keyword", '''
def glorot_normal(n_in, n_out, rng):
    std = (2.0 / (n_in + n_out)) ** 0.5
    return rng.normal(loc=0.0, scale=std, size=(n_in, n_out))
'''),
    ("DenseLayer", "activations in a dict, np.dot, keepdims-free sums", '''
ACTIVATIONS = {"leaky_relu": lambda z: leaky_relu(z), "softmax": lambda z: softmax(z)}


class DenseLayer:
    def __init__(self, n_in, n_out, activation="leaky_relu", rng=None):
        rng = np.random.default_rng() if rng is None else rng
        init = glorot_normal if activation == "softmax" else he_normal
        self.weights = init(n_in, n_out, rng)
        self.biases = np.zeros(n_out)
        self.activation = activation

    def forward(self, X):
        self.inputs = X
        self.z = np.dot(X, self.weights) + self.biases
        return ACTIVATIONS[self.activation](self.z)

    def backward(self, delta):
        self.grad_weights = np.dot(self.inputs.T, delta)
        self.grad_biases = np.sum(delta, axis=0)
        return np.dot(delta, self.weights.T)
'''),
    ("NeuralNetworkClassifier", "rng.shuffle of an index array, reversed zip in backward, in-place step", '''
class NeuralNetworkClassifier:
    def __init__(self, layers, learning_rate=0.01, epochs=10, batch_size=32, seed=0):
        self.layers = layers
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed

    def forward(self, X):
        out = X
        for layer in self.layers:
            out = layer.forward(out)
        self._probs = out
        return out

    def backward(self, Y):
        delta = (self._probs - Y) / len(Y)
        for layer, below in zip(reversed(self.layers), list(reversed(self.layers))[1:] + [None]):
            grad_input = layer.backward(delta)
            if below is not None:
                delta = grad_input * leaky_relu_derivative(below.z)

    def step(self):
        for layer in self.layers:
            layer.weights -= self.learning_rate * layer.grad_weights
            layer.biases -= self.learning_rate * layer.grad_biases

    def fit(self, X, y):
        Y = one_hot(y, self.layers[-1].weights.shape[1])
        rng = np.random.default_rng(self.seed)
        self.history = {"loss": [], "accuracy": []}
        indices = np.arange(X.shape[0])
        for _ in range(self.epochs):
            rng.shuffle(indices)
            for i in range(0, len(indices), self.batch_size):
                rows = indices[i:i + self.batch_size]
                self.forward(X[rows])
                self.backward(Y[rows])
                self.step()
            probs = self.forward(X)
            self.history["loss"].append(float(cross_entropy(probs, Y)))
            self.history["accuracy"].append(float(accuracy_of(probs, y)))
        return self

    def predict_proba(self, X):
        return self.forward(X)

    def predict(self, X):
        return np.argmax(self.predict_proba(X), axis=1)


def accuracy_of(probs, y):
    return (probs.argmax(axis=1) == y).mean()
'''),
]
