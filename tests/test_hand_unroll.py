"""The model's glimpse path against a hand unroll: numpy for the context network, the core (LSTM
and ReLU RNN), the policy and the classifier; the sensor and glimpse network as layers (tested on
their own in test_glimpse.py)."""
import keras
import numpy as np
import pytest
import tensorflow as tf

import ram
import ram.cores
from helpers import small_config

IMAGES = np.random.default_rng(3).random((5, 28, 28)).astype("float32")
LABELS = np.arange(5) % 10


def random_model(**fields):
    model, rng = ram.RecurrentAttentionModel(small_config(**fields)), np.random.default_rng(8)
    for v in model.weights:  # non-default values everywhere (biases, the LSTM's gates)
        if "seed" not in v.path:
            v.assign(rng.normal(scale=0.4, size=v.shape).astype(np.float32))
    return model


def dense(x, layer, activation=lambda z: z):
    return activation(x @ layer.kernel.numpy() + layer.bias.numpy())


def relu(x):
    return np.maximum(x, 0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def core_step(core, g, h, c):
    """Keras's LSTMCell (gates i, f, c, o), GRUCell (gates z, r, candidate; reset after the recurrent
    matrix, a bias row for each side) or SimpleRNNCell with ReLU, in numpy."""
    if isinstance(core, keras.layers.GRUCell):
        bias_in, bias_rec = core.bias.numpy()
        x_z, x_r, x_h = np.split(g @ core.kernel.numpy() + bias_in, 3, axis=-1)
        h_z, h_r, h_h = np.split(h @ core.recurrent_kernel.numpy() + bias_rec, 3, axis=-1)
        z, r = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
        return z * h + (1 - z) * np.tanh(x_h + r * h_h), c
    z = g @ core.kernel.numpy() + h @ core.recurrent_kernel.numpy() + core.bias.numpy()
    if isinstance(core, keras.layers.LSTMCell):
        i, f, candidate, o = np.split(z, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(candidate)
        return sigmoid(o) * np.tanh(c), c
    return relu(z), c


def policy(model, h):
    """The policy mean tanh(W h) and W h."""
    hidden = dense(h, model.policy.hidden_layer, relu) if model.policy.hidden_layer else h
    pre = dense(hidden, model.policy.mean)
    return np.tanh(pre), pre


def unroll(model, images, locations=None):
    """The path by hand: logits (B, classes), locations (B, T, 2), the pre-tanh mean of every chosen
    location (B, chosen, 2) and the sensor's reads (B, T, ...). `locations` (B, T, 2): glimpse there
    (a sampled path's) instead of at the policy means."""
    s, batch = model.settings, len(images)
    h = c = np.zeros((batch, s["core_size"]), np.float32)
    pres = []
    if s["first_location"] == "context":
        grid = s["context_grid"]
        cells = images.reshape(batch, grid, 28 // grid, grid, 28 // grid).mean(axis=(2, 4)).reshape(batch, -1)
        h = dense(dense(cells, model.context_network.hidden, relu), model.context_network.state, np.tanh)  # c stays 0
        location, pre = policy(model, h)
        pres.append(pre)
    else:
        location = np.zeros((batch, 2), np.float32)  # `center`
    path, reads = [], []
    flat_images = model.sensor.flatten(tf.constant(images))
    for t in range(s["glimpses"]):
        if locations is not None:
            location = locations[:, t]
        path.append(location)
        read = model.sensor.read(flat_images, tf.constant(location, tf.float32), 1)  # grey: one channel
        reads.append(read.numpy())
        g = model.glimpse_network(read, tf.constant(location, tf.float32)).numpy()
        h, c = core_step(model.core, g, h, c)
        if t < s["glimpses"] - 1:
            location, pre = policy(model, h)
            pres.append(pre)
    pres = np.stack(pres, 1) if pres else np.zeros((batch, 0, 2))
    return dense(h, model.classifier), np.stack(path, 1), pres, np.stack(reads, 1)


def test_context_network_sets_h0_and_the_cell_state_starts_at_zero():
    """LSTM core, first_location `context`: the context output is h_0, c_0 = 0; the first location
    (the policy on h_0), every later one and the logits are the hand unroll's."""
    model = random_model(first_location="context", context_grid=7, core="lstm")
    logits, locations, _, _ = unroll(model, IMAGES)
    path = model.glimpse_path(tf.constant(IMAGES), sample=False)
    np.testing.assert_allclose(path["locations"].numpy(), locations, atol=1e-5)
    np.testing.assert_allclose(path["logits"].numpy(), logits, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("core", sorted(ram.cores.CORES))
@pytest.mark.parametrize("glimpses", [1, 3])
def test_classifier_reads_the_last_output_after_exactly_t_glimpses(core, glimpses):
    """The logits are the classifier on h_T, the core's output after the last of T glimpses (not an
    LSTM's cell state): T sensor reads at T locations, each the policy mean of the step before."""
    model = random_model(first_location="center", core=core, glimpses=glimpses)
    logits, locations, _, reads = unroll(model, IMAGES)
    calls = []
    read = model.sensor.read
    model.sensor.read = lambda *args: calls.append(1) or read(*args)
    path = model.glimpse_path(tf.constant(IMAGES), sample=False, return_glimpses=True)
    assert len(calls) == glimpses
    assert path["locations"].shape == (5, glimpses, 2) and path["glimpses"].shape[:2] == (5, glimpses)
    np.testing.assert_allclose(path["glimpses"].numpy(), reads, atol=1e-6)
    np.testing.assert_allclose(path["locations"].numpy(), locations, atol=1e-5)
    np.testing.assert_allclose(path["logits"].numpy(), logits, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(model(tf.constant(IMAGES)).numpy(), tf.nn.softmax(logits).numpy(), atol=1e-5)


def test_location_penalty_averages_over_every_sampled_move_the_first_included():
    """Context network, a sampled path (std 0.3): the squared pre-tanh means of all T chosen
    locations (the context-chosen first one too), recomputed by a hand unroll along the sampled
    locations; their means differ from move to move; the loss adds w times their mean over moves,
    images and x, y to the numpy sum of its parts."""
    weight = 0.05
    model = random_model(first_location="context", context_grid=7, core="lstm", glimpses=4, location_std=0.3,
                         location_penalty=weight)
    model.reseed(2)
    path = model.glimpse_path(tf.constant(IMAGES), sample=True)
    _, _, pres, _ = unroll(model, IMAGES, locations=path["locations"].numpy())
    assert pres.shape == (5, 4, 2)  # T chosen locations
    assert np.abs(np.diff(pres, axis=1)).min() > 1e-3  # every move's mean differs from the one before
    np.testing.assert_allclose(path["squared_preactivations"].numpy(), np.mean(pres**2, axis=-1), rtol=1e-4, atol=1e-5)
    parts = {k: float(v) for k, v in model.hybrid_loss(tf.constant(LABELS), path).items()}
    want = parts["cross_entropy"] + parts["reinforce"] + parts["baseline_mse"] + weight * np.mean(pres**2)
    np.testing.assert_allclose(parts["loss"], want, rtol=1e-5)
