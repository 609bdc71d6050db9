"""Probe: does a trained model fail to fit its training digits, or to generalise from them? The
deterministic path's error (as `evaluate.py` counts it, seed 0) on the first N training digits and
on the test set, the training digits' canvases (translation, clutter from training digits) drawn
like the test set's (its numbers: docs/results.md, "Where the errors come from").

    python -m tools.probes.train_test_gap run_mnist MNIST_Results/run_0/model.h5 --data ../shared/data/mnist.npz
"""

from tools.probes import common  # the probe's command line

TRAIN_SPLIT = 3  # canvases of the training digits from (eval_seed, 3); other than VALIDATION_SPLIT and TEST_SPLIT


def main():
    parser = common.parser(__doc__)
    parser.add_argument("--count", type=int, default=10000, help="training digits to count (default 10000)")
    args, config, model, data = common.load(parser)
    from ram.evaluation import TEST_POLICY_SEED, error_report, predict  # after the command line: --help needs none
    count = min(args.count, len(data.x_train))
    sets = {"training digits": (data.fixed_set(data.x_train[:count], data.y_train[:count], TRAIN_SPLIT), data.y_train[:count]),
            "test": (data.test(), data.y_test)}
    for name, (dataset, labels) in sets.items():
        r = error_report(predict(model, dataset, 0, seed=TEST_POLICY_SEED), labels)
        print(f"{name:16s} deterministic error {100 * r['error']:.2f}% +- {100 * r['stderr']:.2f} "
              f"({r['wrong']} of {r['count']})")


if __name__ == "__main__":
    main()
