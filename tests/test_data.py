"""MNIST loading, translated and cluttered MNIST, and the deterministic training stream."""
import numpy as np
import pytest
import tensorflow as tf

import ram
import ram.datasets
import ram.training
from ram.data import DataError
from ram.datasets.cluttered_mnist import clutter_draws
from ram.datasets.mnist import load_mnist, place_digits, shift_digits
from ram.datasets.translated_mnist import random_offsets
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
    return ram.load_data(config, mnist_path)


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


@pytest.fixture(scope="module")
def cluttered(mnist_path):
    config = small_config(dataset="cluttered_mnist", image_size=60, distractors=4, patch_size=12, zooms=3,
                          batch_size=64, train_size=2048, validation_size=1000)
    return ram.load_data(config, mnist_path)


def numpy_clutter(digit, offset, pool, sources, crops, spots, canvas=60, size=8):
    """The paper's recipe, written plainly: pieces added one by one, clipped after each, then the digit."""
    image = np.zeros((canvas, canvas), np.float32)
    for source, (cr, cc), (sr, sc) in zip(sources, crops, spots):
        image[sr:sr + size, sc:sc + size] += pool[source, cr:cr + size, cc:cc + size] / np.float32(255)
        image = np.minimum(image, 1)
    r, c = offset
    image[r:r + 28, c:c + 28] += digit / np.float32(255)
    return np.minimum(image, 1)


@pytest.mark.parametrize("split,offset_key,clutter_key", [("test", 2, 102), ("validation", 1, 101)])
def test_cluttered_fixed_sets_are_the_recipe_with_clutter_from_their_own_images(cluttered, split, offset_key,
                                                                                  clutter_key):
    """The test and validation canvases rebuilt with the numpy recipe, each with clutter cut from its
    own split's digits and the draws of eval_seed."""
    digits, all_labels = (cluttered.x_test, cluttered.y_test) if split == "test" else (cluttered.x_val, cluttered.y_val)
    images, labels = (cluttered.test_arrays if split == "test" else cluttered.validation_arrays)(100)
    np.testing.assert_array_equal(labels, all_labels[:100])
    n = len(digits)
    offsets = random_offsets(n, 60, seed=[cluttered.eval_seed, offset_key]).numpy()
    draws = {k: v.numpy() for k, v in clutter_draws(n, 60, 4, 8, n, [cluttered.eval_seed, clutter_key]).items()}
    for i, image in enumerate(images):
        expected = numpy_clutter(digits[i], offsets[i], digits, draws["source"][i], draws["crop"][i], draws["spot"][i])
        np.testing.assert_allclose(image, expected, atol=1e-6)
    assert (draws["source"] < n).all() and draws["source"].max() > 0.9 * n  # drawn over the whole split
    assert draws["crop"].min() == 0 and draws["crop"].max() == 28 - 8  # every spot of the source digit
    assert draws["spot"].min() == 0 and draws["spot"].max() == 60 - 8  # every spot where a piece fits
    clutter_pixels = [np.count_nonzero(img) - np.count_nonzero(d) for img, d in zip(images, digits)]
    assert np.mean(clutter_pixels) > 40  # four 8x8 pieces of strokes: clutter is there


def test_cluttered_training_batches_are_the_recipe_with_clutter_from_training_images(cluttered):
    """Training batches rebuilt with the numpy recipe from the training images and the pipeline's own
    draws for (seed, epoch, step): the shuffled order, the digit offsets and the clutter draws."""
    seed, epoch, n = 5, 1, len(cluttered.x_train)
    steps, batch = cluttered.steps_per_epoch, cluttered.batch_size
    got = [(x.numpy(), y.numpy()) for x, y in cluttered.train(seed=seed, first_epoch=epoch).take(2)]
    order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=tf.constant([seed, epoch], tf.int64)).numpy()
    for i, (images, labels) in enumerate(got):
        step = epoch * steps + i
        index = order[i * batch:(i + 1) * batch]
        np.testing.assert_array_equal(labels, cluttered.y_train[index])
        offsets = random_offsets(batch, 60, seed=tf.constant([seed + 1, step], tf.int64)).numpy()
        draws = {k: v.numpy() for k, v in clutter_draws(batch, 60, 4, 8, n, tf.constant([seed + 2, step], tf.int64)).items()}
        assert draws["source"].max() < n
        for j, image in enumerate(images):
            expected = numpy_clutter(cluttered.x_train[index[j]], offsets[j], cluttered.x_train, draws["source"][j],
                                     draws["crop"][j], draws["spot"][j])
            np.testing.assert_allclose(image, expected, atol=1e-6, err_msg=f"step {step}, image {j}")
        clutter_pixels = [np.count_nonzero(img) - np.count_nonzero(cluttered.x_train[k]) for img, k in zip(images, index)]
        assert np.mean(clutter_pixels) > 40


def test_cluttered_training_stream_is_a_function_of_seed_and_epoch(cluttered):
    steps = cluttered.steps_per_epoch
    full = [x.numpy() for x, _ in cluttered.train(seed=5).take(steps + 1)]
    resumed = [x.numpy() for x, _ in cluttered.train(seed=5, first_epoch=1).take(1)]
    np.testing.assert_array_equal(full[steps], resumed[0])
    assert full[0].max() <= 1 and full[0].min() >= 0


def test_without_distractors_cluttered_is_translated(mnist_path, translated):
    config = small_config(dataset="cluttered_mnist", distractors=0, image_size=60, patch_size=12, zooms=3,
                          batch_size=64, train_size=2048, validation_size=1000)
    plain = ram.load_data(config, mnist_path)
    np.testing.assert_array_equal(plain.test_arrays(50)[0], translated.test_arrays(50)[0])


def _numpy_shift(digit, rows, cols):
    """The digit moved by (rows, cols) inside its frame, black filled in: a plain numpy reference."""
    out = np.zeros_like(digit)
    h, w = digit.shape
    out[max(rows, 0):h + min(rows, 0), max(cols, 0):w + min(cols, 0)] = \
        digit[max(-rows, 0):h - max(rows, 0), max(-cols, 0):w - max(cols, 0)]
    return out


def _matching_shifts(before, after, limit):
    """Every (rows, cols) within +-limit that moves `before` exactly onto `after`."""
    return [(r, c) for r in range(-limit, limit + 1) for c in range(-limit, limit + 1)
            if np.array_equal(_numpy_shift(before, r, c), after)]


def test_shift_digits_moves_down_and_right_for_positive_shifts():
    rng = np.random.default_rng(1)
    digits = rng.random((6, 28, 28)).astype(np.float32)
    shifts = np.array([[0, 0], [3, 0], [0, -3], [-3, 3], [2, -1], [-1, -2]], np.int32)  # (rows, cols)
    moved = shift_digits(tf.constant(digits), tf.constant(shifts), 3).numpy()
    for digit, (r, c), out in zip(digits, shifts, moved):
        np.testing.assert_array_equal(out, _numpy_shift(digit, r, c))
    np.testing.assert_array_equal(moved[1, 3:], digits[1, :-3])  # +3 rows: the top row lands on row 3
    assert not moved[1, :3].any()


def test_train_shift_moves_training_digits_within_their_frame(mnist_path):
    plain = ram.load_data(small_config(batch_size=100, train_size=1000), mnist_path)
    shifted = ram.load_data(small_config(batch_size=100, train_size=1000, train_shift=3), mnist_path)
    (x0, y0), = plain.train(seed=4).take(1)  # the same images in the same order: shifts use their own stream
    (x1, y1), = shifted.train(seed=4).take(1)
    np.testing.assert_array_equal(y0, y1)
    moves = []
    for before, after in zip(x0.numpy(), x1.numpy()):
        matches = _matching_shifts(before, after, 3)
        assert matches, "a shifted digit is not its original moved by at most 3 pixels"
        moves.append(matches)
    assert sum((0, 0) not in m for m in moves) > 50  # most digits do move
    unique = [m[0] for m in moves if len(m) == 1]
    assert {r for r, _ in unique} == set(range(-3, 4)) and {c for _, c in unique} == set(range(-3, 4))
    assert sum(r != c for r, c in unique) > 50  # rows and columns move independently
    np.testing.assert_array_equal(shifted.test_arrays(20)[0], plain.test_arrays(20)[0])  # test digits stay put


def test_shifted_training_stream_is_a_function_of_seed_and_epoch(mnist_path):
    data = ram.load_data(small_config(batch_size=100, train_size=1000, train_shift=2), mnist_path)
    plain = ram.load_data(small_config(batch_size=100, train_size=1000), mnist_path)
    steps = data.steps_per_epoch
    full = [x.numpy() for x, _ in data.train(seed=5).take(2 * steps)]
    resumed = [x.numpy() for x, _ in data.train(seed=5, first_epoch=1).take(1)]
    np.testing.assert_array_equal(full[steps], resumed[0])
    # every epoch draws new shifts: the same digit moves differently in epochs 0 and 1
    originals = np.concatenate([x.numpy() for x, _ in plain.train(seed=5).take(2 * steps)])
    moved = np.concatenate(full)
    epoch_shift = [{}, {}]
    for i, (before, after) in enumerate(zip(originals, moved)):
        shift = _matching_shifts(before, after, 2)
        epoch_shift[i // (len(moved) // 2)][before.tobytes()] = shift[0] if len(shift) == 1 else None
    both = [k for k in epoch_shift[0] if epoch_shift[0][k] and epoch_shift[1].get(k)]
    assert len(both) > 100 and sum(epoch_shift[0][k] != epoch_shift[1][k] for k in both) > 0.8 * len(both)


def test_every_training_image_once_per_epoch(mnist_path):
    data = ram.load_data(small_config(batch_size=100, train_size=1000), mnist_path)
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
    with pytest.raises(DataError, match=r"shaped.npz: y_train is float64 \(10,\); expected 10 integer labels"):
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
    data = ram.load_data(small_config(batch_size=100, train_size=1000, steps_per_execution=4), mnist_path)
    assert data.steps_per_epoch == 8
    model = ram.training.build_model(small_config(steps_per_execution=4), data.steps_per_epoch)
    model.fit(data.train(0), steps_per_epoch=data.steps_per_epoch, epochs=2, verbose=0, shuffle=False)
    assert int(model.optimizer.iterations) == 16
    with pytest.raises(DataError, match="steps_per_execution"):
        ram.load_data(small_config(batch_size=100, train_size=300, steps_per_execution=4), mnist_path)


@pytest.fixture(scope="module")
def numbered_mnist(tmp_path_factory):
    """A Keras-layout mnist.npz whose training image i carries i in its first three pixels."""
    index = np.arange(60000)
    x_train = np.zeros((60000, 28, 28), np.uint8)
    x_train[:, 0, :3] = np.stack([index % 256, index // 256 % 256, index // 65536], axis=1)
    path = tmp_path_factory.mktemp("numbered") / "mnist.npz"
    np.savez(path, x_train=x_train, y_train=index % 10, x_test=np.zeros((10000, 28, 28), np.uint8),
             y_test=np.zeros(10000, np.uint8))
    return str(path)


def _indices(images):
    return set((np.asarray(images)[:, 0, :3].astype(np.int64) @ [1, 256, 65536]).tolist())


@pytest.mark.parametrize("dataset", ["mnist", "translated_mnist"])
@pytest.mark.parametrize("train_size", [None, 2, 54999, 55000, 55001, 58000, 60000])
def test_training_and_validation_digits_never_overlap(numbered_mnist, dataset, train_size):
    """Every train_size the config allows trains on the first digits and validates on the last 5,000,
    disjoint; one that would reach into them is refused in one line naming the fix."""
    fields = dict(dataset=dataset, image_size=28 if dataset == "mnist" else 60, train_size=train_size, batch_size=2)
    if train_size is not None and train_size > 55000:
        with pytest.raises(ram.ConfigError, match=rf"train_size: {train_size} .* lower it to 55000 or less"):
            small_config(**fields)
        return
    digits = ram.datasets.get(dataset)(small_config(**fields), numbered_mnist)
    train, val = _indices(digits.x_train), _indices(digits.x_val)
    assert train == set(range(55000 if train_size is None else train_size)) and val == set(range(55000, 60000))



def test_a_data_set_in_mnists_layout_is_a_few_lines_and_never_falls_back_to_mnist(tmp_path, monkeypatch, mnist_path):
    """A subclass naming its data (letters: 26 classes, 28x28) reads only the file it is given: with
    $RAM_MNIST set and no --data it refuses in one line; its own file of any count loads and splits; a
    file of another size or labels beyond its classes are one line each."""
    from ram.datasets.mnist import Mnist

    class Letters(Mnist):
        NAME, FALLBACK, SIZE, CLASSES = "letters", False, 28, 26

    rng = np.random.default_rng(0)
    path = tmp_path / "letters.npz"
    np.savez(path, x_train=rng.integers(0, 256, (700, 28, 28), dtype=np.uint8), y_train=np.arange(700) % 26,
             x_test=rng.integers(0, 256, (130, 28, 28), dtype=np.uint8), y_test=np.arange(130) % 26)
    monkeypatch.setenv("RAM_MNIST", mnist_path)
    config = ram.Config({**small_config(validation_size=100, batch_size=20), "classes": 26})  # as ram/datasets/letters.py would validate it
    with pytest.raises(DataError, match=r"^dataset `letters` reads a file in Keras's mnist.npz layout: give it with --data"):
        Letters(config)
    data = Letters(config, str(path))
    assert (len(data.y_train), len(data.y_val), len(data.y_test)) == (600, 100, 130) and data.y_train.max() == 25
    assert Letters.config_problems({**config, "classes": 10})[0].startswith("classes: letters has 26 classes, got 10")
    with pytest.raises(DataError, match=r"labels from 0 to 25, outside 0 to 9; set classes"):
        Mnist(small_config(validation_size=100, batch_size=20), str(path))
    eleven = tmp_path / "eleven.npz"  # one label past the 10 classes
    np.savez(eleven, x_train=np.zeros((700, 28, 28), np.uint8), y_train=np.arange(700) % 11,
             x_test=np.zeros((130, 28, 28), np.uint8), y_test=np.arange(130) % 10)
    with pytest.raises(DataError, match=r"labels from 0 to 10, outside 0 to 9"):
        Mnist(small_config(validation_size=100, batch_size=20), str(eleven))
