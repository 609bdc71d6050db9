"""Small models for fast tests, and an independent error count."""
import numpy as np

import ram

# the tiny model, with its own rate and location std: tests that train it through a config script
# (run_mnist.main) stay independent of the script's values, which are tuned for the full model
SMALL = dict(glimpse_hidden=16, location_hidden=8, glimpse_size=32, core_size=32, policy_hidden=16,
             glimpses=4, jit_compile=False, steps_per_execution=1, mc_samples=2, verbose=0,
             learning_rate=1e-3, location_std=0.05)


def small_config(**overrides):
    return ram.make_config({**SMALL, **overrides})


def cli_args(mnist_path, results_dir, **fields):
    """A config script's command line: the local MNIST file, the results folder and `fields` as flags."""
    args = ["--data", mnist_path, "--results-dir", str(results_dir)]
    for name, value in fields.items():
        args += [f"--{name.replace('_', '-')}", value if isinstance(value, str) else repr(value)]
    return args


def count_wrong(model, dataset):
    """Test images the model's deterministic policy gets wrong, counted with numpy from its probabilities."""
    return sum(int(np.sum(np.argmax(model(images).numpy(), axis=1) != labels.numpy())) for images, labels in dataset)
