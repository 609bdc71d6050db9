"""MNIST, translated MNIST and cluttered MNIST as tf.data pipelines.

Training data for epoch `e` depends only on (seed, e): shuffling, translations, clutter and shifts
use stateless random ops, so a run resumed at epoch `e` sees exactly the batches an uninterrupted run
would. Validation and test canvases are drawn once from (eval_seed, split).
"""
import os
import zipfile

import numpy as np
import tensorflow as tf

MNIST_ENV = "RAM_MNIST"
EVAL_BATCH = 1000
VALIDATION_SPLIT, TEST_SPLIT = 1, 2  # the second part of the seed (eval_seed, split) of each fixed set
_SHAPES = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28), "y_test": (10000,)}


class DataError(RuntimeError):
    """The data set is missing, unreadable or of the wrong shape."""


def data_file_path(path=None):
    """The MNIST file `load_mnist(path)` reads: `path`, else $RAM_MNIST; None: Keras's download."""
    return path or os.environ.get(MNIST_ENV) or None


def load_mnist(path=None):
    """Returns (x_train, y_train), (x_test, y_test) as uint8 arrays.

    Order of sources: `path`, then the environment variable RAM_MNIST, then
    `keras.datasets.mnist.load_data()` (downloads once, then cached).
    """
    source = "" if path else f" (from {MNIST_ENV})"
    path = data_file_path(path)
    if not path:
        import keras
        try:
            return keras.datasets.mnist.load_data()
        except Exception as error:  # no internet, blocked host, broken cache
            raise DataError(
                f"could not download MNIST through Keras ({type(error).__name__}: {error}). "
                f"Offline? Give a local mnist.npz (Keras layout) with `--data PATH`, "
                f"the config field `data_path`, or the environment variable {MNIST_ENV}=PATH.") from None
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DataError(f"MNIST file not found: {path}{source}. Pass an existing mnist.npz with `--data PATH`, "
                        f"`data_path` in the config, or {MNIST_ENV}=PATH.")
    with open(path, "rb") as f:
        if f.read(2) != b"PK":  # no zip archive (np.load would take it for a pickle and advise allow_pickle)
            raise DataError(f"{path}{source} is not an MNIST .npz file (no .npz archive at all); pass mnist.npz "
                            f"in the Keras layout with `--data PATH`, `data_path` or {MNIST_ENV}=PATH.")
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {name: f[name] for name in _SHAPES if name in f.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise DataError(f"MNIST file {path} is not a readable .npz ({type(error).__name__}: {error}); "
                        f"it may be truncated: download it again.") from None
    missing = [name for name in _SHAPES if name not in arrays]
    if missing:
        raise DataError(f"MNIST file {path} lacks the arrays {missing}; expected the Keras layout "
                        f"x_train, y_train, x_test, y_test.")
    for name, shape in _SHAPES.items():
        if arrays[name].shape != shape:
            raise DataError(f"MNIST file {path}: {name} has shape {arrays[name].shape}, expected {shape}.")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def place_digits(digits, offsets, canvas):
    """Pastes each digit into a black `canvas` x `canvas` image at (row, col) = offsets.

    digits (B, h, w) float; offsets (B, 2) int; returns (B, canvas, canvas). Exact: every output
    pixel is one input pixel times 1 or 0.
    """
    h, w = digits.shape[1], digits.shape[2]
    rows = tf.one_hot(offsets[:, :1] + tf.range(h), canvas, dtype=digits.dtype)  # (B, h, canvas)
    cols = tf.one_hot(offsets[:, 1:] + tf.range(w), canvas, dtype=digits.dtype)  # (B, w, canvas)
    return tf.einsum("bic,bij,bjd->bcd", rows, digits, cols)


def clutter_draws(count, canvas, distractors, size, pool_size, seed):
    """Random choices for `count` cluttered canvases, each (count, distractors, ...) int32: the pool
    image each piece is cut from, the piece's top-left pixel in that image and on the canvas."""
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 3)
    shape = (count, distractors)
    return {"source": tf.random.stateless_uniform(shape, seeds[0], maxval=pool_size, dtype=tf.int32),
            "crop": tf.random.stateless_uniform(shape + (2,), seeds[1], maxval=28 - size + 1, dtype=tf.int32),
            "spot": tf.random.stateless_uniform(shape + (2,), seeds[2], maxval=canvas - size + 1, dtype=tf.int32)}


def render_clutter(pool, draws, canvas, size):
    """Black canvases (B, canvas, canvas) with every drawn size x size piece of `pool` (N, 28, 28)
    uint8 added. Unclipped: pixels are >= 0, so clipping the sum to 1 once, after the digit is added,
    equals clipping after each addition."""
    batch, pieces = tf.shape(draws["source"])[0], draws["source"].shape[1]
    block = tf.range(size)
    images = tf.gather(pool, draws["source"])  # (B, D, 28, 28)
    crop, spot = draws["crop"], draws["spot"]  # (B, D, 2) top-left (row, col)
    piece = tf.gather(images, crop[..., :1] + block, axis=2, batch_dims=2)  # (B, D, size, 28): the rows
    piece = tf.gather(piece, crop[..., 1:] + block, axis=3, batch_dims=2)  # (B, D, size, size)
    shape = (batch, pieces, size, size)
    index = tf.stack([tf.broadcast_to(tf.range(batch)[:, None, None, None], shape),  # image
                      tf.broadcast_to((spot[..., :1] + block)[..., :, None], shape),  # canvas row
                      tf.broadcast_to((spot[..., 1:] + block)[..., None, :], shape)], axis=-1)  # canvas column
    return tf.scatter_nd(index, tf.cast(piece, tf.float32) / 255.0, (batch, canvas, canvas))  # sums overlaps


def shift_digits(digits, shifts, limit):
    """Moves each digit (B, 28, 28) by (rows, cols) = shifts (B, 2), each in [-limit, limit], inside
    its 28x28 frame: what leaves the frame is cut off, what it uncovers is black."""
    framed = place_digits(digits, shifts + limit, 28 + 2 * limit)  # (B, 28 + 2 limit, 28 + 2 limit)
    return framed[:, limit:limit + 28, limit:limit + 28]


def random_shifts(count, limit, seed):
    """(count, 2) int32 shifts, uniform over [-limit, limit]^2."""
    return tf.random.stateless_uniform((count, 2), seed=seed, minval=-limit, maxval=limit + 1, dtype=tf.int32)


def _to_model_input(images, canvas, offsets, clutter=None, shifts=None, shift_limit=0):
    """uint8 digits (B, 28, 28) -> float32 in [0, 1], moved by `shifts` (each within +-shift_limit)
    in their frame if given, translated into the canvas if one is given, added onto `clutter`
    (B, canvas, canvas) and the sum clipped to 1 if that is given."""
    images = tf.cast(images, tf.float32) / 255.0
    if shifts is not None:
        images = shift_digits(images, shifts, shift_limit)
    if canvas is None:
        return images
    placed = place_digits(images, offsets, canvas)
    return placed if clutter is None else tf.minimum(clutter + placed, 1.0)


def random_offsets(count, canvas, seed):
    """(count, 2) int32 positions, uniform over every spot where a 28x28 digit fits in the canvas."""
    return tf.random.stateless_uniform((count, 2), seed=seed, maxval=canvas - 28 + 1, dtype=tf.int32)


def check_batch_split(batch_size, devices):
    """Raises DataError unless `batch_size` splits evenly over `devices` (None: no split)."""
    if devices and batch_size % devices:
        raise DataError(f"batch_size {batch_size} does not split evenly over {devices} devices; "
                        f"set --batch-size to a multiple of {devices}")


class MnistData:
    """Splits MNIST into train / validation / test and serves them as tf.data datasets."""

    def __init__(self, config, path=None, devices=None):
        """`devices`: the devices a keras.distribution splits each batch over (None: no split); the
        training batches and the validation set's must then divide evenly among them."""
        (x_train, y_train), (x_test, y_test) = load_mnist(path or config.data_path)
        n_val = config.validation_size
        n_train = len(x_train) - n_val if config.train_size is None else min(config.train_size, len(x_train) - n_val)
        self.x_train, self.y_train = x_train[:n_train], y_train[:n_train].astype(np.int32)
        self.x_val, self.y_val = x_train[-n_val:], y_train[-n_val:].astype(np.int32)
        self.x_test, self.y_test = x_test, y_test.astype(np.int32)
        self.canvas = None if config.dataset == "mnist" else config.image_size
        self.distractors = config.distractors if config.dataset == "cluttered_mnist" else 0
        self.distractor_size = config.distractor_size
        self.train_shift = config.train_shift
        self.batch_size = config.batch_size
        self.eval_seed = config.eval_seed
        self.devices = devices
        check_batch_split(self.batch_size, devices)
        self._validation = self._test = None
        if self.batch_size > len(self.x_train):
            raise DataError(f"batch_size {self.batch_size} exceeds the {len(self.x_train)} training images")
        # whole batches, in whole compiled executions of `steps_per_execution` steps
        self.steps_per_epoch = len(self.x_train) // self.batch_size // config.steps_per_execution * config.steps_per_execution
        if self.steps_per_epoch == 0:
            raise DataError(f"{len(self.x_train)} training images make fewer than steps_per_execution "
                            f"({config.steps_per_execution}) batches of {self.batch_size}; raise --train-size, or "
                            f"lower --batch-size or --steps-per-execution")

    def train(self, seed, first_epoch=0):
        """Infinite dataset of (images, labels) batches, epoch after epoch from `first_epoch`."""
        images, labels = tf.constant(self.x_train), tf.constant(self.y_train)
        steps, batch, canvas = self.steps_per_epoch, self.batch_size, self.canvas

        def epoch(e):  # (image index, step) pairs, batch after batch
            order = tf.random.experimental.stateless_shuffle(tf.range(len(self.x_train)), seed=tf.stack([tf.constant(seed, tf.int64), e]))
            step_ids = tf.repeat(tf.range(steps, dtype=tf.int64) + e * steps, batch)
            return tf.data.Dataset.from_tensor_slices((order[: steps * batch], step_ids))  # drop what does not fill the steps

        def make_batch(index, step):
            step = step[0]  # (B,) the same step
            offsets = random_offsets(batch, canvas, seed=tf.stack([tf.cast(seed, tf.int64) + 1, step])) if canvas else None
            clutter = shifts = None
            if self.distractors:  # training images clutter training images
                draws = self._clutter_draws(batch, len(self.x_train), tf.stack([tf.cast(seed, tf.int64) + 2, step]))
                clutter = render_clutter(images, draws, canvas, self.distractor_size)
            if self.train_shift:
                shifts = random_shifts(batch, self.train_shift, seed=tf.stack([tf.cast(seed, tf.int64) + 3, step]))
            return (_to_model_input(tf.gather(images, index), canvas, offsets, clutter, shifts, self.train_shift),
                    tf.gather(labels, index))

        # batched by tf.data (not in `epoch`), so that keras.distribution sees the batch size it splits
        ds = tf.data.Dataset.range(first_epoch, 2**31).flat_map(epoch).batch(batch, drop_remainder=True)
        return ds.map(make_batch, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)

    def _clutter_draws(self, count, pool_size, seed):
        return clutter_draws(count, self.canvas, self.distractors, self.distractor_size, pool_size, seed)

    def fixed_offsets(self, count, split):
        """(count, 2) top-left (row, col) of the digits of the fixed set `split` on their canvases."""
        return random_offsets(count, self.canvas, seed=[self.eval_seed, split])

    def fixed_set(self, images, labels, split, count=None, devices=None):
        """Fixed dataset for evaluation (the first `count` images); translations (and clutter, cut from
        the same split's images) drawn once from (eval_seed, split), the same whatever `count` is.
        `devices`: batches that keras.distribution splits evenly over that many devices."""
        canvas = self.canvas
        offsets = self.fixed_offsets(len(images), split) if canvas else None
        draws, pool = None, None
        if self.distractors:  # clutter cut from this split's own images
            draws = self._clutter_draws(len(images), len(images), [self.eval_seed, 100 + split])
            pool = tf.constant(images)

        def make_batch(x, y, i):
            clutter = None
            if draws:
                clutter = render_clutter(pool, {k: tf.gather(v, i) for k, v in draws.items()}, canvas, self.distractor_size)
            return _to_model_input(x, canvas, tf.gather(offsets, i) if canvas else None, clutter), y

        count = len(images) if count is None else count
        batch = self._validation_batch() if devices else EVAL_BATCH
        ds = tf.data.Dataset.from_tensor_slices((images[:count], labels[:count], tf.range(count))).batch(batch)
        ds = ds.map(make_batch).cache()
        if devices:  # batched again after the map, so that keras.distribution sees the batch size it splits
            ds = ds.unbatch().batch(batch)
        return ds.prefetch(tf.data.AUTOTUNE)

    def _validation_batch(self):
        """Split over devices: the largest batch up to EVAL_BATCH that cuts the validation set into equal
        batches that divide evenly among the devices."""
        count = len(self.x_val)
        fits = [b for b in range(self.devices, EVAL_BATCH + 1, self.devices) if count % b == 0]
        if not fits:
            raise DataError(f"{count} validation images do not split evenly over {self.devices} devices; "
                            f"set --validation-size to a multiple of {self.devices}")
        return fits[-1]

    @property
    def validation_steps(self):
        """Batches of one pass over the validation set; None: as many as it has. (Split over devices,
        Keras cannot count them: the set repeats, and a pass is this many.)"""
        return len(self.x_val) // self._validation_batch() if self.devices else None

    def validation(self):
        """The validation set (one dataset, cached after its first pass); split over devices (`fit`
        splits it with keras.distribution), in batches that split evenly, repeated."""
        if self._validation is None:
            self._validation = self.fixed_set(self.x_val, self.y_val, VALIDATION_SPLIT, devices=self.devices)
            if self.devices:
                self._validation = self._validation.repeat()
        return self._validation

    def test(self):
        """The test set (one dataset, cached after its first pass: canvases are drawn once)."""
        if self._test is None:
            self._test = self.fixed_set(self.x_test, self.y_test, TEST_SPLIT)
        return self._test

    def test_arrays(self, count):
        """First `count` test images as the model sees them (float32) and their labels."""
        images = np.concatenate([x.numpy() for x, _ in self.fixed_set(self.x_test, self.y_test, TEST_SPLIT, count)])
        return images, self.y_test[:count]

    def validation_arrays(self, count):
        """First `count` validation images as the model sees them (float32) and their labels."""
        images = np.concatenate([x.numpy() for x, _ in self.fixed_set(self.x_val, self.y_val, VALIDATION_SPLIT, count)])
        return images, self.y_val[:count]
