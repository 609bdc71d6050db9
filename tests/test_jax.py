"""The JAX backend, checked from the TensorFlow suite: each check runs in a subprocess with
KERAS_BACKEND=jax. Model files cross backends with identical predictions; a short real-MNIST
training learns, evaluates and trains further; a killed run resumes exactly; DataParallel over 2 CPU
devices in one process and over 2 processes on localhost."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

import ram
from helpers import (CROSS_BACKEND_MODELS, MODEL_FILES, ROOT, cli_args, read_model_files,
                     without_tensorflow_load_notes, write_model_files)
from test_resume import FIELDS, _epochs_recorded, _final, assert_same_run

# test_resume's run, shorter; compiled (on JAX a step not compiled runs op by op: minutes)
RESUME_FIELDS = {**FIELDS, "jit_compile": True, "epochs": 6, "decay_epochs": 6}

PRELUDE = f"import json, sys\nsys.path[:0] = [{ROOT!r}, {os.path.join(ROOT, 'tests')!r}]\n"


def _env(devices=1, **extra):
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ROOT, **extra}
    if devices > 1:  # JAX's CPU split into this many devices
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    return env


def _jax(code, devices=1, timeout=300):
    """Runs `code` on JAX; returns the JSON its last output line holds."""
    out = subprocess.run([sys.executable, "-c", PRELUDE + code], cwd=ROOT, env=_env(devices), capture_output=True,
                         text=True, timeout=timeout)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _start(script, args, **env):
    return subprocess.Popen([sys.executable, os.path.join(ROOT, script), *args], cwd=ROOT, env=_env(**env),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _same(a, b, what):
    np.testing.assert_allclose(np.array(a["logits"]), np.array(b["logits"]), rtol=1e-5, atol=1e-5, err_msg=what)
    if a["call"] is not None:
        np.testing.assert_allclose(np.array(a["call"]), np.array(b["call"]), rtol=1e-5, atol=1e-6, err_msg=what)


@pytest.mark.slow  # two processes load TensorFlow and JAX: about 20 s
def test_model_files_cross_backends_with_identical_predictions(tmp_path):
    """.h5, .keras and .json written on either backend load on the other and predict the same; the
    same weights compute the same on both."""
    made_here = write_model_files(tmp_path / "tensorflow")
    made_there, read_there = _jax(f"from helpers import read_model_files, write_model_files\n"
                                  f"print(json.dumps([write_model_files({str(tmp_path / 'jax')!r}), "
                                  f"read_model_files({str(tmp_path / 'tensorflow')!r})]))")
    read_here = read_model_files(tmp_path / "jax")
    for kind in CROSS_BACKEND_MODELS:
        _same(made_there[kind], made_here[kind], f"{kind}: the same weights on JAX and TensorFlow")
        for name in MODEL_FILES:
            _same(read_there[f"{kind}/{name}"], made_here[kind], f"{kind}/{name} from TensorFlow, loaded on JAX")
            _same(read_here[f"{kind}/{name}"], made_there[kind], f"{kind}/{name} from JAX, loaded on TensorFlow")


def test_an_unsupported_backend_is_named_in_one_line(tmp_path):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "run_mnist.py"), "--epochs", "1", "--results-dir",
                          str(tmp_path / "r")], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "KERAS_BACKEND": "numpy", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert out.returncode == 1
    assert "error: KERAS_BACKEND=numpy: RAM runs on tensorflow or jax" in out.stderr, out.stderr[-2000:]
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_data_parallel_step_on_two_devices_equals_one_device_step_and_replicas_draw_their_own_noise():
    """One DataParallel step over 2 CPU devices gives the weights of the same step on one device (JAX
    draws the noise of the global batch, so even the sampled paths agree); predicting a batch of twice
    the same images, split over the 2 devices, the halves draw different first glimpses."""
    result = _jax("""
import numpy as np
import jax, ram.training
from helpers import small_config
rng = np.random.default_rng(0)
images, labels = rng.random((8, 28, 28)).astype("float32"), np.arange(8) % 10
weights = {}
for name, fields in (("one", {}), ("data_parallel", {"distribute": "data_parallel"})):
    model = ram.training.build_model(small_config(seed=2, **fields), 10)
    model.train_on_batch(images, labels)
    weights[name] = model.get_weights()
diff = max(float(np.max(np.abs(a - b))) for a, b in zip(weights["one"], weights["data_parallel"]))
scale = max(float(np.max(np.abs(a))) for a in weights["one"])
halves = model.predict(np.concatenate([images[:4]] * 2), batch_size=8, verbose=0)  # one half per device
print(json.dumps({"devices": jax.device_count(), "sharding": str(model.trainable_variables[0].value.sharding),
                  "diff": diff, "scale": scale, "halves_differ": float(np.abs(halves[:4] - halves[4:]).max())}))
""", devices=2)
    assert result["devices"] == 2 and "NamedSharding" in result["sharding"], result
    assert result["diff"] <= 1e-5 * max(1.0, result["scale"]), result
    assert result["halves_differ"] > 1e-4, "both devices drew the same first glimpses"


SHORT_RUN = dict(train_size=8000, epochs=3, batch_size=32, core="lstm", glimpses=6, glimpse_hidden=64,
                 location_hidden=32, glimpse_size=128, core_size=128, learning_rate=1e-3, lr_schedule="constant",
                 tensorboard_images_every=1, mc_samples=2)


@pytest.mark.slow
def test_short_real_mnist_training_on_jax_learns_evaluates_and_trains_further(tmp_path, mnist_path):
    """The bound of test_training's TensorFlow training (measured 65.5% there, seed 0); evaluate.py on
    JAX gives the run's own final test; TensorBoard gets its numbers and pictures; --initial-model
    trains on from the file."""
    results = tmp_path / "jx"
    p = _start("run_mnist.py", cli_args(mnist_path, results, **SHORT_RUN))
    out = p.communicate(timeout=400)[0]
    assert p.returncode == 0, out[-3000:]
    doc = json.loads((results / "run_0" / "results.json").read_text())
    assert doc["test_accuracy"] > 0.50, doc["test_accuracy"]
    assert doc["provenance"]["versions"]["backend"] == "jax"
    logs = results / "run_0" / "logs"
    assert list((logs / "train").glob("events.out.tfevents.*")) and list((logs / "glimpses").glob("events.out.tfevents.*"))
    model = results / "run_0" / "model.h5"
    flags = [a for k, v in SHORT_RUN.items() if k in ram.config.ARCHITECTURE_FIELDS + ram.config.WEIGHT_FIELDS + ram.config.MODEL_FIELDS
             for a in (f"--{k.replace('_', '-')}", str(v))]
    p = _start("evaluate.py", ["run_mnist", str(model), "--data", mnist_path, "--out", str(tmp_path / "eval"),
                               "--images", "1", "--samples", "2", *flags])
    out = p.communicate(timeout=300)[0]
    assert p.returncode == 0, out[-3000:]
    assert f"test error (deterministic): {100 * doc['test_error']:.2f}%" in out, out[-2000:]
    assert (tmp_path / "eval" / "Images" / "symbol_0_sheet.png").exists()
    further = tmp_path / "further"
    p = _start("run_mnist.py", cli_args(mnist_path, further, **{**SHORT_RUN, "train_size": 2000, "epochs": 1,
                                                               "initial_model": str(model)}))
    out = p.communicate(timeout=300)[0]
    assert p.returncode == 0 and "starting from the weights of" in out, out[-3000:]
    assert json.loads((further / "run_0" / "results.json").read_text())["test_accuracy"] > 0.50


@pytest.mark.slow
def test_sigkill_mid_epoch_then_resume_on_jax_equals_uninterrupted_run(tmp_path, mnist_path):
    """test_resume's run (dropout, a decaying location std, a test every 2 epochs), killed about
    mid-epoch and resumed on JAX: the same history and final weights as the run left alone. (A JAX
    checkpoint refused on TensorFlow: tests/test_checkpoint.py.)"""
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    p = _start("run_mnist.py", cli_args(mnist_path, reference, **RESUME_FIELDS))
    out = p.communicate(timeout=300)[0]
    assert p.returncode == 0, out[-3000:]
    ref_doc = _final(reference)[0]
    epoch_seconds = float(np.median(np.diff([h["elapsed_seconds"] for h in ref_doc["history"]])))
    p = _start("run_mnist.py", cli_args(mnist_path, killed, **RESUME_FIELDS))
    deadline = time.time() + 240
    while _epochs_recorded(killed) < 2 and p.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.5 * epoch_seconds)  # about mid-epoch
    p.kill()
    out = p.communicate()[0]
    assert p.returncode == -signal.SIGKILL, out[-3000:]
    assert 0 < _epochs_recorded(killed) < RESUME_FIELDS["epochs"]
    p = _start("run_mnist.py", cli_args(mnist_path, killed, **RESUME_FIELDS))
    out = p.communicate(timeout=300)[0]
    assert p.returncode == 0 and "resuming after epoch" in out, out[-3000:]
    assert_same_run(killed, reference)


TWO_PROCESS_RUN = dict(train_size=1024, validation_size=512, batch_size=64, glimpses=4, glimpse_hidden=64,
                       location_hidden=32, glimpse_size=128, core_size=128, epochs=3, early_stopping_patience=0,
                       distribute="data_parallel", tensorboard_images_every=2, steps_per_execution=1, mc_samples=2)


@pytest.mark.slow
def test_two_processes_learn_write_their_files_once_and_resume_after_both_are_killed(tmp_path, mnist_path):
    with socket.socket() as s:  # a free port for JAX's coordinator
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    results = tmp_path / "two"
    args = cli_args(mnist_path, results, **TWO_PROCESS_RUN)

    def start():
        return [_start("run_mnist.py", args, KERAS_DISTRIBUTION_JOB_ADDRESSES=f"localhost:{port}",
                       KERAS_DISTRIBUTION_NUM_PROCESSES="2", KERAS_DISTRIBUTION_PROCESS_ID=str(i)) for i in (0, 1)]

    processes = start()
    deadline = time.time() + 300
    while _epochs_recorded(results) < 1 and all(p.poll() is None for p in processes) and time.time() < deadline:
        time.sleep(0.05)
    for p in processes:
        p.kill()
    outs = [p.communicate()[0] for p in processes]
    assert [p.returncode for p in processes] == [-signal.SIGKILL] * 2, outs[0][-2000:] + outs[1][-2000:]
    assert 1 <= _epochs_recorded(results) < TWO_PROCESS_RUN["epochs"]
    processes = start()
    outs = [p.communicate(timeout=400)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outs[0][-2000:] + outs[1][-2000:]
    for out in outs:
        assert "resuming after epoch" in out
    second = without_tensorflow_load_notes(outs[1])  # absl's notice says "written to STDERR"
    assert "process 1 of 2, training with process 0" in second and "written" not in second, outs[1][-2000:]
    doc = json.loads((results / "run_0" / "results.json").read_text())
    assert doc["finished"] and [h["epoch"] for h in doc["history"]] == [1, 2, 3]
    assert doc["test_accuracy"] > 0.2, doc["test_accuracy"]  # chance: 11.35%
    assert sorted(os.listdir(results / "run_0")) == ["logs", "model.h5", "results.json", "weights.json"]
    assert list((results / "run_0" / "logs" / "glimpses").glob("events.out.tfevents.*"))  # drawn by both, written by 0
