"""What every data set shares: train / validation / test splits of images served as tf.data pipelines.

A data set (one module in ram/datasets/) subclasses `Data`: it loads its splits and says how a batch
of stored images becomes the model's input (`training_images`, `fixed_images`). Training data for
epoch `e` depends only on (seed, e): shuffling and every random draw use stateless random ops, so a
run resumed at epoch `e` sees exactly the batches an uninterrupted run would. Validation and test
sets are drawn once from (eval_seed, split).
"""
import numpy as np

from .errors import DataError

EVAL_BATCH = 1000
VALIDATION_SPLIT, TEST_SPLIT = 1, 2  # the second part of the seed (eval_seed, split) of each fixed set


def check_batch_split(batch_size, devices):
    """Raises DataError unless `batch_size` splits evenly over `devices` (None: no split)."""
    if devices and batch_size % devices:
        raise DataError(f"batch_size {batch_size} does not split evenly over {devices} devices; "
                        f"set --batch-size to a multiple of {devices}")


class Data:
    """Train / validation / test splits of one data set as tf.data datasets.

    Subclasses set x_train, y_train, x_val, y_val, x_test, y_test (images as stored, labels int32)
    and `config` (the run's config with what the data decides), then call `check_batches`.
    """
    decided_by_data = ()  # config fields the data sets (left unset in a config)
    skipped = None  # a folder's files that reading left out: {reason: count} (results.json's `files_skipped`)

    def __init__(self, config, devices=None, test_only=False):
        """`devices`: the devices a keras.distribution splits each batch over (None: no split); the
        training batches and the validation set's must then divide evenly among them. `test_only`:
        only the test split is needed (evaluate.py): no checks of the training batches."""
        self.config = config
        self.batch_size = config.batch_size
        self.eval_seed = config.eval_seed
        self.devices = devices
        self.cache = True  # keep the fixed sets' model input in memory after their first pass
        self._validation = self._test = None

    @classmethod
    def config_problems(cls, values):
        """What is wrong with a config's fields (a dict) for this data set: a list of messages."""
        return []

    @classmethod
    def trained_fields(cls, trained, expected):
        """A guess at the data fields of a model without results.json beside it (settings `trained`,
        evaluated with the config `expected`): (fields to change, a note); default none."""
        return {}, ""

    def training_images(self, images, index, seed):
        """Model input (B, H, W[, C]) float32 of the training images `index` (B,) of `images` (x_train
        as a tensor); `seed(k)` is the stateless seed of this step's k-th random draw."""
        raise NotImplementedError

    def fixed_images(self, images, split):
        """A function (x, i) -> model input of the batch x of `images` (its indices i in the set) for
        the fixed set `split`, whose draws are made once here."""
        raise NotImplementedError

    def check_batches(self, test_only):
        """Sets steps_per_epoch; DataError when the training images make no whole compiled call."""
        config, count = self.config, len(self.y_train)
        if test_only:
            self.steps_per_epoch = None
            return
        check_batch_split(self.batch_size, self.devices)
        if self.batch_size > count:
            raise DataError(f"batch_size {self.batch_size} exceeds the {count} training images")
        # whole batches, in whole compiled executions of `steps_per_execution` steps
        self.steps_per_epoch = count // self.batch_size // config.steps_per_execution * config.steps_per_execution
        if self.steps_per_epoch == 0:
            raise DataError(f"{count} training images make fewer than steps_per_execution "
                            f"({config.steps_per_execution}) batches of {self.batch_size}; raise --train-size, or "
                            f"lower --batch-size or --steps-per-execution")

    def train(self, seed, first_epoch=0):
        """Infinite dataset of (images, labels) batches, epoch after epoch from `first_epoch`."""
        import tensorflow as tf
        images, labels = tf.constant(self.x_train), tf.constant(self.y_train)
        steps, batch, count = self.steps_per_epoch, self.batch_size, len(self.y_train)

        def epoch(e):  # (image index, step) pairs, batch after batch
            order = tf.random.experimental.stateless_shuffle(tf.range(count), seed=tf.stack([tf.constant(seed, tf.int64), e]))
            step_ids = tf.repeat(tf.range(steps, dtype=tf.int64) + e * steps, batch)
            return tf.data.Dataset.from_tensor_slices((order[: steps * batch], step_ids))  # drop what does not fill the steps

        def make_batch(index, step):
            step = step[0]  # (B,) the same step
            draw_seed = lambda k: tf.stack([tf.cast(seed, tf.int64) + k, step])  # noqa: E731
            return self.training_images(images, index, draw_seed), tf.gather(labels, index)

        # batched by tf.data (not in `epoch`), so that keras.distribution sees the batch size it splits
        ds = tf.data.Dataset.range(first_epoch, 2**31).flat_map(epoch).batch(batch, drop_remainder=True)
        return ds.map(make_batch, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)

    def fixed_set(self, images, labels, split, count=None, devices=None):
        """Fixed dataset for evaluation (the first `count` images); its random draws (translations,
        clutter) made once from (eval_seed, split), the same whatever `count` is. `devices`: batches
        that keras.distribution splits evenly over that many devices."""
        import tensorflow as tf
        make_images = self.fixed_images(images, split)
        count = len(images) if count is None else count
        batch = self._validation_batch() if devices else EVAL_BATCH
        ds = tf.data.Dataset.from_tensor_slices((images[:count], labels[:count], tf.range(count))).batch(batch)
        ds = ds.map(lambda x, y, i: (make_images(x, i), y), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        if self.cache:
            ds = ds.cache()
        if devices:  # batched again after the map, so that keras.distribution sees the batch size it splits
            ds = ds.unbatch().batch(batch)
        return ds.prefetch(tf.data.AUTOTUNE)

    def _validation_batch(self):
        """Split over devices: the largest batch up to EVAL_BATCH that cuts the validation set into equal
        batches that divide evenly among the devices."""
        count = len(self.y_val)
        fits = [b for b in range(self.devices, EVAL_BATCH + 1, self.devices) if count % b == 0]
        if not fits:
            raise DataError(f"{count} validation images do not split evenly over {self.devices} devices; "
                            f"make it a multiple of {self.devices} (--validation-size; for `images` --validation-split "
                            f"or the validation/ folder)")
        return fits[-1]

    @property
    def validation_steps(self):
        """Batches of one pass over the validation set; None: as many as it has. (Split over devices,
        Keras cannot count them: the set repeats, and a pass is this many.)"""
        return len(self.y_val) // self._validation_batch() if self.devices else None

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

    def check_model(self, settings, path):
        """DataError when the model at `path` (its `settings`) reads other channels or tells other classes
        apart than this data has."""
        from .config import saved_config
        trained, where = saved_config(settings), self.source or "the data"
        colours = {1: "grey", 3: "RGB"}
        if trained["channels"] != self.config.channels:
            kind = lambda c: colours.get(c, f"{c}-channel")  # noqa: E731
            raise DataError(f"{path} reads {kind(trained['channels'])} images, but {where} holds "
                            f"{kind(self.config.channels)} ones; evaluate it on images like those it was trained on")
        names = trained["class_names"] or [str(c) for c in range(trained["classes"])]
        if names != self.class_names:
            raise DataError(f"{path} tells apart the classes {names}, but {where} has {self.class_names}; "
                            f"evaluate it on data with the classes it was trained on")

    def check_decodable(self):
        """After training failed to read its data: DataError naming a stored image that cannot be decoded
        (data streamed from files); nothing when none is found."""

    @property
    def class_names(self):
        """The classes' names in label order: the config's, else the labels' numbers."""
        return self.config.class_names or [str(c) for c in range(self.config.classes)]
