"""initial_model: a run that starts from a saved model's weights, then trains with its own config."""
import hashlib
import json

import numpy as np
import pytest
import tensorflow as tf

import ram
import run_mnist
from ram.saving import load_initial_weights, load_model
from ram.training import build_model
from helpers import ROOT, SMALL, cli_args

pytestmark = pytest.mark.slow  # end-to-end trainings: `pytest -m "not slow"` skips them

FIELDS = {**SMALL, "train_size": 512, "validation_size": 500, "epochs": 1, "batch_size": 64, "glimpses": 4}


def _args(results, mnist_path, **fields):
    return cli_args(mnist_path, results, **{**FIELDS, **fields})


@pytest.fixture(scope="module")
def saved(tmp_path_factory, mnist_path):
    results = tmp_path_factory.mktemp("initial") / "a"
    run_mnist.main(_args(results, mnist_path))
    return results / "run_0"


@pytest.mark.parametrize("name", ["model.h5", "weights.json"])
def test_starts_with_the_saved_predictions_then_trains_on(saved, tmp_path, mnist_path, name):
    source = saved / name
    config = ram.make_config({**FIELDS, "initial_model": str(source), "seed": 5, "data_path": mnist_path})
    model = build_model(config, 8)
    load_initial_weights(model, source)
    original = load_model(source)
    images = tf.constant(np.random.default_rng(0).random((32, 28, 28)), tf.float32)
    for m in (model, original):
        m.reseed(3)
    np.testing.assert_array_equal(model(images).numpy(), original(images).numpy())  # before any update

    run_mnist.main(_args(tmp_path / "b", mnist_path, initial_model=str(source), learning_rate=1e-2))
    doc = json.loads((tmp_path / "b" / "run_0" / "results.json").read_text())
    assert doc["initial_model"]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    trained = load_model(tmp_path / "b" / "run_0" / "model.h5")
    for m in (trained, original):
        m.reseed(3)
    assert not np.array_equal(trained(images).numpy(), original(images).numpy())  # one epoch changed it


def test_other_glimpse_count_is_fine_other_weight_shapes_are_not(saved, tmp_path, mnist_path):
    config = ram.make_config({**FIELDS, "glimpses": 6, "data_path": mnist_path})
    load_initial_weights(build_model(config, 8), saved / "model.h5")  # 4 glimpses seed 6
    with pytest.raises(SystemExit) as exit_info:
        run_mnist.main(_args(tmp_path / "c", mnist_path, initial_model=str(saved / "model.h5"), core_size=48,
                             patch_size=6))
    message = str(exit_info.value.code)
    assert "core_size: file has 32, config has 48" in message and "patch_size: file has 8, config has 6" in message
    assert not (tmp_path / "c" / "run_0" / "results.json").exists()  # nothing trained


def test_a_killed_run_resumes_from_its_own_checkpoint_not_the_initial_model(saved, tmp_path, mnist_path):
    """Ctrl-C after the first epoch, then the initial model file is gone: the resume needs only the
    run's checkpoint, and the finished run still records where its weights came from."""
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import time
    source = tmp_path / "start.h5"
    shutil.copy(saved / "model.h5", source)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    results = tmp_path / "b"
    command = [sys.executable, os.path.join(ROOT, "run_mnist.py"),
               *_args(results, mnist_path, initial_model=str(source), epochs=3)]
    env = {**os.environ, "PYTHONPATH": ROOT}
    p = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 240
    while not (results / "run_0" / "checkpoint.npz").exists() and p.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    out = p.communicate(timeout=240)[0]
    assert p.returncode == 130 and "starting from the weights of" in out, out[-2000:]
    source.unlink()
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "resuming after epoch" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]
    doc = json.loads((results / "run_0" / "results.json").read_text())
    assert doc["finished"] and doc["initial_model"]["sha256"] == digest
