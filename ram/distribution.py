"""Where a model's variables live and how `fit` splits each batch: the config's `distribute` and `devices`."""
import keras
import tensorflow as tf

from . import backend
from .errors import BackendError


def distribution_strategy(config):
    """`mirrored` (TensorFlow): tf.distribute.MirroredStrategy over `devices` (None: every local GPU,
    else the CPU); `data_parallel` (JAX): keras.distribution.DataParallel over `devices` (None: every
    device of every process), set for the whole process; `none`: None (one device, no strategy scope)."""
    backend.check(config.distribute)
    if config.distribute == "data_parallel":
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=data_parallel_devices(config)))
        return None
    if backend.name() == "jax":
        keras.distribution.set_distribution(None)
    if config.distribute == "none":
        return None
    devices = [f"/{d.strip()}" for d in config.devices.split(",")] if config.devices else None
    return tf.distribute.MirroredStrategy(devices)


def mirrored_replicas(config):
    """The replicas of `mirrored`: the `devices` named, else every local GPU, else the one CPU."""
    return len(config.devices.split(",")) if config.devices else max(1, len(tf.config.list_physical_devices("GPU")))


def data_parallel_devices(config):
    """`devices` as keras.distribution names them (`cpu:0`); None: every device of every process."""
    if not config.devices:
        return None
    if backend.process_count() > 1:
        raise BackendError(f"devices: {config.devices!r} names one process's devices; with several "
                           f"processes leave it unset (every device of every process).")
    return [d.strip().lower() for d in config.devices.split(",")]
