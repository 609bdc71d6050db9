"""The data sets RAM trains on: one module each in this package, named as the config's `dataset`.

A module defines `DATASET`, a `ram.data.Data` subclass that loads its images, splits them, draws its
canvases, states its config rules (`config_problems`) and what evaluate.py suggests for its models
(`trained_fields`). Adding a data set is adding a module here (and its test); nothing else lists them.
Listing the names imports nothing (`import ram` stays free of TensorFlow); `get` imports the module.
"""
import importlib
import pkgutil

NAMES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))


def describe(name):
    """The first line of the data set's module docstring: what it is, in the module's own words."""
    return (importlib.import_module(f"{__name__}.{name}").__doc__ or name).strip().splitlines()[0].rstrip(".")


def get(name):
    """The `Data` class of the data set `name` (one of NAMES)."""
    return importlib.import_module(f"{__name__}.{name}").DATASET


def load_data(config, path=None, devices=None, test_only=False):
    """The config's data set, split and served as tf.data datasets; `.config` is `config` with what the
    data decides (image size, channels, classes and their names). `path`: the data instead of the
    config's data_path. `test_only`: only the test split is needed (evaluate.py). `devices`: as
    `ram.data.Data`."""
    return get(config.dataset)(config, path, devices=devices, test_only=test_only)
