"""The paper's RAM on MNIST 28x28 (Mnih et al. 2014, section 4.1): 6 glimpses of 8x8, 1 zoom.

    python -m paper.mnist               # seeds 0-2: 11.5, 12.1, 14.6 min beside other jobs on 2 CPU cores
    # test error over 3 seeds: 1.35 ± 0.10 % with one glimpse sequence, 0.57 ± 0.04 % averaging 10
    # (paper: 1.12 / 1.29 %)

The paper's model: glimpse network h_g, h_l 128 and g 256 units (ReLU), a 256-unit ReLU RNN core, a
linear location network with a fixed std, the first glimpse at random, no context network, no location
penalty; REINFORCE with a learned baseline trains the location network, cross entropy the rest. What
the paper leaves open (optimiser, rate, schedule, std, epochs) was chosen on validation (docs/tuning.md).
"""
import ram.cli

CONFIG = dict(
    dataset="mnist",
    image_size=28,
    glimpses=6,
    patch_size=8,
    zooms=1,
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
    epochs=120,
    decay_epochs=120,
    early_stopping_patience=0,
    runs=3,                    # seeds 0, 1, 2
    results_dir="paper/MNIST_Results",
)


def main(argv=None):
    return ram.cli.main(CONFIG, argv, __doc__)


if __name__ == "__main__":
    main()
