"""The command lines' rough edges: Ctrl-C, an interrupted --overwrite, early errors, hints, messages."""
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import pytest

import evaluate
import ram
import run_mnist
import run_translated_mnist
from ram import checkpoint
from ram.data import DataError, load_mnist
from ram.training import EpochRecorder, _finish_replacement
from helpers import SMALL, cli_args

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIELDS = {**SMALL, "train_size": 512, "validation_size": 200, "epochs": 1, "batch_size": 64, "test_every": 1}


def _args(results, mnist_path, **fields):
    return cli_args(mnist_path, results, **{**FIELDS, **fields})


@pytest.mark.slow
def test_ctrl_c_leaves_at_once_with_status_130(tmp_path, mnist_path):
    """SIGINT while training: out within seconds (no wait on tf.data's threads at shutdown), status 130,
    no traceback. tools/interrupt_trial.py repeats this at random moments."""
    results = tmp_path / "results"
    p = subprocess.Popen([sys.executable, os.path.join(ROOT, "run_mnist.py"), *_args(results, mnist_path, epochs=1000)],
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT}, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 240
    while not checkpoint.exists(results / "run_0") and p.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    sent = time.perf_counter()
    try:
        p.wait(timeout=30)
    finally:
        p.kill()
    seconds = time.perf_counter() - sent
    out = p.stdout.read()
    assert p.returncode == 130 and "interrupted" in out and "Traceback" not in out, out[-3000:]
    assert seconds < 5, f"{seconds:.1f} s from SIGINT to exit"
    assert json.loads((results / "run_0" / "results.json").read_text())["epochs_trained"] >= 1
