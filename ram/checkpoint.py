"""One-file, atomically written checkpoint of a run: everything needed to continue it exactly.

`checkpoint.npz` holds the model's variables (weights and the policy's random state), the
optimizer's variables (moments, iteration count, hence the schedule position), the early-stopping
state with its best weights, and the run's history as JSON.
"""
import json
import os

import keras
import numpy as np

from .config import changed_fields, fields_with
from .saving import ModelFileError, atomic_write

NAME = "checkpoint.npz"
# a checkpoint continues with other output settings, and with others of how long it trains and what it keeps
IGNORED_FIELDS = fields_with("output", "stopping")


def path(run_dir):
    return os.path.join(run_dir, NAME)


def exists(run_dir):
    return os.path.exists(path(run_dir))


def remove(run_dir):
    if exists(run_dir):
        os.remove(path(run_dir))


def save(run_dir, model, early_stopping, state):
    arrays = {f"model/{i}": np.asarray(v.numpy()) for i, v in enumerate(model.variables)}
    arrays.update({f"optimizer/{i}": np.asarray(v.numpy()) for i, v in enumerate(model.optimizer.variables)})
    best_weights = early_stopping.best_weights
    if best_weights is not None:
        arrays.update({f"best/{i}": w for i, w in enumerate(best_weights)})
    meta = {"state": state, "backend": keras.backend.backend(),
            "early_stopping": {"wait": early_stopping.wait, "best": early_stopping.best,
                               "best_epoch": early_stopping.best_epoch, "has_best_weights": best_weights is not None}}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)

    def write(temp):
        with open(temp, "wb") as f:
            np.savez(f, **arrays)
    atomic_write(path(run_dir), write)


def _read(file, names=None):
    """The arrays `names` (default: all) of a checkpoint file, and its meta dict."""
    try:
        with np.load(file, allow_pickle=False) as f:
            arrays = {k: f[k] for k in (f.files if names is None else names)}
        meta = json.loads(arrays.pop("meta").tobytes())
    except Exception as error:  # truncated or foreign file: say which and how to proceed
        raise ModelFileError(f"checkpoint {file} is unreadable ({type(error).__name__}: {error}); "
                             f"delete it or pass --fresh to start the run over.") from None
    return arrays, meta


def config_changes(run_dir, config):
    """Fields where `config` differs from the config of run_dir's checkpoint in a way a resume refuses."""
    return changed_fields(_read(path(run_dir), ["meta"])[1]["state"]["config"], config, IGNORED_FIELDS)


def load(run_dir, model, config):
    """Restores model and optimizer variables; returns (state, early-stopping state)."""
    file = path(run_dir)
    arrays, meta = _read(file)
    saved = meta["state"]["config"]
    written_on = meta.get("backend", "tensorflow")  # checkpoints from before JAX: TensorFlow's
    if written_on != keras.backend.backend():  # the policy's random stream and the seed's dtype differ
        raise ModelFileError(f"checkpoint {file} was written on the {written_on} backend; resume it with "
                             f"KERAS_BACKEND={written_on}, or pass --fresh to start over on {keras.backend.backend()}.")
    diffs = changed_fields(saved, config, IGNORED_FIELDS)
    if diffs:
        raise ModelFileError(f"checkpoint {file} was made with another config (fields {', '.join(diffs)}); "
                             f"pass --fresh to start over with this config, or set another results_dir.")
    _assign(file, "model", model.variables, arrays)
    _assign(file, "optimizer", model.optimizer.variables, arrays)
    es = meta["early_stopping"]
    best_weights = None
    if es["has_best_weights"]:
        best_weights = [arrays[f"best/{i}"] for i in range(sum(k.startswith("best/") for k in arrays))]
    return meta["state"], (es["wait"], es["best"], es["best_epoch"], best_weights)


def _assign(file, prefix, variables, arrays):
    count = sum(k.startswith(prefix + "/") for k in arrays)
    if count != len(variables):
        raise ModelFileError(f"checkpoint {file} holds {count} {prefix} variables, the model has {len(variables)}; "
                             f"pass --fresh to start over.")
    for i, v in enumerate(variables):
        value = arrays[f"{prefix}/{i}"]
        if tuple(value.shape) != tuple(v.shape):
            raise ModelFileError(f"checkpoint {file}: {prefix} variable {v.path} has shape {value.shape}, "
                                 f"expected {tuple(v.shape)}; pass --fresh to start over.")
        v.assign(value)
