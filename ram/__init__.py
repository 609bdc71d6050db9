"""Recurrent Attention Model (Mnih, Heess, Graves 2014) in Keras 3.

`import ram` is light: the config, the command line and results files need no TensorFlow, so
`python run_mnist.py --help` answers at once. The model's classes register with Keras as soon as
Keras is imported (by ram's own modules, or by you after `import ram`), so that
`keras.models.load_model("model.h5")` works; `ram.RecurrentAttentionModel` and the other names below
load on first use.
"""
import contextlib
import importlib
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile

# TensorFlow's C++ INFO and WARNING lines off; set TF_CPP_MIN_LOG_LEVEL=0 before `import ram` to see them
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from .config import DEFAULTS, Config, ConfigError, make_config  # noqa: E402,F401  (pure Python)

_MODULE_OF = {"DataError": "data", "load_data": "datasets", "load_mnist": "datasets.mnist",
              "GlimpseNetwork": "glimpse", "GlimpseSensor": "glimpse",
              "gaussian_log_prob": "losses", "hybrid_loss": "losses",
              "ContextNetwork": "model", "LocationPolicy": "model", "RecurrentAttentionModel": "model",
              "ModelFileError": "results", "load_model": "saving", "save_model": "saving"}

# What TensorFlow writes while it loads, before any log level applies: a note that oneDNN is on (and
# absl's line announcing it). Everything else it writes then (CUDA's loader, errors) still shows.
_LOAD_NOTES = re.compile(r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to "
                         r"STDERR|I0000 .*port\.cc:\d+\] oneDNN custom operations are on")


@contextlib.contextmanager
def _without_load_notes():
    """Holds back what the process writes to stderr (fd 2) meanwhile, then writes it all but _LOAD_NOTES."""
    if os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0":
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            lines = held.read().decode(errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(line for line in lines if not _LOAD_NOTES.match(line)))


def _register_with_keras():
    """Imports ram.model, which registers the model's classes with Keras, unless it or a module it
    imports is being imported now (that import registers them when it completes)."""
    loading = {name for name, module in list(sys.modules.items())
               if getattr(getattr(module, "__spec__", None), "_initializing", False)}
    if not loading & {f"{__name__}.model", f"{__name__}.glimpse", f"{__name__}.losses", f"{__name__}.config"}:
        importlib.import_module(".model", __name__)


class _RegisterWithKeras(importlib.abc.MetaPathFinder):
    """When TensorFlow or Keras is imported, loads it with TensorFlow's load-time notes held back, and
    once Keras is loaded registers the model's classes with it."""

    def __init__(self):
        self.pending = {"tensorflow", "keras"} - set(sys.modules)  # names still to catch

    def find_spec(self, name, path=None, target=None):
        if name not in self.pending:
            return None
        sys.meta_path.remove(self)  # find the real module
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def load_quietly(module):  # a find_spec alone (TensorFlow asks for keras's) loads nothing
            self.pending.discard(name)
            if not self.pending and self in sys.meta_path:
                sys.meta_path.remove(self)
            with _without_load_notes():
                load(module)
            if name == "keras":
                _register_with_keras()
        spec.loader.exec_module = load_quietly
        return spec


if "keras" in sys.modules:
    _register_with_keras()
elif not any(isinstance(finder, _RegisterWithKeras) for finder in sys.meta_path):
    sys.meta_path.insert(0, _RegisterWithKeras())


def __getattr__(name):
    if name in _MODULE_OF:
        return getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    raise AttributeError(f"module 'ram' has no attribute {name!r}")
