"""MNIST loading, translated MNIST and the deterministic training stream."""
import numpy as np
import pytest
import tensorflow as tf

import ram
from ram.data import DataError, load_mnist, place_digits, random_offsets
from helpers import small_config


def test_place_digits_pastes_pixels_unchanged():
    rng = np.random.default_rng(0)
    digits = rng.random((50, 28, 28)).astype(np.float32)
    offsets = random_offsets(50, 60, seed=[3, 4]).numpy()
    canvas = place_digits(tf.constant(digits), tf.constant(offsets), 60).numpy()
    for d, (r, c), img in zip(digits, offsets, canvas):
        np.testing.assert_array_equal(img[r:r + 28, c:c + 28], d)
        outside = img.copy()
        outside[r:r + 28, c:c + 28] = 0
        assert not outside.any()


def test_offsets_cover_the_canvas():
    offsets = random_offsets(20000, 60, seed=[1, 2]).numpy()
    for axis in (0, 1):
        assert offsets[:, axis].min() == 0 and offsets[:, axis].max() == 32
        counts = np.bincount(offsets[:, axis], minlength=33)
        assert counts.min() > 0.6 * counts.mean()  # roughly uniform over all 33 positions


@pytest.fixture(scope="module")
def translated(mnist_path):
    config = small_config(dataset="translated_mnist", image_size=60, patch_size=12, zooms=3, batch_size=64,
                          train_size=2048, validation_size=1000)
    return ram.MnistData(config, mnist_path)


def test_translated_sets_keep_digits_and_labels(translated):
    x_test, y_test = translated.x_test, translated.y_test
    images, labels = translated.test_arrays(200)
    np.testing.assert_array_equal(labels, y_test[:200])
    for img, digit in zip(images, x_test[:200]):
        digit = digit.astype(np.float32) / 255
        # the digit appears somewhere in the canvas, unchanged, with black all around
        spots = [(r, c) for r in range(33) for c in range(33) if np.array_equal(img[r:r + 28, c:c + 28], digit)]
        assert spots
        r, c = spots[0]
        outside = img.copy()
        outside[r:r + 28, c:c + 28] = 0
        assert not outside.any()
    again, _ = translated.test_arrays(200)
    np.testing.assert_array_equal(images, again)  # fixed by eval_seed


def test_training_stream_is_a_function_of_seed_and_epoch(translated):
    steps = translated.steps_per_epoch
    full = [x.numpy() for x, _ in translated.train(seed=5).take(2 * steps + 1)]
    resumed = [x.numpy() for x, _ in translated.train(seed=5, first_epoch=2).take(1)]
    np.testing.assert_array_equal(full[2 * steps], resumed[0])
    other_epoch = full[steps]  # translations and order are drawn anew every epoch
    assert not np.array_equal(full[0], other_epoch)


def test_every_training_image_once_per_epoch(mnist_path):
    data = ram.MnistData(small_config(batch_size=100, train_size=1000), mnist_path)
    labels = np.concatenate([y.numpy() for _, y in data.train(seed=0).take(data.steps_per_epoch)])
    np.testing.assert_array_equal(np.sort(labels), np.sort(data.y_train))


def test_missing_and_broken_files(tmp_path, monkeypatch):
    monkeypatch.delenv("RAM_MNIST", raising=False)
    with pytest.raises(DataError, match=r"not found: .*nope.npz.*--data PATH"):
        load_mnist(tmp_path / "nope.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DataError, match="bad.npz.*not a readable .npz"):
        load_mnist(bad)
    shaped = tmp_path / "shaped.npz"
    np.savez(shaped, x_train=np.zeros((10, 28, 28), np.uint8), y_train=np.zeros(10), x_test=np.zeros((5, 28, 28)),
             y_test=np.zeros(5))
    with pytest.raises(DataError, match=r"shaped.npz: x_train has shape \(10, 28, 28\), expected \(60000, 28, 28\)"):
        load_mnist(shaped)
    partial = tmp_path / "partial.npz"
    np.savez(partial, x_train=np.zeros((60000, 28, 28), np.uint8))
    with pytest.raises(DataError, match=r"partial.npz lacks the arrays \['y_train', 'x_test', 'y_test'\]"):
        load_mnist(partial)


def test_environment_variable_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("RAM_MNIST", str(tmp_path / "from_env.npz"))
    with pytest.raises(DataError, match="from_env.npz"):
        load_mnist()


def test_no_data_and_no_internet_says_how_to_supply_the_file(monkeypatch):
    import keras
    monkeypatch.delenv("RAM_MNIST", raising=False)

    def offline(*args, **kwargs):
        raise OSError("network is unreachable")
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DataError, match="--data PATH.*RAM_MNIST"):
        load_mnist()


def test_epochs_are_whole_compiled_executions(mnist_path):
    """With steps_per_execution k, an epoch is a multiple of k steps, so Keras never runs into the next
    epoch's batches and epoch e's data stays a function of (seed, e)."""
    data = ram.MnistData(small_config(batch_size=100, train_size=1000, steps_per_execution=4), mnist_path)
    assert data.steps_per_epoch == 8
    model = ram.training.build_model(small_config(steps_per_execution=4), data.steps_per_epoch)
    model.fit(data.train(0), steps_per_epoch=data.steps_per_epoch, epochs=2, verbose=0)
    assert int(model.optimizer.iterations) == 16
    with pytest.raises(DataError, match="steps_per_execution"):
        ram.MnistData(small_config(batch_size=100, train_size=300, steps_per_execution=4), mnist_path)
