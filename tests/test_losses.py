"""Policy log-probability and where each part of the hybrid loss sends its gradient."""
import math

import numpy as np
import pytest
import tensorflow as tf

import ram.training
from ram import RecurrentAttentionModel, gaussian_log_prob
from helpers import small_config


def test_gaussian_log_prob_closed_form():
    rng = np.random.default_rng(0)
    x, mean = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    std = 0.17
    want = np.sum(-((x - mean) ** 2) / (2 * std**2) - np.log(std * math.sqrt(2 * math.pi)), axis=1)
    got = gaussian_log_prob(tf.constant(x, tf.float32), tf.constant(mean, tf.float32), std).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_gaussian_log_prob_is_a_density():
    """exp(log p) integrates to 1 over the plane (independent of the formula)."""
    std, grid = 0.3, np.linspace(-3, 3, 601, dtype=np.float32)
    xx, yy = np.meshgrid(grid, grid)
    points = np.stack([xx.ravel(), yy.ravel()], 1)
    density = np.exp(gaussian_log_prob(tf.constant(points), tf.constant([[0.2, -0.1]]), std).numpy())
    assert abs(density.sum() * (grid[1] - grid[0]) ** 2 - 1) < 1e-3


def _gradients(policy_trains_core=False, reward="correct", glimpse_conv=0):
    config = small_config(policy_trains_core=policy_trains_core, reward=reward, glimpse_conv=glimpse_conv)
    model = RecurrentAttentionModel(config)
    images = tf.constant(np.random.default_rng(0).random((16, 28, 28)), tf.float32)
    labels = tf.constant(np.arange(16) % 10)
    with tf.GradientTape(persistent=True) as tape:
        parts = model.hybrid_loss(labels, model.glimpse_path(images, sample=True))
    groups = {"policy": model.policy, "baseline": model.baseline, "classifier": model.classifier,
              "core": model.core, "glimpse": model.glimpse_network}
    result = {}
    for part in ("cross_entropy", "reinforce", "baseline_mse"):
        for name, layer in groups.items():
            grads = tape.gradient(parts[part], layer.trainable_variables)
            result[part, name] = sum(0.0 if g is None else float(tf.reduce_sum(tf.abs(g))) for g in grads)
    return result


@pytest.fixture(scope="module")
def grads():
    return _gradients()


def test_reinforce_trains_only_the_policy(grads):
    assert grads["reinforce", "policy"] > 0  # the location head really learns
    for name in ("classifier", "baseline", "core", "glimpse"):
        assert grads["reinforce", name] == 0, name


def test_cross_entropy_skips_location_and_baseline_heads(grads):
    assert grads["cross_entropy", "policy"] == 0
    assert grads["cross_entropy", "baseline"] == 0
    for name in ("classifier", "core", "glimpse"):
        assert grads["cross_entropy", name] > 0, name


def test_baseline_mse_trains_only_the_baseline(grads):
    assert grads["baseline_mse", "baseline"] > 0
    for name in ("policy", "classifier", "core", "glimpse"):
        assert grads["baseline_mse", name] == 0, name


def test_conv_encoder_learns_from_the_cross_entropy_only():
    """With glimpse_conv the glimpse network (its convolutions included) still gets gradients from the
    cross entropy alone, and the convolution kernels get some."""
    grads = _gradients(glimpse_conv=4)
    assert grads["cross_entropy", "glimpse"] > 0
    assert grads["reinforce", "glimpse"] == 0 and grads["baseline_mse", "glimpse"] == 0
    model = RecurrentAttentionModel(small_config(glimpse_conv=4))
    images = tf.constant(np.random.default_rng(0).random((16, 28, 28)), tf.float32)
    with tf.GradientTape() as tape:
        parts = model.hybrid_loss(tf.constant(np.arange(16) % 10), model.glimpse_path(images, sample=True))
    kernels = [layer.kernel for layer in model.glimpse_network.encoder]
    assert all(float(tf.reduce_sum(tf.abs(g))) > 0 for g in tape.gradient(parts["cross_entropy"], kernels))


def test_probability_reward_keeps_each_part_on_its_own_weights():
    """With reward = probability of the true class, the reward depends on the classifier's output:
    still REINFORCE trains only the policy and the baseline's MSE only the baseline."""
    grads = _gradients(reward="probability")
    assert grads["reinforce", "policy"] > 0 and grads["baseline_mse", "baseline"] > 0
    for name in ("classifier", "baseline", "core", "glimpse"):
        assert grads["reinforce", name] == 0, name
    for name in ("policy", "classifier", "core", "glimpse"):
        assert grads["baseline_mse", name] == 0, name


@pytest.mark.parametrize("reward", ["correct", "probability"])
def test_reinforce_term_against_numpy(reward):
    """The REINFORCE and baseline terms from plain numpy: reward 1/0 for a right argmax, or the
    softmax probability of the true class; the accuracy part counts right answers either way."""
    rng = np.random.default_rng(4)
    logits, log_probs, baselines = rng.normal(size=(6, 10)), rng.normal(size=(6, 3)), rng.random((6, 3))
    labels = np.array([0, 1, 2, 3, 4, 5])
    logits[0, 0] = logits[1, 1] = 9.0  # two right answers at least
    parts = ram.hybrid_loss(tf.constant(labels), *(tf.constant(a, tf.float32) for a in (logits, log_probs, baselines)),
                            reward=reward)
    right = (logits.argmax(1) == labels).astype(float)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    r = right if reward == "correct" else p[np.arange(6), labels]
    np.testing.assert_allclose(float(parts["reinforce"]), -np.mean(np.sum(log_probs * (r[:, None] - baselines), 1)),
                               rtol=1e-5)
    np.testing.assert_allclose(float(parts["baseline_mse"]), np.mean((r[:, None] - baselines) ** 2), rtol=1e-5)
    assert float(parts["accuracy"]) == pytest.approx(right.mean())


def test_policy_can_train_the_core_as_in_the_paper():
    grads = _gradients(policy_trains_core=True)
    assert grads["reinforce", "core"] > 0 and grads["reinforce", "glimpse"] > 0
    assert grads["reinforce", "classifier"] == 0


def test_m_training_paths_equal_one_path_on_the_repeated_batch():
    """train_paths = M trains each image on M sampled paths: the same step as M = 1 on a batch
    in which every image (and label) is repeated M times, and not the same step as M = 1 on the batch."""
    rng = np.random.default_rng(1)
    images = rng.random((6, 28, 28)).astype("float32")
    labels = np.arange(6) % 10

    def step(images, labels, paths):
        model = ram.training.build_model(small_config(train_paths=paths, seed=3), steps_per_epoch=10)
        logs = model.train_on_batch(images, labels, return_dict=True)
        return logs, model.get_weights()

    logs_m, weights_m = step(images, labels, 3)
    logs_1, weights_1 = step(np.repeat(images, 3, axis=0), np.repeat(labels, 3), 1)
    logs_plain, weights_plain = step(images, labels, 1)
    for name in ("loss", "cross_entropy", "reinforce", "baseline_mse"):
        np.testing.assert_allclose(logs_m[name], logs_1[name], rtol=1e-5, err_msg=name)
    for a, b in zip(weights_m, weights_1):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert not np.isclose(logs_m["loss"], logs_plain["loss"], rtol=1e-4)
    assert any(not np.allclose(a, b) for a, b in zip(weights_m, weights_plain))


@pytest.mark.parametrize("step, std", [(0, 0.4), (5, 0.25), (10, 0.1), (30, 0.1)])
def test_initial_location_std_decays_linearly_to_location_std(step, std):
    """With initial_location_std the training step at optimizer step k samples with the std that
    falls linearly from it to location_std over decay_epochs, then stays: the same step as a model
    whose constant std is that value, and not the step of the final std (before the end)."""
    rng = np.random.default_rng(2)
    images, labels = rng.random((8, 28, 28)).astype("float32"), np.arange(8) % 10

    def step_weights(**overrides):
        model = ram.training.build_model(small_config(seed=5, decay_epochs=2, **overrides), steps_per_epoch=5)
        model.optimizer.iterations.assign(step)
        model.train_on_batch(images, labels)
        return model.get_weights()

    annealed = step_weights(initial_location_std=0.4, location_std=0.1)
    for a, b in zip(annealed, step_weights(location_std=std)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    if std != 0.1:
        assert any(not np.allclose(a, b) for a, b in zip(annealed, step_weights(location_std=0.1)))


def test_label_smoothing_against_numpy():
    """With label smoothing e the cross entropy is -sum_k q_k log p_k for q = (1 - e) one_hot + e / K;
    0 gives the plain one-hot cross entropy, and the other parts do not change."""
    rng = np.random.default_rng(5)
    logits, log_probs, baselines = rng.normal(size=(6, 10)), rng.normal(size=(6, 3)), rng.random((6, 3))
    labels = np.array([0, 1, 2, 3, 4, 5])
    log_p = logits - logits.max(1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(1, keepdims=True))
    tensors = [tf.constant(labels)] + [tf.constant(a, tf.float32) for a in (logits, log_probs, baselines)]
    plain = ram.hybrid_loss(*tensors)
    for e in (0.0, 0.1, 0.3):
        q = np.full((6, 10), e / 10) + (1 - e) * np.eye(10)[labels]
        parts = ram.hybrid_loss(*tensors, label_smoothing=e)
        np.testing.assert_allclose(float(parts["cross_entropy"]), np.mean(-np.sum(q * log_p, 1)), rtol=1e-5)
        for name in ("reinforce", "baseline_mse", "accuracy"):
            assert float(parts[name]) == pytest.approx(float(plain[name]), rel=1e-6), name
    # the model's loss takes the config's label_smoothing
    model = RecurrentAttentionModel(small_config(label_smoothing=0.3))
    path = {"logits": tensors[1], "log_probs": tensors[2], "baselines": tensors[3], "squared_preactivations": tf.zeros((6, 3))}
    np.testing.assert_allclose(float(model.hybrid_loss(tensors[0], path)["cross_entropy"]),
                               float(ram.hybrid_loss(*tensors, label_smoothing=0.3)["cross_entropy"]), rtol=1e-6)


def test_dropout_drops_in_training_only():
    """drop() zeroes a `rate` fraction of units and scales the rest by 1 / (1 - rate); a model with
    dropout predicts exactly as the same weights without it, and trains differently."""
    model = RecurrentAttentionModel(small_config(dropout=0.3))
    dropped = model.drop(tf.ones((400, 256)), 0.3).numpy()
    assert abs(np.mean(dropped == 0) - 0.3) < 0.01
    np.testing.assert_allclose(dropped[dropped != 0], 1 / 0.7, rtol=1e-6)
    images = np.random.default_rng(2).random((8, 28, 28)).astype("float32")
    labels = np.arange(8) % 10
    plain = RecurrentAttentionModel(small_config())
    plain.set_weights(model.get_weights())
    for m in (model, plain):
        m.reseed(0)
    np.testing.assert_array_equal(model.predict(images, verbose=0), plain.predict(images, verbose=0))
    np.testing.assert_array_equal(model(images, sample=True), plain(images, sample=True))  # sampled evaluation
    steps = []
    for dropout in (0.0, 0.3):
        trained = ram.training.build_model(small_config(dropout=dropout, seed=3), steps_per_epoch=10)
        steps.append(trained.train_on_batch(images, labels, return_dict=True)["cross_entropy"])
    assert not np.isclose(steps[0], steps[1], rtol=1e-4)


@pytest.mark.parametrize("std", [None, 0.02, 0.2])
def test_sampled_moves_have_the_std_asked_for(std):
    """Sampled locations minus the policy mean have the std asked for: `location_std` (0.05) when
    none is given (sampled evaluation), else the given one (the training step's), with mean 0, and
    their log-probabilities are the numpy Gaussian's at that std. The policy mean is fixed at
    tanh(0.1), tanh(-0.05), so the clip to [-1, 1] does not bite (4.5 std away at 0.2)."""
    model = RecurrentAttentionModel(small_config(location_std=0.05, first_location="center"))
    model.policy.mean.kernel.assign(np.zeros(model.policy.mean.kernel.shape, np.float32))
    model.policy.mean.bias.assign(np.array([0.1, -0.05], np.float32))
    mean = np.tanh(np.array([0.1, -0.05], np.float32))
    model.reseed(9)
    images = tf.constant(np.random.default_rng(7).random((2000, 28, 28)), tf.float32)
    path = model.glimpse_path(images, sample=True, std=std)
    want = 0.05 if std is None else std
    moves = path["locations"].numpy()[:, 1:]  # (B, T - 1, 2): the sampled ones
    assert moves.shape == (2000, 3, 2)
    noise = moves - mean
    assert abs(noise.std() / want - 1) < 0.05, noise.std()
    assert np.abs(moves).max() < 1  # unclipped: these are the draws themselves
    np.testing.assert_allclose(noise.reshape(-1, 2).std(axis=0), want, rtol=0.07)  # x and y alike
    assert np.abs(noise.mean(axis=(0, 1))).max() < 4 * want / np.sqrt(noise.size / 2)
    log_probs = np.sum(-noise**2 / (2 * want**2) - np.log(want * math.sqrt(2 * math.pi)), axis=2)
    np.testing.assert_allclose(path["log_probs"].numpy(), log_probs, rtol=1e-4, atol=1e-3)


def test_validation_reports_the_cross_entropy_under_its_own_name():
    """`loss` is the hybrid loss of training alone: validation reports `cross_entropy` (and accuracy), so
    TensorBoard's loss chart holds one quantity and its cross_entropy chart compares like with like."""
    model = RecurrentAttentionModel(small_config(first_location="center"))
    model.compile(optimizer="sgd")
    images = np.random.default_rng(2).random((8, 28, 28)).astype("float32")
    labels = np.arange(8) % 10
    logs = model.evaluate(images, labels, batch_size=8, verbose=0, return_dict=True)
    assert set(logs) == {"cross_entropy", "accuracy"}
    logits = model.glimpse_path(tf.constant(images), sample=False)["logits"].numpy()
    log_softmax = logits - logits.max(1, keepdims=True)
    log_softmax -= np.log(np.exp(log_softmax).sum(1, keepdims=True))
    assert logs["cross_entropy"] == pytest.approx(-log_softmax[np.arange(8), labels].mean(), rel=1e-5)
