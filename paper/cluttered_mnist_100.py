"""The paper's RAM on cluttered MNIST 100x100 (Mnih et al. 2014, section 4.1): 8 glimpses of 12x12, 4 zooms.

    python -m paper.cluttered_mnist_100   # seeds 0-2
    # not run yet

The paper's model (`paper.MODEL`) with this task's data, retina and epochs; what the paper leaves open
was chosen on validation (docs/tuning.md, "The paper's model").
"""
import paper
import ram.cli

CONFIG = dict(
    paper.MODEL,
    dataset="cluttered_mnist",    # a digit among 8 pieces of 8x8 clutter
    image_size=100,
    distractors=8,
    glimpses=8,
    patch_size=12,
    zooms=4,
    epochs=150,
    decay_epochs=150,
    results_dir="paper/MNIST_cluttered_100_Results",
)


def main(argv=None):
    return ram.cli.main(CONFIG, argv, __doc__)


if __name__ == "__main__":
    main()
