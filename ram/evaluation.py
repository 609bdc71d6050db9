"""Test error of a trained model: deterministic policy, Monte Carlo over sampled paths, per class."""
import math

import numpy as np
from keras import ops

from .backend import probabilities_function

TEST_POLICY_SEED = 0  # the policy's seed at test (random first glimpses, sampled paths); not the canvases' eval_seed


def predict(model, dataset, samples=0, seed=None):
    """Class probabilities (N, classes) over a dataset of (images, labels) batches.

    samples == 0: the deterministic policy (first glimpse as in training, then the policy means).
    samples >= 1: the mean over `samples` sampled glimpse paths (Ba et al. 2014). `seed` resets the
    policy's random generator first, so results repeat.
    """
    if seed is not None:
        model.reseed(seed)
    fn = probabilities_function(model, sample=samples > 0)
    out = []
    for images, _ in dataset:
        if samples == 0:
            out.append(fn(images))
        else:
            out.append(np.mean([fn(images) for _ in range(samples)], axis=0))
    return np.concatenate(out)


def error_report(probabilities, labels, classes=None):
    """Error rate, its standard error and the error of each class (of `classes`; None: as many as the
    probabilities have)."""
    labels = np.asarray(labels)
    classes = probabilities.shape[1] if classes is None else classes
    wrong = np.argmax(probabilities, axis=1) != labels
    error = float(wrong.mean())
    per_class = [float(wrong[labels == c].mean()) if np.any(labels == c) else math.nan for c in range(classes)]
    return {"error": error, "stderr": math.sqrt(error * (1 - error) / len(labels)), "wrong": int(wrong.sum()),
            "count": len(labels), "per_class_error": per_class}


def record_glimpses(model, images, seed=None):
    """The deterministic path on `images` (N, H, W[, C]): locations (N, T, 2), what the sensor saw
    (N, T, zooms, patch, patch[, C], grey without its channel, as the pictures draw it), and the
    predicted classes (N,)."""
    if seed is not None:
        model.reseed(seed)
    path = model.glimpse_path(ops.convert_to_tensor(images), sample=False, return_glimpses=True)
    glimpses = ops.convert_to_numpy(path["glimpses"])
    return (ops.convert_to_numpy(path["locations"]), glimpses[..., 0] if model.settings["channels"] == 1 else glimpses,
            np.argmax(ops.convert_to_numpy(path["logits"]), axis=1))
