"""tools.baselines: the paper's FC and conv nets, trained by `fit` on a config script's canvases."""
import json

import numpy as np
import pytest

from tools.baselines import build_baseline, main


@pytest.mark.parametrize("kind,hidden,size,parameters", [
    ("fc", 64, 60, 3600 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10),
    ("conv", 256, 100, 10 * 10 * 8 + 8 + 19 * 19 * 8 * 256 + 256 + 256 * 10 + 10),
])
def test_builds_the_paper_layers(kind, hidden, size, parameters):
    model = build_baseline(kind, (size, size), hidden)
    assert model.count_params() == parameters
    assert tuple(model(np.zeros((2, size, size), np.float32)).shape) == (2, 10)


@pytest.mark.parametrize("kind,shape,parameters", [
    ("fc", (12, 20, 3), 720 * 4 + 4 + 4 * 4 + 4 + 4 * 3 + 3),
    ("conv", (30, 40, 3), 10 * 10 * 3 * 8 + 8 + 5 * 7 * 8 * 256 + 256 + 256 * 3 + 3),
    ("conv", (30, 40), 10 * 10 * 1 * 8 + 8 + 5 * 7 * 8 * 256 + 256 + 256 * 3 + 3),
])
def test_builds_colour_rectangles_with_any_classes(kind, shape, parameters):
    model = build_baseline(kind, shape, hidden=4, classes=3)
    assert model.count_params() == parameters
    assert tuple(model(np.zeros((2,) + shape, np.float32)).shape) == (2, 3)


def test_trains_on_your_own_images_and_names_bad_data(tmp_path):
    """`images`: the model takes the data's size, colours and classes (32x40 RGB, 3 classes); missing
    data is one line."""
    rng = np.random.default_rng(0)
    data = tmp_path / "colour.npz"
    np.savez(data, x_train=rng.integers(0, 256, (40, 32, 40, 3), np.uint8), y_train=np.arange(40) % 3,
             x_test=rng.integers(0, 256, (8, 32, 40, 3), np.uint8), y_test=np.arange(8) % 3)
    flags = ["--batch-size", "4", "--epochs", "1", "--steps-per-execution", "1", "--verbose", "0"]
    doc = main(["run_images", "--model", "fc", "--hidden", "4", "--results-dir", str(tmp_path / "fc"),
                "--data", str(data), *flags])
    assert doc["parameters"] == 3840 * 4 + 4 + 4 * 4 + 4 + 4 * 3 + 3 and doc["finished"]
    with pytest.raises(SystemExit) as exit_info:
        main(["run_images", "--model", "fc", "--results-dir", str(tmp_path / "x"), "--data", str(tmp_path / "none"), *flags])
    message = str(exit_info.value.code)
    assert message.startswith("error: data_path ") and "no such folder or file" in message and "\n" not in message
    assert not (tmp_path / "x").exists()


TINY = ["--train-size", "320", "--validation-size", "200", "--batch-size", "32", "--epochs", "2",
        "--steps-per-execution", "1", "--verbose", "0"]


def test_tiny_training_reports_the_error_a_numpy_recount_finds(tmp_path, mnist_path):
    """A conv net trained 2 epochs on 320 cluttered 60x60 canvases: results.json's test error is the
    share of the 10,000 test canvases (the RAM config's, from eval_seed) where the saved model's argmax
    differs from the label."""
    import keras
    import ram
    from ram.scripts import script_config
    out = tmp_path / "conv"
    doc = main(["run_cluttered_mnist", "--model", "conv", "--results-dir", str(out), "--data", mnist_path, *TINY])
    saved = json.loads((out / "results.json").read_text())
    assert saved == json.loads(json.dumps(doc)) and saved["finished"] and saved["epochs_trained"] == 2
    assert saved["config"]["image_size"] == 60 and saved["config"]["distractors"] == 4 and saved["config"]["eval_seed"] == 1234
    assert saved["multiply_adds_per_image"] == 11 * 11 * 800 + 968 * 256 + 2560
    assert saved["provenance"]["data"]["file"] == "mnist.npz" and len(saved["history"]) == 2
    config = script_config("run_cluttered_mnist", data_path=mnist_path)  # the RAM runs' test canvases
    images, labels = ram.load_data(config, test_only=True).test_arrays(10000)
    predictions = np.argmax(keras.models.load_model(out / "model.keras").predict(images, verbose=0), axis=1)
    assert saved["test_wrong"] == int(np.sum(predictions != labels))
    assert saved["test_error"] == pytest.approx(np.mean(predictions != labels), abs=1e-12)


def test_keeps_finished_results_and_names_bad_input(tmp_path, mnist_path, capsys):
    out = tmp_path / "done"
    out.mkdir()
    (out / "results.json").write_text('{"finished": true}')
    with pytest.raises(SystemExit, match="holds a finished baseline; pass --overwrite"):
        main(["run_mnist", "--model", "fc", "--results-dir", str(out), "--data", mnist_path])
    assert (out / "results.json").read_text() == '{"finished": true}'
    with pytest.raises(SystemExit, match="epochs: 0 is below the minimum 1"):
        main(["run_mnist", "--model", "fc", "--results-dir", str(tmp_path / "x"), "--epochs", "0"])
    with pytest.raises(SystemExit):
        main(["run_mnist", "--model", "mlp", "--results-dir", str(tmp_path / "x")])
    assert "invalid choice: 'mlp'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run_mnist", "--model", "fc", "--results-dir", str(tmp_path / "x"), "--glimpses", "4"])
    assert "unrecognized arguments: --glimpses 4" in capsys.readouterr().err  # RAM fields are not a baseline's
    assert not (tmp_path / "x").exists()
