"""Probe: does it matter where one glimpse sequence starts? The deterministic path's error of a
trained model with every first glimpse at one point of a grid, on the validation and the test set,
and the correlation of the two grids (docs/tuning.md).

    python -m tools.probes.first_glimpse_grid run_mnist_fast MNIST_fast_Results/run_0/model.h5 --data ../shared/data/mnist.npz
"""
import numpy as np

from tools.probes import common  # the probe's command line


def grid_errors(model, dataset, points):
    """Error (%) of the deterministic path on `dataset` with the first glimpse at each of `points`."""
    import tensorflow as tf  # not at the top: --help needs none
    path = tf.function(lambda images, first: tf.argmax(model.glimpse_path(images, sample=False, first_glimpse_at=first)
                                                       ["logits"], -1), jit_compile=True)
    batches = [(images, labels.numpy()) for images, labels in dataset]
    count = sum(len(labels) for _, labels in batches)
    return np.array([100 * sum(int(np.sum(path(images, tf.constant(p, tf.float32)).numpy() != labels))
                               for images, labels in batches) / count for p in points])


def main():
    parser = common.parser(__doc__)
    parser.add_argument("--side", type=int, default=9, help="grid points per axis, over [-0.8, 0.8]")
    args, config, model, data = common.load(parser)
    axis = np.linspace(-0.8, 0.8, args.side)
    points = [(x, y) for y in axis for x in axis]  # locations are (x, y): rows of the grid are y
    np.set_printoptions(precision=2, suppress=True, linewidth=200)
    grids = {}
    for name, dataset in (("validation", data.validation()), ("test", data.test())):
        grids[name] = grid_errors(model, dataset, points)
        print(f"{name} error (%), rows: y {axis[0]:+.1f} (top) .. {axis[-1]:+.1f}, columns: x, left to right")
        print(grids[name].reshape(args.side, args.side))
        print(f"mean {grids[name].mean():.3f}, min {grids[name].min():.2f}, max {grids[name].max():.2f}")
    best = grids["validation"].argmin()
    print(f"correlation of the two grids: {np.corrcoef(grids['validation'], grids['test'])[0, 1]:.2f}; the best "
          f"start on validation ({points[best][0]:+.1f}, {points[best][1]:+.1f}) gives {grids['test'][best]:.2f}% on test")


if __name__ == "__main__":
    main()
