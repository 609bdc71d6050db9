"""The model's loss weights: its total loss is the weighted sum of its parts (numpy), and a weight of
0 takes that part's gradient away from the weights it trains."""
import numpy as np
import pytest
import tensorflow as tf

import ram
from helpers import small_config


def numpy_parts(labels, logits, log_probs, baselines):
    """Cross entropy, REINFORCE (reward 1 for a right answer) and the baseline's MSE, in numpy."""
    log_p = logits - logits.max(1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(1, keepdims=True))
    reward = (logits.argmax(1) == labels).astype(float)[:, None]
    return (-log_p[np.arange(len(labels)), labels].mean(), -np.mean(np.sum(log_probs * (reward - baselines), 1)),
            np.mean((reward - baselines) ** 2))


@pytest.mark.parametrize("weights", [(0.5, 2.0, 0.25, 0.01), (1.5, 0.3, 3.0, 0.2)])
def test_total_loss_is_the_weighted_sum_of_its_parts(weights):
    """cross_entropy_weight, reinforce_weight, baseline_weight, location_penalty, each its own part."""
    ce_w, rl_w, bl_w, penalty = weights
    rng = np.random.default_rng(9)
    labels = np.arange(6)
    logits, log_probs, baselines = rng.normal(size=(6, 10)), rng.normal(size=(6, 3)), rng.random((6, 3))
    squared = rng.random((6, 3)) * 4
    logits[0, 0] = logits[1, 1] = logits[2, 2] = 9.0  # right and wrong answers
    model = ram.RecurrentAttentionModel(small_config(cross_entropy_weight=ce_w, reinforce_weight=rl_w,
                                                     baseline_weight=bl_w, location_penalty=penalty))
    path = {name: tf.constant(a, tf.float32) for name, a in (("logits", logits), ("log_probs", log_probs),
                                                              ("baselines", baselines), ("squared_preactivations", squared))}
    parts = model.hybrid_loss(tf.constant(labels), path)
    ce, rl, bl = numpy_parts(labels, logits, log_probs, baselines)
    for name, want in (("cross_entropy", ce), ("reinforce", rl), ("baseline_mse", bl)):
        np.testing.assert_allclose(float(parts[name]), want, rtol=1e-5, err_msg=name)
    np.testing.assert_allclose(float(parts["loss"]), ce_w * ce + rl_w * rl + bl_w * bl + penalty * squared.mean(),
                               rtol=1e-5)


@pytest.mark.parametrize("zero, starved, fed", [("reinforce_weight", "policy", "baseline"),
                                                ("baseline_weight", "baseline", "policy")])
def test_a_zero_weight_takes_its_part_away(zero, starved, fed):
    """The loss the train steps differentiate (`sampled_losses`): with reinforce_weight 0 the policy
    gets no gradient and the baseline does; with baseline_weight 0 the reverse."""
    model = ram.RecurrentAttentionModel(small_config(**{zero: 0.0}, location_std=0.2))
    images = tf.constant(np.random.default_rng(0).random((16, 28, 28)), tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        loss = model.sampled_losses(images, tf.constant(np.arange(16) % 10))[0]["loss"]
    heads = {"policy": model.policy, "baseline": model.baseline}
    size = {name: sum(float(tf.reduce_sum(tf.abs(g))) for g in tape.gradient(loss, layer.trainable_variables)
                      if g is not None) for name, layer in heads.items()}
    assert size[starved] == 0, size
    assert size[fed] > 0, size
