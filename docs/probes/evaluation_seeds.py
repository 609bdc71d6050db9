"""Probe: how much does one evaluation of one model vary with the evaluation's own seed? The test
error of the deterministic path (the seed places the random first glimpse) and of one sampled path
(the seed draws the path) for evaluation seeds 0 to N-1; `evaluate.py` reports seed 0
(docs/tuning.md, session 11).

    python docs/probes/evaluation_seeds.py run_mnist MNIST_Results/run_0/model.h5 --data ../shared/data/mnist.npz
"""
import numpy as np

import common  # the repository on the path; the probe's command line
from ram.evaluation import error_report, predict


def main():
    parser = common.parser(__doc__)
    parser.add_argument("--seeds", type=int, default=10, help="evaluation seeds 0 to N-1 (default 10)")
    args, config, model, data = common.load(parser)
    for name, samples in (("deterministic", 0), ("one sampled path", 1)):
        errors = [100 * error_report(predict(model, data.test(), samples, seed=seed), data.y_test, config.classes)["error"]
                  for seed in range(args.seeds)]
        print(f"{name:16s} test error over seeds 0-{args.seeds - 1}: mean {np.mean(errors):.2f}%, "
              f"min {min(errors):.2f}, max {max(errors):.2f} ({' '.join(f'{e:.2f}' for e in errors)})")


if __name__ == "__main__":
    main()
