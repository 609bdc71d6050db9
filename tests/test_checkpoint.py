"""checkpoint.save then checkpoint.load, in process: every variable of the model (weights and the
policy's random state) and of the optimizer comes back exactly, with the early-stopping state."""
import numpy as np
import pytest

import ram.training
from ram import checkpoint
from ram.callbacks import ResumableEarlyStopping
from helpers import small_config


def _values(variables):
    return [(v.path, np.array(v.numpy())) for v in variables]


def test_checkpoint_restores_every_model_and_optimizer_variable(tmp_path):
    config = small_config(seed=2, dropout=0.1)
    rng = np.random.default_rng(0)
    images, labels = rng.random((16, 28, 28)).astype("float32"), np.arange(16) % 10
    model = ram.training.build_model(config, steps_per_epoch=10)
    for _ in range(2):  # moments, iteration count and the policy's generator all move on
        model.train_on_batch(images, labels)
    early = ResumableEarlyStopping(monitor="val_accuracy")
    early.on_train_begin()
    early.wait, early.best, early.best_epoch = 1, 0.5, 3
    early.best_weights = [w + 1 for w in model.get_weights()]
    state = {"config": dict(config), "history": [{"epoch": 1, "loss": 2.0}], "wall_seconds": 3.0}
    checkpoint.save(str(tmp_path), model, early, state)

    fresh = ram.training.build_model(config, steps_per_epoch=10)  # the run's starting point
    saved_model, saved_optimizer = _values(model.variables), _values(model.optimizer.variables)
    assert int(model.optimizer.iterations) == 2 and int(fresh.optimizer.iterations) == 0
    assert not np.array_equal(fresh.seed_generator.state.numpy(), model.seed_generator.state.numpy())
    assert any(v.path.endswith("_momentum") and np.any(v.numpy()) for v in model.optimizer.variables)

    restored_state, (wait, best, best_epoch, best_weights) = checkpoint.load(str(tmp_path), fresh, config)
    assert restored_state == state and (wait, best, best_epoch) == (1, 0.5, 3)
    for a, b in zip(best_weights, early.best_weights, strict=True):
        np.testing.assert_array_equal(a, b)
    for kind, saved, loaded in (("model", saved_model, _values(fresh.variables)),
                                ("optimizer", saved_optimizer, _values(fresh.optimizer.variables))):
        assert len(loaded) == len(saved), kind  # in order (a second model's unnamed layers get _1 in their paths)
        for (path, want), (_, got) in zip(saved, loaded):
            np.testing.assert_array_equal(got, want, err_msg=f"{kind} variable {path}")
    assert "policy_seed/seed_generator_state" in [path for path, _ in saved_model]
    # and the restored model goes on as the original does: the same next step
    model.train_on_batch(images, labels)
    fresh.train_on_batch(images, labels)
    for a, b in zip(model.get_weights(), fresh.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_checkpoint_resumes_only_on_the_backend_that_wrote_it(tmp_path):
    """Another backend's policy draws other numbers (and keeps its seed in another dtype): a checkpoint
    written on JAX is refused here, on TensorFlow, with the command that resumes it."""
    import json
    import pytest
    from ram.saving import ModelFileError
    config = small_config()
    model = ram.training.build_model(config, steps_per_epoch=10)
    early = ResumableEarlyStopping(monitor="val_accuracy")
    early.on_train_begin()
    checkpoint.save(str(tmp_path), model, early, {"config": dict(config), "history": [], "wall_seconds": 0.0})
    with np.load(checkpoint.path(str(tmp_path))) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(arrays["meta"].tobytes())
    assert meta["backend"] == "tensorflow"
    arrays["meta"] = np.frombuffer(json.dumps({**meta, "backend": "jax"}).encode(), dtype=np.uint8)
    np.savez(checkpoint.path(str(tmp_path)), **arrays)
    with pytest.raises(ModelFileError, match="was written on the jax backend; resume it with KERAS_BACKEND=jax, "
                                             "or pass --fresh"):
        checkpoint.load(str(tmp_path), model, config)


def test_a_save_cut_short_inside_the_writer_leaves_the_previous_checkpoint_loadable(tmp_path, monkeypatch):
    """The second epoch's save dies half-way through writing its arrays (a kill, a full disk): the
    first epoch's checkpoint must still load, with its own state."""
    config = small_config(seed=1)
    model = ram.training.build_model(config, steps_per_epoch=10)
    early = ResumableEarlyStopping(monitor="val_accuracy")
    early.on_train_begin()
    first = {"config": dict(config), "history": [{"epoch": 1}], "wall_seconds": 1.0}
    checkpoint.save(str(tmp_path), model, early, first)
    real_savez = np.savez

    def savez_cut_short(file, **arrays):
        real_savez(file, **dict(list(arrays.items())[:2]))  # some bytes reach the file, then the write dies
        file.flush()
        raise OSError("No space left on device")
    monkeypatch.setattr(np, "savez", savez_cut_short)
    with pytest.raises(OSError, match="No space left"):
        checkpoint.save(str(tmp_path), model, early, {**first, "history": [{"epoch": 1}, {"epoch": 2}]})
    monkeypatch.setattr(np, "savez", real_savez)
    state, _ = checkpoint.load(str(tmp_path), ram.training.build_model(config, steps_per_epoch=10), config)
    assert state == first
    assert [p.name for p in tmp_path.iterdir()] == [checkpoint.NAME]  # no temporary file left behind
