"""Config values and device splits checked before anything loads, a tiny mirrored step against one
device, and --initial-model from a model Keras saved straight to .h5 with another glimpse count."""
import hashlib

import numpy as np
import pytest

import ram
import run_mnist
from ram.cli import parse_args
from ram.data import DataError
from ram.saving import load_initial_weights
from ram.training import build_model
from helpers import small_config
from test_distribute import _python


def test_a_whole_number_learning_rate_is_a_float():
    assert type(ram.make_config({"learning_rate": 1}).learning_rate) is float
    _, overrides, problems = parse_args(["--learning-rate", "1", "--location-std", "1"])
    assert overrides["learning_rate"] == 1 and not problems
    config = ram.make_config(overrides, problems)
    assert type(config.learning_rate) is float and type(config.location_std) is float and config.learning_rate == 1.0


def test_data_parallel_batch_must_split_evenly_over_the_devices(mnist_path):
    config = small_config(data_path=mnist_path, train_size=256, validation_size=100)
    assert ram.load_data(config.replace(batch_size=64), devices=2).batch_size == 64
    with pytest.raises(DataError) as error:
        ram.load_data(config.replace(batch_size=63), devices=2)
    assert "\n" not in str(error.value)
    assert "batch_size 63 does not split evenly over 2 devices; set --batch-size to a multiple of 2" in str(error.value)


def test_mirrored_batch_must_split_evenly_before_anything_loads(tmp_path, monkeypatch):
    """--distribute mirrored over 2 devices: 63 stops with a one-line error (no data read, no folder
    made); 64 goes on to the data."""
    loaded = []
    monkeypatch.setattr(ram.training, "load_data", lambda config, devices=None: loaded.append(config) or 1 / 0)
    flags = ["--distribute", "mirrored", "--devices", "CPU:0,CPU:1", "--results-dir", str(tmp_path / "r")]
    with pytest.raises(SystemExit) as exit_info:
        run_mnist.main(flags + ["--batch-size", "63"])
    assert str(exit_info.value.code) == ("error: batch_size 63 does not split evenly over 2 devices; "
                                         "set --batch-size to a multiple of 2")
    assert not loaded and not (tmp_path / "r").exists()
    with pytest.raises(ZeroDivisionError):
        run_mnist.main(flags + ["--batch-size", "64"])
    assert loaded and loaded[0].batch_size == 64


def test_mirrored_step_equals_one_device_step():
    """One step on 2 mirrored CPU devices (a subprocess: the devices exist before TensorFlow starts)
    gives the weights of the same step on one device; without noise, so the sampled paths agree."""
    result = _python("""
import json
import numpy as np
import ram, ram.training
from helpers import small_config

class NoNoise(ram.RecurrentAttentionModel):  # the same sampled locations on one device and on two
    def location_noise(self, shape):
        return tf.zeros(shape)

rng = np.random.default_rng(0)
images, labels = rng.random((8, 28, 28)).astype("float32"), np.arange(8) % 10
weights = {}
ram.training.RecurrentAttentionModel = NoNoise
for name, fields in (("one", {}), ("mirrored", {"distribute": "mirrored", "devices": "CPU:0,CPU:1"})):
    config = small_config(first_location="center", seed=2, optimizer="sgd", momentum=0.0, glimpses=2, **fields)  # plain SGD: the step is the gradient
    model = ram.training.build_model(config, 10)
    model.train_on_batch(images, labels)
    weights[name] = model.get_weights()
diff = max(float(np.max(np.abs(a - b))) for a, b in zip(weights["one"], weights["mirrored"]))
scale = max(float(np.max(np.abs(a))) for a in weights["one"])
print(json.dumps({"replicas": model.distribute_strategy.num_replicas_in_sync, "diff": diff, "scale": scale}))
""")
    assert result["replicas"] == 2
    assert result["diff"] <= 1e-5 * max(1.0, result["scale"]), result


def test_initial_model_from_a_plain_h5_of_another_glimpse_count_copies_only_the_weights(tmp_path):
    """A compiled model (2 glimpses) saved by Keras's own model.save, optimizer included, starts a
    5-glimpse config: every trainable weight is the file's, the rest (glimpse count, policy seed
    state) this config's own."""
    images, rng = np.random.default_rng(0).random((8, 28, 28)).astype("float32"), np.random.default_rng(1)
    source = build_model(small_config(glimpses=2, seed=1), 10)
    for v in source.trainable_variables:
        v.assign(rng.normal(scale=0.3, size=v.shape).astype("float32"))
    path = tmp_path / "plain.h5"
    source.save(path)
    model = build_model(small_config(glimpses=5, seed=9), 10)
    seed_state = model.seed_generator.state.numpy().tolist()
    recorded = load_initial_weights(model, path)
    assert recorded == {"path": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    theirs = {v.path: v.numpy() for v in source.trainable_variables}
    assert sorted(theirs) == sorted(v.path for v in model.trainable_variables)
    for v in model.trainable_variables:
        np.testing.assert_array_equal(v.numpy(), theirs[v.path], err_msg=v.path)
    assert model.settings["glimpses"] == 5 and model.seed_generator.state.numpy().tolist() == seed_state
    assert model.glimpse_path(images, sample=False)["locations"].shape == (8, 5, 2)
