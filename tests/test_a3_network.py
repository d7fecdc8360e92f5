"""Assignment 3: the from-scratch feed-forward network and its gradient check."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from fmnist_edu.activations import (
    cross_entropy,
    leaky_relu,
    leaky_relu_derivative,
    one_hot,
    softmax,
)
from fmnist_edu.gradient_check import (
    check_layer_gradients,
    check_network_gradients,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)
from fmnist_edu.initializers import glorot_normal, he_normal
from fmnist_edu.layers import DenseLayer
from fmnist_edu.network import NeuralNetworkClassifier, build_study_network

pytestmark = pytest.mark.a3


# -- helpers -------------------------------------------------------------------


def small_network(seed=1, sizes=(5, 4, 3, 3), random_biases=True):
    """A 5 -> 4 -> 3 -> 3 network with non-zero biases, reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    layers = [DenseLayer(a, b, rng=rng) for a, b in zip(sizes[:-2], sizes[1:-1])]
    layers.append(DenseLayer(sizes[-2], sizes[-1], "softmax", rng=rng))
    if random_biases:
        for layer in layers:
            layer.biases = rng.normal(scale=0.1, size=layer.n_out)
    return NeuralNetworkClassifier(layers), rng


def blobs(n_per_class=20, n_features=6, n_classes=3, seed=0, spread=3.0):
    """Well separated Gaussian blobs: an easy classification problem."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=spread, size=(n_classes, n_features))
    y = np.repeat(np.arange(n_classes), n_per_class)
    X = centres[y] + rng.normal(size=(y.size, n_features))
    return X, y


@pytest.fixture
def gradient_case():
    """Network, X and Y chosen so finite differences are accurate to < 1e-7.

    Preconditions asserted: every hidden pre-activation is at least 1e-3 away
    from the leaky ReLU's kink at 0 (so x +- h never crosses it), both signs
    occur (so the alpha branch is exercised), and no gradient entry is tiny
    (a relative error of a ~0 entry measures rounding, not correctness).
    """
    net, rng = small_network(seed=1)
    X = rng.normal(size=(6, 5))
    Y = one_hot([0, 1, 2, 0, 1, 2], 3)
    net.forward(X)
    net.backward(Y)
    for layer in net.layers[:-1]:
        assert np.abs(layer.z).min() > 1e-3
        assert (layer.z < 0).any() and (layer.z > 0).any()
    for layer in net.layers:
        assert np.abs(layer.grad_weights).min() > 1e-4
        assert np.abs(layer.grad_biases).min() > 1e-4
    return net, X, Y


# -- activations, softmax, one_hot, cross_entropy -----------------------------------


def test_leaky_relu_values():
    z = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    np.testing.assert_allclose(leaky_relu(z), [[-0.02, -0.005, 0.0, 0.5, 3.0]])
    np.testing.assert_allclose(leaky_relu(z, alpha=0.1), [[-0.2, -0.05, 0.0, 0.5, 3.0]])


def test_leaky_relu_derivative_is_one_above_zero_and_alpha_elsewhere():
    z = np.array([-3.0, -1e-9, 0.0, 1e-9, 2.0])
    np.testing.assert_allclose(leaky_relu_derivative(z), [0.01, 0.01, 0.01, 1.0, 1.0])
    np.testing.assert_allclose(leaky_relu_derivative(z, alpha=0.2), [0.2, 0.2, 0.2, 1, 1])


def test_activations_do_not_modify_input_and_keep_float32():
    z = np.array([[-1.0, 2.0]], dtype=np.float32)
    before = z.copy()
    for func in (leaky_relu, leaky_relu_derivative, softmax):
        assert func(z).dtype == np.float32
    np.testing.assert_array_equal(z, before)


def test_softmax_rows_sum_to_one_and_match_definition():
    z = np.random.default_rng(0).normal(size=(4, 5))
    probs = softmax(z)
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probs, expected, rtol=1e-12)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)


def test_softmax_is_stable_for_large_entries():
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4, 0.0]])
    probs = softmax(z)
    assert np.all(np.isfinite(probs))
    np.testing.assert_allclose(probs, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]],
                               atol=1e-12)


def test_softmax_is_invariant_to_a_shift_per_row():
    z = np.random.default_rng(1).normal(size=(3, 4))
    np.testing.assert_allclose(softmax(z + np.array([[5.0], [-7.0], [300.0]])), softmax(z),
                               rtol=1e-10)


def test_one_hot_values():
    Y = one_hot(np.array([2, 0, 1, 2]), 3)
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert Y.dtype.kind == "f" and Y.shape == (4, 3)


@pytest.mark.parametrize("y", [[0, 3], [-1, 0], [0.5, 1.0], [[0, 1]]])
def test_one_hot_rejects_bad_labels(y):
    with pytest.raises(ValueError, match="y"):
        one_hot(y, 3)


def test_cross_entropy_value():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    Y = one_hot([0, 2], 3)
    assert cross_entropy(probs, Y) == pytest.approx(-(np.log(0.7) + np.log(0.8)) / 2, rel=1e-12)


def test_cross_entropy_clips_zero_probabilities():
    probs = np.array([[0.0, 1.0]])
    loss = cross_entropy(probs, one_hot([0], 2))
    assert np.isfinite(loss)
    assert loss == pytest.approx(-np.log(1e-12), rel=1e-12)
    assert cross_entropy(np.array([[1.0, 0.0]]), one_hot([0], 2)) == pytest.approx(0.0, abs=1e-12)


def test_cross_entropy_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="shape"):
        cross_entropy(np.full((2, 3), 1 / 3), np.eye(2))


# -- initialisation ----------------------------------------------------------------


@pytest.mark.parametrize("init, variance", [
    (he_normal, lambda n_in, n_out: 2 / n_in),
    (glorot_normal, lambda n_in, n_out: 2 / (n_in + n_out)),
])
def test_initialisers_have_the_right_spread(init, variance):
    n_in, n_out = 400, 600  # 240,000 draws: the sample std is within 0.5 % w.h.p.
    weights = init(n_in, n_out, np.random.default_rng(0))
    assert weights.shape == (n_in, n_out)
    assert weights.std() == pytest.approx(np.sqrt(variance(n_in, n_out)), rel=0.01)
    assert abs(weights.mean()) < 5 * weights.std() / np.sqrt(weights.size)


@pytest.mark.parametrize("init", [he_normal, glorot_normal])
def test_initialisers_draw_from_the_given_generator(init):
    rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
    np.testing.assert_array_equal(init(3, 4, rng_a), init(3, 4, rng_b))
    # the draws consumed the generator: the next ones differ from a fresh one's
    assert not np.array_equal(init(3, 4, rng_a), init(3, 4, np.random.default_rng(7)))


@pytest.mark.parametrize("args", [(0, 3, None), (3, -1, None), (3, 3, "rng"), (3, 3, 42)])
def test_initialisers_reject_bad_arguments(args):
    n_in, n_out, rng = args
    rng = np.random.default_rng(0) if rng is None else rng
    with pytest.raises(ValueError):
        he_normal(n_in, n_out, rng)


# -- DenseLayer -------------------------------------------------------------------------


def test_dense_layer_initial_state():
    layer = DenseLayer(6, 4, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(layer.weights, he_normal(6, 4, np.random.default_rng(3)))
    np.testing.assert_array_equal(layer.biases, np.zeros(4))
    assert layer.inputs is None and layer.z is None
    out = DenseLayer(6, 4, activation="softmax", rng=np.random.default_rng(3))
    np.testing.assert_array_equal(out.weights, glorot_normal(6, 4, np.random.default_rng(3)))


def test_dense_layer_without_rng_draws_fresh_weights():
    assert not np.array_equal(DenseLayer(5, 5).weights, DenseLayer(5, 5).weights)


def test_dense_layer_forward_stores_inputs_and_z():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 6))
    for activation, func in (("leaky_relu", leaky_relu), ("softmax", softmax)):
        layer = DenseLayer(6, 4, activation, rng=rng)
        layer.biases = rng.normal(size=4)
        out = layer.forward(X)
        np.testing.assert_array_equal(layer.inputs, X)
        np.testing.assert_allclose(layer.z, X @ layer.weights + layer.biases, rtol=1e-12)
        np.testing.assert_allclose(out, func(layer.z), rtol=1e-12)
        assert out.shape == (7, 4)


def test_dense_layer_backward_shapes_and_formulas():
    rng = np.random.default_rng(0)
    layer = DenseLayer(6, 4, rng=rng)
    X, delta = rng.normal(size=(7, 6)), rng.normal(size=(7, 4))
    layer.forward(X)
    grad_inputs = layer.backward(delta)
    assert grad_inputs.shape == (7, 6)
    assert layer.grad_weights.shape == (6, 4) and layer.grad_biases.shape == (4,)
    np.testing.assert_allclose(layer.grad_biases, delta.sum(axis=0), rtol=1e-12)


def test_dense_layer_rejects_bad_input():
    layer = DenseLayer(3, 2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="backward called before forward"):
        layer.backward(np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"\(n_samples, 3\)"):
        layer.forward(np.ones((4, 5)))
    with pytest.raises(ValueError, match="2-D"):
        layer.forward(np.ones(3))
    layer.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match="shape of z"):
        layer.backward(np.ones((4, 3)))
    with pytest.raises(ValueError, match="activation"):
        DenseLayer(3, 2, activation="sigmoid")
    with pytest.raises(ValueError, match="n_out"):
        DenseLayer(3, 0)


@pytest.mark.parametrize("activation", ["leaky_relu", "softmax"])
def test_dense_layer_gradients_match_finite_differences(activation):
    rng = np.random.default_rng(4)
    layer = DenseLayer(5, 3, activation, rng=rng)
    layer.biases = rng.normal(size=3)
    errors = check_layer_gradients(layer, rng.normal(size=(4, 5)), rng.normal(size=(4, 3)))
    assert set(errors) == {"weights", "biases", "inputs"}
    assert max(errors.values()) < 1e-7, errors


# -- the network's gradients -------------------------------------------------------------


def test_network_gradients_match_finite_differences(gradient_case):
    net, X, Y = gradient_case
    errors = check_network_gradients(net, X, Y)
    assert len(errors) == 2 * len(net.layers)
    assert max(errors.values()) < 1e-7, errors


def test_network_output_delta_is_probs_minus_y_over_n(gradient_case):
    net, X, Y = gradient_case
    probs = net.forward(X)
    net.backward(Y)
    last = net.layers[-1]
    np.testing.assert_allclose(last.grad_biases, (probs - Y).sum(axis=0) / len(X), rtol=1e-12)
    np.testing.assert_allclose(last.grad_weights, last.inputs.T @ (probs - Y) / len(X),
                               rtol=1e-12)


def test_network_gradients_equal_torch_autograd(gradient_case):
    torch = pytest.importorskip("torch")
    net, X, Y = gradient_case
    net.forward(X)
    net.backward(Y)
    params = [(torch.tensor(layer.weights, requires_grad=True),
               torch.tensor(layer.biases, requires_grad=True)) for layer in net.layers]
    a = torch.tensor(X)
    for i, (weights, biases) in enumerate(params):
        z = a @ weights + biases
        a = torch.nn.functional.leaky_relu(z, 0.01) if i < len(params) - 1 else z
    loss = torch.nn.functional.cross_entropy(a, torch.tensor(Y.argmax(axis=1)))
    loss.backward()
    assert cross_entropy(net.forward(X), Y) == pytest.approx(loss.item(), rel=1e-12)
    for layer, (weights, biases) in zip(net.layers, params):
        np.testing.assert_allclose(layer.grad_weights, weights.grad.numpy(), rtol=1e-9,
                                   atol=1e-14)
        np.testing.assert_allclose(layer.grad_biases, biases.grad.numpy(), rtol=1e-9,
                                   atol=1e-14)


def test_step_is_plain_gradient_descent(gradient_case):
    net, X, Y = gradient_case
    net.learning_rate = 0.3
    before = [(layer.weights.copy(), layer.biases.copy()) for layer in net.layers]
    net.step()
    for layer, (weights, biases) in zip(net.layers, before):
        np.testing.assert_allclose(layer.weights, weights - 0.3 * layer.grad_weights, rtol=1e-12)
        np.testing.assert_allclose(layer.biases, biases - 0.3 * layer.grad_biases, rtol=1e-12)


def test_backward_and_step_need_their_predecessor():
    net, _ = small_network()
    with pytest.raises(ValueError, match="before forward"):
        net.backward(np.eye(3))
    with pytest.raises(ValueError, match="backward before step"):
        net.step()
    net.forward(np.ones((2, 5)))
    with pytest.raises(ValueError, match="shape"):
        net.backward(np.eye(3))


# -- fitting -------------------------------------------------------------------------------


def blob_network(init_seed=0, **params):
    """A 6 -> 16 -> 3 network whose initial weights come from `init_seed`."""
    rng = np.random.default_rng(init_seed)
    layers = [DenseLayer(6, 16, rng=rng), DenseLayer(16, 3, "softmax", rng=rng)]
    return NeuralNetworkClassifier(layers, **params)


def test_fit_returns_self_and_overfits_a_tiny_data_set():
    X, y = blobs(n_per_class=10, spread=1.0)
    net = blob_network(learning_rate=0.2, epochs=150, batch_size=5)
    assert net.fit(X, y) is net
    assert net.history["accuracy"][-1] == 1.0
    np.testing.assert_array_equal(net.predict(X), y)


def test_fit_records_history_per_epoch_and_loss_falls():
    X, y = blobs()
    net = blob_network(learning_rate=0.05, epochs=8, batch_size=8).fit(X, y)
    assert len(net.history["loss"]) == len(net.history["accuracy"]) == 8
    assert net.history["loss"][-1] < 0.5 * net.history["loss"][0]
    # the recorded values are the loss and accuracy on the whole training data
    probs = net.predict_proba(X)
    assert net.history["loss"][-1] == pytest.approx(cross_entropy(probs, one_hot(y, 3)), rel=1e-9)
    assert net.history["accuracy"][-1] == pytest.approx(np.mean(probs.argmax(axis=1) == y))


def test_same_seed_same_history_other_seed_other_shuffle():
    X, y = blobs()
    params = dict(learning_rate=0.05, epochs=3, batch_size=7)
    first = blob_network(**params, seed=0).fit(X, y)
    again = blob_network(**params, seed=0).fit(X, y)
    other = blob_network(**params, seed=1).fit(X, y)
    assert first.history == again.history
    np.testing.assert_array_equal(first.layers[0].weights, again.layers[0].weights)
    assert first.history["loss"] != other.history["loss"]


def test_fit_and_predict_do_not_modify_their_input():
    X, y = blobs()
    X_before, y_before = X.copy(), y.copy()
    net = blob_network(epochs=2).fit(X, y)
    net.predict(X)
    net.predict_proba(X)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_predict_proba_and_predict():
    X, y = blobs()
    net = blob_network(epochs=2).fit(X, y)
    probs = net.predict_proba(X)
    assert probs.shape == (len(X), 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(net.predict(X), probs.argmax(axis=1))
    np.testing.assert_array_equal(net.classes_, [0, 1, 2])
    assert net.n_features_in_ == 6


def test_predict_before_fit_raises():
    X, _ = blobs()
    with pytest.raises(NotFittedError):
        blob_network().predict(X)


def test_float32_training_matches_float64():
    X, y = blobs()
    params = dict(learning_rate=0.05, epochs=3, batch_size=8)
    net64 = blob_network(**params).fit(X, y)
    net32 = blob_network(**params, dtype="float32").fit(X, y)
    assert net32.layers[0].weights.dtype == np.float32
    np.testing.assert_allclose(net32.history["loss"], net64.history["loss"], rtol=1e-4)


def test_progress_bar_off_writes_nothing(capsys):
    X, y = blobs()
    blob_network(epochs=2, progress=False).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_bar_on_goes_to_stderr(capsys):
    X, y = blobs()
    blob_network(epochs=2, progress=True).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and "epoch" in captured.err


def test_clone_gives_independent_layers():
    X, y = blobs()
    net = blob_network(epochs=1)
    copy = clone(net)
    copy.fit(X, y)
    assert not hasattr(net, "history")
    assert not np.array_equal(copy.layers[0].weights, net.layers[0].weights)


@pytest.mark.parametrize("params, message", [
    (dict(learning_rate=0.0), "learning_rate"),
    (dict(learning_rate=-1.0), "learning_rate"),
    (dict(batch_size=0), "batch_size"),
    (dict(epochs=0), "epochs"),
    (dict(dtype="float16"), "dtype"),
])
def test_fit_rejects_bad_hyper_parameters(params, message):
    X, y = blobs()
    with pytest.raises(ValueError, match=message):
        blob_network(**params).fit(X, y)


@pytest.mark.parametrize("case, message", [
    ("X 1-D", "2-D"),
    ("X wrong width", "7 features"),
    ("label too large", "label 3"),
    ("lengths differ", "same length"),
    ("X with NaN", "NaN"),
])
def test_fit_rejects_bad_data(case, message):
    X, y = blobs()
    X, y = {
        "X 1-D": (X[:, 0], y),
        "X wrong width": (np.hstack([X, X[:, :1]]), y),
        "label too large": (X, np.where(y == 2, 3, y)),
        "lengths differ": (X, y[:-1]),
        "X with NaN": (np.where(X > 2, np.nan, X), y),
    }[case]
    with pytest.raises(ValueError, match=message):
        blob_network().fit(X, y)


def test_fit_rejects_inconsistent_layers():
    rng = np.random.default_rng(0)
    X, y = blobs()
    mismatch = [DenseLayer(6, 8, rng=rng), DenseLayer(9, 3, "softmax", rng=rng)]
    no_softmax = [DenseLayer(6, 8, rng=rng), DenseLayer(8, 3, rng=rng)]
    with pytest.raises(ValueError, match=r"layers\[1\] expects 9 inputs"):
        NeuralNetworkClassifier(mismatch).fit(X, y)
    with pytest.raises(ValueError, match="softmax"):
        NeuralNetworkClassifier(no_softmax).fit(X, y)
    with pytest.raises(ValueError, match="non-empty"):
        NeuralNetworkClassifier([]).fit(X, y)


def test_build_study_network():
    net = build_study_network()
    assert [(layer.n_in, layer.n_out, layer.activation) for layer in net.layers] == [
        (784, 32, "leaky_relu"), (32, 16, "leaky_relu"), (16, 5, "softmax")]
    assert not hasattr(net, "history")
    np.testing.assert_array_equal(build_study_network(seed=3).layers[0].weights,
                                  build_study_network(seed=3).layers[0].weights)


# -- the gradient-check utility ---------------------------------------------------------


def test_eval_numerical_gradient_is_accurate_and_restores_x():
    x = np.array([[0.5, -1.0], [2.0, 0.3]])
    before = x.copy()
    grad = eval_numerical_gradient(lambda v: np.sum(np.sin(v) * v), x)
    np.testing.assert_array_equal(x, before)
    assert rel_error(grad, np.cos(x) * x + np.sin(x)) < 1e-8


def test_eval_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])

    def failing(_):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        eval_numerical_gradient(failing, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_eval_numerical_gradient_array_is_a_vector_jacobian_product():
    rng = np.random.default_rng(0)
    A, x, upstream = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)
    grad = eval_numerical_gradient_array(lambda v: A @ v, x, upstream)
    assert rel_error(grad, A.T @ upstream) < 1e-8


def test_eval_numerical_gradient_rejects_integer_arrays():
    with pytest.raises(ValueError, match="float"):
        eval_numerical_gradient(np.sum, np.array([1, 2]))


def test_rel_error_values():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(0.2 / 4.2, rel=1e-12)
    assert isinstance(rel_error([1.0], [1.0]), float)
    with pytest.raises(ValueError, match="same shape"):
        rel_error(np.ones(2), np.ones(3))


def test_pieces_moved_out_of_network_stay_importable_from_it():
    """Older code (and students' notebooks) import the pieces from fmnist_edu.network."""
    import fmnist_edu
    from fmnist_edu import network

    for name in ("leaky_relu", "leaky_relu_derivative", "softmax", "one_hot", "cross_entropy",
                 "he_normal", "glorot_normal", "DenseLayer"):
        assert getattr(network, name) is getattr(fmnist_edu, name)
