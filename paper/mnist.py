"""The paper's RAM on MNIST 28x28 (Mnih et al. 2014, section 4.1): 6 glimpses of 8x8, 1 zoom.

    python -m paper.mnist               # seeds 0-2: 11.5, 12.1, 14.6 min beside other jobs on 2 CPU cores
    # test error over 3 seeds: 1.35 ± 0.10 % with one glimpse sequence, 0.57 ± 0.04 % averaging 10
    # (paper: 1.12 / 1.29 %)

The paper's model (`paper.MODEL`) with this task's data, retina and epochs; what the paper leaves open
was chosen on validation (docs/tuning.md, "The paper's model").
"""
import paper
import ram.cli

CONFIG = dict(
    paper.MODEL,
    dataset="mnist",
    image_size=28,
    glimpses=6,
    patch_size=8,
    zooms=1,
    epochs=120,
    decay_epochs=120,
    results_dir="paper/MNIST_Results",
)


def main(argv=None):
    return ram.cli.main(CONFIG, argv, __doc__)


if __name__ == "__main__":
    main()
