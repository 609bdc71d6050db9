"""Small models for fast tests, an independent error count, and the checkout's shipped files."""
import os
import subprocess

import numpy as np

import ram

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the checkout

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


def without_tensorflow_load_notes(output):
    """A process's output without the lines TensorFlow writes while it loads, before any log level
    applies (absl's notice, the oneDNN note); every other line as it was."""
    return "".join(line for line in output.splitlines(keepends=True)
                   if not line.startswith("WARNING: All log messages before absl::InitializeLog() is called")
                   and "oneDNN custom operations are on" not in line)


def count_wrong(model, dataset):
    """Test images the model's deterministic policy gets wrong, counted with numpy from its probabilities."""
    return sum(int(np.sum(np.argmax(model(images).numpy(), axis=1) != labels.numpy())) for images, labels in dataset)


# one small model per first-glimpse rule, for the cross-backend file checks (tests/test_jax.py)
CROSS_BACKEND_MODELS = {"context": dict(first_location="context", context_grid=4, core="lstm"),
                        "random": dict(first_location="random", core="rnn", zooms=2),
                        "colour": dict(dataset="images", data_path="x", image_size=None, image_height=16,
                                       image_width=24, channels=3, classes=4, class_names=["a", "b", "c", "d"],
                                       first_location="context", context_grid=4, glimpse_conv=4, zooms=2)}
MODEL_FILES = ("model.h5", "model.keras", "weights.json")


def model_outputs(model):
    """What a model computes on fixed images, comparable across backends: the deterministic path's
    logits from a given first glimpse, and (unless the first glimpse is random) the model's own call."""
    from keras import ops
    images = ops.convert_to_tensor(np.random.default_rng(1).random((8,) + model.image_shape).astype("float32"))
    logits = model.glimpse_path(images, sample=False, first_glimpse_at=[0.3, -0.2])["logits"]
    call = None if model.settings["first_location"] == "random" else ops.convert_to_numpy(model(images)).tolist()
    return {"logits": ops.convert_to_numpy(logits).tolist(), "call": call}


def write_model_files(folder):
    """Each CROSS_BACKEND_MODELS model with random weights as .h5, .keras and .json in folder/<kind>/;
    returns each model's outputs."""
    import os
    from ram.saving import save_model, save_weights_json
    out = {}
    for kind, fields in CROSS_BACKEND_MODELS.items():
        model = ram.RecurrentAttentionModel(small_config(**fields, seed=3))
        rng = np.random.default_rng(0)
        for v in model.trainable_weights:  # non-default values everywhere
            v.assign(rng.normal(scale=0.2, size=v.shape).astype(np.float32))
        os.makedirs(os.path.join(folder, kind), exist_ok=True)
        for name in MODEL_FILES:
            (save_weights_json if name.endswith(".json") else save_model)(model, os.path.join(folder, kind, name))
        out[kind] = model_outputs(model)
    return out


def read_model_files(folder):
    """model_outputs of every file write_model_files wrote into `folder`, loaded here."""
    import os
    from ram.saving import load_model
    return {f"{kind}/{name}": model_outputs(load_model(os.path.join(folder, kind, name), expected=small_config(**fields)))
            for kind, fields in CROSS_BACKEND_MODELS.items() for name in MODEL_FILES}


def tracked_files(root, *patterns):
    """The files git tracks in the checkout `root` matching the pathspecs (`*summary.json` matches in every
    folder), as sorted paths relative to `root`: what ships, never what a user's runs wrote beside it."""
    listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--", *patterns], capture_output=True,
                            text=True, check=True).stdout
    return sorted(p for p in listed.split("\0") if p)
