"""The callbacks of `fit`: the epoch's numbers, line and checkpoint (`EpochRecorder`), TensorBoard's logs and
glimpse pictures, and early stopping that survives a resume."""
import contextlib
import math
import os
import time

import keras
import numpy as np
import tensorflow as tf

from . import backend, checkpoint
from .errors import TrainingError
from .evaluation import TEST_POLICY_SEED, predict
from .files import write_json
from .results import results_document


def test_accuracy(model, data):
    """Accuracy of the deterministic policy as the final test and evaluate.py compute it (first
    glimpses from seed TEST_POLICY_SEED), for the per-epoch test column. The policy's random state is put
    back afterwards."""
    with averaged_weights(model), policy_seed_kept(model):
        probabilities = predict(model, data.test(), 0, seed=TEST_POLICY_SEED)
    return float(np.mean(np.argmax(probabilities, axis=1) == data.y_test))


@contextlib.contextmanager
def policy_seed_kept(model):
    """The policy's random state as it was before the block, so training goes on as without it."""
    state = model.seed_generator.state.numpy()
    try:
        yield
    finally:
        model.seed_generator.state.assign(state)


@contextlib.contextmanager
def averaged_weights(model):
    """With `ema_momentum` set: the moving average of the weights in the model for the duration (the
    weights the run will save), the trained weights back afterwards."""
    if not model.optimizer.use_ema:
        yield
        return
    trained = [v.numpy() for v in model.trainable_variables]
    model.optimizer.finalize_variable_values(model.trainable_variables)
    try:
        yield
    finally:
        for v, value in zip(model.trainable_variables, trained):
            v.assign(value)


class EpochRecorder(keras.callbacks.Callback):
    """Adds learning rate, images/s and (every `test_every` epochs) test accuracy to the epoch logs,
    prints one line per epoch (`verbose=2`), stops on a non-finite loss, and checkpoints each finished
    epoch."""

    def __init__(self, config, data, run_dir, state, early_stopping, interrupt, start_time):
        super().__init__()
        self.config, self.data, self.run_dir, self.state = config, data, run_dir, state
        self.early_stopping, self.interrupt, self.start_time = early_stopping, interrupt, start_time
        self.compiled = False  # the first compiled call of this process includes XLA compilation

    def on_train_begin(self, logs=None):
        if self.config.verbose == 2:
            print(f"{self.run_dir}: {LOG_LEGEND}", flush=True)

    def on_epoch_begin(self, epoch, logs=None):
        self.interrupt.check()
        self.epoch = epoch
        self.epoch_start = time.perf_counter()
        self.validation_seconds, self.compile_seconds = 0.0, 0.0

    def on_train_batch_end(self, batch, logs=None):
        if not self.compiled:
            self.compiled = True
            self.compile_seconds = time.perf_counter() - self.epoch_start
        loss = float(logs["loss"])
        if not math.isfinite(loss):
            first = batch + 2 - self.config.steps_per_execution  # the steps of this compiled call
            steps = f"step {batch + 1}" if first == batch + 1 else f"steps {first}-{batch + 1}"
            raise TrainingError(f"loss became {loss} at epoch {self.epoch + 1}, {steps}; "
                                f"stopped. The checkpoint of epoch {self.epoch} is kept.")
        self.interrupt.check()

    def on_test_batch_end(self, batch, logs=None):
        self.interrupt.check()

    def on_test_begin(self, logs=None):
        self.validation_start = time.perf_counter()

    def on_test_end(self, logs=None):
        self.validation_seconds += time.perf_counter() - self.validation_start

    def on_epoch_end(self, epoch, logs):
        train_seconds = time.perf_counter() - self.epoch_start - self.validation_seconds
        timed = train_seconds - self.compile_seconds  # steps after the first compiled call of the process
        timed_images = (self.data.steps_per_epoch - (self.config.steps_per_execution if self.compile_seconds else 0)) \
            * self.data.batch_size
        if timed_images <= 0:  # an epoch of one compiled call: time it whole, compilation included
            timed, timed_images = train_seconds, self.data.steps_per_epoch * self.data.batch_size
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        if self.model.location_std_schedule is not None:  # the std the next step samples with
            logs["location_std"] = float(self.model.location_std_schedule(self.model.optimizer.iterations))
        logs["images_per_second"] = timed_images / timed
        logs["train_seconds"] = train_seconds
        logs["compile_seconds"] = self.compile_seconds
        logs["elapsed_seconds"] = time.perf_counter() - self.start_time  # since the run started, across resumes
        if (epoch + 1) % self.config.test_every == 0:
            logs["test_accuracy"] = test_accuracy(self.model, self.data)
        self.state["history"].append({"epoch": epoch + 1, **{k: float(v) for k, v in logs.items()}})
        self.state["wall_seconds"] = time.perf_counter() - self.start_time
        if not backend.writes_files():
            return
        with self.interrupt.writing():
            checkpoint.save(self.run_dir, self.model, self.early_stopping, self.state)
            write_json(os.path.join(self.run_dir, "results.json"),
                       results_document(self.config, self.state, False, self.data.source, backend.versions()))
            if self.config.verbose == 2:
                print(epoch_line(epoch + 1, self.config.epochs, logs), flush=True)


LOG_LEGEND = ("train = sampled glimpse paths: acc, the hybrid loss's parts (ce cross entropy, rl REINFORCE, "
              "bl baseline MSE); val and test = deterministic policy: acc, ce; min = wall minutes so far")


def epoch_line(epoch, epochs, logs):
    """One line per epoch, e.g. `epoch  12/150  train acc 95.93% ce 0.129 rl -0.008 bl 0.039 | val acc
    96.88% ce 0.113 | lr 1.8e-03  3,076 img/s  17.3 s  4.5 min`."""
    width = len(str(epochs))
    line = (f"epoch {epoch:{width}d}/{epochs}  train acc {100 * logs['accuracy']:.2f}% ce {logs['cross_entropy']:.3f} "
            f"rl {logs['reinforce']:.3f} bl {logs['baseline_mse']:.3f} | val acc {100 * logs['val_accuracy']:.2f}% "
            f"ce {logs['val_cross_entropy']:.3f}")
    if "test_accuracy" in logs:
        line += f" | test acc {100 * logs['test_accuracy']:.2f}%"
    line += f" | lr {logs['learning_rate']:.1e}"
    line += f" std {logs['location_std']:.3f}" if "location_std" in logs else ""
    line += (f"  {logs['images_per_second']:,.0f} img/s  {logs['train_seconds']:.1f} s"
             f"  {logs['elapsed_seconds'] / 60:.1f} min")
    if logs["compile_seconds"]:
        line += f" (compile {logs['compile_seconds']:.0f} s)"
    return line


class GlimpsePictures(keras.callbacks.Callback):
    """Every `every` epochs, a TensorBoard image of the deterministic glimpse paths on fixed
    validation images (first glimpses from seed TEST_POLICY_SEED). Every process of a several-process
    training draws them (the model's variables are shared); only process 0 writes them."""

    def __init__(self, log_dir, images, labels, every, class_names=None):
        super().__init__()
        writes = backend.writes_files()
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "glimpses")) if writes else None
        self.images, self.labels, self.every, self.class_names = images, labels, every, class_names

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        from .visualize import path_pictures
        with averaged_weights(self.model), policy_seed_kept(self.model):
            pictures = path_pictures(self.model, self.images, self.labels, seed=TEST_POLICY_SEED,
                                     class_names=self.class_names)  # (N, H, W, 3) RGB
        if self.writer is None:
            return
        with self.writer.as_default():
            tf.summary.image("glimpse paths", pictures, step=epoch + 1, max_outputs=len(pictures))
        self.writer.flush()


def tensorboard_callbacks(config, run_dir, data):
    """Keras's TensorBoard callback (every number of the epoch logs) and the glimpse pictures."""
    if not config.tensorboard:
        return []
    log_dir = os.path.join(run_dir, "logs")
    callbacks = [keras.callbacks.TensorBoard(log_dir=log_dir, write_graph=False)] if backend.writes_files() else []
    if config.tensorboard_images_every:
        images, labels = data.validation_arrays(4)
        callbacks.append(GlimpsePictures(log_dir, images, labels, config.tensorboard_images_every, config.class_names))
    return callbacks


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """EarlyStopping whose state (best, wait, best weights) survives a resume."""

    def __init__(self, restored=None, **kwargs):
        super().__init__(**kwargs)
        self.restored = restored

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.restored:
            self.wait, self.best, self.best_epoch, self.best_weights = self.restored
            self.restored = None
