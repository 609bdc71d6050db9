"""random_glimpses: every location uniform in [-1, 1]^2 whatever the image, the policy and baseline unused."""
import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

import ram
from helpers import small_config

GLIMPSES = 8


def random_model(**fields):
    return ram.RecurrentAttentionModel(small_config(random_glimpses=True, glimpses=GLIMPSES, **fields))


def locations(model, images, seed, sample):
    model.reseed(seed)
    return ops.convert_to_numpy(model.glimpse_path(ops.convert_to_tensor(images), sample=sample)["locations"])


def test_locations_do_not_depend_on_the_image_or_the_weights():
    rng = np.random.default_rng(0)
    a, b = rng.random((16, 28, 28), np.float32), np.zeros((16, 28, 28), np.float32)
    model, other = random_model(seed=1), random_model(seed=2)  # other weights
    reference = locations(model, a, 5, sample=False)
    assert reference.shape == (16, GLIMPSES, 2)
    for where, images, sample in ((model, b, False), (other, a, False), (model, b, True)):
        np.testing.assert_array_equal(locations(where, images, 5, sample), reference)
    assert not np.array_equal(locations(model, a, 6, sample=False), reference)  # the seed draws them


def test_locations_are_uniform_and_independent():
    """32,000 draws per coordinate: the Kolmogorov-Smirnov distance to U(-1, 1) and every correlation
    (x with y, step t with step t + 1, a location with the image's brightness) are at noise level
    (about 0.008 at this count), and the draws equal keras.random.uniform's from the same seed."""
    count = 2000
    brightness = np.linspace(0, 1, count, dtype=np.float32)
    images = np.broadcast_to(brightness[:, None, None], (count, 28, 28))
    path = locations(random_model(), images, 3, sample=True)  # (N, T, 2)
    assert path.min() >= -1 and path.max() <= 1
    values = np.sort(path.reshape(-1))
    ks = np.max(np.abs((values + 1) / 2 - np.arange(1, values.size + 1) / values.size))
    assert ks < 0.015, ks
    correlations = [np.corrcoef(path[:, :, 0].ravel(), path[:, :, 1].ravel())[0, 1],
                    np.corrcoef(path[:, :-1].ravel(), path[:, 1:].ravel())[0, 1],
                    *(np.corrcoef(brightness, path[:, t, c])[0, 1] for t in range(GLIMPSES) for c in range(2))]
    assert np.max(np.abs(correlations)) < 0.08, correlations  # the brightness ones over 2,000 images
    assert np.max(np.abs(correlations[:2])) < 0.02, correlations[:2]
    reference = keras.random.SeedGenerator(3)  # the model's generator, reseeded to 3
    draws = np.stack([ops.convert_to_numpy(keras.random.uniform((count, 2), -1.0, 1.0, seed=reference))
                      for _ in range(GLIMPSES)], axis=1)
    np.testing.assert_array_equal(path, draws)


def losses_and_gradients(model, images, labels):
    with tf.GradientTape() as tape:
        losses, _ = model.sampled_losses(images, labels)
    gradients = tape.gradient(losses["loss"], model.trainable_variables)
    return losses, {v.path: g for v, g in zip(model.trainable_variables, gradients)}


def test_policy_and_baseline_get_no_gradient_and_the_loss_is_the_cross_entropy():
    model = random_model()
    rng = np.random.default_rng(1)
    images = tf.constant(rng.random((32, 28, 28), np.float32))
    labels = tf.constant(rng.integers(0, 10, 32), tf.int32)
    losses, gradients = losses_and_gradients(model, images, labels)
    assert float(losses["reinforce"]) == 0 and float(losses["baseline_mse"]) == 0
    assert float(losses["loss"]) == pytest.approx(float(losses["cross_entropy"]), abs=1e-7)
    unused = [p for p in gradients if p.startswith(("ram/location_policy/", "ram/baseline/"))]
    assert len(unused) == 6  # policy hidden + mean, baseline: kernels and biases
    for name in unused:
        assert gradients[name] is None or not np.any(gradients[name].numpy()), name
    for name in ("ram/classifier/kernel", "ram/core/kernel", "ram/glimpse_network/what/kernel"):
        assert np.any(gradients[name].numpy()), name
    # the learned policy's model, for contrast: REINFORCE reaches the policy and the baseline
    learned = ram.RecurrentAttentionModel(small_config(glimpses=GLIMPSES, location_penalty=0.1))
    _, gradients = losses_and_gradients(learned, images, labels)
    assert all(np.any(gradients[name].numpy()) for name in unused)


# the policy and baseline are unused with random glimpses: Keras says so once
@pytest.mark.filterwarnings("ignore:Gradients do not exist:UserWarning")
def test_the_classifier_trains_without_the_policy():
    """Images whose brightness is their class: any glimpse shows it, so `fit` must bring the cross
    entropy far down even though every glimpse lands at random."""
    from ram.training import build_model
    labels = np.arange(256) % 10
    images = np.broadcast_to((labels / 10 + 0.05).astype(np.float32)[:, None, None], (256, 28, 28))
    model = build_model(small_config(random_glimpses=True, glimpses=2, learning_rate=1e-2), steps_per_epoch=8)
    before = model.evaluate(images, labels, batch_size=256, verbose=0, return_dict=True)["cross_entropy"]
    history = model.fit(images, labels, batch_size=32, epochs=8, verbose=0, shuffle=False).history
    after = model.evaluate(images, labels, batch_size=256, verbose=0, return_dict=True)
    assert before > 2.0 and after["cross_entropy"] < 0.5 * before and after["accuracy"] > 0.5, (before, after)
    assert max(history["reinforce"]) == 0 and max(history["baseline_mse"]) == 0


def test_a_learned_policy_config_is_unchanged():
    """The field defaults to off, and files that lack it read it as off."""
    assert ram.make_config({})["random_glimpses"] is False
    assert ram.config.saved_config({})["random_glimpses"] is False


def test_a_saved_random_glimpse_model_loads_and_predicts_the_same(tmp_path):
    from ram.saving import load_model, save_model
    model = random_model(seed=4)
    images = np.random.default_rng(2).random((8, 28, 28)).astype(np.float32)
    for name in ("model.h5", "model.keras"):
        save_model(model, tmp_path / name)
        loaded = load_model(tmp_path / name, expected=small_config(random_glimpses=True, glimpses=GLIMPSES, seed=4))
        assert loaded.settings["random_glimpses"] is True
        model.reseed(9)
        loaded.reseed(9)
        np.testing.assert_array_equal(ops.convert_to_numpy(loaded(images)), ops.convert_to_numpy(model(images)))
