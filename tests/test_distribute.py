"""tf.distribute: replicas draw their own noise, a short mirrored run learns and resumes (a mirrored
step against one device: tests/test_devices_and_initial_model.py, fast). Each check runs in a
subprocess with the CPU split into 2 logical devices, so the rest of the suite keeps one."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from helpers import ROOT, cli_args

pytestmark = pytest.mark.slow  # end-to-end trainings: `pytest -m "not slow"` skips them

TWO_CPUS = f"""
import sys
sys.path[:0] = [{ROOT!r}, {os.path.join(ROOT, "tests")!r}]
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
"""
SMALL_RUN = dict(train_size=1024, validation_size=500, batch_size=64, glimpses=3, glimpse_hidden=32,
                 location_hidden=16, glimpse_size=64, core_size=64, policy_hidden=16, jit_compile=False,
                 steps_per_execution=1, tensorboard=False, distribute="mirrored", devices="CPU:0,CPU:1")


def _python(code, timeout=300):
    out = subprocess.run([sys.executable, "-c", TWO_CPUS + code], cwd=ROOT, capture_output=True, text=True,
                         timeout=timeout, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_replicas_draw_their_own_noise():
    result = _python("""
import json
import numpy as np
import ram, ram.training
from helpers import small_config

images = np.random.default_rng(0).random((16, 28, 28)).astype("float32")
model = ram.training.build_model(small_config(distribute="mirrored", devices="CPU:0,CPU:1", seed=2), 10)
strategy = model.distribute_strategy
same = tf.constant(images[:4])  # every replica gets these images
paths = strategy.run(lambda x: model.glimpse_path(x, sample=True)["locations"], args=(same,))
first, second = [p.numpy() for p in strategy.experimental_local_results(paths)]
seeds = strategy.run(lambda: tf.stack([model.seed_generator.next(), model.seed_generator.next()]))  # two draws per replica
seeds = np.concatenate([s.numpy() for s in strategy.experimental_local_results(seeds)])
distinct_seeds = len({tuple(s) for s in seeds.tolist()})
print(json.dumps({"replicas": strategy.num_replicas_in_sync,
                  "replica_paths_differ": bool(np.abs(first - second).max() > 1e-3),
                  "distinct_seeds": distinct_seeds}))
""")
    assert result["replicas"] == 2
    assert result["replica_paths_differ"], "both replicas sampled the same glimpse paths"
    assert result["distinct_seeds"] == 4, "a replica's draw reused another replica's seed"


def test_short_mirrored_run_learns_stops_on_ctrl_c_and_resumes(tmp_path, mnist_path):
    args = cli_args(mnist_path, tmp_path / "results", epochs=4, **SMALL_RUN)
    code = f"import run_mnist\nrun_mnist.main({args!r})\nprint('{{}}')"
    p = subprocess.Popen([sys.executable, "-c", TWO_CPUS + code], cwd=ROOT, text=True, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    checkpoint = tmp_path / "results" / "run_0" / "checkpoint.npz"
    deadline = time.time() + 240
    while not checkpoint.exists() and p.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    out = p.communicate(timeout=240)[0]
    assert p.returncode == 130 and "interrupted" in out, out[-3000:]
    _python(code)  # the same command resumes and finishes
    doc = json.loads((tmp_path / "results" / "run_0" / "results.json").read_text())
    assert doc["finished"] and doc["epochs_trained"] == 4 and doc["config"]["distribute"] == "mirrored"
    assert doc["test_accuracy"] > 0.3  # 4 short epochs on 1,024 images: far above chance (0.1)
