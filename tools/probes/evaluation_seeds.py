"""Probe: how much does one evaluation of one model vary with the evaluation's own seed? The test
error of the deterministic path (the seed places the random first glimpse) and of one sampled path
(the seed draws the path) for N evaluation seeds from the one `evaluate.py` reports (0) on
(its numbers: docs/results.md, "Where the errors come from").

    python -m tools.probes.evaluation_seeds run_mnist MNIST_Results/run_0/model.h5 --data ../shared/data/mnist.npz
"""
import numpy as np

from tools.probes import common  # the probe's command line


def main():
    parser = common.parser(__doc__)
    parser.add_argument("--seeds", type=int, default=10, help="how many evaluation seeds (default 10)")
    args, config, model, data = common.load(parser)
    from ram.evaluation import TEST_POLICY_SEED, error_report, predict  # after the command line: --help needs none
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    seeds = range(TEST_POLICY_SEED, TEST_POLICY_SEED + args.seeds)
    for name, samples in (("deterministic", 0), ("one sampled path", 1)):
        reports = [error_report(predict(model, data.test(), samples, seed=seed), data.y_test)
                   for seed in seeds]
        errors = [100 * r["error"] for r in reports]
        print(f"{name:16s} test error over seeds {seeds[0]}-{seeds[-1]}: mean {np.mean(errors):.2f}%, "
              f"min {min(errors):.2f}, max {max(errors):.2f}; one evaluation's standard error about "
              f"{100 * reports[0]['stderr']:.2f} ({' '.join(f'{e:.2f}' for e in errors)})")


if __name__ == "__main__":
    main()
