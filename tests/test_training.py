"""End to end: the config script's main() on real MNIST, its files, and a short training that learns."""
import hashlib
import json

import numpy as np
import pytest

import ram
import run_mnist
from ram.saving import load_model
from helpers import ROOT, SMALL, cli_args

pytestmark = pytest.mark.slow  # end-to-end trainings: `pytest -m "not slow"` skips them


def _args(tmp_path, mnist_path, results_dir=None, **fields):
    return cli_args(mnist_path, results_dir or tmp_path / "results", **{
        **SMALL, "train_size": 1024, "validation_size": 500, "epochs": 2, "test_every": 1, "batch_size": 64, **fields})


def test_main_writes_every_promised_file(tmp_path, mnist_path, capsys):
    summary = run_mnist.main(_args(tmp_path, mnist_path, runs=2, jit_compile=True))
    results = tmp_path / "results"
    assert summary["runs"] == 2 and len(summary["test_accuracy"]) == 2
    assert json.loads((results / "summary.json").read_text()) == summary
    images, labels = ram.load_data(ram.make_config({**SMALL, "validation_size": 500}), mnist_path).test_arrays(64)
    for run in (0, 1):
        run_dir = results / f"run_{run}"
        doc = json.loads((run_dir / "results.json").read_text())
        assert doc["finished"] and doc["epochs_trained"] == 2 and doc["config"]["seed"] == run
        assert doc["config"]["results_dir"] == str(results) and doc["config"]["data_path"] == mnist_path  # as given
        assert doc["provenance"]["data"] == {"file": "mnist.npz", "sha256": hashlib.sha256(open(mnist_path, "rb").read()).hexdigest()}
        assert doc["provenance"]["git_commit"] and doc["provenance"]["cpu_count"] >= 1
        assert [h["epoch"] for h in doc["history"]] == [1, 2]
        for key in ("loss", "accuracy", "val_accuracy", "learning_rate", "images_per_second", "test_accuracy"):
            assert all(np.isfinite(h[key]) for h in doc["history"]), key
        assert doc["test_error"] == pytest.approx(1 - doc["test_accuracy"])
        assert 0 < doc["test_error_stderr"] < 0.01
        assert not (run_dir / "checkpoint.npz").exists()
        h5, js = load_model(run_dir / "model.h5"), load_model(run_dir / "weights.json")
        np.testing.assert_array_equal(h5.predict(images, verbose=0), js.predict(images, verbose=0))
        accuracy = np.mean(np.argmax(h5.predict(images, verbose=0), 1) == labels)
        assert accuracy > 0.2  # two tiny epochs already beat chance
    # a second call finds the runs finished and retrains nothing
    again = run_mnist.main(_args(tmp_path, mnist_path, runs=2, jit_compile=True))
    assert again == summary
    assert "already finished" in capsys.readouterr().out
    # fewer runs asked for (the config script's runs=1): the summary still covers every finished run
    fewer = run_mnist.main(_args(tmp_path, mnist_path, runs=1, jit_compile=True))
    assert fewer == summary and json.loads((results / "summary.json").read_text()) == summary
    # --only-run 1 trains run_1 alone (seed 1), as the loop over both did
    alone = run_mnist.main(_args(tmp_path, mnist_path, runs=2, jit_compile=True, results_dir=str(tmp_path / "alone"))
                           + ["--only-run", "1"])
    assert sorted(p.name for p in (tmp_path / "alone").glob("run_*")) == ["run_1"]
    assert alone["runs"] == 1 and alone["test_accuracy"] == [summary["test_accuracy"][1]]
    assert summary["seeds"] == [0, 1] and alone["seeds"] == [1]
    with pytest.raises(SystemExit, match="--only-run 2: must name one of the runs"):
        run_mnist.main(_args(tmp_path, mnist_path, runs=2) + ["--only-run", "2"])


def test_finished_run_of_another_config_is_not_overwritten(tmp_path, mnist_path):
    run_mnist.main(_args(tmp_path, mnist_path, epochs=1))
    before = (tmp_path / "results" / "run_0" / "results.json").read_text()
    with pytest.raises(SystemExit, match="another config.*--overwrite"):
        run_mnist.main(_args(tmp_path, mnist_path, epochs=1, location_std=0.2))
    assert (tmp_path / "results" / "run_0" / "results.json").read_text() == before
    run_mnist.main(_args(tmp_path, mnist_path, epochs=1, location_std=0.2) + ["--overwrite"])
    after = json.loads((tmp_path / "results" / "run_0" / "results.json").read_text())
    assert after["config"]["location_std"] == 0.2
    # a patience that could not have stopped its single epoch earlier is the same run: skipped, in the summary
    summary = run_mnist.main(_args(tmp_path, mnist_path, epochs=1, location_std=0.2, early_stopping_patience=7))
    assert summary["runs"] == 1 and summary["test_accuracy"] == [after["test_accuracy"]]


def test_short_training_on_real_mnist_learns(tmp_path, mnist_path):
    """8,000 images, 3 epochs (about 25 s): measured 65.5% test accuracy (seed 0), far above the
    11.35% of always guessing the most common digit. The bound leaves room for library changes."""
    summary = run_mnist.main(_args(tmp_path, mnist_path, train_size=8000, epochs=3, batch_size=32, core="lstm",
                                   glimpses=6, glimpse_hidden=64, location_hidden=32, glimpse_size=128,
                                   core_size=128, learning_rate=1e-3, lr_schedule="constant"))
    assert summary["test_accuracy"][0] > 0.50


def test_restore_best_weights_keeps_best_or_last_epoch(tmp_path, mnist_path):
    """Same seed, same training: `restore_best_weights` only decides which epoch's weights are saved."""
    docs, weights = {}, {}
    for restore in (True, False):
        results = tmp_path / str(restore)
        run_mnist.main(_args(tmp_path, mnist_path, epochs=4, train_size=512, learning_rate=0.01,
                             restore_best_weights=restore, results_dir=str(results)))
        docs[restore] = json.loads((results / "run_0" / "results.json").read_text())
        weights[restore] = load_model(results / "run_0" / "weights.json").get_weights()
    val = [h["val_accuracy"] for h in docs[True]["history"]]
    assert [h["val_accuracy"] for h in docs[False]["history"]] == val  # the same training
    best = int(np.argmax(val)) + 1
    assert docs[True]["weights_epoch"] == best and docs[False]["weights_epoch"] == 4
    same = all(np.array_equal(a, b) for a, b in zip(weights[True], weights[False]))
    assert same == (best == 4), f"best epoch {best}, validation accuracies {val}"


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_weight_decay_shrinks_weight_matrices_not_biases(optimizer):
    """With zero gradients only the decay moves the weights: each matrix times 1 - lr x decay, biases kept."""
    from ram.training import build_model
    config = ram.make_config({**SMALL, "optimizer": optimizer, "lr_schedule": "constant", "learning_rate": 0.1,
                              "weight_decay": 0.5})
    model = build_model(config, steps_per_epoch=10)
    before = {v.path: v.numpy() for v in model.trainable_variables}
    model.optimizer.apply([np.zeros(v.shape, "float32") for v in model.trainable_variables], model.trainable_variables)
    matrices = 0
    for v in model.trainable_variables:
        if v.path.endswith("bias"):
            np.testing.assert_array_equal(v.numpy(), before[v.path])
        else:
            np.testing.assert_allclose(v.numpy(), before[v.path] * (1 - 0.1 * 0.5), rtol=1e-6)
            matrices += 1
    assert matrices >= 8  # sensor-side, core, policy, baseline and classifier kernels all decay


def test_ema_saves_and_tests_the_averaged_weights(tmp_path, mnist_path):
    """`ema_momentum`: the saved model is the moving average (not the last step's weights), and the
    per-epoch test column of the last epoch is the final test of that saved model."""
    from ram.callbacks import averaged_weights
    from ram.training import build_model
    config = ram.make_config({**SMALL, "train_size": 512, "batch_size": 64, "ema_momentum": 0.9, "restore_best_weights": False,
                              "data_path": mnist_path})
    data = ram.load_data(config)
    model = build_model(config, data.steps_per_epoch)
    for images, labels in data.train(0).take(6):  # steps without fit, which puts the averages in at its end
        model.train_on_batch(images, labels)
    trained = [v.numpy() for v in model.trainable_variables]
    with averaged_weights(model):
        averaged = [v.numpy() for v in model.trainable_variables]
    assert not all(np.array_equal(a, b) for a, b in zip(trained, averaged))
    np.testing.assert_array_equal(model.trainable_variables[0].numpy(), trained[0])  # put back

    run_mnist.main(_args(tmp_path, mnist_path, epochs=2, ema_momentum=0.9, restore_best_weights=False))
    doc = json.loads((tmp_path / "results" / "run_0" / "results.json").read_text())
    assert doc["history"][-1]["test_accuracy"] == pytest.approx(doc["test_accuracy"], abs=1e-9)
    # the same training without the average: the same trajectory (validation), other saved weights
    run_mnist.main(_args(tmp_path, mnist_path, epochs=2, restore_best_weights=False,
                         results_dir=str(tmp_path / "plain")))
    plain = json.loads((tmp_path / "plain" / "run_0" / "results.json").read_text())
    assert [h["val_accuracy"] for h in plain["history"]] == [h["val_accuracy"] for h in doc["history"]]
    averaged = load_model(tmp_path / "results" / "run_0" / "weights.json").get_weights()
    last = load_model(tmp_path / "plain" / "run_0" / "weights.json").get_weights()
    assert not all(np.array_equal(a, b) for a, b in zip(averaged, last))


def test_a_copied_config_in_a_subfolder_trains(tmp_path, mnist_path):
    """Users keep sweeps in folders: `python configs/my_run.py` finds `ram` once it is installed
    (`pip install -e .`, as README says), from any working directory."""
    import os
    import shutil
    import subprocess
    import sys
    (tmp_path / "configs").mkdir()
    shutil.copy(os.path.join(ROOT, "run_mnist.py"), tmp_path / "configs" / "my_run.py")
    args = _args(tmp_path, mnist_path, epochs=1, train_size=256, runs=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "configs/my_run.py", *args], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"{out.stderr[-2000:]}\n(is ram installed? pip install -e .)"
    assert json.loads((tmp_path / "results" / "run_0" / "results.json").read_text())["finished"]


def _tensorboard_tags(folder):
    import tensorflow as tf
    from tensorflow.core.util import event_pb2
    tags = set()
    for file in folder.glob("events.out.tfevents.*"):
        for record in tf.data.TFRecordDataset(str(file)):
            tags.update(v.tag for v in event_pb2.Event.FromString(record.numpy()).summary.value)
    return tags


def test_tensorboard_logs_numbers_and_glimpse_pictures(tmp_path, mnist_path):
    run_mnist.main(_args(tmp_path, mnist_path, epochs=2, tensorboard_images_every=2))
    logs = tmp_path / "results" / "run_0" / "logs"
    train = _tensorboard_tags(logs / "train")
    for tag in ("epoch_loss", "epoch_cross_entropy", "epoch_reinforce", "epoch_baseline_mse", "epoch_accuracy",
                "epoch_learning_rate", "epoch_images_per_second", "epoch_test_accuracy"):
        assert tag in train, (tag, train)
    validation = _tensorboard_tags(logs / "validation")
    assert {"epoch_accuracy", "epoch_cross_entropy"} <= validation and "epoch_loss" not in validation  # loss: training's
    assert "glimpse paths" in _tensorboard_tags(logs / "glimpses")
    run_mnist.main(_args(tmp_path / "off", mnist_path, epochs=1, tensorboard=False))
    assert not (tmp_path / "off" / "results" / "run_0" / "logs").exists()
