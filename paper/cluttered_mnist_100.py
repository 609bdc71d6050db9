"""The paper's RAM on cluttered MNIST 100x100 (Mnih et al. 2014, section 4.1): 8 glimpses of 12x12, 4 zooms.

    python -m paper.cluttered_mnist_100   # seeds 0-2
    # not run yet

The paper's model: glimpse network h_g, h_l 128 and g 256 units (ReLU), a 256-unit ReLU RNN core, a
linear location network with a fixed std, the first glimpse at random, no context network, no location
penalty; REINFORCE with a learned baseline trains the location network, cross entropy the rest. What
the paper leaves open (optimiser, rate, schedule, std, epochs) was chosen on validation (docs/tuning.md).
"""
import ram.cli

CONFIG = dict(
    dataset="cluttered_mnist",    # a digit among 8 pieces of 8x8 clutter
    image_size=100,
    distractors=8,
    glimpses=8,
    patch_size=12,
    zooms=4,
    glimpse_hidden=128,        # h_g
    location_hidden=128,       # h_l
    glimpse_size=256,          # g
    core="rnn",
    core_size=256,
    policy_hidden=0,           # linear location network
    policy_trains_core=False,  # REINFORCE trains the location network only (docs/tuning.md says why)
    location_std=0.15,         # in units of half the image
    first_location="random",
    location_penalty=0.0,
    learning_rate=1e-3,        # Adam, decaying linearly to 1e-5 over decay_epochs
    batch_size=128,
    epochs=150,
    decay_epochs=150,
    early_stopping_patience=0,
    runs=3,                    # seeds 0, 1, 2
    results_dir="paper/MNIST_cluttered_100_Results",
)


def main(argv=None):
    return ram.cli.main(CONFIG, argv, __doc__)


if __name__ == "__main__":
    main()
