"""Test error of a trained model: deterministic policy, Monte Carlo over sampled paths, per class."""
import math

import keras
import numpy as np
import tensorflow as tf

from .config import CLASSES

TEST_POLICY_SEED = 0  # the policy's seed at test (random first glimpses, sampled paths); not the canvases' eval_seed

# Grappler's remapper pass fails on the evaluation graphs and prints errors (harmlessly: it then skips
# them); without it they run as fast (measured) and silently. The setting is process-wide; XLA-compiled
# training steps do not go through Grappler.
tf.config.optimizer.set_experimental_options({"remapping": False})


def _probabilities_fn(model, sample):
    # Not XLA: XLA draws other random numbers than TensorFlow's kernels for the same seed,
    # and sampled paths must match the model's own sampled call.
    @tf.function(jit_compile=False)
    def probabilities(images):
        return keras.ops.softmax(model.glimpse_path(images, sample=sample)["logits"])
    return probabilities


def predict(model, dataset, samples=0, seed=None):
    """Class probabilities (N, classes) over a dataset of (images, labels) batches.

    samples == 0: the deterministic policy (first glimpse as in training, then the policy means).
    samples >= 1: the mean over `samples` sampled glimpse paths (Ba et al. 2014). `seed` resets the
    policy's random generator first, so results repeat.
    """
    if seed is not None:
        model.reseed(seed)
    fn = _probabilities_fn(model, sample=samples > 0)
    out = []
    for images, _ in dataset:
        if samples == 0:
            out.append(fn(images).numpy())
        else:
            out.append(np.mean([fn(images).numpy() for _ in range(samples)], axis=0))
    return np.concatenate(out)


def error_report(probabilities, labels, classes=CLASSES):
    """Error rate, its standard error and the error of each class."""
    labels = np.asarray(labels)
    wrong = np.argmax(probabilities, axis=1) != labels
    error = float(wrong.mean())
    per_class = [float(wrong[labels == c].mean()) if np.any(labels == c) else math.nan for c in range(classes)]
    return {"error": error, "stderr": math.sqrt(error * (1 - error) / len(labels)), "wrong": int(wrong.sum()),
            "count": len(labels), "per_class_error": per_class}


def record_glimpses(model, images, seed=None):
    """The deterministic path on `images` (N, H, W): locations (N, T, 2), what the sensor saw
    (N, T, zooms, patch, patch), and the predicted classes (N,)."""
    if seed is not None:
        model.reseed(seed)
    path = model.glimpse_path(tf.constant(images), sample=False, return_glimpses=True)
    return (path["locations"].numpy(), path["glimpses"].numpy(),
            np.argmax(path["logits"].numpy(), axis=1))
