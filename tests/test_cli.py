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
from ram.data import DataError
from ram.datasets.mnist import load_mnist
from ram.callbacks import EpochRecorder
from ram.interrupt import Interrupt
from ram.run_folder import finish_replacement, results_dir_problem
from helpers import ROOT, SMALL, cli_args

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


def test_a_swallowed_interrupt_still_stops_and_one_during_the_checkpoint_waits_for_it(capsys):
    handler = signal.getsignal(signal.SIGINT)
    with Interrupt() as interrupt:
        try:
            interrupt._handle(signal.SIGINT, None)
        except KeyboardInterrupt:
            pass  # as Python does with an exception raised inside a __del__
        with pytest.raises(KeyboardInterrupt):
            interrupt.check()  # at the next batch or epoch
    with Interrupt() as interrupt:
        with pytest.raises(KeyboardInterrupt):
            with interrupt.writing():
                interrupt._handle(signal.SIGINT, None)  # no raise: the checkpoint is written whole
                written = True
        assert written and "Stopping once this epoch's checkpoint is written" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGINT) is handler  # put back


def _interrupt_after_first_epoch(monkeypatch):
    """Ctrl-C right after the first epoch's checkpoint (in this process: SystemExit 130)."""
    finish = EpochRecorder.on_epoch_end

    def on_epoch_end(self, epoch, logs):
        finish(self, epoch, logs)
        raise KeyboardInterrupt
    monkeypatch.setattr(EpochRecorder, "on_epoch_end", on_epoch_end)


@pytest.mark.slow
def test_interrupted_overwrite_keeps_the_finished_run_until_its_replacement_finishes(tmp_path, mnist_path, monkeypatch,
                                                                                     capsys):
    results = tmp_path / "results"
    run_dir = results / "run_0"
    run_mnist.main(_args(results, mnist_path))
    out = capsys.readouterr().out
    assert "done, 1 epoch in" in out
    assert re.search(r"1 finished run in \S+: test error [\d.]+% \(deterministic", out), out  # no spread of one run
    before = (run_dir / "results.json").read_text()

    _interrupt_after_first_epoch(monkeypatch)
    with pytest.raises(SystemExit) as exit_info:
        run_mnist.main(_args(results, mnist_path, epochs=2, location_std=0.2) + ["--overwrite"])
    assert exit_info.value.code == 130
    monkeypatch.undo()
    assert "retraining the finished run in" in capsys.readouterr().out
    assert (run_dir / "results.json").read_text() == before  # whole and evaluable
    assert evaluate.best_model(str(results)) == str(run_dir / "model.h5")
    ram.saving.load_model(run_dir / "model.h5")
    assert checkpoint.exists(str(run_dir) + ".overwrite")

    # the old config: still finished, skipped, with a word on the interrupted retraining
    summary = run_mnist.main(_args(results, mnist_path))
    out = capsys.readouterr().out
    assert re.search(r"already finished \(test error [\d.]+%\); skipped\. .*run_0.overwrite/ holds an interrupted "
                     r"--overwrite", out), out
    assert summary["runs"] == 1

    # the new config without --overwrite: says it resumes the retraining, which then takes run_0's place
    run_mnist.main(_args(results, mnist_path, epochs=2, location_std=0.2))
    out = capsys.readouterr().out
    assert "resuming its interrupted --overwrite" in out and "resuming after epoch 1" in out, out
    doc = json.loads((run_dir / "results.json").read_text())
    assert doc["finished"] and doc["epochs_trained"] == 2 and doc["config"]["location_std"] == 0.2
    assert sorted(p.name for p in results.iterdir()) == ["run_0", "summary.json"]


@pytest.mark.parametrize("left", [{"run_0.replaced": "old", "run_0.overwrite": "new"},  # killed between the renames
                                  {"run_0": "old", "run_0.overwrite": "new"},  # after training, before the swap
                                  {"run_0": "new", "run_0.replaced": "old"}])  # before deleting the old run
def test_a_swap_cut_short_by_a_kill_is_completed(tmp_path, left):
    for name, tag in left.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps({"finished": True, "tag": tag}))
    finish_replacement(str(tmp_path / "run_0"))
    assert [p.name for p in tmp_path.iterdir()] == ["run_0"]
    assert json.loads((tmp_path / "run_0" / "results.json").read_text())["tag"] == "new"


def test_early_errors_create_no_folders(tmp_path, mnist_path):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not a model")
    with pytest.raises(SystemExit, match="not a readable RAM .h5"):
        run_mnist.main(_args(tmp_path / "new", mnist_path, initial_model=str(bad)))
    assert not (tmp_path / "new").exists()
    other = tmp_path / "other.h5"
    ram.saving.save_model(ram.training.build_model(ram.make_config({**SMALL, "glimpse_hidden": 8}), 1), other)
    (tmp_path / "kept").mkdir()
    with pytest.raises(SystemExit, match="other shapes"):
        run_mnist.main(_args(tmp_path / "kept", mnist_path, initial_model=str(other)))
    assert list((tmp_path / "kept").iterdir()) == []  # the folder that was there stays, run_0/ is gone


@pytest.mark.parametrize("where", ["under a file", "in /proc"])
def test_an_unwritable_results_dir_is_a_config_error_before_anything_loads(where, tmp_path, monkeypatch):
    """Listed with the other bad fields in one message, one line each, before data or training start
    (train_all would fail the test); nothing is created."""
    if where == "in /proc" and not os.path.isdir("/proc/self"):
        pytest.skip("no /proc here")
    (tmp_path / "a_file").write_text("")
    results = tmp_path / "a_file" / "runs" if where == "under a file" else "/proc/ram_runs"
    monkeypatch.setattr("ram.training.train_all", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(SystemExit) as exit_info:
        run_mnist.main(["--results-dir", str(results), "--learning-rate", "-1", "--data", str(tmp_path / "none.npz")])
    lines = str(exit_info.value.code).splitlines()
    assert lines[0] == "error: invalid config:" and any(line.strip().startswith("learning_rate") for line in lines)
    problem, = [line.strip() for line in lines if line.strip().startswith("results_dir")]
    expected = (f"{tmp_path / 'a_file'} is a file" if where == "under a file" else
                "making a folder in /proc fails (No such file or directory)")
    assert expected in problem and problem.endswith("choose another --results-dir"), problem
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"] and not os.path.exists("/proc/ram_runs")
    assert results_dir_problem(str(tmp_path / "new" / "deeper")) is None
    assert not (tmp_path / "new").exists()


@pytest.mark.slow
def test_evaluate_hint_gives_every_flag_the_model_needs(tmp_path, mnist_path):
    """`python evaluate.py run_mnist <a translated model>`: the hinted command runs as printed."""
    results = tmp_path / "translated"
    run_translated_mnist.main(_args(results, mnist_path, glimpses=3))
    model = results / "run_0" / "model.h5"
    out = ["--data", mnist_path, "--out", str(tmp_path / "out"), "--images", "1", "--samples", "1"]
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(["run_mnist", str(model), *out])
    flags = re.search(r"this one with `([^`]*)`", str(exit_info.value.code)).group(1)
    assert "--dataset translated_mnist" in flags and "--image-size 60" in flags
    reports = evaluate.main(["run_mnist", str(model), *shlex.split(flags), *out])
    doc = json.loads((results / "run_0" / "results.json").read_text())
    assert reports["deterministic"]["error"] == pytest.approx(doc["test_error"])
    # a model file alone: the data set guessed from its canvas
    alone = tmp_path / "alone.h5"
    alone.write_bytes(model.read_bytes())
    with pytest.raises(SystemExit, match=r"--dataset translated_mnist.*no results.json beside it"):
        evaluate.main(["run_mnist", str(alone), *out])


def test_evaluate_help_opens_with_its_own_arguments(capsys):
    with pytest.raises(SystemExit):
        evaluate.parse_args(["--help"])
    assert re.match(r"usage: \S+ config \[model\] \[--images N\]", capsys.readouterr().out)  # not 60 config flags


def test_data_file_errors_say_what_is_wrong(tmp_path, monkeypatch):
    with pytest.raises(DataError, match=r"README.md is not an MNIST .npz file") as error:
        load_mnist(os.path.join(ROOT, "README.md"))
    assert "allow_pickle" not in str(error.value)
    monkeypatch.setenv("RAM_MNIST", str(tmp_path / "nope.npz"))
    with pytest.raises(DataError, match=r"not found: \S*nope.npz \(from RAM_MNIST\)"):
        load_mnist()


@pytest.mark.parametrize("probe", ["error_distance", "evaluation_seeds", "first_glimpse_grid", "train_test_gap"])
def test_probe_help_prints_no_tensorflow_log_lines(probe):
    """A probe's --help loads no TensorFlow, so nothing it prints while loading (its oneDNN note) shows."""
    out = subprocess.run([sys.executable, "-m", f"tools.probes.{probe}", "--help"],
                         cwd=ROOT, env={k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.startswith(f"usage: {probe}.py config model")
    assert out.stderr == "", out.stderr


@pytest.mark.parametrize("replacement", [{"finished": False, "tag": "new"}, None])  # killed mid-training, or before its first epoch
def test_an_unfinished_retraining_is_never_swapped_in(tmp_path, replacement):
    """finish_replacement leaves a finished run in place while its run_0.overwrite/ has not finished."""
    (tmp_path / "run_0").mkdir()
    (tmp_path / "run_0" / "results.json").write_text(json.dumps({"finished": True, "tag": "old"}))
    (tmp_path / "run_0.overwrite").mkdir()
    if replacement is not None:
        (tmp_path / "run_0.overwrite" / "results.json").write_text(json.dumps(replacement))
    finish_replacement(str(tmp_path / "run_0"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run_0", "run_0.overwrite"]
    assert json.loads((tmp_path / "run_0" / "results.json").read_text())["tag"] == "old"
