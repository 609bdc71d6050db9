"""tools/: each probe and the canvas picture run on a tiny model of a tiny config script."""
import sys

import numpy as np
import pytest

import ram

pytestmark = pytest.mark.slow  # a probe reads the whole test set

SCRIPT = '''CONFIG = dict(dataset="cluttered_mnist", image_size=60, distractors=2, glimpses=3, patch_size=8, zooms=2,
              glimpse_hidden=16, location_hidden=8, glimpse_size=16, core_size=16, policy_hidden=8,
              first_location="random", validation_size=500, batch_size=32, steps_per_execution=1)
'''


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tools")
    script = folder / "tiny_config.py"
    script.write_text(SCRIPT)
    config = ram.make_config({**eval(SCRIPT.split("=", 1)[1])})  # the script's CONFIG
    model = ram.RecurrentAttentionModel(config)
    path = folder / "model.h5"
    ram.save_model(model, path)
    return str(script), str(path), folder


@pytest.mark.parametrize("probe,extra,says", [
    ("error_distance", [], "deterministic test error"), ("evaluation_seeds", ["--seeds", "2"], "test error over seeds 0-1"),
    ("first_glimpse_grid", ["--side", "2"], "error (%), rows"), ("train_test_gap", ["--count", "300"], "deterministic error")])
def test_probe_runs_and_reports(tiny, mnist_path, probe, extra, says, monkeypatch, capsys):
    import importlib
    script, model, _ = tiny
    module = importlib.import_module(f"tools.probes.{probe}")
    monkeypatch.setattr(sys, "argv", [probe, script, model, "--data", mnist_path, *extra])
    module.main()
    assert says in capsys.readouterr().out


def test_canvases_picture(tiny, mnist_path, capsys):
    import cv2
    from tools.canvases import main
    script, _, folder = tiny
    main([script, str(folder / "canvases.png"), "--count", "3", "--data", mnist_path])
    picture = cv2.imread(str(folder / "canvases.png"), cv2.IMREAD_GRAYSCALE)
    assert picture.shape == (180, 3 * 180 + 2 * 4)  # three 60x60 canvases upscaled x3, grey gaps between
    assert np.count_nonzero(picture) > 0 and "labels" in capsys.readouterr().out
