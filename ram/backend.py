"""What differs between Keras backends, in one place; the model is keras.ops and keras.random throughout.

Keras calls `train_step(data)` on TensorFlow and `train_step(state, data)` on JAX, where the step is a
pure function of the variables' values (keras-io's "customizing fit" guides write one per backend).
Both steps here compute the same `model.sampled_losses` and differ only in how they take gradients.
"""
import os

import keras
import numpy as np

from .errors import BackendError

BACKENDS = ("tensorflow", "jax")

if keras.backend.backend() == "tensorflow":
    import tensorflow as tf
    # Off: Grappler's remapper pass, which fails on the evaluation graphs and prints errors (harmlessly:
    # it then skips them); without it they run as fast (measured) and silently. Here, at import, because
    # Grappler's options are TensorFlow's process-wide settings (tf.config.optimizer has no per-function
    # scope) and apply to every graph run after they are set: so every TensorFlow graph of this process
    # runs without the pass, and the shipped numbers were computed so. XLA-compiled training steps do
    # not go through Grappler.
    tf.config.optimizer.set_experimental_options({"remapping": False})


def name():
    return keras.backend.backend()


def check(distribute="none"):
    """Raises BackendError unless Keras runs on a backend this code supports, one that offers the
    config's `distribute`."""
    if name() not in BACKENDS:
        raise BackendError(f"KERAS_BACKEND={name()}: RAM runs on {' or '.join(BACKENDS)} "
                           f"(set KERAS_BACKEND=tensorflow, the default, or KERAS_BACKEND=jax).")
    needs = {"mirrored": "tensorflow", "data_parallel": "jax"}.get(distribute)
    if needs and name() != needs:
        other = "data_parallel" if needs == "tensorflow" else "mirrored"
        raise BackendError(f"distribute `{distribute}` runs on the {needs} backend, not {name()}: set "
                           f"KERAS_BACKEND={needs}, or --distribute {other} for {name()}.")


def join_processes():
    """With KERAS_DISTRIBUTION_NUM_PROCESSES above 1 (and KERAS_DISTRIBUTION_JOB_ADDRESSES,
    KERAS_DISTRIBUTION_PROCESS_ID): joins this process to the others through
    keras.distribution.initialize (JAX's coordinator; on CPUs its gloo collectives), once per process
    and before JAX computes anything."""
    import jax
    if int(os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "1")) > 1 and not jax.distributed.is_initialized():
        keras.distribution.initialize()


def process_index():
    """This process's place among the processes of one training (0 alone); only process 0 writes files."""
    if name() == "jax":
        import jax
        return jax.process_index()
    return 0


def writes_files():
    """Whether this process writes the run's files: process 0 of a several-process training, or the one."""
    return process_index() == 0


def check_processes_agree(epochs, run_dir):
    """In a several-process training, stops with a clear error unless every process resumes the same
    epoch (each reads process 0's checkpoint: the results folder must be one shared folder)."""
    if name() != "jax":
        return
    import jax
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils
        try:
            multihost_utils.assert_equal(np.int32(epochs))
        except AssertionError:
            raise BackendError(f"process {jax.process_index()} resumes {run_dir} after epoch {epochs}, another "
                               f"process after another epoch: every process must see the same results folder "
                               f"(a shared folder on several machines).") from None


def process_count():
    if name() == "jax":
        import jax
        return jax.process_count()
    return 1


def device_count():
    """Devices of every process (JAX); DataParallel splits each batch over them all."""
    import jax
    return jax.device_count()


def replica_seed(seed):
    """The policy's stateless seed for this replica. Under tf.distribute with several replicas each
    folds in its id (a mirrored generator alone gives every replica the same noise); JAX's
    DataParallel draws the noise of the whole global batch at once and needs nothing."""
    if name() != "tensorflow":
        return seed
    import tensorflow as tf
    replica = tf.distribute.get_replica_context()
    if replica is not None and replica.num_replicas_in_sync > 1:
        seed = tf.random.experimental.stateless_fold_in(seed, replica.replica_id_in_sync_group)
        seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), "int32")  # as keras.random casts an int64 seed
    return seed


def train_step(model, *args):
    return _jax_train_step(model, *args) if name() == "jax" else _tensorflow_train_step(model, *args)


def test_step(model, *args):
    return _jax_test_step(model, *args) if name() == "jax" else model.track(*model.test_losses(*_unpack(args[0])))


def _unpack(data):
    images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
    return images, labels


def _tensorflow_train_step(model, data):
    import tensorflow as tf
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    with tf.GradientTape() as tape:
        losses, batch = model.sampled_losses(*_unpack(data))
        scaled = losses["loss"] / replicas  # tf.distribute sums the replicas' gradients
    gradients = tape.gradient(scaled, model.trainable_variables)
    model.optimizer.apply(gradients, model.trainable_variables)
    return model.track(losses, batch)


def _stateless(fn, reads, writes):
    """fn() with the variables of `reads` ((variables, values) pairs) holding those values; returns
    its result and the new values of `writes` (a list of (variables, values) pairs among `reads`)."""
    mapping = [(v, x) for variables, values in reads for v, x in zip(variables, values)]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        result = fn()
    new = [[x if scope.get_current_value(v) is None else scope.get_current_value(v) for v, x in zip(variables, values)]
           for variables, values in writes]
    return result, new


def _jax_train_step(model, state, data):
    import jax
    trainable, non_trainable, optimizer_values, metric_values = state
    images, labels = _unpack(data)

    def loss(trainable, non_trainable):  # non_trainable: the policy's seed state, advanced by the draws
        reads = [(model.trainable_variables, trainable), (model.non_trainable_variables, non_trainable),
                 (model.optimizer.variables, optimizer_values)]  # the std schedule reads the iteration count
        (losses, batch), (non_trainable,) = _stateless(lambda: model.sampled_losses(images, labels), reads,
                                                       [reads[1]])
        return losses["loss"], (losses, batch, non_trainable)

    (_, (losses, batch, non_trainable)), gradients = jax.value_and_grad(loss, has_aux=True)(trainable, non_trainable)
    trainable, optimizer_values = model.optimizer.stateless_apply(optimizer_values, gradients, trainable)
    metrics = [(model.metrics_variables, metric_values)]
    logs, (metric_values,) = _stateless(lambda: model.track(losses, batch), metrics, metrics)
    return logs, (trainable, non_trainable, optimizer_values, metric_values)


def _jax_test_step(model, state, data):
    trainable, non_trainable, metric_values = state
    images, labels = _unpack(data)
    reads = [(model.trainable_variables, trainable), (model.non_trainable_variables, non_trainable),
             (model.metrics_variables, metric_values)]
    logs, (non_trainable, metric_values) = _stateless(
        lambda: model.track(*model.test_losses(images, labels)), reads, reads[1:])
    return logs, (trainable, non_trainable, metric_values)


def probabilities_function(model, sample):
    """A compiled images -> class probabilities (numpy) of the deterministic (`sample` False) or one
    sampled glimpse path, advancing the model's policy generator as the model's own call does."""
    return _jax_probabilities(model, sample) if name() == "jax" else _tensorflow_probabilities(model, sample)


def _jax_probabilities(model, sample):
    import jax
    compiled = jax.jit(lambda trainable, non_trainable, images: model.stateless_call(trainable, non_trainable, images,
                                                                                      sample=sample))

    def probabilities(images):
        # with several processes each computes everything on its own devices, from its copy of the values
        read = (lambda v: np.asarray(v.value)) if jax.process_count() > 1 else (lambda v: v.value)
        out, non_trainable = compiled([read(v) for v in model.trainable_variables],
                                      [read(v) for v in model.non_trainable_variables], np.asarray(images))
        for v, new in zip(model.non_trainable_variables, non_trainable):  # the policy's generator moved on
            v.assign(new)
        return np.asarray(out)
    return probabilities


def _tensorflow_probabilities(model, sample):
    """Not XLA: XLA draws other random numbers than TensorFlow's kernels for the same seed."""
    import tensorflow as tf
    compiled = tf.function(lambda images: model(images, sample=sample), jit_compile=False)
    return lambda images: compiled(images).numpy()


def xla_compiled(function):
    """`function` compiled by XLA where it is called from TensorFlow's graphs (inside an XLA-compiled
    training step it is simply part of it); on JAX, where everything runs compiled, itself. Its
    non-tensor arguments must be Python constants."""
    if name() == "jax":
        return function
    import tensorflow as tf
    return tf.function(function, jit_compile=True, reduce_retracing=False)


def versions():
    """The versions results.json records: the backend's, Keras's, numpy's."""
    out = {"backend": name(), "keras": keras.__version__, "numpy": np.__version__}
    if name() == "jax":
        import jax
        out["jax"] = jax.__version__
    import tensorflow as tf  # the input pipeline's, whatever the backend
    out["tensorflow"] = tf.__version__
    return out
