"""Faults: SIGKILL at chosen moments (mid-epoch, late in an epoch, mid-write), Ctrl-C, NaN loss."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

import ram
from ram import checkpoint
from ram.callbacks import ResumableEarlyStopping
from ram.errors import RunFolderError, TrainingError
from ram.training import train_run
from helpers import ROOT, SMALL, cli_args, small_config

pytestmark = pytest.mark.slow  # end-to-end trainings: `pytest -m "not slow"` skips them

FIELDS = {**SMALL, "train_size": 640, "validation_size": 200, "epochs": 14, "batch_size": 64, "test_every": 2,
          "early_stopping_patience": 0, "seed": 4, "initial_location_std": 0.3, "decay_epochs": 14, "dropout": 0.1}
# Kills the process in the middle of the Nth atomic write, after half the temp file is written.
KILL_MID_WRITE = """
import os, signal, sys
sys.path.insert(0, {root!r})
import ram.checkpoint, ram.files, ram.saving, run_mnist

calls = [0]
real = ram.files.atomic_write
def dying_write(path, write):
    calls[0] += 1
    if calls[0] == {n}:
        def half(temp):
            write(temp)
            size = os.path.getsize(temp)
            with open(temp, "r+b") as f:
                f.truncate(size // 2)
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, half)
    return real(path, write)
ram.files.atomic_write = dying_write  # write_json's
ram.saving.atomic_write = dying_write
ram.checkpoint.atomic_write = dying_write
run_mnist.main({args!r})
"""


def _args(results_dir, mnist_path):
    return cli_args(mnist_path, results_dir, **FIELDS)


def _start(args, code=None):
    command = [sys.executable, "-c", code] if code else [sys.executable, os.path.join(ROOT, "run_mnist.py"), *args]
    env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _final(results_dir):
    run_dir = results_dir / "run_0"
    doc = json.loads((run_dir / "results.json").read_text())
    return doc, ram.saving.read_weights_json(run_dir / "weights.json")[1]


def _check_results_valid(results_dir):
    path = results_dir / "run_0" / "results.json"
    if path.exists():
        doc = json.loads(path.read_text())  # never a partial file
        epochs = [h["epoch"] for h in doc["history"]]
        assert epochs == list(range(1, len(epochs) + 1))
    if (results_dir / "run_0" / checkpoint.NAME).exists():
        with np.load(results_dir / "run_0" / checkpoint.NAME) as f:
            json.loads(f["meta"].tobytes())


def _epochs_recorded(results_dir):
    """Epochs in the run's results.json (written atomically after each epoch's checkpoint)."""
    path = results_dir / "run_0" / "results.json"
    return len(json.loads(path.read_text())["history"]) if path.exists() else 0


def assert_same_run(results_dir, reference):
    """The run in `results_dir` has the epochs, history, final test and weights of the one in `reference`."""
    (doc, weights), (ref_doc, ref_weights) = _final(results_dir), _final(reference)
    assert doc["epochs_trained"] == ref_doc["epochs_trained"]
    assert [h["epoch"] for h in doc["history"]] == [h["epoch"] for h in ref_doc["history"]]
    for a, b in zip(doc["history"], ref_doc["history"]):
        assert a["val_accuracy"] == pytest.approx(b["val_accuracy"], abs=1e-6)
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-4, abs=1e-5)
    assert doc["test_accuracy"] == pytest.approx(ref_doc["test_accuracy"], abs=1e-6)
    for name, value in ref_weights.items():
        np.testing.assert_allclose(weights[name], value, rtol=1e-4, atol=1e-5, err_msg=name)


def test_sigkill_mid_epoch_and_mid_write_then_resume_equals_uninterrupted_run(tmp_path, mnist_path):
    reference = tmp_path / "reference"
    done = _start(_args(reference, mnist_path))
    assert done.wait(timeout=300) == 0, done.stdout.read()
    ref_doc = _final(reference)[0]

    killed = tmp_path / "killed"
    # mid-write kills: inside the 2nd and 5th atomic writes (checkpoint / results of early epochs)
    for n in (2, 5):
        p = _start(None, KILL_MID_WRITE.format(root=ROOT, n=n, args=_args(killed, mnist_path)))
        assert p.wait(timeout=300) == -signal.SIGKILL
        _check_results_valid(killed)
    # kills after this process finished an epoch, a fraction of one epoch's wall time later (so the run can
    # never finish first): about mid-epoch, and late in an epoch or during its writes.
    epoch_seconds = float(np.median(np.diff([h["elapsed_seconds"] for h in ref_doc["history"]])))
    for fraction in (0.4, 0.85):
        before = _epochs_recorded(killed)
        p = _start(_args(killed, mnist_path))
        deadline = time.time() + 240
        while _epochs_recorded(killed) == before and p.poll() is None and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(fraction * epoch_seconds)
        p.kill()
        out = p.communicate()[0]
        assert p.returncode == -signal.SIGKILL, out
        assert "resuming after epoch" in out
        assert _epochs_recorded(killed) < FIELDS["epochs"]
        _check_results_valid(killed)
    p = _start(_args(killed, mnist_path))
    out = p.communicate(timeout=300)[0]
    assert p.returncode == 0, out
    assert_same_run(killed, reference)
    # (that running a finished run again retrains nothing: tests/test_training.py, in-process)


def test_ctrl_c_stops_cleanly_and_resumes(tmp_path, mnist_path):
    results = tmp_path / "results"
    p = _start(_args(results, mnist_path))
    deadline = time.time() + 300
    while not (results / "run_0" / checkpoint.NAME).exists() and p.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    assert (results / "run_0" / checkpoint.NAME).exists(), "no epoch finished in 300 s: nothing to resume"
    p.send_signal(signal.SIGINT)
    out = p.communicate(timeout=120)[0]
    assert p.returncode == 130 and "interrupted" in out and "Traceback" not in out, out
    _check_results_valid(results)
    p = _start(_args(results, mnist_path))
    out = p.communicate(timeout=300)[0]
    assert p.returncode == 0 and "resuming after epoch" in out, out


def test_nan_loss_stops_with_epoch_and_step_and_keeps_checkpoint(tmp_path, mnist_path):
    config = small_config(**{**FIELDS, "data_path": mnist_path, "early_stopping_patience": 0})
    data = ram.load_data(config)
    clean = data.train
    poison_at = data.steps_per_epoch + 3  # epoch 2, step 4

    def poisoned(seed, first_epoch=0):
        def nan_after(i, batch):
            images = tf.where(i >= poison_at, tf.fill(tf.shape(batch[0]), np.nan), batch[0])
            return images, batch[1]
        return clean(seed, first_epoch).enumerate().map(nan_after)
    data.train = poisoned
    run_dir = tmp_path / "run_0"
    with pytest.raises(TrainingError, match="loss became nan at epoch 2, step 4"):
        train_run(config, str(run_dir), data)
    model = ram.training.build_model(config, data.steps_per_epoch)
    state, _ = checkpoint.load(str(run_dir), model, config)
    assert [h["epoch"] for h in state["history"]] == [1]
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_corrupt_checkpoint_and_checkpoint_of_another_config(tmp_path):
    config = small_config()
    model = ram.training.build_model(config, 10)
    (tmp_path / checkpoint.NAME).write_bytes(b"garbage")
    with pytest.raises(ram.saving.ModelFileError, match="checkpoint.*unreadable.*--fresh"):
        checkpoint.load(str(tmp_path), model, config)
    early = ResumableEarlyStopping(monitor="val_accuracy")
    early.on_train_begin()
    checkpoint.save(str(tmp_path), model, early, {"config": dict(config), "history": [], "wall_seconds": 0})
    with pytest.raises(ram.saving.ModelFileError, match="another config.*location_std.*--fresh"):
        checkpoint.load(str(tmp_path), model, config.replace(location_std=0.3))


def test_files_written_before_a_field_existed_count_it_as_its_default(tmp_path):
    """A checkpoint, finished run or weights file from before `train_paths` existed still matches a
    config that leaves it at its default (1), and only such a config."""
    config = small_config()
    model = ram.training.build_model(config, 10)
    early = ResumableEarlyStopping(monitor="val_accuracy")
    early.on_train_begin()
    old_config = {k: v for k, v in config.items() if k != "train_paths"}
    checkpoint.save(str(tmp_path), model, early, {"config": old_config, "history": [], "wall_seconds": 0})
    checkpoint.load(str(tmp_path), model, config)
    with pytest.raises(ram.saving.ModelFileError, match="another config.*train_paths"):
        checkpoint.load(str(tmp_path), model, config.replace(train_paths=2))
    run_dir = tmp_path / "run_0"
    run_dir.mkdir()
    ram.files.write_json(run_dir / "results.json", {"finished": True, "config": old_config, "test_accuracy": 0.5,
                                                       "test_error": 0.5})
    assert train_run(config, str(run_dir), data=None)["test_accuracy"] == 0.5  # finished: skipped
    with pytest.raises(RunFolderError, match="finished run of another config"):
        train_run(config.replace(train_paths=2), str(run_dir), data=None)
    ram.saving.save_weights_json(model, tmp_path / "weights.json")
    doc = json.loads((tmp_path / "weights.json").read_text())
    del doc["settings"]["train_paths"]
    ram.files.write_json(tmp_path / "weights.json", doc, indent=None)
    loaded = ram.saving.load_model(tmp_path / "weights.json", expected=config)
    assert loaded.settings["train_paths"] == 1
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))
