"""Recurrent Attention Model (Mnih, Heess, Graves 2014) in Keras 3.

`import ram` loads TensorFlow and registers the model's layers with Keras, so that
`keras.models.load_model("model.h5")` works. With -h/--help on the command line it loads nothing
heavy up front (`python run_mnist.py --help` answers at once); the names below then load on first use.
"""
import importlib
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ INFO and WARNING lines off; 0 shows them

from .config import DEFAULTS, Config, ConfigError, make_config  # noqa: E402  (pure Python)

_MODULE_OF = {"DataError": "data", "MnistData": "data", "load_mnist": "data",
              "GlimpseNetwork": "glimpse", "GlimpseSensor": "glimpse",
              "gaussian_log_prob": "losses", "hybrid_loss": "losses",
              "LocationPolicy": "model", "RecurrentAttentionModel": "model",
              "ModelFileError": "results", "load_model": "saving", "save_model": "saving"}


def _import_tensorflow_quietly():
    """TensorFlow writes start-up notes (oneDNN, CPU features) to stderr before any log level applies;
    hide them while it loads, unless TF_CPP_MIN_LOG_LEVEL is 0."""
    if "tensorflow" in sys.modules or os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0":
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def __getattr__(name):
    if name in _MODULE_OF:
        _import_tensorflow_quietly()
        return getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    raise AttributeError(f"module 'ram' has no attribute {name!r}")


if not {"-h", "--help"} & set(sys.argv[1:]):
    _import_tensorflow_quietly()
    from . import data, saving  # noqa: E402,F401  (saving registers the model's classes with Keras)
