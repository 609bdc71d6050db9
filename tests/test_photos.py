"""Photo folders as people keep them (tests/messy_photos.py): what is read, what is skipped, and how
every quirk decodes, against pixels written or computed here."""
import os

import numpy as np
import pytest
from PIL import Image

import ram
from ram.data import DataError
from ram.image_files import load_image
from helpers import SMALL
from messy_photos import SIZE, picture, write_messy_folder


def photos_config(path, **fields):
    return ram.make_config({**SMALL, "dataset": "images", "image_size": None, "data_path": str(path), "patch_size": 4,
                            "zooms": 2, "batch_size": 4, "steps_per_execution": 1, "validation_split": 0.2, **fields})


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    return root, write_messy_folder(str(root))


def test_a_messy_folder_reads_exactly_its_real_images_and_counts_what_it_skipped(messy, capsys):
    root, truth = messy
    data = ram.load_data(photos_config(root))
    assert data.config.class_names == ["bird", "cat", "dog"] and data.config.channels == 3
    assert (data.config.image_height, data.config.image_width) == SIZE
    train = np.bincount(np.concatenate([data.y_train, data.y_val]), minlength=3)
    assert dict(zip(data.config.class_names, train.tolist())) == truth["images"]["train"]
    assert dict(zip(data.config.class_names, np.bincount(data.y_test).tolist())) == truth["images"]["test"]
    assert data.skipped == truth["skipped"]
    out = capsys.readouterr().out
    assert "per class in train/: bird 6, cat 6, dog 9" in out and "skipped:" in out


def test_an_exif_rotated_jpeg_decodes_as_its_upright_twin(messy):
    """A phone's sideways JPEG (EXIF orientation 6) reads upright: pixel for pixel its twin, the same
    stored pixels turned by hand and kept as PNG."""
    root, _ = messy
    rotated = load_image(root / "train" / "dog" / "sideways.jpg", 3)
    np.testing.assert_array_equal(rotated, load_image(root / "upright.png", 3))
    assert rotated.shape == SIZE + (3,)


@pytest.mark.parametrize("background", [255, 0])
def test_transparent_pixels_lie_over_the_background(tmp_path, background):
    """RGBA: alpha 0 shows the background, alpha 255 the pixel, alpha 128 their mix (Pillow's paste)."""
    pixels = np.zeros((2, 3, 4), np.uint8)
    pixels[..., :3] = [200, 40, 10]
    pixels[..., 3] = [[0, 255, 128], [0, 255, 128]]
    Image.fromarray(pixels, "RGBA").save(tmp_path / "a.png")
    got = load_image(tmp_path / "a.png", 3, background=background).astype(int)
    np.testing.assert_array_equal(got[0, 0], [background] * 3)
    np.testing.assert_array_equal(got[0, 1], [200, 40, 10])
    np.testing.assert_allclose(got[0, 2], (np.array([200, 40, 10]) * 128 + background * 127) / 255, atol=1)


def test_grey_files_of_every_kind_make_a_grey_data_set(tmp_path):
    """Grey GIF, BMP, palette PNG of greys only and 16-bit PNG: one channel, each file's grey values
    (16 bits scaled to 8)."""
    grey = np.asarray(picture(7, "L"))
    writers = {"g.gif": lambda p: Image.fromarray(grey, "L").save(p),
               "g.bmp": lambda p: Image.fromarray(grey, "L").save(p),
               "g.png": lambda p: Image.fromarray(grey, "L").convert("P").save(p),  # a palette of greys
               "g16.png": lambda p: Image.fromarray(grey.astype(np.uint16) * 257).save(p)}
    for split in ("train", "test"):
        for name in ("a", "b"):
            os.makedirs(tmp_path / split / name)
            for file, write in writers.items():
                write(tmp_path / split / name / file)
    data = ram.load_data(photos_config(tmp_path, validation_split=0.25))
    assert data.config.channels == 1
    for file in writers:
        np.testing.assert_array_equal(load_image(tmp_path / "test" / "a" / file, 1)[..., 0], grey, err_msg=file)


def test_three_truncated_jpegs_are_named_in_one_error_before_training(tmp_path):
    for split in ("train", "test"):
        for name in ("a", "b"):
            os.makedirs(tmp_path / split / name)
            for i in range(4):
                picture(i).save(tmp_path / split / name / f"{i}.jpg", quality=95)
    for name in ("train/a/1.jpg", "train/b/2.jpg", "test/a/3.jpg"):
        data = (tmp_path / name).read_bytes()
        (tmp_path / name).write_bytes(data[:len(data) // 2])
    with pytest.raises(DataError) as error:
        ram.load_data(photos_config(tmp_path))
    message = str(error.value)
    assert message.startswith("3 of 16 image files: each ") and "replace or remove them:" in message
    assert all(str(tmp_path / name) in message for name in ("train/a/1.jpg", "train/b/2.jpg", "test/a/3.jpg"))


@pytest.fixture(scope="module")
def mnist_model(tmp_path_factory):
    """An untrained 28x28 RAM saved as a file (its numbers only have to repeat)."""
    from helpers import small_config
    from ram.saving import save_model
    path = tmp_path_factory.mktemp("model") / "model.h5"
    save_model(ram.RecurrentAttentionModel(small_config(glimpses=2)), str(path))
    return str(path)


def test_predict_py_prints_the_same_numbers_twice_and_writes_them_as_json(mnist_model, mnist_path, tmp_path, capsys):
    import json
    import predict
    _, (digits, _) = ram.load_mnist(mnist_path)
    for i in range(10):
        Image.fromarray(digits[i]).save(tmp_path / f"{i}.png")
    first = predict.main([mnist_model, str(tmp_path), "--json", str(tmp_path / "out.json")])
    printed = capsys.readouterr().out
    assert predict.main([mnist_model, str(tmp_path / "*.png")]) == first
    assert capsys.readouterr().out.splitlines()[:10] == printed.splitlines()[:10]
    saved = json.loads((tmp_path / "out.json").read_text())
    assert [row["path"] for row in saved] == [str(tmp_path / f"{i}.png") for i in range(10)]
    assert all(abs(sum(row["probabilities"].values()) - 1) < 1e-5 and row["predicted"] ==
               max(row["probabilities"], key=row["probabilities"].get) for row in saved)


def test_predict_on_files_equals_evaluation_on_the_same_images(mnist_model, mnist_path, tmp_path):
    """The first 1,000 test digits as PNG files through ram.predict: the probabilities evaluate.py's
    count gives the same images (one batch of 1,000, the same seed), deterministic and averaged."""
    from ram.evaluation import predict as evaluation_predict
    from ram.saving import load_model
    data = ram.load_data(ram.make_config({**SMALL, "glimpses": 2, "data_path": mnist_path}), test_only=True)
    digits = (np.asarray(next(iter(data.test()))[0]) * 255).round().astype(np.uint8)
    paths = []
    for i, digit in enumerate(digits):
        paths.append(str(tmp_path / f"{i:04d}.png"))
        Image.fromarray(digit).save(paths[-1])
    model = load_model(mnist_model)
    for samples in (0, 2):
        want = evaluation_predict(model, data.test().take(1), samples, seed=0)
        got, names = ram.predict(mnist_model, paths, samples=samples, seed=0)
        np.testing.assert_array_equal(got, want)
    assert names == [str(c) for c in range(10)]


def test_an_exif_rotated_jpeg_predicts_as_its_upright_twin(messy, tmp_path):
    from helpers import small_config
    root, _ = messy
    model = ram.RecurrentAttentionModel(small_config(dataset="images", image_size=None, image_height=SIZE[0],
                                                     image_width=SIZE[1], channels=3, patch_size=4, glimpses=2,
                                                     data_path=str(root)))
    sideways, _ = ram.predict(model, [str(root / "train" / "dog" / "sideways.jpg")], samples=3, seed=1)
    upright, _ = ram.predict(model, [str(root / "upright.png")], samples=3, seed=1)
    np.testing.assert_array_equal(sideways, upright)


def test_predict_names_a_path_with_no_images_in_one_line(mnist_model, tmp_path):
    import predict
    with pytest.raises(SystemExit, match=r"^error: no image files at .*nothing_here; give image files"):
        predict.main([mnist_model, str(tmp_path / "nothing_here")])


@pytest.mark.parametrize("samples", [0, 2])
def test_the_exported_savedmodel_serves_what_predict_gives(mnist_model, mnist_path, tmp_path, samples):
    """python -m ram.export, reloaded with tf.saved_model.load alone: uint8 images in, the probabilities
    ram.predict gives for the same images, samples and seed; the same again on a second call."""
    import tensorflow as tf
    from ram.export import main as export_main
    _, (digits, _) = ram.load_mnist(mnist_path)
    images = digits[:20]
    export_main([mnist_model, str(tmp_path / "served"), "--samples", str(samples), "--seed", "3"])
    served = tf.saved_model.load(str(tmp_path / "served"))
    got = served.serve(images[..., None]).numpy()
    want, _ = ram.predict(mnist_model, images.astype(np.float32) / 255, samples=samples, seed=3)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(served.serve(images[..., None]).numpy(), got)
    with pytest.raises(SystemExit):  # never over an existing folder
        export_main([mnist_model, str(tmp_path / "served")])


def test_photos_above_a_megapixel_ask_for_image_size_in_one_line(tmp_path):
    for split in ("train", "test"):
        for name in ("a", "b"):
            os.makedirs(tmp_path / split / name)
            for i in range(2):
                Image.new("RGB", (1280, 1024), (i * 50, 0, 0)).save(tmp_path / split / name / f"{i}.png")
    with pytest.raises(DataError, match=r"^the images are 1024x1280 \(1.3 megapixels; .*--image-size N, e.g. --image-size 256$"):
        ram.load_data(photos_config(tmp_path))
    assert ram.load_data(photos_config(tmp_path, image_size=32, batch_size=1, validation_split=0.5)).config.image_height == 32


def test_predict_names_an_undecodable_file_in_one_line(mnist_model, tmp_path):
    import predict
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(tmp_path / "fine.png")
    (tmp_path / "._fork.jpg").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    with pytest.raises(SystemExit, match=r"^error: .*\._fork\.jpg could not be decoded \(.*\); replace or remove it$"):
        predict.main([mnist_model, str(tmp_path / "fine.png"), str(tmp_path / "._fork.jpg")])


def test_sixteen_bit_grey_scales_by_the_format_not_by_each_image(tmp_path):
    """65535 is white in every 16-bit file: 300 reads as 1, 60000 as 233, 65535 as 255."""
    for value in (300, 60000, 65535):
        Image.fromarray(np.full((4, 4), value, np.uint16)).save(tmp_path / f"{value}.png")
    assert [int(load_image(tmp_path / f"{v}.png", 1)[0, 0, 0]) for v in (300, 60000, 65535)] == [1, 233, 255]


def test_a_png_turned_by_exif_has_the_size_it_decodes_to(tmp_path):
    from ram.image_files import read_headers
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (40, 20)).save(tmp_path / "turned.png", exif=exif)
    sizes, _, _ = read_headers([tmp_path / "turned.png"])
    assert sizes.tolist() == [[40, 20]] and load_image(tmp_path / "turned.png", 3).shape == (40, 20, 3)
