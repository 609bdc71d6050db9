"""Training: the optimizer and the model from the config, `model.fit` over one run, the runs loop.

Read top to bottom: the optimizer and the model (`make_optimizer`, `build_model`); one run in its
folder (`fit_run`: resume or start, fit, final test, files); what a run's folder already holds,
deciding whether to train it, resume it, retrain it beside itself or skip it (`train_run`); every
run of a config, then their summary (`train_all`). fit's callbacks are in ram/callbacks.py, the
folder's lock and replacement in ram/run_folder.py, the devices in ram/distribution.py.

Each run lives in `<results_dir>/run_<i>/`: model.h5, weights.json, results.json, and
checkpoint.npz (everything needed to resume after a kill, rewritten atomically every epoch).
"""
import contextlib
import os
import shutil
import time

import keras
import tensorflow as tf

from . import backend, checkpoint
from .callbacks import EpochRecorder, ResumableEarlyStopping, tensorboard_callbacks
from .config import OUTPUT_FIELDS, saved_config
from .data import check_batch_split
from .datasets import load_data
from .distribution import data_parallel_devices, distribution_strategy, mirrored_replicas
from .errors import RunFolderError, TrainingError
from .evaluation import TEST_POLICY_SEED, error_report, predict
from .files import read_json, write_json
from .interrupt import Interrupt
from .model import RecurrentAttentionModel
from .results import percent, read_results, results_document, run_results, summarize
from .run_folder import (REPLACEMENT, claimed, finish_replacement, run_changes, run_config, stopped_early,
                         swap_in)
from .saving import load_initial_weights, save_model, save_weights_json


def learning_rate_schedule(config, steps_per_epoch):
    """The config's learning rate: a float (`constant`), or linear in the optimizer step (`linear`)."""
    lr = config.learning_rate
    if config.lr_schedule == "linear":
        return keras.optimizers.schedules.PolynomialDecay(
            lr, decay_steps=config.decay_epochs * steps_per_epoch, end_learning_rate=config.min_learning_rate,
            power=1.0)
    return lr


def make_optimizer(config, steps_per_epoch):
    """The config's Keras optimizer: SGD with momentum or Adam, its schedule, weight decay and EMA."""
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


def fit_run(config, run_dir, data, start_over):
    """One run in `run_dir`, which this process holds: resume or start, fit, final test, files. Returns
    its results document."""
    if start_over and backend.writes_files():
        checkpoint.remove(run_dir)
    model = build_model(config, data.steps_per_epoch)
    state, early = _resume_or_start(config, run_dir, data, model, start_over)
    first_epoch = len(state["history"])
    patience = config.early_stopping_patience or config.epochs
    early_stopping = ResumableEarlyStopping(restored=early, monitor="val_accuracy", mode="max",
                                            patience=patience, restore_best_weights=config.restore_best_weights,
                                            verbose=1)
    start = time.perf_counter() - state["wall_seconds"]
    with Interrupt() as interrupt:
        if first_epoch < config.epochs and not stopped_early(state["history"], patience):
            recorder = EpochRecorder(config, data, run_dir, state, early_stopping, interrupt, start)
            # EarlyStopping sees each epoch before the recorder checkpoints its state.
            callbacks = [early_stopping, recorder, *tensorboard_callbacks(config, run_dir, data)]
            _fit(model, config, data, first_epoch, callbacks)
        elif config.restore_best_weights and early_stopping.restored and early_stopping.restored[3] is not None:
            model.set_weights(early_stopping.restored[3])  # training had ended; restore the best epoch
        interrupt.check()
    if not config.restore_best_weights:  # ema_momentum: keep the averaged weights (fit put them in, a resume may not)
        model.optimizer.finalize_variable_values(model.trainable_variables)
    test = _final_test(model, config, data, state["history"], run_dir)
    state["wall_seconds"] = time.perf_counter() - start  # the whole run: compilation, training, final test
    doc = results_document(config, state, True, data.source, backend.versions(), test=test)
    if data.skipped is not None:
        doc["files_skipped"] = data.skipped
    if backend.writes_files():
        _write_run(model, run_dir, doc)
    return doc


def _resume_or_start(config, run_dir, data, model, start_over):
    """The run's state ({config, history, wall_seconds[, initial_model]}) and early-stopping state
    (None: fresh): restored with the model's and optimizer's variables from the run's checkpoint, else
    new, the model starting from `initial_model`'s weights when the config names one."""
    state = {"config": dict(config), "history": [], "wall_seconds": 0.0}
    restored = checkpoint.load(run_dir, model, config) if not start_over and checkpoint.exists(run_dir) else None
    backend.check_processes_agree(len(restored[0]["history"]) if restored else 0, run_dir)
    if backend.process_count() > 1 and not backend.writes_files():
        print(f"{run_dir}: process {backend.process_index()} of {backend.process_count()}, training with process 0, "
              f"which writes the run's files and prints its epochs.", flush=True)
    if restored:
        state, early = restored
        print(f"{run_dir}: resuming after epoch {len(state['history'])} (--fresh starts over).")
        return state, early
    if config.initial_model:  # a resumed run continues from its own checkpoint instead
        state["initial_model"] = load_initial_weights(model, config.initial_model)
        accuracy = model.evaluate(data.validation(), steps=data.validation_steps, verbose=0,
                                  return_dict=True)["accuracy"]
        print(f"{run_dir}: starting from the weights of {config.initial_model} "
              f"(validation accuracy {100 * accuracy:.2f}% before training).")
    return state, None


def _fit(model, config, data, first_epoch, callbacks):
    """model.fit from `first_epoch` to the config's last epoch. A stop (Ctrl-C, a TrainingError) closes
    TensorBoard's writers first: the process may then leave without shutdown (cli.leave)."""
    try:
        model.fit(data.train(config.seed, first_epoch), validation_data=data.validation(),
                  validation_steps=data.validation_steps, steps_per_epoch=data.steps_per_epoch,
                  epochs=config.epochs, initial_epoch=first_epoch,
                  callbacks=callbacks, verbose=1 if config.verbose == 1 else 0, shuffle=False)
    except (KeyboardInterrupt, TrainingError):
        for callback in callbacks:
            if isinstance(callback, keras.callbacks.TensorBoard):
                callback.on_train_end()  # closes its writers, writing out the epochs so far
        raise
    except tf.errors.OpError:  # a file streamed from disk that cannot be decoded: name it
        data.check_decodable()
        raise


def _final_test(model, config, data, history, run_dir):
    """The test errors of the weights the run keeps (deterministic policy, one sampled path, Monte Carlo;
    as evaluate.py computes them, seed TEST_POLICY_SEED) and which epoch they are: the results' test fields."""
    best = max(history, key=lambda h: h.get("val_accuracy", -1))
    test = {"best_epoch": best["epoch"], "stopped_early": len(history) < config.epochs,
            "weights_epoch": best["epoch"] if config.restore_best_weights else len(history)}
    print(f"{run_dir}: final test on {len(data.y_test):,} images, weights of epoch {test['weights_epoch']} "
          f"(best validation epoch {best['epoch']}):", flush=True)
    for suffix, samples, name in (("", 0, "deterministic policy"), ("_sampled", 1, "one sampled path"),
                                  ("_mc", config.mc_samples, f"Monte Carlo over {config.mc_samples} paths")):
        report = error_report(predict(model, data.test(), samples, seed=TEST_POLICY_SEED), data.y_test)
        test[f"test_error{suffix}"], test[f"test_error{suffix}_stderr"] = report["error"], report["stderr"]
        print(f"  test error ({name}): {100 * report['error']:.2f}% +- {100 * report['stderr']:.2f} "
              f"({report['wrong']} wrong)", flush=True)
    test["test_accuracy"] = 1 - test["test_error"]
    return test


def _write_run(model, run_dir, doc):
    """A finished run's files: model.h5, weights.json, results.json (`doc`); its checkpoint removed."""
    save_model(model, os.path.join(run_dir, "model.h5"))
    save_weights_json(model, os.path.join(run_dir, "weights.json"))
    write_json(os.path.join(run_dir, "results.json"), doc)
    checkpoint.remove(run_dir)
    epochs = len(doc["history"])
    print(f"{run_dir}: done, {epochs} epoch{'s' * (epochs != 1)} in {doc['wall_seconds'] / 60:.1f} min "
          f"(with compilation and the final test); model.h5, weights.json, results.json written.")


def train_run(config, run_dir, data, fresh=False, overwrite=False):
    """Trains one run into `run_dir`, resuming from its checkpoint; returns its results document. A
    finished run is retrained (`overwrite`) in run_<i>.overwrite/, which takes its place only when
    finished: until then the finished run stays whole, and an interrupted retraining resumes there."""
    replacement = run_dir + REPLACEMENT
    if backend.writes_files():
        finish_replacement(run_dir)
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
            if backend.writes_files():
                shutil.rmtree(replacement, ignore_errors=True)
            print(f"{run_dir}: retraining the finished run in {replacement}/, which replaces it when done; "
                  f"until then {run_dir} stays as it is.")
        doc = _train_in(config, replacement, data, start_over=not pending)
        if backend.writes_files():
            swap_in(replacement, run_dir)
        return doc
    diffs = run_changes(saved, config)
    if diffs:
        trained = saved_config(saved["config"])
        fields = ", ".join(f"{k} {trained[k]!r} there, {config[k]!r} here" for k in diffs)
        raise RunFolderError(f"{run_dir} holds a finished run of another config ({fields}); set another "
                             f"results_dir (--results-dir DIR), or pass --overwrite to replace it.")
    print(f"{run_dir}: already finished (test error {100 * saved['test_error']:.2f}%); skipped."
          + (f" {replacement}/ holds an interrupted --overwrite: run its config to resume it, or delete "
             f"the folder." if checkpoint.exists(replacement) else
             " To train another run, set --results-dir DIR; to retrain this one, pass --overwrite."))
    return saved


def _train_in(config, run_dir, data, start_over):
    """fit_run in `run_dir`, held by process 0 (`run_folder.claimed`: made, locked, removed again if
    nothing was written); the other processes of a several-process training only read it."""
    with claimed(run_dir) if backend.writes_files() else contextlib.nullcontext():
        return fit_run(config, run_dir, data, start_over=start_over)


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
        train_run(run_config(config, run), os.path.join(config.results_dir, f"run_{run}"), data, fresh=fresh, overwrite=overwrite)
    if not backend.writes_files():
        return None
    summary = summarize(finished_runs(config.results_dir, config))
    summary_path = os.path.join(config.results_dir, "summary.json")
    if not os.path.exists(summary_path) or read_json(summary_path) != summary:  # a shipped folder stays untouched
        write_json(summary_path, summary)
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
