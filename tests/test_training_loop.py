"""The training loop's bookkeeping on tiny runs (128 training, 64 validation and 64 test images):
the learning-rate schedule, the per-epoch test, epoch numbers, early stopping, the best epoch, the
summary's seeds and the data file's provenance."""
import hashlib
import json
import math
import os
import types

import numpy as np
import pytest

import ram
from ram import callbacks, checkpoint, training
from ram.errors import TrainingError
from ram.files import read_json, write_json
from ram.run_folder import run_changes, stopped_early
from ram.training import build_model
from helpers import SMALL, small_config

STEPS = 4  # 128 training images in batches of 32
# seed 4: validation accuracy 10.9, 10.9, 12.5, 14.1% (measured): a tie, then better epochs
TINY = dict(train_size=128, validation_size=64, batch_size=32, epochs=4, decay_epochs=3, learning_rate=0.02,
            early_stopping_patience=2, tensorboard=False, seed=4)
TIMING = ("images_per_second", "train_seconds", "compile_seconds", "elapsed_seconds")


def tiny_data(config):
    """The config's data with only the first 64 test images (the final test's three passes stay short)."""
    data = ram.load_data(config)
    data.x_test, data.y_test = data.x_test[:64], data.y_test[:64]
    return data


def linear_rate(config, steps):
    """The linear schedule in closed form: the rate after `steps` optimizer steps."""
    lr, low = config.learning_rate, config.min_learning_rate
    return max(low, lr - (lr - low) * steps / (config.decay_epochs * STEPS))


def tiny_run(folder, monkeypatch, mnist_path, **fields):
    """train_run of TINY (and `fields`) with the data file from $RAM_MNIST; returns its results document."""
    monkeypatch.setenv("RAM_MNIST", mnist_path)
    config = small_config(**{**TINY, **fields})
    return training.train_run(config, str(folder), tiny_data(config))


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_learning_rate_after_n_optimizer_steps(optimizer):
    """build_model's optimizer: lr - (lr - min_lr) N / (decay_epochs x steps_per_epoch) after N steps
    (3 real ones, then the counter set), never below min_learning_rate."""
    config = small_config(optimizer=optimizer, learning_rate=0.02, min_learning_rate=1e-3, decay_epochs=3)
    model = build_model(config, steps_per_epoch=STEPS)
    images, labels = np.random.default_rng(0).random((4, 28, 28)).astype("float32"), np.arange(4)
    for _ in range(3):
        model.train_on_batch(images, labels)
    assert int(model.optimizer.iterations) == 3
    for steps in (3, 5, 6, 11, 12, 13, 40):
        model.optimizer.iterations.assign(steps)
        assert float(model.optimizer.learning_rate) == pytest.approx(linear_rate(config, steps), rel=1e-5), steps


def test_test_accuracy_puts_the_policy_seed_state_back(mnist_path):
    config = small_config(**{**TINY, "data_path": mnist_path})
    model, data = build_model(config, STEPS), tiny_data(config)
    model.reseed(77)
    model.seed_generator.next()
    before = model.seed_generator.state.numpy().tolist()
    callbacks.test_accuracy(model, data)
    assert model.seed_generator.state.numpy().tolist() == before


def test_history_of_two_tiny_runs(tmp_path, monkeypatch, mnist_path):
    """The same tiny run with a test every epoch and every 2 epochs (one test, so that pytest-xdist
    does not train them twice). Epochs numbered from 1; the rate recorded at epoch e is the
    schedule's after e x steps_per_epoch steps (at min_learning_rate from epoch 3); test_every 2
    tests at epochs 2 and 4 only; the last epoch's test is the final test. The histories (losses,
    accuracies, rates) are the same whatever test_every is: the test puts the policy's random state
    back. best_epoch: the first epoch of the highest validation accuracy; the run went on where a
    patience of 2 says (to its last epoch); without --data, provenance names $RAM_MNIST's file and
    its SHA-256."""
    runs = {k: tiny_run(tmp_path / f"every{k}", monkeypatch, mnist_path, test_every=k) for k in (2, 1)}
    config = small_config(**TINY)
    for every, doc in runs.items():
        history = doc["history"]
        assert [h["epoch"] for h in history] == list(range(1, len(history) + 1))
        for h in history:
            assert h["learning_rate"] == pytest.approx(linear_rate(config, h["epoch"] * STEPS), rel=1e-5), h["epoch"]
        tested = [h["epoch"] for h in history if "test_accuracy" in h]
        assert tested == [e for e in range(1, len(history) + 1) if e % every == 0]
    every_epoch = runs[1]
    assert every_epoch["history"][-1]["test_accuracy"] == pytest.approx(every_epoch["test_accuracy"], abs=1e-9)

    strip = [{k: v for k, v in h.items() if k not in TIMING + ("test_accuracy",)} for h in runs[1]["history"]]
    assert strip == [{k: v for k, v in h.items() if k not in TIMING + ("test_accuracy",)} for h in runs[2]["history"]]
    for name in ("test_error", "test_error_sampled", "test_error_mc", "best_epoch"):
        assert runs[1][name] == runs[2][name], name

    doc = runs[2]
    val = [h["val_accuracy"] for h in doc["history"]]
    assert len(set(val)) > 1, val  # a choice to make
    assert doc["best_epoch"] == 1 + int(np.argmax(val)) and doc["weights_epoch"] == len(val) == stop_epoch(val, 2, 4) == 4
    assert not doc["stopped_early"] and doc["config"]["data_path"] is None
    with open(mnist_path, "rb") as f:
        assert doc["provenance"]["data"] == {"file": "mnist.npz", "sha256": hashlib.sha256(f.read()).hexdigest()}


def test_an_interrupted_run_is_unfinished_on_disk_and_resumes_after_its_last_epoch(tmp_path, monkeypatch,
                                                                                   mnist_path):
    """A stop right after epoch 1's files (Ctrl-C, here its KeyboardInterrupt): results.json says
    unfinished after 1 epoch beside the checkpoint; train_run again resumes at epoch 2, finishes, and
    removes the checkpoint."""
    finish = callbacks.EpochRecorder.on_epoch_end

    def on_epoch_end(self, epoch, logs):
        finish(self, epoch, logs)
        raise KeyboardInterrupt
    monkeypatch.setattr(callbacks.EpochRecorder, "on_epoch_end", on_epoch_end)
    with pytest.raises(KeyboardInterrupt):
        tiny_run(tmp_path, monkeypatch, mnist_path, epochs=2)
    saved = read_json(tmp_path / "results.json")
    assert not saved["finished"] and saved["epochs_trained"] == 1 and checkpoint.exists(str(tmp_path))
    monkeypatch.setattr(callbacks.EpochRecorder, "on_epoch_end", finish)
    doc = tiny_run(tmp_path, monkeypatch, mnist_path, epochs=2)
    assert doc["finished"] and [h["epoch"] for h in doc["history"]] == [1, 2]
    assert read_json(tmp_path / "results.json") == doc and not checkpoint.exists(str(tmp_path))


def stop_epoch(val, patience, epochs):
    """Where early stopping ends a run, counted here: after epoch n once n - (the first epoch of the best
    accuracy so far) reaches `patience`."""
    for n in range(1, epochs + 1):
        best = 1 + int(np.argmax(val[:n]))
        if n - best >= patience:
            return n
    return epochs


def test_early_stopping_stops_where_its_patience_says(tmp_path, monkeypatch, mnist_path):
    """patience 1: the run ends after the first epoch without a better validation accuracy (a tie is
    none: epoch 2 here), and best_epoch and restore_best_weights's weights_epoch name the best one."""
    doc = tiny_run(tmp_path, monkeypatch, mnist_path, early_stopping_patience=1, restore_best_weights=True,
                   epochs=3, test_every=10)
    val = [h["val_accuracy"] for h in doc["history"]]
    assert len(val) == stop_epoch(val, 1, 3) < 3, val
    assert doc["stopped_early"] and doc["best_epoch"] == doc["weights_epoch"] == 1 + int(np.argmax(val))


def test_early_stopping_patience_counts_only_where_it_would_end_the_run_elsewhere():
    config = ram.make_config({**SMALL, "epochs": 6, "early_stopping_patience": 2})
    def saved(val, patience):
        return {"config": {**config, "early_stopping_patience": patience},
                "history": [{"epoch": i + 1, "val_accuracy": v} for i, v in enumerate(val)]}
    stopped = saved([0.5, 0.6, 0.7, 0.6, 0.65], patience=2)  # two epochs without a better one: stopped at 5 of 6
    assert run_changes(stopped, config) == []
    assert run_changes(stopped, config.replace(early_stopping_patience=3)) == ["early_stopping_patience"]
    assert run_changes(stopped, config.replace(early_stopping_patience=0)) == ["early_stopping_patience"]
    full = saved([0.5, 0.6, 0.7, 0.6, 0.65, 0.71], patience=0)  # all 6 epochs; patience 2 would have stopped at 5
    assert run_changes(full, config) == ["early_stopping_patience"]
    assert run_changes(full, config.replace(early_stopping_patience=3)) == []
    assert run_changes(full, config.replace(early_stopping_patience=0)) == []
    assert run_changes(full, config.replace(early_stopping_patience=3, location_std=0.3)) == ["location_std"]


@pytest.mark.parametrize("val, patience", [([0.5, 0.6, 0.6, 0.6], 2), ([0.5, 0.6, 0.6, 0.6], 3),
                                           ([0.7, 0.6, 0.7, 0.8], 1), ([0.7, 0.6, 0.7, 0.8], 2), ([0.9], 1),
                                           ([0.7, 0.6, 0.7], 2), ([0.8, 0.6], 1)])
def test_stopped_early_is_the_patience_rule(val, patience):
    """A tie is no improvement: the wait counts from the first epoch of the best accuracy."""
    history = [{"val_accuracy": v} for v in val]
    assert stopped_early(history, patience) == (stop_epoch(val, patience, 99) == len(val))


def test_summary_names_each_runs_seed(tmp_path, monkeypatch):
    """train_all trains run i with seed + i and lists the seeds of the finished runs in order (the
    training itself replaced by a results file that records its config)."""
    def train_run(config, run_dir, data, **_):
        doc = {"finished": True, "config": dict(config), "history": [], "wall_seconds": 1.0, "epochs_trained": 1,
               "test_accuracy": 0.9 + config.seed / 100, "test_error_sampled": 0.2, "test_error_mc": 0.1}
        doc["test_error"] = 1 - doc["test_accuracy"]
        os.makedirs(run_dir, exist_ok=True)
        write_json(os.path.join(run_dir, "results.json"), doc)
        return doc
    monkeypatch.setattr(training, "load_data", lambda config, devices=None: types.SimpleNamespace(config=config))
    monkeypatch.setattr(training, "train_run", train_run)
    summary = training.train_all(small_config(runs=3, seed=7, results_dir=str(tmp_path)))
    assert summary["seeds"] == [7, 8, 9] and summary["test_accuracy"] == pytest.approx([0.97, 0.98, 0.99])
    assert summary["runs"] == 3
    # the same runs again: summary.json, already theirs, is not rewritten (a shipped folder keeps its mtime)
    path = tmp_path / "summary.json"
    os.utime(path, ns=(0, 0))
    assert training.train_all(small_config(runs=3, seed=7, results_dir=str(tmp_path))) == summary
    assert path.stat().st_mtime_ns == 0 and json.loads(path.read_text()) == summary
    # run by run, one process each (--only-run): the summary grows with every finished run
    other = tmp_path / "one_by_one"
    for run in range(3):
        summary = training.train_all(small_config(runs=3, seed=7, results_dir=str(other)), only_run=run)
        assert json.loads((other / "summary.json").read_text())["seeds"] == [7, 8, 9][:run + 1] == summary["seeds"]


def test_a_finished_run_is_skipped_with_what_to_do_instead(tmp_path, capsys):
    """train_run on a finished run of the same config returns its results untouched and says how to
    train another (--results-dir) or retrain it (--overwrite)."""
    config = small_config(results_dir=str(tmp_path))
    run_dir = str(tmp_path / "run_0")
    doc = {"finished": True, "config": dict(config), "history": [], "test_error": 0.0123}
    os.makedirs(run_dir)
    write_json(os.path.join(run_dir, "results.json"), doc)
    before = open(os.path.join(run_dir, "results.json")).read()
    assert training.train_run(config, run_dir, data=None)["test_error"] == 0.0123  # no data: nothing trains
    out = capsys.readouterr().out
    assert f"{run_dir}: already finished (test error 1.23%); skipped." in out
    assert "--results-dir DIR" in out and "--overwrite" in out
    assert open(os.path.join(run_dir, "results.json")).read() == before


@pytest.mark.parametrize("loss", [math.inf, -math.inf, math.nan])
def test_a_loss_that_is_not_finite_stops_training_naming_it(loss):
    """inf and -inf stop the run as NaN does, and the message names the value and the step."""
    config = small_config(steps_per_execution=1)
    recorder = callbacks.EpochRecorder(config, None, "run_0", {}, None, types.SimpleNamespace(check=lambda: None), 0.0)
    recorder.on_epoch_begin(2)
    recorder.on_train_batch_end(0, {"loss": 1.5})  # a finite loss trains on
    with pytest.raises(TrainingError, match=rf"loss became {loss} at epoch 3, step 4"):
        recorder.on_train_batch_end(3, {"loss": loss})
