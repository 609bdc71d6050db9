"""Config scripts (`run_mnist.py` and the like): found by module name or path, their `CONFIG` validated.

The one loader of a script's config for evaluate.py, README's results table and the tools. Pure Python:
no TensorFlow.
"""
import importlib
import importlib.util
import os
import sys

from .config import make_config
from .errors import ConfigError


def load_config_script(name):
    """A config script by module name (`run_mnist`) or path (`configs/my_run.py`)."""
    if name.endswith(".py") or os.sep in name:
        if not os.path.isfile(name):
            raise ConfigError(f"config script not found: {name}")
        spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(name))[0], name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    else:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())  # a script in the working directory, as `python run_mnist.py` finds it
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            raise ConfigError(f"no config script {name!r} (looked for {name}.py in {os.getcwd()})") from None
    if not isinstance(getattr(module, "CONFIG", None), dict):
        raise ConfigError(f"{name} has no CONFIG dict; is it a config script like run_mnist.py?")
    return module


def script_config(name, fields=None, **overrides):
    """The validated config of a config script (`load_config_script`) with the config `fields` a
    command line gave (`--glimpse-hidden 256`) and `overrides`, whose None values leave the script's
    value (unset flags)."""
    return make_config({**load_config_script(name).CONFIG, **(fields or {}),
                        **{k: v for k, v in overrides.items() if v is not None}})
