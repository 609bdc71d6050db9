"""Recurrent Attention Model (Mnih, Heess, Graves 2014) in Keras 3.

`import ram` is light: the config, the errors, the command line and results files need no TensorFlow,
so `python run_mnist.py --help` answers at once. `ram.RecurrentAttentionModel` and the other names
below import their module on first use.

The model's classes register with Keras (its serialization registry) when `ram.model` is imported.
`ram.load_model("model.h5")` does that, and checks the file; to load a model with Keras itself,
`import ram.model` first, then `keras.models.load_model("model.h5", compile=False)`.
"""
import importlib
import os

# TensorFlow's C++ INFO and WARNING lines off (set TF_CPP_MIN_LOG_LEVEL=0 before `import ram` to see
# them). TensorFlow's note that oneDNN custom operations are on is written while it loads, before any
# log level applies, and shows; TF_ENABLE_ONEDNN_OPTS=0 turns them off (and the note), with slightly
# different numbers than the shipped ones (README: Plain Keras).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from .config import DEFAULTS, Config, make_config  # noqa: E402,F401  (pure Python)
from .errors import (BackendError, ConfigError, DataError, ModelFileError, RamError,  # noqa: E402,F401
                     RunFolderError, TrainingError)

_MODULE_OF = {"load_data": "datasets", "load_mnist": "datasets.mnist",
              "GlimpseNetwork": "glimpse", "GlimpseSensor": "glimpse",
              "gaussian_log_prob": "losses", "hybrid_loss": "losses",
              "ContextNetwork": "model", "LocationPolicy": "model", "RecurrentAttentionModel": "model",
              "load_model": "saving", "save_model": "saving", "predict": "prediction"}


def __getattr__(name):
    if name in _MODULE_OF:
        return getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    raise AttributeError(f"module 'ram' has no attribute {name!r}")
