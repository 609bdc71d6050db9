"""MNIST's 28x28 digits (the paper's first task), and the MNIST file every MNIST task reads.

`MnistDigits` loads a file in Keras's mnist.npz layout and splits it (the last `validation_size`
training images validate); its subclasses here and in translated_mnist.py and cluttered_mnist.py say
what the model sees. Another data set in that layout (any size, any number of classes) is a module of a
few lines in this package, its file given with --data (only MNIST falls back to $RAM_MNIST or a download):

    from .mnist import Mnist

    class Letters(Mnist):  # handwritten letters, 28x28, 26 classes (--data letters.npz --classes 26)
        NAME, FALLBACK, SIZE, CLASSES = "letters", False, 28, 26

    DATASET = Letters
"""
import os
import zipfile

import numpy as np

from ..data import Data, DataError

MNIST_ENV = "RAM_MNIST"
ARRAYS = ("x_train", "y_train", "x_test", "y_test")


def data_file_path(path=None):
    """The MNIST file `load_mnist(path)` reads: `path`, else $RAM_MNIST; None: Keras's download."""
    return path or os.environ.get(MNIST_ENV) or None


def load_mnist(path=None, fallback=True, name="MNIST"):
    """Returns (x_train, y_train), (x_test, y_test) as uint8 arrays of a file in Keras's mnist.npz layout.

    Without `fallback` (a data set other than MNIST): `path` or one line asking for it. MNIST's order of
    sources: `path`, then the environment variable RAM_MNIST, then
    `keras.datasets.mnist.load_data()` (downloads once, then cached).
    """
    if not fallback and not path:
        raise DataError(f"dataset `{name}` reads a file in Keras's mnist.npz layout: give it with --data PATH "
                        f"(${MNIST_ENV} and the download are MNIST's alone)")
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
            arrays = {key: f[key] for key in ARRAYS if key in f.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise DataError(f"MNIST file {path} is not a readable .npz ({type(error).__name__}: {error}); "
                        f"it may be truncated: download it again.") from None
    missing = [key for key in ARRAYS if key not in arrays]
    if missing:
        raise DataError(f"{name} file {path} lacks the arrays {missing}; expected the Keras layout "
                        f"x_train, y_train, x_test, y_test.")
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or x.dtype != np.uint8 or x.shape[1:] != arrays["x_train"].shape[1:]:
            raise DataError(f"{name} file {path}: x_{split} is {x.dtype} {x.shape}; expected uint8 images (N, H, W), "
                            f"the same size in x_train and x_test.")
        if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"{name} file {path}: y_{split} is {y.dtype} {y.shape}; expected {len(x)} integer labels.")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def place_digits(digits, offsets, canvas):
    """Pastes each digit into a black `canvas` x `canvas` image at (row, col) = offsets.

    digits (B, h, w) float; offsets (B, 2) int; returns (B, canvas, canvas). Exact: every output
    pixel is one input pixel times 1 or 0.
    """
    import tensorflow as tf
    h, w = digits.shape[1], digits.shape[2]
    rows = tf.one_hot(offsets[:, :1] + tf.range(h), canvas, dtype=digits.dtype)  # (B, h, canvas)
    cols = tf.one_hot(offsets[:, 1:] + tf.range(w), canvas, dtype=digits.dtype)  # (B, w, canvas)
    return tf.einsum("bic,bij,bjd->bcd", rows, digits, cols)


def shift_digits(digits, shifts, limit):
    """Moves each digit (B, 28, 28) by (rows, cols) = shifts (B, 2), each in [-limit, limit], inside
    its 28x28 frame: what leaves the frame is cut off, what it uncovers is black."""
    framed = place_digits(digits, shifts + limit, 28 + 2 * limit)  # (B, 28 + 2 limit, 28 + 2 limit)
    return framed[:, limit:limit + 28, limit:limit + 28]


def random_shifts(count, limit, seed):
    """(count, 2) int32 shifts, uniform over [-limit, limit]^2."""
    import tensorflow as tf
    return tf.random.stateless_uniform((count, 2), seed=seed, minval=-limit, maxval=limit + 1, dtype=tf.int32)


class MnistDigits(Data):
    """The MNIST file's digits: the first training digits train (`train_size`), the last
    `validation_size` validate, the 10,000 test digits test."""
    CANVAS = False   # whether digits are placed on a larger canvas (`image_size`)
    CLUTTER = False  # whether pieces of other digits clutter it (`distractors`)
    NAME, FALLBACK, SIZE, CLASSES = "MNIST", True, 28, 10  # a data set in MNIST's layout sets its own

    def __init__(self, config, path=None, devices=None, test_only=False):
        super().__init__(config, devices, test_only)
        (x_train, y_train), (x_test, y_test) = load_mnist(path or config.data_path, self.FALLBACK, self.NAME)
        source = path or config.data_path or MNIST_ENV
        if x_train.shape[1:] != (self.SIZE, self.SIZE):
            raise DataError(f"{source}: the images are {x_train.shape[1]}x{x_train.shape[2]}, `{config.dataset}` "
                            f"reads {self.SIZE}x{self.SIZE}; give its file, or a data set module for this size")
        if max(y_train.max(), y_test.max()) >= config.classes or min(y_train.min(), y_test.min()) < 0:
            raise DataError(f"{source}: labels from {min(y_train.min(), y_test.min())} to {max(y_train.max(), y_test.max())}, "
                            f"outside 0 to {config.classes - 1}; set classes (--classes N) to their number")
        n_val = config.validation_size
        n_train = len(x_train) - n_val if config.train_size is None else config.train_size
        if n_train + n_val > len(x_train):  # the validation digits are the last n_val: never trained on
            raise DataError(f"train_size {n_train} and validation_size {n_val} need {n_train + n_val} training "
                            f"digits, the file has {len(x_train)}; lower train_size to {len(x_train) - n_val} or less")
        self.x_train, self.y_train = x_train[:n_train], y_train[:n_train].astype(np.int32)
        self.x_val, self.y_val = x_train[-n_val:], y_train[-n_val:].astype(np.int32)
        self.x_test, self.y_test = x_test, y_test.astype(np.int32)
        self.source = data_file_path(path or config.data_path)
        self.check_batches(test_only)

    @classmethod
    def config_problems(cls, v):
        problems = []
        size = cls.SIZE
        if not cls.CANVAS and v["image_size"] != size:
            problems.append(f"image_size: `{v['dataset']}` images are {size}x{size}, got {v['image_size']}; use dataset "
                            f"`translated_mnist` for a larger canvas")
        if cls.CANVAS and (v["image_size"] is None or v["image_size"] < size):
            problems.append(f"image_size: the `{v['dataset']}` canvas must hold a {size}x{size} digit, got {v['image_size']}")
        if v["channels"] != 1:
            problems.append(f"channels: {cls.NAME} images are grey (1 channel), got {v['channels']}; use dataset `images` for colour")
        if v["classes"] != cls.CLASSES:
            problems.append(f"classes: {cls.NAME} has {cls.CLASSES} classes, got {v['classes']}; set --classes "
                            f"{cls.CLASSES}, or use dataset `images` for other classes")
        if v["image_height"] is not None or v["image_width"] is not None:
            problems.append(f"image_height: MNIST images are square (image_size), got image_height {v['image_height']} "
                            f"and image_width {v['image_width']}; set both None")
        if v["validation_size"] >= 60000 and cls.FALLBACK:
            problems.append(f"validation_size: {v['validation_size']} leaves no MNIST training images (60000 in all)")
        elif v["train_size"] is not None and v["train_size"] + v["validation_size"] > 60000 and cls.FALLBACK:
            problems.append(f"train_size: {v['train_size']} with validation_size {v['validation_size']} needs "
                            f"{v['train_size'] + v['validation_size']} of MNIST's 60000 training digits; lower it to "
                            f"{60000 - v['validation_size']} or less (the validation digits are never trained on)")
        if v["distractors"] and not cls.CLUTTER:
            problems.append(f"distractors: {v['distractors']} pieces of clutter need dataset `cluttered_mnist`")
        if v["train_shift"] and cls.CANVAS:
            problems.append(f"train_shift: {v['train_shift']} moves centred `mnist` digits; `{v['dataset']}` already "
                            f"places each digit at random, so set 0")
        return problems

    @classmethod
    def trained_fields(cls, trained, expected):
        if not cls.CANVAS and trained["image_size"] != 28:  # a larger image: a canvas
            return ({"dataset": "translated_mnist", "train_shift": 0},
                    "; no results.json beside it: for cluttered canvases use --dataset cluttered_mnist --distractors N")
        return {}, ""

    @staticmethod
    def scale(digits):
        """uint8 digits -> float32 in [0, 1]."""
        import tensorflow as tf
        return tf.cast(digits, tf.float32) / 255.0


class Mnist(MnistDigits):
    """The digits as they are, 28x28; with `train_shift`, each training digit moved within its frame."""

    def training_images(self, images, index, seed):
        import tensorflow as tf
        digits = self.scale(tf.gather(images, index))
        limit = self.config.train_shift
        return shift_digits(digits, random_shifts(self.batch_size, limit, seed(3)), limit) if limit else digits

    def fixed_images(self, images, split):
        return lambda x, i: self.scale(x)


DATASET = Mnist
