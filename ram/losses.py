"""The hybrid loss: cross entropy + REINFORCE with a learned baseline + the baseline's MSE."""
import math

import keras
from keras import ops

from .config import REWARDS


def gaussian_log_prob(x, mean, std):
    """log N(x | mean, std^2 I), summed over the last axis. x, mean (..., D); std a float or scalar tensor."""
    z = (x - mean) / std
    per_dim = -0.5 * ops.square(z) - ops.log(ops.cast(std, z.dtype)) - 0.5 * math.log(2 * math.pi)
    return ops.sum(per_dim, axis=-1)


def hybrid_loss(labels, logits, log_probs, baselines, cross_entropy_weight=1.0, reinforce_weight=1.0,
                baseline_weight=1.0, reward="correct", label_smoothing=0.0, squared_preactivations=None,
                location_penalty=0.0):
    """Returns the total loss and its parts.

    labels (B,) int; logits (B, classes); log_probs (B, T) log pi(l_t | h_{t-1}) of the sampled
    locations; baselines (B, T) b_t. Reward R = 1 for a right final prediction, else 0 (`correct`,
    the paper), or the predicted probability of the true class (`probability`). With
    `label_smoothing` e the cross entropy's target is (1 - e) one_hot + e / classes. The advantage
    R - b_t is a constant in the REINFORCE term, so REINFORCE trains only the policy, the baseline's
    MSE only the baseline and cross entropy only the rest. With `location_penalty` w > 0, the loss
    (not its parts) gains w times the mean of `squared_preactivations` (B, T), the policy means'
    squared pre-tanh values. With no chosen location (T = 0) REINFORCE and the baseline's error are 0.
    """
    labels = ops.cast(labels, "int32")
    if label_smoothing:  # Keras smooths the one-hot targets (B, classes)
        one_hot = ops.one_hot(labels, ops.shape(logits)[-1])
        cross_entropy = ops.mean(keras.losses.categorical_crossentropy(one_hot, logits, from_logits=True,
                                                                       label_smoothing=label_smoothing))
    else:
        cross_entropy = ops.mean(ops.sparse_categorical_crossentropy(labels, logits, from_logits=True))
    correct = ops.cast(ops.equal(ops.argmax(logits, axis=-1), labels), "float32")  # (B,)
    if reward == "correct":
        rewards = correct
    elif reward == "probability":
        rewards = ops.stop_gradient(ops.take_along_axis(ops.softmax(logits), labels[:, None], axis=-1)[:, 0])  # (B,)
    else:
        raise ValueError(f"reward: {reward!r} is not one of {REWARDS}")
    advantage = ops.stop_gradient(rewards[:, None] - baselines)  # (B, T)
    reinforce = -ops.mean(ops.sum(log_probs * advantage, axis=1))
    # no chosen location (random glimpses): no baseline to fit, the mean of nothing taken as 0
    baseline = ops.mean(ops.square(rewards[:, None] - baselines)) if baselines.shape[1] else ops.zeros(())
    loss = cross_entropy_weight * cross_entropy + reinforce_weight * reinforce + baseline_weight * baseline
    if location_penalty and squared_preactivations.shape[1]:
        loss = loss + location_penalty * ops.mean(squared_preactivations)
    return {"loss": loss, "cross_entropy": cross_entropy, "reinforce": reinforce, "baseline_mse": baseline,
            "accuracy": ops.mean(correct)}
