"""Model files: .h5 and .json round trips, and clear errors for bad files."""
import base64
import json
import pathlib

import numpy as np
import pytest
import tensorflow as tf

import ram
from ram.errors import ModelFileError
from ram.files import write_json
from ram.saving import load_model, save_model, save_weights_json
import helpers
from helpers import small_config

ROOT = pathlib.Path(helpers.ROOT)


@pytest.fixture(scope="module")
def model():
    model = ram.RecurrentAttentionModel(small_config(core="rnn", seed=3))
    rng = np.random.default_rng(0)
    for v in model.weights:  # non-default values everywhere
        v.assign(rng.normal(scale=0.2, size=v.shape).astype(np.float32))
    return model


IMAGES = tf.constant(np.random.default_rng(1).random((8, 28, 28)), tf.float32)


@pytest.mark.parametrize("name", ["model.h5", "model.keras", "weights.json"])
def test_round_trip_gives_identical_predictions(model, tmp_path, name):
    path = tmp_path / name
    (save_weights_json if name.endswith(".json") else save_model)(model, path)
    loaded = load_model(path, expected=small_config(core="rnn"))
    for m in (model, loaded):
        m.reseed(5)
    np.testing.assert_array_equal(loaded(IMAGES).numpy(), model(IMAGES).numpy())
    for sample in (False, True):  # same seed, same glimpse paths
        for m in (model, loaded):
            m.reseed(6)
        path_a = model.glimpse_path(IMAGES, sample=sample)["locations"].numpy()
        path_b = loaded.glimpse_path(IMAGES, sample=sample)["locations"].numpy()
        np.testing.assert_array_equal(path_a, path_b)
    assert loaded.settings == model.settings


def test_conv_encoder_round_trip_and_mismatch(tmp_path):
    """A model with the convolutional glimpse encoder reloads from every format with identical predictions,
    and a config without it refuses the file, naming the field."""
    config = small_config(glimpse_conv=4, seed=2)
    model, rng = ram.RecurrentAttentionModel(config), np.random.default_rng(7)
    for v in model.weights:
        v.assign(rng.normal(scale=0.2, size=v.shape).astype(np.float32))
    for name in ("model.h5", "model.keras", "weights.json"):
        path = tmp_path / name
        (save_weights_json if name.endswith(".json") else save_model)(model, path)
        loaded = load_model(path, expected=config)
        for m in (model, loaded):
            m.reseed(5)
        np.testing.assert_array_equal(loaded(IMAGES).numpy(), model(IMAGES).numpy(), err_msg=name)
        with pytest.raises(ModelFileError, match="glimpse_conv: file has 4, config has 0"):
            load_model(path, expected=small_config())


def test_weights_json_is_exact_and_the_earlier_format_still_loads(model, tmp_path):
    new = tmp_path / "weights.json"
    save_weights_json(model, new)
    doc = json.loads(new.read_text())
    for v in model.weights:  # decoded by hand: base64 of little-endian float32s
        entry = doc["weights"][v.path]
        values = np.frombuffer(base64.b64decode(entry["float32_base64"]), "<f4").reshape(entry["shape"])
        np.testing.assert_array_equal(values, v.numpy())
    old = tmp_path / "old.json"  # ram-weights-1, the numbers written out: runs before session 13
    write_json(old, {**doc, "format": "ram-weights-1",
                     "weights": {v.path: {"shape": list(v.shape), "values": v.numpy().ravel().tolist()}
                                 for v in model.weights}}, indent=None)
    for path in (new, old):
        assert all(np.array_equal(a, b) for a, b in zip(load_model(path).get_weights(), model.get_weights()))
    name, entry = next(iter(doc["weights"].items()))
    entry["float32_base64"] = base64.b64encode(base64.b64decode(entry["float32_base64"])[:-4]).decode()
    write_json(tmp_path / "short.json", doc, indent=None)
    with pytest.raises(ModelFileError, match=f"short.json: {name} has .* values for shape"):
        load_model(tmp_path / "short.json")
    entry["float32_base64"] = "not base64!"
    write_json(tmp_path / "garbled.json", doc, indent=None)
    with pytest.raises(ModelFileError, match=f"garbled.json: {name} is not a readable weight"):
        load_model(tmp_path / "garbled.json")


def test_model_from_another_config_is_refused(model, tmp_path):
    path = tmp_path / "model.h5"
    save_model(model, path)
    with pytest.raises(ModelFileError, match=r"(?s)model\.h5.*glimpses: file has 4, config has 6"):
        load_model(path, expected=small_config(core="rnn", glimpses=6))
    with pytest.raises(ModelFileError, match="core: file has 'rnn', config has 'lstm'"):
        load_model(path, expected=small_config(core="lstm"))


def test_truncated_and_foreign_files(model, tmp_path):
    path = tmp_path / "model.h5"
    save_model(model, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelFileError, match="model.h5"):
        load_model(path)
    weights = tmp_path / "weights.json"
    save_weights_json(model, weights)
    weights.write_text(weights.read_text()[:1000])
    with pytest.raises(ModelFileError, match="weights.json.*not valid JSON"):
        load_model(weights)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": 1}))
    with pytest.raises(ModelFileError, match="other.json.*not a RAM weights file"):
        load_model(other)
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "missing.h5")


def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "results.json"
    write_json(path, {"epoch": 1})
    with pytest.raises(TypeError):
        write_json(path, {"bad": object()})
    assert json.loads(path.read_text()) == {"epoch": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_plain_keras_loads_the_shipped_model(tmp_path, suffix):
    """After `import ram.model`, Keras itself loads our files, and predicts what ram.saving.load_model does."""
    import keras
    shipped = ROOT / "MNIST_Results" / "run_0" / "model.h5"
    ours = load_model(shipped)
    path = shipped
    if suffix == ".keras":  # Keras 3's native format round-trips too
        path = tmp_path / "model.keras"
        ours.save(path)
    plain = keras.models.load_model(path, compile=False)
    assert type(plain) is ram.RecurrentAttentionModel
    images = tf.constant(np.random.default_rng(2).random((16, 28, 28)), tf.float32)
    for m in (ours, plain):
        m.reseed(7)
    np.testing.assert_array_equal(plain(images).numpy(), ours(images).numpy())


def test_saving_h5_does_not_warn_about_the_legacy_format(model, tmp_path, caplog):
    save_model(model, tmp_path / "model.h5")
    assert "legacy" not in caplog.text
