"""Evaluation's numbers: the deterministic predictions are the model's own call, and a class absent
from the labels has no error rate (NaN), not 0."""
import numpy as np
import pytest
import tensorflow as tf

from ram import RecurrentAttentionModel
from ram.evaluation import error_report, predict
from helpers import small_config


def test_deterministic_predict_is_the_models_own_call():
    """predict(samples=0, seed=s), batch after batch, equals calling the model after reseeding with s
    (random first glimpses drawn alike), and is not a sampled path."""
    model = RecurrentAttentionModel(small_config(glimpses=3, location_std=0.3))
    images = np.random.default_rng(4).random((20, 28, 28)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices((images, np.arange(20) % 10)).batch(8)  # 8, 8, 4
    got = predict(model, dataset, samples=0, seed=5)
    model.reseed(5)
    want = np.concatenate([model(x).numpy() for x, _ in dataset])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    model.reseed(5)
    sampled = np.concatenate([model(x, sample=True).numpy() for x, _ in dataset])
    assert np.abs(got - sampled).max() > 1e-3


def test_per_class_error_is_nan_for_a_class_absent_from_the_labels():
    labels = [0, 0, 1, 3, 3, 3]
    predicted = [0, 1, 1, 3, 2, 3]
    per_class = error_report(np.eye(10)[predicted], labels)["per_class_error"]
    np.testing.assert_allclose([per_class[c] for c in (0, 1, 3)], [0.5, 0.0, 1 / 3])
    assert all(np.isnan(per_class[c]) for c in (2, 4, 5, 6, 7, 8, 9)), per_class


@pytest.mark.parametrize("images,expected", [
    (np.zeros((2, 28, 28), np.uint8), "the model reads float pixels in [0, 1]; got uint8 images (divide by 255)"),
    (np.zeros((2, 32, 32), np.float32), "the model reads images (B, 28, 28); got shape (2, 32, 32)"),
])
def test_the_model_refuses_input_it_would_misread(images, expected):
    """Unscaled integer pixels or another image size: an error, not quiet nonsense."""
    model = RecurrentAttentionModel(small_config())
    with pytest.raises(ValueError, match=expected.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        model(images)


@pytest.mark.parametrize("seed", [0, 3])
def test_a_seed_restarts_the_sampled_paths_seed_zero_included(seed):
    """predict(samples=2, seed=s) twice gives the same probabilities (seed 0 too, which is falsy),
    while without a seed the second call samples other paths."""
    model = RecurrentAttentionModel(small_config(glimpses=2, location_std=0.3))
    images = np.random.default_rng(1).random((8, 28, 28)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices((images, np.arange(8))).batch(8)
    first = predict(model, dataset, samples=2, seed=seed)
    np.testing.assert_array_equal(predict(model, dataset, samples=2, seed=seed), first)
    assert np.abs(predict(model, dataset, samples=2) - first).max() > 1e-4


def test_class_report_counts_by_hand():
    """Three classes, six images: the confusion matrix, precision, recall and F1 counted by hand; top-2."""
    from ram.evaluation import class_report
    labels = [0, 0, 1, 1, 2, 2]
    probabilities = np.array([[.7, .2, .1], [.2, .5, .3], [.1, .8, .1], [.1, .7, .2], [.5, .1, .4], [.2, .3, .5]])
    r = class_report(probabilities, labels, ["a", "b", "c"])
    assert r["confusion"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    np.testing.assert_allclose(r["precision"], [1 / 2, 2 / 3, 1])
    np.testing.assert_allclose(r["recall"], [1 / 2, 1, 1 / 2])
    np.testing.assert_allclose(r["f1"], [1 / 2, 0.8, 2 / 3])
    assert r["top_k"] == 2 and r["top_k_error"] == pytest.approx(1 / 6)  # only the second image misses its class in the top 2
    assert class_report(probabilities[:, :2], [0, 1, 1, 1, 0, 1], ["a", "b"])["top_k"] is None
