"""Recurrent Attention Model (Mnih, Heess, Graves 2014) in Keras 3."""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ INFO and WARNING lines off; 0 shows them


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


_import_tensorflow_quietly()

from .config import DEFAULTS, Config, ConfigError, make_config  # noqa: E402
from .data import DataError, MnistData, load_mnist  # noqa: E402
from .glimpse import GlimpseNetwork, GlimpseSensor  # noqa: E402
from .losses import gaussian_log_prob, hybrid_loss  # noqa: E402
from .model import LocationPolicy, RecurrentAttentionModel  # noqa: E402
from .saving import ModelFileError, load_model, save_model  # noqa: E402
