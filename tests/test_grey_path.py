"""The grey path unchanged: every shipped model gives, bit for bit, the predictions it gave before models
read colour (stored in tests/data/shipped_predictions.npz by the code of commit 1027325; the cluttered configs'
probabilities by the code of the commits that shipped their present models: 7f8c01b for run_cluttered_mnist, the
one that made location_penalty the default of run_cluttered_mnist_100)."""
import os

import numpy as np
import pytest

from ram.scripts import script_config
from ram.saving import load_model
from helpers import ROOT

STORED = os.path.join(ROOT, "tests", "data", "shipped_predictions.npz")


@pytest.mark.parametrize("config_name", ["run_mnist", "run_mnist_fast", "run_translated_mnist", "run_cluttered_mnist",
                                         "run_cluttered_mnist_100"])
def test_shipped_model_predicts_as_before_bit_for_bit(config_name):
    config = script_config(os.path.join(ROOT, f"{config_name}.py"))
    model = load_model(os.path.join(ROOT, config.results_dir, "run_0", "model.h5"), expected=config)
    with np.load(STORED) as stored:
        images, expected = stored[f"{config_name}/images"], stored[f"{config_name}/probabilities"]
    model.reseed(0)  # the final test's seed (random first glimpses)
    np.testing.assert_array_equal(model(images).numpy(), expected)
