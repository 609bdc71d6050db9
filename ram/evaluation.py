"""Test error of a trained model: deterministic policy, Monte Carlo over sampled paths, per class, the
confusion matrix and precision, recall and F1 of each class."""
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


def class_report(probabilities, labels, class_names, top_k=5):
    """What a practitioner reads beside the error: the confusion matrix (rows: true class, columns:
    predicted), each class's precision, recall and F1 (NaN where undefined), and the top-k error (k =
    min(top_k, classes - 1); None for two classes)."""
    labels = np.asarray(labels)
    classes = len(class_names)
    predicted = np.argmax(probabilities, axis=1)
    confusion = np.zeros((classes, classes), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    right = np.diag(confusion).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = right / confusion.sum(axis=0)
        recall = right / confusion.sum(axis=1)
        f1 = 2 * precision * recall / (precision + recall)
    k = min(top_k, classes - 1)
    top = np.argsort(-probabilities, axis=1, kind="stable")[:, :k] if k > 1 else None
    return {"class_names": list(class_names), "confusion": confusion.tolist(),
            "precision": precision.tolist(), "recall": recall.tolist(), "f1": f1.tolist(),
            "top_k": k if k > 1 else None,
            "top_k_error": None if top is None else float(np.mean(~np.any(top == labels[:, None], axis=1)))}
