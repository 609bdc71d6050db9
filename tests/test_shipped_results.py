"""The shipped results folders: each run's claimed test error is what its shipped model gives."""
import json
import os

import numpy as np
import pytest

import evaluate
import ram
from ram.saving import load_model
from ram.training import summarize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("config_name", ["run_mnist", "run_translated_mnist"])
def test_shipped_model_gives_the_claimed_error(config_name, mnist_path):
    config = ram.make_config({**evaluate.load_config_module(os.path.join(ROOT, f"{config_name}.py")).CONFIG,
                              "data_path": mnist_path})
    folder = os.path.join(ROOT, config.results_dir)
    with open(os.path.join(folder, "run_0", "results.json")) as f:
        claimed = json.load(f)
    assert claimed["finished"]
    model = load_model(os.path.join(folder, "run_0", "model.h5"), expected=config)  # the config's architecture
    data = ram.MnistData(config)
    model.reseed(0)  # the final test's seed (random first glimpses)
    wrong = sum(int(np.sum(np.argmax(model(images).numpy(), axis=1) != labels.numpy()))
                for images, labels in data.test())
    assert wrong == round(claimed["test_error"] * 10000)


@pytest.mark.parametrize("folder", ["MNIST_Results", "MNIST_translated_Results"])
def test_summary_is_the_summary_of_the_shipped_runs(folder):
    runs = []
    for i in range(100):
        path = os.path.join(ROOT, folder, f"run_{i}", "results.json")
        if not os.path.exists(path):
            break
        with open(path) as f:
            runs.append(json.load(f))
    with open(os.path.join(ROOT, folder, "summary.json")) as f:
        assert json.load(f) == pytest.approx(summarize(runs))
