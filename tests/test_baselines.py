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
    model = build_baseline(kind, size, hidden)
    assert model.count_params() == parameters
    assert tuple(model(np.zeros((2, size, size), np.float32)).shape) == (2, 10)


TINY = ["--train-size", "320", "--validation-size", "200", "--batch-size", "32", "--epochs", "2",
        "--steps-per-execution", "1", "--verbose", "0"]


def test_tiny_training_reports_the_error_a_numpy_recount_finds(tmp_path, mnist_path):
    """A conv net trained 2 epochs on 320 cluttered 60x60 canvases: results.json's test error is the
    share of the 10,000 test canvases (the RAM config's, from eval_seed) where the saved model's argmax
    differs from the label."""
    import keras
    import ram
    from ram.cli import script_config
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
