"""`images`: your own data from a folder tree or an .npz, grey or colour, any size, any classes."""
import os

import cv2
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import evaluate
import ram
import ram.visualize
import run_images
from ram.cli import main as cli_main
from ram.data import DataError
from ram.datasets.images import list_images
from ram.glimpse import GlimpseSensor
from helpers import SMALL

TINY = {**SMALL, "glimpses": 3, "patch_size": 4, "zooms": 2, "batch_size": 8, "epochs": 1, "test_every": 1,
        "tensorboard": False}


def write_png(path, image):
    """An RGB (H, W, 3) or grey (H, W) uint8 image as PNG (OpenCV writes BGR)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    cv2.imwrite(str(path), image[..., ::-1] if image.ndim == 3 else image)


def marked_images(count, height, width, channels, start=0, seed=0):
    """Random uint8 images whose pixel (0, 0) of channel 0 is start + i: each image knows who it is."""
    images = np.random.default_rng(seed).integers(0, 256, (count, height, width, channels), dtype=np.uint8)
    images[:, 0, 0, 0] = start + np.arange(count)
    return images if channels > 1 else images[..., 0]


def write_tree(root, splits, height=12, width=20, channels=3):
    """root/<split>/<class>/<i>.png for {split: {class: count}}; returns {split: [(class, image), ...]} in
    the order written. Every image is marked with a different number (marked_images)."""
    written, start = {}, 0
    for split, classes in splits.items():
        written[split] = []
        for name, count in classes.items():
            for i, image in enumerate(marked_images(count, height, width, channels, start, seed=start)):
                write_png(os.path.join(root, split, name, f"{i:03d}.png"), image)
                written[split].append((name, image))
            start += count
    return written


def images_config(data_path, **fields):
    return ram.make_config({**run_images.CONFIG, **TINY, "data_path": str(data_path), **fields})


# --- the loaders ---------------------------------------------------------------------------------

def test_folder_reads_as_keras_image_dataset_from_directory(tmp_path):
    """Class order, labels and pixels of every split as keras.utils.image_dataset_from_directory reads
    the same folders (shuffle off), the independent reference; a validation/ folder is used as it is."""
    import keras
    classes = {"dog": 5, "cat": 4, "bird": 6}
    write_tree(tmp_path, {"train": classes, "validation": {"cat": 2, "dog": 2}, "test": {"bird": 3, "dog": 2}})
    extra = marked_images(3, 12, 20, 3, 100)  # other formats, and a subfolder of a class
    for name, image in zip(("train/dog/x.jpg", "train/cat/x.bmp", "train/bird/more/x.png"), extra):
        write_png(os.path.join(tmp_path, name), image)
    (tmp_path / "train" / "cat" / "notes.txt").write_text("not an image: skipped")
    data = ram.load_data(images_config(tmp_path))
    assert data.config.class_names == ["bird", "cat", "dog"] and data.config.classes == 3
    assert (data.config.image_height, data.config.image_width, data.config.channels) == (12, 20, 3)
    for split, x, y in (("train", data.x_train, data.y_train), ("validation", data.x_val, data.y_val),
                        ("test", data.x_test, data.y_test)):
        reference = keras.utils.image_dataset_from_directory(tmp_path / split, shuffle=False, batch_size=None,
                                                             image_size=(12, 20))
        images, labels = zip(*[(i.numpy(), l.numpy()) for i, l in reference])
        np.testing.assert_array_equal(y, [data.config.class_names.index(reference.class_names[l]) for l in labels])
        jpeg = np.array([p.endswith(".jpg") for p in list_images(str(tmp_path / split))[0]])
        images = np.array(images).astype(np.uint8)
        np.testing.assert_array_equal(x[~jpeg], images[~jpeg])  # JPEG decoders differ (Pillow's libjpeg-turbo):
        assert np.abs(x[jpeg].astype(int) - images[jpeg]).max(initial=0) <= 8  # a few levels


@pytest.mark.parametrize("channels", [1, 3])
def test_model_input_is_the_pixels_over_255(tmp_path, channels):
    """Grey folders give (B, H, W), colour ones (B, H, W, 3): each pixel / 255, in the files' order."""
    written = write_tree(tmp_path, {"train": {"a": 20, "b": 20}, "test": {"a": 3, "b": 4}}, channels=channels)
    data = ram.load_data(images_config(tmp_path))
    images, labels = data.test_arrays(7)
    expected = np.array([image for _, image in written["test"]], np.float32) / 255
    np.testing.assert_array_equal(images, expected)
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1, 1, 1])
    assert data.config.channels == channels


def test_split_is_seeded_disjoint_and_drawn_from_training_images_only(tmp_path):
    """Without validation/: validation_split of train/ (rounded) validates, the rest trains; none of the
    test images is in either; the same split every time, another with another eval_seed."""
    write_tree(tmp_path, {"train": {"a": 30, "b": 30}, "test": {"a": 10, "b": 10}})
    marks = lambda x: set(x[..., 0, 0, 0].tolist())  # noqa: E731
    data = ram.load_data(images_config(tmp_path, validation_split=0.25))
    assert (len(data.y_train), len(data.y_val), len(data.y_test)) == (45, 15, 20)  # 0.25 x 60, shared by class
    assert sorted(np.bincount(data.y_val).tolist()) == [7, 8]
    assert marks(data.x_train) | marks(data.x_val) == set(range(60)) and not marks(data.x_train) & marks(data.x_val)
    assert marks(data.x_test) == set(range(60, 80))
    for x, y in ((data.x_train, data.y_train), (data.x_val, data.y_val)):  # labels stay with their images
        np.testing.assert_array_equal(y, (x[..., 0, 0, 0] >= 30).astype(int))
    again = ram.load_data(images_config(tmp_path, validation_split=0.25))
    np.testing.assert_array_equal(again.x_val, data.x_val)
    other = ram.load_data(images_config(tmp_path, validation_split=0.25, eval_seed=7))
    assert marks(other.x_val) != marks(data.x_val)



def test_train_size_keeps_a_seeded_sample_of_every_class(tmp_path):
    """--train-size N on a folder (listed class by class) keeps N training images drawn with eval_seed
    from all of them, labels with their images, the same every time; not the first N (whole classes)."""
    write_tree(tmp_path, {"train": {"a": 40, "b": 40, "c": 40}, "test": {"a": 4, "b": 4, "c": 4}})
    config = images_config(tmp_path, validation_split=0.25, batch_size=8)
    full = ram.load_data(config)
    data = ram.load_data(config.replace(train_size=30))
    marks = data.x_train[..., 0, 0, 0]
    assert len(data.y_train) == 30 and set(marks.tolist()) <= set(full.x_train[..., 0, 0, 0].tolist())
    assert np.bincount(data.y_train).tolist() == [10, 10, 10] and np.all(np.diff(marks.astype(int)) > 0)
    np.testing.assert_array_equal(data.y_train, marks // 40)
    np.testing.assert_array_equal(ram.load_data(config.replace(train_size=30)).x_train, data.x_train)

@pytest.mark.parametrize("layout", ["grey", "grey_with_channel_axis", "colour", "float"])
def test_npz_of_any_size(tmp_path, layout):
    shape = {"grey": (), "grey_with_channel_axis": (1,), "colour": (3,), "float": (3,)}[layout]
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (40, 10, 14) + shape, dtype=np.uint8)
    x_test = rng.integers(0, 256, (6, 10, 14) + shape, dtype=np.uint8)
    if layout == "float":
        x_train, x_test = x_train / 255.0, x_test / 255.0
    y_train, y_test = rng.integers(0, 4, 40), np.array([0, 1, 2, 3, 3, 2])
    np.savez(tmp_path / "mine.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
             class_names=np.array(["w", "x", "y", "z"]))
    data = ram.load_data(images_config(tmp_path / "mine.npz", validation_split=0.1))
    assert data.config.class_names == ["w", "x", "y", "z"]
    assert (data.config.image_height, data.config.image_width) == (10, 14)
    assert data.config.channels == (3 if shape == (3,) else 1)
    images, labels = data.test_arrays(6)
    expected = x_test.reshape((6, 10, 14) + ((3,) if shape == (3,) else ())).astype(np.float32)
    np.testing.assert_array_equal(images, expected if layout == "float" else expected / np.float32(255))
    np.testing.assert_array_equal(labels, y_test)
    assert len(data.y_val) == 4 and len(data.y_train) == 36  # 10 %, shared over the classes by their sizes
    per_class = np.bincount(y_train, minlength=4)
    assert np.all(np.abs(np.bincount(data.y_val, minlength=4) - 0.1 * per_class) < 1)


def test_image_size_resizes_every_image(tmp_path):
    """image_size N: images of mixed sizes all become N x N (Pillow's bilinear resize, antialiased when it shrinks)."""
    write_tree(tmp_path / "d", {"train": {"a": 10, "b": 10}, "test": {"a": 2}}, height=12, width=20)
    write_tree(tmp_path / "d", {"test": {"b": 2}}, height=30, width=16)
    data = ram.load_data(images_config(tmp_path / "d", image_size=16, patch_size=4))
    assert data.x_train.shape[1:] == data.x_test.shape[1:] == (16, 16, 3)
    original = Image.open(tmp_path / "d" / "test" / "b" / "000.png")
    np.testing.assert_array_equal(data.x_test[2], np.asarray(original.convert("RGB").resize((16, 16), Image.BILINEAR)))
    np.testing.assert_array_equal(data.x_test[0], np.asarray(Image.open(tmp_path / "d" / "test" / "a" / "000.png")
                                                             .convert("RGB").resize((16, 16), Image.BILINEAR)))


def test_streamed_batches_equal_the_cached_ones(tmp_path):
    """A folder too large for image_memory_mb is decoded from disk every batch: the same batches."""
    write_tree(tmp_path, {"train": {"a": 20, "b": 20}, "test": {"a": 5, "b": 5}})
    cached = ram.load_data(images_config(tmp_path))
    streamed = ram.load_data(images_config(tmp_path, image_memory_mb=0))
    assert cached.x_train.dtype == np.uint8 and streamed.x_train.dtype.kind in "US"
    for a, b in zip(cached.train(0).take(3), streamed.train(0).take(3)):
        np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
        np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())
    for a, b in zip(list(cached.validation()) + list(cached.test()), list(streamed.validation()) + list(streamed.test())):
        np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())


def test_a_resumed_epoch_sees_the_batches_of_an_uninterrupted_run(tmp_path):
    write_tree(tmp_path, {"train": {"a": 20, "b": 20}, "test": {"a": 2, "b": 2}})
    data = ram.load_data(images_config(tmp_path, steps_per_execution=2))
    steps = data.steps_per_epoch
    uninterrupted = list(data.train(5).take(steps + 2))[steps:]
    for a, b in zip(uninterrupted, data.train(5, first_epoch=1).take(2)):
        np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
        np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())


# --- the model reads every channel -----------------------------------------------------------------

def numpy_colour_glimpse(image, location, patch, zooms, scale):
    """Reference on an (H, W, C) image: per zoom, crop the square (zeros outside) around the location
    (x over the width, y over the height, each in units of its half side), then average scale^k blocks
    of each channel."""
    height, width, channels = image.shape
    out = []
    for k in range(zooms):
        size = patch * scale**k
        x0 = int(np.floor(np.float32(width / 2) + np.float32(location[0]) * np.float32(width / 2) - np.float32(size / 2) + np.float32(0.5)))
        y0 = int(np.floor(np.float32(height / 2) + np.float32(location[1]) * np.float32(height / 2) - np.float32(size / 2) + np.float32(0.5)))
        crop = np.zeros((size, size, channels))
        for r in range(size):
            for c in range(size):
                if 0 <= y0 + r < height and 0 <= x0 + c < width:
                    crop[r, c] = image[y0 + r, x0 + c]
        out.append(crop.reshape(patch, scale**k, patch, scale**k, channels).mean(axis=(1, 3)))
    return np.stack(out)


def test_colour_glimpse_is_a_numpy_crop_and_block_average_per_channel():
    locations = np.array([(0, 0), (-1, -1), (1, 1), (0.3, -0.7), (-0.55, 0.12), (0.9, 0.2)], np.float32)
    images = np.random.default_rng(0).random((len(locations), 24, 40, 3)).astype(np.float32)
    sensor = GlimpseSensor((24, 40), 6, 3, 2)
    got = sensor(tf.constant(images), tf.constant(locations)).numpy()
    assert got.shape == (len(locations), 3, 6, 6, 3)
    for i, location in enumerate(locations):
        np.testing.assert_allclose(got[i], numpy_colour_glimpse(images[i], location, 6, 3, 2), atol=1e-5)


@pytest.mark.parametrize("first_location,glimpse_conv", [("context", 0), ("random", 4)])
def test_colour_model_reads_every_channel(first_location, glimpse_conv):
    """Changing one channel of one image changes that image's output only: every part of the model
    (sensor, glimpse network or its convolutions, context network) takes the colours."""
    config = ram.make_config({**TINY, "dataset": "images", "data_path": "x", "image_size": None, "image_height": 16,
                              "image_width": 24, "channels": 3, "classes": 4, "first_location": first_location,
                              "context_grid": 4, "glimpse_conv": glimpse_conv})
    model = ram.RecurrentAttentionModel(config)
    images = np.random.default_rng(0).random((2, 16, 24, 3)).astype(np.float32)
    before = model.glimpse_path(images, sample=False, first_glimpse_at=[0.0, 0.0])["logits"].numpy()
    assert before.shape == (2, 4)
    for channel in range(3):
        changed = images.copy()
        changed[0, :, :, channel] = 0
        after = model.glimpse_path(changed, sample=False, first_glimpse_at=[0.0, 0.0])["logits"].numpy()
        assert not np.allclose(after[0], before[0]), channel
        np.testing.assert_array_equal(after[1], before[1])


def test_tensorboard_pictures_are_in_colour_and_say_the_class_names():
    from ram.visualize import path_pictures
    config = ram.make_config({**TINY, "dataset": "images", "data_path": "x", "image_size": None, "image_height": 16,
                              "image_width": 24, "channels": 3, "classes": 2, "class_names": ["cat", "dog"]})
    model = ram.RecurrentAttentionModel(config)
    images = np.zeros((2, 16, 24, 3), np.float32)
    images[..., 0] = 1.0  # pure red
    drawn = []
    original = ram.visualize.draw_path
    ram.visualize.draw_path = lambda *a, **k: drawn.append(a[5:7]) or original(*a, **k)
    try:
        pictures = path_pictures(model, images, np.array([0, 1]), seed=0, class_names=["cat", "dog"])
    finally:
        ram.visualize.draw_path = original
    assert pictures.shape[0] == 2 and pictures.shape[3] == 3
    assert pictures[0, 5, 5].tolist() == [255, 0, 0]  # RGB: the image's red, away from the boxes
    assert [label for label, _ in drawn] == ["cat", "dog"] and all(p in ("cat", "dog") for _, p in drawn)


# --- bad input: one line each, before training, nothing written ------------------------------------

def run_fails(tmp_path, argv, monkeypatch=None):
    """run_images.py's error for `argv` (one line), checking it wrote nothing."""
    results = tmp_path / "results"
    with pytest.raises(SystemExit) as exit_info:
        cli_main({**run_images.CONFIG, **TINY}, argv + ["--results-dir", str(results)])
    message = str(exit_info.value.code).replace("invalid config:\n  ", "invalid config: ")  # one config problem
    assert not results.exists()
    assert message.startswith("error: ") and "\n" not in message, message
    return message


def bad_tree(tmp_path, case):
    """The folder or file of a bad-input case."""
    root = tmp_path / "data"
    if case == "missing":
        return root
    if case == "empty":
        (root / "train" / "a").mkdir(parents=True)
        (root / "test" / "a").mkdir(parents=True)
        return root
    write_tree(root, {"train": {"a": 10, "b": 10}, "test": {"a": 2, "b": 2}})
    if case == "no_test":
        import shutil
        shutil.rmtree(root / "test")
    elif case == "unknown_test_class":
        write_tree(root, {"test": {"c": 1}})
    elif case == "not_an_image":
        (root / "train" / "b" / "broken.png").write_bytes(b"no picture at all")
    elif case == "truncated":
        data = (root / "train" / "b" / "003.png").read_bytes()
        (root / "train" / "b" / "003.png").write_bytes(data[:len(data) // 2])
    elif case == "mixed_sizes":
        write_tree(root, {"train": {"b": 1}}, height=14)
    return root


@pytest.mark.parametrize("case,expected", [
    ("missing", "no such folder or file"),
    ("empty", "holds no image files"),
    ("no_test", "lacks test/"),
    ("unknown_test_class", "has the classes ['c'] that the training images lack"),
    ("not_an_image", "broken.png is not a readable image"),
    ("truncated", "003.png could not be decoded"),
    ("mixed_sizes", "the images have 2 sizes: 12x20 (23, e.g."),
])
def test_bad_folder_is_one_line_naming_it(tmp_path, case, expected):
    message = run_fails(tmp_path, ["--data", str(bad_tree(tmp_path, case))])
    assert expected in message and "np.str_" not in message, message


def test_a_corrupt_image_streamed_during_training_is_named_in_one_line(tmp_path):
    """Streamed from disk (image_memory_mb 0), a truncated file passes the header check and fails in the
    middle of training: the same one line naming it as when the folder is decoded before training."""
    root = bad_tree(tmp_path, "truncated")
    with pytest.raises(SystemExit) as exit_info:
        cli_main({**run_images.CONFIG, **TINY}, ["--data", str(root), "--image-memory-mb", "0",
                                                 "--results-dir", str(tmp_path / "results")])
    message = str(exit_info.value.code)
    assert message.startswith(f"error: {root / 'train' / 'b' / '003.png'} could not be decoded (") and \
        message.endswith("); replace or remove it") and "\n" not in message and "{{" not in message, message


def test_many_sizes_are_summed_up_by_the_most_common(tmp_path):
    """Five sizes: the three most common named (with a file each), the rest counted, smallest to largest."""
    for height, count in ((12, 4), (14, 3), (16, 1), (18, 2), (20, 1)):
        write_tree(tmp_path / "d", {"train": {f"h{height}": count}, "test": {f"h{height}": 1}}, height=height)
    message = run_fails(tmp_path, ["--data", str(tmp_path / "d")])
    assert "the images have 5 sizes: 12x20 (5, e.g. " in message and ", 14x20 (4, e.g. " in message
    assert ", 18x20 (3, e.g. " in message and " and 2 more, from 12x20 to 20x20; set image_size" in message
    assert "16x20" not in message


def test_images_smaller_than_the_largest_zoom_name_the_fields(tmp_path):
    root = bad_tree(tmp_path, "ok")
    message = run_fails(tmp_path, ["--data", str(root), "--patch-size", "8", "--zooms", "2"])
    assert "the largest zoom's patch, patch_size 8 x zoom_scale 2^1 = 16 pixels, is larger than the 12x20" in message
    assert "lower patch_size, zooms or zoom_scale, or resize the images larger with image_size" in message


def test_a_rule_broken_by_the_data_size_is_a_data_error(tmp_path):
    """Raised while the data loads, so that the command leaves by its DataError path (cli.main)."""
    root = bad_tree(tmp_path, "ok")
    with pytest.raises(DataError, match=r"data: invalid config: zooms: the largest zoom's patch, patch_size 8 x "):
        ram.load_data(images_config(root, patch_size=8, zooms=2))


@pytest.mark.parametrize("case,expected", [
    ("label_too_big", "y_test holds labels from 0 to 4, outside 0 to 2 for the 3 classes of class_names"),
    ("negative_label", "y_train holds labels from -1 to 1"),
    ("short_class_names", "y_train holds labels from 0 to 2, outside 0 to 1 for the 2 classes"),
    ("missing_array", "lacks the arrays ['y_test']"),
    ("bad_values", "x_train is float64 from 2.0 to 2.0; give uint8 (0-255) or floats in [0, 1]"),
    ("four_channels", "x_train has shape (20, 8, 8, 4)"),
    ("not_npz", "is not an .npz file"),
])
def test_bad_npz_is_one_line_naming_it(tmp_path, case, expected):
    arrays = dict(x_train=np.zeros((20, 8, 8), np.uint8), y_train=np.arange(20) % 3, x_test=np.zeros((5, 8, 8), np.uint8),
                  y_test=np.arange(5) % 3, class_names=np.array(["a", "b", "c"]))
    if case == "label_too_big":
        arrays["y_test"] = np.arange(5)
    elif case == "negative_label":
        arrays["y_train"] = arrays["y_train"] - 1
    elif case == "short_class_names":
        arrays["class_names"] = np.array(["a", "b"])
    elif case == "missing_array":
        del arrays["y_test"]
    elif case == "bad_values":
        arrays["x_train"] = np.full((20, 8, 8), 2.0)
    elif case == "four_channels":
        arrays["x_train"] = np.zeros((20, 8, 8, 4), np.uint8)
    path = tmp_path / "mine.npz"
    if case == "not_npz":
        path.write_text("x")
    else:
        np.savez(path, **arrays)
    message = run_fails(tmp_path, ["--data", str(path), "--patch-size", "4", "--zooms", "1"])
    assert expected in message, message


def test_no_data_path_is_refused_even_with_ram_mnist_set(tmp_path, monkeypatch):
    """run_images.py never falls back on MNIST: without --data it stops, whatever $RAM_MNIST says."""
    monkeypatch.setenv("RAM_MNIST", str(tmp_path / "mnist.npz"))
    message = run_fails(tmp_path, [])
    assert "dataset `images` reads your own images: give --data DIR" in message
    assert "$RAM_MNIST is for the MNIST tasks, not read here" in message


# --- training and evaluate.py end to end -----------------------------------------------------------

COLOURS = {"blue": (0, 0, 1), "green": (0, 1, 0), "red": (1, 0, 0)}


def write_colour_folder(root, counts, seed, grey=False):
    """root/<split>/<blue|green|red>/*.png: noise tinted by the class's colour, so only the channels tell
    the classes apart (their grey levels are alike); `grey`: the same images in grey."""
    rng = np.random.default_rng(seed)
    for split, count in counts.items():
        for name, colour in COLOURS.items():
            for i in range(count):
                image = 0.5 * rng.random((16, 24, 1)) + 0.5 * rng.random() * np.array(colour)
                image = np.rint(255 * image).astype(np.uint8)
                write_png(os.path.join(root, split, name, f"{i:03d}.png"), image.mean(-1).astype(np.uint8) if grey else image)


@pytest.fixture(scope="module")
def colour_run(tmp_path_factory):
    """A small model trained for 3 epochs on 3 x 80 colour images (16x24, three classes)."""
    root = tmp_path_factory.mktemp("colour")
    write_colour_folder(root / "data", {"train": 80, "test": 30}, seed=0)
    config = {**run_images.CONFIG, **TINY, "epochs": 3, "batch_size": 16, "zooms": 3, "validation_split": 0.2,
              "learning_rate": 3e-3, "results_dir": str(root / "results"), "data_path": str(root / "data")}
    script = root / "my_images.py"
    script.write_text(f"CONFIG = {config!r}\n")
    summary = cli_main(config, [])
    return root, script, summary


@pytest.mark.slow
def test_short_training_on_colour_images_beats_chance(colour_run):
    """Three classes that only colour tells apart: chance is 66.7% error; 3 epochs reach below 25%."""
    root, _, summary = colour_run
    assert summary["test_error_mean"] < 0.25, summary["test_error_mean"]
    results = ram.files.read_json(root / "results" / "run_0" / "results.json")
    assert results["config"]["class_names"] == ["blue", "green", "red"] and results["config"]["channels"] == 3
    model = ram.load_model(root / "results" / "run_0" / "model.h5")
    assert model.settings["class_names"] == ["blue", "green", "red"]


@pytest.mark.slow
def test_evaluate_names_the_classes(colour_run, capsys, monkeypatch):
    root, script, summary = colour_run
    drawn = []
    original = ram.visualize.draw_path
    monkeypatch.setattr(ram.visualize, "draw_path", lambda *a, **k: drawn.append(a[5:7]) or original(*a, **k))
    reports = evaluate.main([str(script), str(root / "results" / "run_0" / "model.h5"), "--images", "2"])
    out = capsys.readouterr().out
    assert reports["deterministic"]["error"] == summary["test_error_mean"]
    per_class = reports["deterministic"]["per_class_error"]
    assert f"per-class error (deterministic): blue: {100 * per_class[0]:.1f}%, green: {100 * per_class[1]:.1f}%, " \
           f"red: {100 * per_class[2]:.1f}%" in out
    assert drawn and all(label in COLOURS and predicted in COLOURS for label, predicted in drawn)
    assert (root / "results" / "accuracy.png").is_file() and not (root / "results" / "MNIST_accuracy.png").exists()
    sheet = cv2.imread(str(root / "results" / "Images" / "symbol_0_sheet.png"))
    assert sheet is not None and not np.array_equal(sheet[..., 0], sheet[..., 2])  # in colour


@pytest.mark.parametrize("case,expected", [
    ("grey", "reads RGB images, but {data} holds grey ones"),
    ("other_classes", "tells apart the classes ['blue', 'green', 'red'], but {data} has ['blue', 'green', 'purple']"),
])
def test_evaluate_refuses_other_data_in_one_line(tmp_path, case, expected):
    """A colour model of the classes blue, green, red (untrained) evaluated on grey images, or on other classes."""
    write_colour_folder(tmp_path / "trained_on", {"train": 4, "test": 2}, seed=0)
    config = {**run_images.CONFIG, **TINY, "results_dir": str(tmp_path / "results")}
    script = tmp_path / "my_images.py"
    script.write_text(f"CONFIG = {config!r}\n")
    trained = ram.load_data(ram.make_config({**config, "data_path": str(tmp_path / "trained_on"), "batch_size": 1,
                                             "steps_per_execution": 1}))
    model_path = tmp_path / "model.h5"
    ram.save_model(ram.RecurrentAttentionModel(trained.config), model_path)
    data = tmp_path / "data"
    write_colour_folder(data, {"train": 4, "test": 2}, seed=1, grey=case == "grey")
    if case == "other_classes":
        for split in ("train", "test"):
            os.rename(data / split / "red", data / split / "purple")
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main([str(script), str(model_path), "--data", str(data), "--out", str(tmp_path / "out")])
    message = str(exit_info.value.code)
    assert expected.format(data=data) in message and "\n" not in message, message
    assert not (tmp_path / "out").exists()


def test_evaluate_resizes_as_the_model_was_trained(tmp_path, capsys):
    """A model trained with image_size 16 on images of mixed sizes is evaluated at 16 x 16 without the flag
    (whose absence would stop at the mixed sizes), and predicts what it predicts on those resized images."""
    write_tree(tmp_path / "d", {"train": {"a": 4, "b": 4}, "test": {"a": 2}}, height=12, width=20)
    write_tree(tmp_path / "d", {"test": {"b": 2}}, height=30, width=16)
    config = {**run_images.CONFIG, **TINY, "results_dir": str(tmp_path / "results")}
    script = tmp_path / "my_images.py"
    script.write_text(f"CONFIG = {config!r}\n")
    data = ram.load_data(ram.make_config({**config, "data_path": str(tmp_path / "d"), "image_size": 16,
                                          "batch_size": 1, "steps_per_execution": 1}))
    model_path = tmp_path / "model.h5"
    model = ram.RecurrentAttentionModel(data.config)
    ram.save_model(model, model_path)
    reports = evaluate.main([str(script), str(model_path), "--data", str(tmp_path / "d"), "--images", "0",
                             "--out", str(tmp_path / "out")])
    predicted = np.argmax(model(tf.constant(data.x_test, tf.float32) / 255.0), -1)
    assert reports["deterministic"]["wrong"] == int(np.sum(predicted != data.y_test))
    assert reports["deterministic"]["count"] == 4


def test_evaluate_pictures_a_seeded_sample_of_every_class(tmp_path, monkeypatch):
    """A folder's test images lie class by class: evaluate.py pictures a sample drawn with eval_seed, in
    file order, not the first few (all of one class)."""
    write_tree(tmp_path / "d", {"train": {"a": 4, "b": 4}, "test": {"a": 20, "b": 20}})
    data = ram.load_data(images_config(tmp_path / "d", batch_size=1, steps_per_execution=1))
    images, labels = data.test_arrays(6)
    pick = np.sort(np.random.default_rng([data.config.eval_seed, 4]).permutation(40)[:6])
    np.testing.assert_array_equal(labels, data.y_test[pick])
    np.testing.assert_array_equal(images, data.x_test[pick] / np.float32(255))
    assert set(labels) == {0, 1}


def test_evaluate_names_the_dataset_a_model_was_trained_on(tmp_path):
    """A model whose results.json says dataset `images`, evaluated with an MNIST config: that, in one line."""
    write_tree(tmp_path / "d", {"train": {"a": 4, "b": 4}, "test": {"a": 2, "b": 2}})
    data = ram.load_data(images_config(tmp_path / "d", batch_size=1, steps_per_execution=1))
    run = tmp_path / "results" / "run_0"
    run.mkdir(parents=True)
    ram.save_model(ram.RecurrentAttentionModel(data.config), run / "model.h5")
    ram.saving.write_json(run / "results.json", {"config": dict(data.config)})
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(["run_mnist", str(run / "model.h5"), "--out", str(tmp_path / "out")])
    assert str(exit_info.value.code) == (f"error: {run / 'model.h5'} was trained on dataset `images`, but run_mnist "
                                         f"is a config for `mnist`; evaluate it with a config for `images`")


def test_a_mismatch_hint_leaves_out_the_fields_the_data_sets(tmp_path):
    """A model trained at image_size 16 evaluated at 12: the hint says --image-size 16, not the height and width
    (which no flag sets for `images`)."""
    write_tree(tmp_path / "d", {"train": {"a": 4, "b": 4}, "test": {"a": 2, "b": 2}})
    config = lambda size: ram.load_data(images_config(tmp_path / "d", image_size=size, batch_size=1,  # noqa: E731
                                                      steps_per_execution=1)).config
    model_path = tmp_path / "model.h5"
    ram.save_model(ram.RecurrentAttentionModel(config(16)), model_path)
    flags, _ = ram.saving.trained_flags(ram.load_model(model_path).settings, config(12), model_path)
    assert flags == "--image-size 16"
