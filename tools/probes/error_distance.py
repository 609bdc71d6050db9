"""Probe: are a trained model's errors on translated or cluttered MNIST glimpses that never reach the
digit, or a digit seen and misread? For the deterministic path on the test set (as `evaluate.py`
counts it, seed 0), the distance from each glimpse's centre to the digit's centre, and the error
by how close the path came (its numbers: docs/results.md, "Where the errors come from").

    python -m tools.probes.error_distance run_translated_mnist MNIST_translated_Results/run_0/model.h5 --data ../shared/data/mnist.npz
"""
import numpy as np

from tools.probes import common  # the probe's command line
from ram.data import TEST_SPLIT
from ram.datasets.mnist import place_digits

BINS = (0, 3, 6, 10, 20, np.inf)  # pixels


def main():
    args, config, model, data = common.load(common.parser(__doc__), datasets=("translated_mnist", "cluttered_mnist"))
    import tensorflow as tf  # after the command line: --help needs none
    from ram.evaluation import TEST_POLICY_SEED
    model.reseed(TEST_POLICY_SEED)
    path = tf.function(lambda images: model.glimpse_path(images, sample=False), jit_compile=False)  # evaluate.py's random numbers
    offsets = data.fixed_offsets(len(data.x_test), TEST_SPLIT)  # top-left (row, col) of each 28x28 test digit
    wrong, locations, start = [], [], 0
    for images, labels in data.test():
        digits = place_digits(tf.cast(data.x_test[start:start + len(labels)], tf.float32) / 255.0,
                              offsets[start:start + len(labels)], config.image_size)
        if np.any(images.numpy() < digits.numpy() - 1e-6):  # clutter only adds: the digit lies under every canvas
            raise SystemExit("the test canvases do not hold the digits at TranslatedMnist.fixed_offsets: update the probe")
        out, start = path(images), start + len(labels)
        wrong.append(np.argmax(out["logits"].numpy(), -1) != labels.numpy())
        locations.append(out["locations"].numpy())
    wrong, locations = np.concatenate(wrong), np.concatenate(locations)  # (N,), (N, T, 2) (x, y) in [-1, 1]
    offsets = offsets.numpy()
    digit = offsets[:, ::-1] + 14.0  # (N, 2) the digit's centre, (x, y) pixels
    glimpse = model.sensor.centre(locations)  # (N, T, 2) pixels
    distance = np.abs(glimpse - digit[:, None, :]).max(-1)  # (N, T) the larger of |dx|, |dy|, pixels
    print(f"{args.model}: deterministic test error {100 * wrong.mean():.2f}% ({wrong.sum()} of {len(wrong)}); "
          f"finest patch {config.patch_size} px, so within {config.patch_size // 2} px its centre covers the digit's")
    print("median distance of glimpse t to the digit's centre (px), all / right / wrong:")
    for t in range(distance.shape[1]):
        d = distance[:, t]
        print(f"  t={t}: {np.median(d):5.1f} / {np.median(d[~wrong]):5.1f} / {np.median(d[wrong]):5.1f}")
    edge = (np.abs(locations[:, 0]) > 0.99).any(-1)  # (N,) pre-tanh beyond 2.65: a policy stuck in a corner puts most there
    print(f"first glimpse on the canvas edge (|location| > 0.99): {edge.sum()} of {len(edge)} images")
    closest = distance[:, 1:].min(1)  # the glimpses after the first (random, or chosen from a coarse view)
    print("error by the closest of glimpses 1..T-1:")
    for low, high in zip(BINS[:-1], BINS[1:]):
        inside = (closest >= low) & (closest < high)
        rate = 100 * wrong[inside].mean() if inside.any() else float("nan")
        print(f"  [{low}, {high}) px: {inside.sum():5d} images, error {rate:5.2f}%, {wrong[inside].sum():4d} errors")


if __name__ == "__main__":
    main()
