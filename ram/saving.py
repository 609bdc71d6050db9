"""The model as `.h5` (Keras HDF5) or `.keras`, its weights as `.json` (every weight by path), and loading them back."""
import base64
import hashlib
import json
import logging
import os

import h5py
import keras
import numpy as np

from .config import ARCHITECTURE_FIELDS, WEIGHT_FIELDS, saved_config
from .errors import ModelFileError
from .files import atomic_write, read_json, write_json
from .model import CUSTOM_OBJECTS, RecurrentAttentionModel

WEIGHTS_FORMAT = "ram-weights-2"  # float32 values as base64 of their little-endian bytes
WEIGHTS_FORMATS = (WEIGHTS_FORMAT, "ram-weights-1")  # -1: the values as a list of numbers (older runs)


class _NoLegacyFormatWarning(logging.Filter):
    """Drops Keras's "HDF5 is legacy" warning: this code saves `.h5` on purpose (and loads `.keras` too)."""

    def filter(self, record):
        return "considered legacy" not in record.getMessage()


def save_model(model, path):
    """The whole model (config + weights) as Keras HDF5 (`.h5`) or Keras's native `.keras`, without
    optimizer state."""
    path = os.fspath(path)
    quiet = _NoLegacyFormatWarning()
    logging.getLogger("absl").addFilter(quiet)
    try:
        options = {"include_optimizer": False} if path.endswith(".h5") else {}  # a .keras file has no such option
        atomic_write(path, lambda temp: model.save(temp, **options))
    finally:
        logging.getLogger("absl").removeFilter(quiet)


def save_weights_json(model, path):
    """Every weight as {"weights": {path: {"shape", "float32_base64"}}} plus the model settings; in any
    language a weight is its base64 decoded to little-endian float32s, e.g.
    `np.frombuffer(base64.b64decode(w["float32_base64"]), "<f4").reshape(w["shape"])`. Exact, and
    less than half the size of the numbers written out."""
    weights = {v.path: {"shape": list(v.shape),
                        "float32_base64": base64.b64encode(np.asarray(v.numpy(), "<f4").tobytes()).decode("ascii")}
               for v in model.weights}
    write_json(path, {"format": WEIGHTS_FORMAT, "settings": model.settings, "weights": weights}, indent=None)


def read_weights_json(path):
    """A weights file's settings and {variable path: float32 array of its shape}, from either format."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get("format") not in WEIGHTS_FORMATS:
        raise ModelFileError(f"{path} is not a RAM weights file (format {WEIGHTS_FORMAT!r}).")
    arrays = {}
    for name, entry in data["weights"].items():
        try:
            if "float32_base64" in entry:
                values = np.frombuffer(base64.b64decode(entry["float32_base64"], validate=True), "<f4")
            else:
                values = np.asarray(entry["values"], "float32")
            size = np.prod(entry["shape"], dtype=int)
        except (ValueError, TypeError, KeyError) as error:  # binascii.Error is a ValueError
            raise ModelFileError(f"{path}: {name} is not a readable weight ({type(error).__name__}: {error})") from None
        if values.size != size:
            raise ModelFileError(f"{path}: {name} has {values.size} values for shape {entry['shape']}")
        arrays[name] = values.reshape(entry["shape"]).astype("float32")
    return data["settings"], arrays


# Fields of the data a model was tested on: a hint to evaluate it gives them as trained, with the architecture.
DATA_FIELDS = ("dataset", "distractors", "distractor_size", "train_shift", "eval_seed")


def check_settings(settings, expected, path):
    """Raises ModelFileError naming every architecture field where the file differs from `expected`,
    with every flag that evaluates it as trained (`trained_flags`)."""
    if expected is None:
        return
    settings = saved_config(settings)
    differing = [key for key in ARCHITECTURE_FIELDS if settings[key] != expected[key]]
    if differing:
        diffs = [f"{key}: file has {settings[key]!r}, config has {expected[key]!r}" for key in differing]
        flags, source = trained_flags(settings, expected, path)
        raise ModelFileError(f"{path} was trained with another config:\n  " + "\n  ".join(diffs) +
                             f"\nEvaluate it with the config it was trained with (its script, or this one with "
                             f"`{flags}`{source}), or train this config first.")


def trained_flags(settings, expected, path):
    """Command-line flags that turn the config `expected` into the one the model file at `path` was
    trained with: its architecture (`settings`) and data, the data read from the results.json beside
    the file, else as the data set guesses (`Data.trained_fields`). Returns (flags, a note on where the data came from)."""
    from .datasets import get
    trained, source = {**expected, **settings}, ""
    beside = results_config(path)
    if beside:
        trained.update({k: v for k, v in beside.items() if k in DATA_FIELDS})
    else:  # the data set's guess
        guessed, source = get(expected["dataset"]).trained_fields(trained, expected)
        trained.update(guessed)
    decided = get(expected["dataset"]).decided_by_data  # no flag sets these
    changed = [k for k in ARCHITECTURE_FIELDS + DATA_FIELDS if trained[k] != expected[k] and k not in decided]
    return " ".join(f"--{k.replace('_', '-')} {trained[k]}" for k in changed), source


def results_config(path):
    """The config in the results.json beside the model file at `path` (its run's), else None."""
    try:
        return saved_config(read_json(os.path.join(os.path.dirname(os.path.abspath(path)), "results.json"))["config"])
    except (OSError, ModelFileError, KeyError, TypeError):
        return None


def _read_h5_settings(path):
    try:
        with h5py.File(path, "r") as f:
            model_config = json.loads(f.attrs["model_config"])
    except (OSError, KeyError, ValueError) as error:
        raise ModelFileError(f"{path} is not a readable RAM .h5 model ({type(error).__name__}: {error}); "
                             f"it may be truncated or from another program.") from None
    if model_config.get("class_name") != "RecurrentAttentionModel":
        raise ModelFileError(f"{path} holds a {model_config.get('class_name')!r}, not a RecurrentAttentionModel.")
    return model_config["config"]["settings"]


def load_model(path, expected=None):
    """Loads a `.h5` or `.keras` model or a `.json` weights file into a fresh model.

    `expected`: a config whose architecture the file must match (else ModelFileError).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ModelFileError(f"model file not found: {path}")
    if path.endswith(".h5"):
        check_settings(_read_h5_settings(path), expected, path)
        try:
            return keras.models.load_model(path, custom_objects=CUSTOM_OBJECTS, compile=False)
        except (OSError, ValueError, KeyError) as error:
            raise ModelFileError(f"{path} could not be loaded ({type(error).__name__}: {error}).") from None
    if path.endswith(".keras"):
        try:
            model = keras.models.load_model(path, compile=False)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ModelFileError(f"{path} could not be loaded ({type(error).__name__}: {error}).") from None
        if not isinstance(model, RecurrentAttentionModel):
            raise ModelFileError(f"{path} holds a {type(model).__name__}, not a RecurrentAttentionModel.")
        check_settings(model.settings, expected, path)
        return model
    if path.endswith(".json"):
        settings, weights = read_weights_json(path)
        check_settings(settings, expected, path)
        model = RecurrentAttentionModel(settings)
        load_weights_json(model, weights, path)
        return model
    raise ModelFileError(f"{path}: expected a .h5 or .keras model or a .json weights file")


def load_weights_json(model, weights, path):
    """Assigns {variable path: array} (`read_weights_json`) to the model's weights, checking every shape."""
    missing = [v.path for v in model.weights if v.path not in weights]
    if missing:
        raise ModelFileError(f"{path} lacks weights {missing[:5]}")
    for v in model.weights:
        values = weights[v.path]
        if list(values.shape) != list(v.shape):
            raise ModelFileError(f"{path}: {v.path} has shape {list(values.shape)}, the model needs {list(v.shape)}")
        v.assign(values)


def load_initial_weights(model, path):
    """Copies every trainable weight of a model file into `model` (built from its own config), after
    checking that the fields that shape weights match; returns {"path", "sha256"} of the file."""
    path = os.fspath(path)
    source = load_model(path)
    ours, theirs = model.settings, saved_config(source.settings)
    diffs = [f"{key}: file has {theirs[key]!r}, config has {ours[key]!r}" for key in WEIGHT_FIELDS
             if theirs[key] != ours[key]]
    if diffs:
        raise ModelFileError(f"initial_model {path} has weights of other shapes:\n  " + "\n  ".join(diffs) +
                             "\nSet these fields as in the file, or start from another model.")
    weights = {v.path: v for v in source.trainable_variables}
    for v in model.trainable_variables:
        v.assign(weights[v.path])
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return {"path": path, "sha256": digest}  # the path as given: no machine-specific absolute path
