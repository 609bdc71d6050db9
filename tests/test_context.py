"""first_location `context`: the context network, the policy's first choice, its gradients and its files."""
import numpy as np
import pytest
import tensorflow as tf

import ram
from ram.saving import ModelFileError, load_model, save_model, save_weights_json
from helpers import small_config

CONTEXT = dict(dataset="translated_mnist", image_size=60, first_location="context", context_grid=12)
IMAGES = tf.constant(np.random.default_rng(1).random((6, 60, 60)), tf.float32)


def random_model(**overrides):
    model, rng = ram.RecurrentAttentionModel(small_config(**{**CONTEXT, **overrides})), np.random.default_rng(7)
    for v in model.weights:  # non-default values everywhere
        if "seed" not in v.path:
            v.assign(rng.normal(scale=0.2, size=v.shape).astype(np.float32))
    return model


def dense(x, layer, activation):
    return activation(x @ layer.kernel.numpy() + layer.bias.numpy())


def relu(x):
    return np.maximum(x, 0)


def test_first_location_is_the_policy_on_the_context_state():
    """Deterministic path: the image's 5x5 cell means (numpy) through the context network and the policy
    (numpy matmuls) give the first location, whatever the policy's random state."""
    model, images = random_model(), IMAGES.numpy()
    coarse = images.reshape(6, 12, 5, 12, 5).mean(axis=(2, 4)).reshape(6, 144)
    net = model.context_network
    h0 = dense(dense(coarse, net.hidden, relu), net.state, np.tanh)
    want = dense(dense(h0, model.policy.hidden_layer, relu), model.policy.mean, np.tanh)
    for seed in (1, 2):
        model.reseed(seed)
        got = model.glimpse_path(IMAGES, sample=False)["locations"].numpy()[:, 0]
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_sampled_paths_score_every_glimpse_and_keep_the_std():
    """Sampling: T log-probabilities and baselines (the first location is chosen too), and the first
    location is its mean plus noise of the configured std (a std small enough that the clip never bites)."""
    model = random_model(location_std=0.01)
    means = model.glimpse_path(IMAGES, sample=False)["locations"].numpy()[:, 0]
    path = model.glimpse_path(tf.tile(IMAGES, (200, 1, 1)), sample=True)
    assert path["log_probs"].shape == path["baselines"].shape == (1200, 4)
    noise = path["locations"].numpy()[:, 0] - np.tile(means, (200, 1))
    assert abs(noise.mean()) < 0.002 and 0.0095 < noise.std() < 0.0105


def test_context_network_learns_from_reinforce_and_cross_entropy_not_the_baseline():
    model = random_model()
    labels = tf.constant(np.arange(6) % 10)
    with tf.GradientTape(persistent=True) as tape:
        parts = model.hybrid_loss(labels, model.glimpse_path(IMAGES, sample=True))

    def size(part, layer):
        return sum(0.0 if g is None else float(tf.reduce_sum(tf.abs(g)))
                   for g in tape.gradient(parts[part], layer.trainable_variables))
    assert size("reinforce", model.context_network) > 0  # it learns where the first glimpse goes
    assert size("cross_entropy", model.context_network) > 0  # and what the core starts from
    assert size("baseline_mse", model.context_network) == 0
    for layer in (model.classifier, model.core, model.glimpse_network, model.baseline):  # as without context
        assert size("reinforce", layer) == 0, layer.name


def test_location_penalty_revives_a_saturated_first_glimpse():
    """A policy whose pre-tanh mean is +-20 for every input (a corner, as a context network got stuck
    on some seeds): the hybrid loss gives its bias no gradient; `location_penalty` w adds w times the
    mean squared pre-tanh value to the loss (400 here) and the gradient w * 20 per coordinate (d/db of
    the mean over moves and both coordinates of b^2)."""
    labels, grads, losses = tf.constant(np.arange(6) % 10), {}, {}
    for weight in (0.0, 0.01):
        model = random_model(location_penalty=weight)
        model.policy.mean.kernel.assign(np.zeros(model.policy.mean.kernel.shape, np.float32))
        model.policy.mean.bias.assign(np.array([20.0, -20.0], np.float32))
        model.reseed(3)
        with tf.GradientTape() as tape:
            parts = model.hybrid_loss(labels, model.glimpse_path(IMAGES, sample=True))
        grads[weight] = tape.gradient(parts["loss"], model.policy.mean.bias).numpy()
        losses[weight] = float(parts["loss"])
        corner = np.broadcast_to([1.0, -1.0], (6, 4, 2))  # (B, T, 2): every location in one corner
        np.testing.assert_allclose(model.glimpse_path(IMAGES, sample=False)["locations"].numpy(), corner, atol=1e-6)
    np.testing.assert_array_equal(grads[0.0], 0.0)
    np.testing.assert_allclose(grads[0.01], [0.2, -0.2], rtol=1e-5)
    np.testing.assert_allclose(losses[0.01] - losses[0.0], 0.01 * 400, rtol=1e-5)


def test_round_trip_and_mismatch(tmp_path):
    model = random_model()
    for name in ("model.h5", "model.keras", "weights.json"):
        path = tmp_path / name
        (save_weights_json if name.endswith(".json") else save_model)(model, path)
        loaded = load_model(path, expected=small_config(**CONTEXT))
        for m in (model, loaded):
            m.reseed(5)
        np.testing.assert_array_equal(loaded(IMAGES).numpy(), model(IMAGES).numpy(), err_msg=name)
        m_path = model.glimpse_path(IMAGES, sample=True)["locations"].numpy()
        np.testing.assert_array_equal(loaded.glimpse_path(IMAGES, sample=True)["locations"].numpy(), m_path)
        with pytest.raises(ModelFileError, match="first_location: file has 'context', config has 'random'"):
            load_model(path, expected=small_config(**{**CONTEXT, "first_location": "random"}))


def test_grid_must_divide_the_image():
    with pytest.raises(ram.ConfigError, match="context_grid: 7 does not divide image_size 60"):
        small_config(**{**CONTEXT, "context_grid": 7})
    small_config(**{**CONTEXT, "first_location": "random", "context_grid": 7})  # unused: no rule
