"""The shipped results folders: each run's claimed test error is what its shipped model gives."""
import os

import pytest

import evaluate
import ram
from ram.saving import load_model, read_json
from ram.training import summarize
from helpers import count_wrong

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("config_name", ["run_mnist", "run_translated_mnist"])
def test_shipped_model_gives_the_claimed_error(config_name, mnist_path):
    config = ram.make_config({**evaluate.load_config_module(os.path.join(ROOT, f"{config_name}.py")).CONFIG,
                              "data_path": mnist_path})
    folder = os.path.join(ROOT, config.results_dir)
    claimed = read_json(os.path.join(folder, "run_0", "results.json"))
    assert claimed["finished"]
    model = load_model(os.path.join(folder, "run_0", "model.h5"), expected=config)  # the config's architecture
    data = ram.MnistData(config)
    model.reseed(0)  # the final test's seed (random first glimpses)
    assert count_wrong(model, data.test()) == round(claimed["test_error"] * 10000)


@pytest.mark.parametrize("folder", ["MNIST_Results", "MNIST_translated_Results"])
def test_summary_is_the_summary_of_the_shipped_runs(folder):
    runs = []
    for i in range(100):
        path = os.path.join(ROOT, folder, f"run_{i}", "results.json")
        if not os.path.exists(path):
            break
        runs.append(read_json(path))
    assert read_json(os.path.join(ROOT, folder, "summary.json")) == pytest.approx(summarize(runs))
