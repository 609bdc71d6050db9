"""Training: optimizer and schedule from the config, `model.fit` with callbacks, the runs loop.

Each run lives in `<results_dir>/run_<i>/`: model.h5, weights.json, results.json, and
checkpoint.npz (everything needed to resume after a kill, rewritten atomically every epoch).
"""
import contextlib
import math
import os
import shutil
import signal
import time

import keras
import numpy as np
import tensorflow as tf

from . import backend, checkpoint
from .config import OUTPUT_FIELDS, changed_fields, saved_config
from .data import check_batch_split
from .datasets import load_data
from .evaluation import TEST_POLICY_SEED, error_report, predict
from .model import RecurrentAttentionModel
from .results import RunFolderError, percent, provenance, read_results, run_lock, run_results, summarize
from .saving import load_initial_weights, save_model, save_weights_json, write_json


class TrainingError(RuntimeError):
    """Training stopped on a fault (non-finite loss); the last checkpoint is kept."""


def learning_rate_schedule(config, steps_per_epoch):
    lr = config.learning_rate
    if config.lr_schedule == "linear":
        return keras.optimizers.schedules.PolynomialDecay(
            lr, decay_steps=config.decay_epochs * steps_per_epoch, end_learning_rate=config.min_learning_rate, power=1.0)
    return lr


def make_optimizer(config, steps_per_epoch):
    lr = learning_rate_schedule(config, steps_per_epoch)
    options = {"weight_decay": config.weight_decay}
    if config.ema_momentum is not None:
        options.update(use_ema=True, ema_momentum=config.ema_momentum)
    if config.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(lr, momentum=config.momentum, **options)
    else:
        optimizer = keras.optimizers.Adam(lr, **options)
    if config.weight_decay:
        optimizer.exclude_from_weight_decay(var_names=["bias"])  # decay the weight matrices only
    return optimizer


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
        raise backend.BackendError(f"devices: {config.devices!r} names one process's devices; with several "
                                   f"processes leave it unset (every device of every process).")
    return [d.strip().lower() for d in config.devices.split(",")]


def build_model(config, steps_per_epoch):
    """A compiled model with weights drawn from `config.seed`, its variables placed by the config's
    distribution; `fit` then splits each batch over the devices."""
    strategy = distribution_strategy(config)
    keras.utils.set_random_seed(config.seed)
    with strategy.scope() if strategy else contextlib.nullcontext():
        model = RecurrentAttentionModel(config)
        if config.initial_location_std is not None:  # linear, like the learning rate, then flat
            model.location_std_schedule = keras.optimizers.schedules.PolynomialDecay(
                config.initial_location_std, config.decay_epochs * steps_per_epoch, config.location_std, power=1.0)
        model.compile(optimizer=make_optimizer(config, steps_per_epoch), jit_compile=config.jit_compile,
                      steps_per_execution=config.steps_per_execution)
        model.optimizer.build(model.trainable_variables)
    return model


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


class Interrupt:
    """SIGINT / SIGTERM stop training at once (KeyboardInterrupt: the unfinished epoch is left out and
    redone on resume), except while an epoch's checkpoint is written (`writing`): then right after it.
    A KeyboardInterrupt that Python swallows (raised inside a __del__) is raised again by `check`."""

    def __init__(self):
        self.requested = self.busy = False

    def __enter__(self):
        self.previous = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}
        return self

    def _handle(self, signum, frame):
        first, self.requested = not self.requested, True
        if self.busy and first:  # a second Ctrl-C stops even this; files are written atomically
            print("\nStopping once this epoch's checkpoint is written...", flush=True)
            return
        raise KeyboardInterrupt

    def check(self):
        """Raises KeyboardInterrupt if a stop was asked for."""
        if self.requested and not self.busy:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def writing(self):
        """The block runs to its end whatever signal comes (but a second one); a stop comes after it."""
        self.busy = True
        try:
            yield
        finally:
            self.busy = False
        self.check()

    def __exit__(self, *exc):
        for s, handler in self.previous.items():
            signal.signal(s, handler)


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
        logs["elapsed_seconds"] = time.perf_counter() - self.start_time  # since the run started, all sessions
        if (epoch + 1) % self.config.test_every == 0:
            logs["test_accuracy"] = test_accuracy(self.model, self.data)
        self.state["history"].append({"epoch": epoch + 1, **{k: float(v) for k, v in logs.items()}})
        self.state["wall_seconds"] = time.perf_counter() - self.start_time
        if not writes():
            return
        with self.interrupt.writing():
            checkpoint.save(self.run_dir, self.model, self.early_stopping, self.state)
            write_json(os.path.join(self.run_dir, "results.json"),
                       results_document(self.config, self.state, finished=False, data_source=self.data.source))
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
    line += f" | lr {logs['learning_rate']:.1e}" + (f" std {logs['location_std']:.3f}" if "location_std" in logs else "")
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
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "glimpses")) if writes() else None
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
    callbacks = [keras.callbacks.TensorBoard(log_dir=log_dir, write_graph=False)] if writes() else []
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


def results_document(config, state, finished, data_source, test=None):
    """results.json: the config, the epochs, the test errors (`test`) and where they came from
    (`data_source`: the data's file or folder, None: Keras's MNIST download)."""
    versions = backend.versions()
    doc = {"finished": finished, "config": dict(config), "epochs_trained": len(state["history"]),
           "wall_seconds": state["wall_seconds"], "history": state["history"],
           "provenance": provenance(data_source, versions)}
    if "initial_model" in state:  # where the starting weights came from
        doc["initial_model"] = state["initial_model"]
    if test:
        doc.update(test)
    return doc


def writes():
    """Whether this process writes the run's files: process 0 of a several-process training, or the one."""
    return backend.process_index() == 0


REPLACEMENT = ".overwrite"  # run_<i>.overwrite/: a finished run retrained (--overwrite) beside it
REPLACED = ".replaced"      # run_<i>.replaced/: the old run while the new one takes its place


def train_run(config, run_dir, data, fresh=False, overwrite=False):
    """Trains one run into `run_dir`, resuming from its checkpoint; returns its results document. A
    finished run is retrained (`overwrite`) in run_<i>.overwrite/, which takes its place only when
    finished: until then the finished run stays whole, and an interrupted retraining resumes there."""
    replacement = run_dir + REPLACEMENT
    if writes():
        _finish_replacement(run_dir)
    results_path = os.path.join(run_dir, "results.json")
    saved = read_results(results_path) if os.path.exists(results_path) else {}
    if not saved.get("finished"):
        return _train_in(config, run_dir, data, start_over=fresh)
    pending = not fresh and checkpoint.exists(replacement) and not checkpoint.config_changes(replacement, config)
    if overwrite or pending:
        if pending:
            print(f"{run_dir}: resuming its interrupted --overwrite in {replacement}/; the finished run stays "
                  f"as it is until the new one replaces it (delete {replacement}/ to keep it).")
        else:
            if writes():
                shutil.rmtree(replacement, ignore_errors=True)
            print(f"{run_dir}: retraining the finished run in {replacement}/, which replaces it when done; "
                  f"until then {run_dir} stays as it is.")
        doc = _train_in(config, replacement, data, start_over=not pending)
        if writes():
            _swap_in(replacement, run_dir)
        return doc
    diffs = run_changes(saved, config)
    if diffs:
        trained = saved_config(saved["config"])
        fields = ", ".join(f"{k} {trained[k]!r} there, {config[k]!r} here" for k in diffs)
        raise RunFolderError(f"{run_dir} holds a finished run of another config ({fields}); set another "
                             f"results_dir (--results-dir DIR), or pass --overwrite to replace it.")
    print(f"{run_dir}: already finished (test error {100 * saved['test_error']:.2f}%); skipped."
          + (f" {replacement}/ holds an interrupted --overwrite: run its config to resume it, or delete "
             f"the folder." if checkpoint.exists(replacement) else ""))
    return saved


def _train_in(config, run_dir, data, start_over):
    """_train in `run_dir` while holding its lock. Folders this creates are removed again if it
    fails before writing into them (a bad initial_model, a Ctrl-C while the model builds). The other
    processes of a several-process training only read the folder, which process 0 writes."""
    if not writes():
        return _train(config, run_dir, data, start_over=start_over)
    created, folder = [], os.path.abspath(run_dir)
    while not os.path.isdir(folder):
        created.append(folder)
        folder = os.path.dirname(folder)
    os.makedirs(run_dir, exist_ok=True)
    try:
        with run_lock(run_dir):  # a second process on this run stops here
            return _train(config, run_dir, data, start_over=start_over)
    except BaseException:
        for folder in created:  # deepest first
            try:
                os.rmdir(folder)
            except OSError:  # not empty: the run had started
                break
        raise


def _swap_in(replacement, run_dir):
    """Puts the finished run of `replacement` in place of `run_dir` by two renames (the old run parked
    in run_<i>.replaced/, then deleted); `_finish_replacement` completes a swap a kill cut short."""
    old = run_dir + REPLACED
    if os.path.isdir(run_dir):
        shutil.rmtree(old, ignore_errors=True)
        os.rename(run_dir, old)
    os.rename(replacement, run_dir)
    shutil.rmtree(old, ignore_errors=True)
    print(f"{run_dir}: replaced by the retrained run.")


def _finish_replacement(run_dir):
    """Completes what a process killed while swapping in a retrained run left: a finished
    run_<i>.overwrite/ is put in place, a parked run_<i>.replaced/ deleted."""
    replacement, old = run_dir + REPLACEMENT, run_dir + REPLACED
    results_path = os.path.join(replacement, "results.json")
    if os.path.exists(results_path) and read_results(results_path).get("finished"):
        _swap_in(replacement, run_dir)
    elif os.path.isdir(old) and os.path.isdir(run_dir):
        shutil.rmtree(old)


def _train(config, run_dir, data, start_over):
    """train_run's part while it holds the run's lock: resume or start, fit, final test, files."""
    results_path = os.path.join(run_dir, "results.json")
    if start_over and writes():
        checkpoint.remove(run_dir)
    model = build_model(config, data.steps_per_epoch)
    state = {"config": dict(config), "history": [], "wall_seconds": 0.0}
    early = None
    restored = checkpoint.load(run_dir, model, config) if not start_over and checkpoint.exists(run_dir) else None
    backend.check_processes_agree(len(restored[0]["history"]) if restored else 0, run_dir)
    if backend.process_count() > 1 and not writes():
        print(f"{run_dir}: process {backend.process_index()} of {backend.process_count()}, training with process 0, "
              f"which writes the run's files and prints its epochs.", flush=True)
    if restored:
        state, early = restored
        print(f"{run_dir}: resuming after epoch {len(state['history'])} (--fresh starts over).")
    elif config.initial_model:  # a resumed run continues from its own checkpoint instead
        state["initial_model"] = load_initial_weights(model, config.initial_model)
        accuracy = model.evaluate(data.validation(), steps=data.validation_steps, verbose=0, return_dict=True)["accuracy"]
        print(f"{run_dir}: starting from the weights of {config.initial_model} "
              f"(validation accuracy {100 * accuracy:.2f}% before training).")
    first_epoch = len(state["history"])
    patience = config.early_stopping_patience or config.epochs
    early_stopping = ResumableEarlyStopping(restored=early, monitor="val_accuracy", mode="max",
                                            patience=patience, restore_best_weights=config.restore_best_weights,
                                            verbose=1)
    start = time.perf_counter() - state["wall_seconds"]
    with Interrupt() as interrupt:
        recorder = EpochRecorder(config, data, run_dir, state, early_stopping, interrupt, start)
        if first_epoch < config.epochs and not _stopped_early(state["history"], patience):
            # EarlyStopping sees each epoch before the recorder checkpoints its state.
            callbacks = [early_stopping, recorder, *tensorboard_callbacks(config, run_dir, data)]
            try:
                model.fit(data.train(config.seed, first_epoch), validation_data=data.validation(),
                          validation_steps=data.validation_steps, steps_per_epoch=data.steps_per_epoch,
                          epochs=config.epochs, initial_epoch=first_epoch,
                          callbacks=callbacks, verbose=1 if config.verbose == 1 else 0, shuffle=False)
            except (KeyboardInterrupt, TrainingError):  # the process may leave without shutdown (cli.leave)
                for callback in callbacks:
                    if isinstance(callback, keras.callbacks.TensorBoard):
                        callback.on_train_end()  # closes its writers, writing out the epochs so far
                raise
        elif config.restore_best_weights and early_stopping.restored and early_stopping.restored[3] is not None:
            model.set_weights(early_stopping.restored[3])  # training had ended; restore the best epoch
        interrupt.check()
    if not config.restore_best_weights:  # ema_momentum: keep the averaged weights (fit put them in, a resume may not)
        model.optimizer.finalize_variable_values(model.trainable_variables)
    best = max(state["history"], key=lambda h: h.get("val_accuracy", -1))
    test = {"best_epoch": best["epoch"], "stopped_early": len(state["history"]) < config.epochs,
            "weights_epoch": best["epoch"] if config.restore_best_weights else len(state["history"])}
    # deterministic policy, one sampled path, Monte Carlo; as evaluate.py computes them (seed TEST_POLICY_SEED)
    print(f"{run_dir}: final test on {len(data.y_test):,} images, weights of epoch {test['weights_epoch']} "
          f"(best validation epoch {best['epoch']}):", flush=True)
    for suffix, samples, name in (("", 0, "deterministic policy"), ("_sampled", 1, "one sampled path"),
                                  ("_mc", config.mc_samples, f"Monte Carlo over {config.mc_samples} paths")):
        report = error_report(predict(model, data.test(), samples, seed=TEST_POLICY_SEED), data.y_test)
        test[f"test_error{suffix}"], test[f"test_error{suffix}_stderr"] = report["error"], report["stderr"]
        print(f"  test error ({name}): {100 * report['error']:.2f}% +- {100 * report['stderr']:.2f} "
              f"({report['wrong']} wrong)", flush=True)
    test["test_accuracy"] = 1 - test["test_error"]
    state["wall_seconds"] = time.perf_counter() - start  # the whole run: compilation, training, final test
    doc = results_document(config, state, finished=True, data_source=data.source, test=test)
    if not writes():
        return doc
    save_model(model, os.path.join(run_dir, "model.h5"))
    save_weights_json(model, os.path.join(run_dir, "weights.json"))
    write_json(results_path, doc)
    checkpoint.remove(run_dir)
    epochs = len(state["history"])
    print(f"{run_dir}: done, {epochs} epoch{'s' * (epochs != 1)} in {state['wall_seconds'] / 60:.1f} min "
          f"(with compilation and the final test); model.h5, weights.json, results.json written.")
    return doc


def _stopped_early(history, patience):
    """True when the history already ends in `patience` epochs without a better validation accuracy."""
    accs = [h.get("val_accuracy", -1) for h in history]
    return bool(accs) and len(accs) - 1 - int(np.argmax(accs)) >= patience


def run_changes(saved, config, ignore=OUTPUT_FIELDS):
    """Fields where `config` differs from the config of the finished run `saved` (a results document) in a
    way that would train another run: early_stopping_patience only if it would have ended it elsewhere."""
    diffs = changed_fields(saved["config"], config, ignore)
    if "early_stopping_patience" in diffs and _ends_after(saved["history"], config):
        diffs.remove("early_stopping_patience")
    return diffs


def _ends_after(history, config):
    """True when training `config` would stop after exactly these epochs: its patience (0: none) fires
    nowhere before their end, and at their end either the epochs run out or it fires there."""
    patience = config.early_stopping_patience or config.epochs
    if any(_stopped_early(history[:n], patience) for n in range(1, len(history))):
        return False
    return len(history) == config.epochs or _stopped_early(history, patience)


def train_all(config, fresh=False, overwrite=False, only_run=None):
    """Trains every run of a validated config (resuming or skipping what is done), or only run
    `only_run`, then writes and prints the summary over every finished run in its folder."""
    backend.check(config.distribute)
    devices = None
    if config.distribute == "data_parallel":
        backend.join_processes()  # before JAX computes anything
        chosen = data_parallel_devices(config)
        devices = len(chosen) if chosen else backend.device_count()
    elif config.distribute == "mirrored":  # tf.distribute would split an uneven batch unevenly
        check_batch_split(config.batch_size, mirrored_replicas(config))
    data = load_data(config, devices=devices)
    config = data.config  # with what the data decides: image size, channels, classes
    for run in range(config.runs) if only_run is None else [only_run]:
        run_config = config.replace(seed=config.seed + run)
        train_run(run_config, os.path.join(config.results_dir, f"run_{run}"), data, fresh=fresh, overwrite=overwrite)
    if not writes():
        return None
    summary = summarize(finished_runs(config.results_dir, config))
    write_json(os.path.join(config.results_dir, "summary.json"), summary)
    several = summary["runs"] > 1  # a spread over one run says nothing
    print(f"{summary['runs']} finished run{'s' * several} in {config.results_dir}"
          + (", mean +- std over runs" if several else "") + f": test error {percent(summary, 'test_error')}% "
          f"(deterministic policy), "
          f"{100 * summary['test_error_sampled_mean']:.2f}% (one sampled path), "
          f"{100 * summary['test_error_mc_mean']:.2f}% (Monte Carlo, {config.mc_samples} paths)")
    return summary


def finished_runs(results_dir, config):
    """Results of every finished run_<i> in `results_dir` trained with `config` (any seed), by i."""
    return [doc for _, doc in run_results(results_dir)
            if not run_changes(doc, config, OUTPUT_FIELDS + ("seed",))]
