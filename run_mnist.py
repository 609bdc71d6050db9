"""RAM on MNIST 28x28, the paper's first task: 6 glimpses of 8x8 pixels, an LSTM core.

    python run_mnist.py                 # about 31 min alone on 2 CPU cores
    # test error over 3 seeds: 1.09 ± 0.10 % with one glimpse sequence, 0.53 ± 0.05 % averaging 10 (paper: 1.12 / 1.29 %)

Edit a value here, or override any field on the command line (`--location-std 0.2 --results-dir sweep`).
Fields not listed take the package defaults (ram/config.py, docs/config.md); --help lists every field.
"""
import ram.cli

CONFIG = dict(
    # data
    dataset="mnist",
    image_size=28,
    # glimpse sensor: `zooms` patches of patch_size x patch_size pixels per glimpse
    glimpses=6,
    patch_size=8,
    zooms=1,
    # network
    glimpse_hidden=128,
    glimpse_size=256,
    core="lstm",               # or the paper's ReLU "rnn"
    core_size=256,
    # location policy
    location_std=0.15,         # std of the sampled moves, in units of half the image
    first_location="random",   # or "center", or "context": chosen from a coarse view
    # optimisation: Adam, the rate decaying linearly to 1e-5 over decay_epochs
    learning_rate=2e-3,
    batch_size=256,
    epochs=150,
    decay_epochs=150,
    early_stopping_patience=40,  # 0: off
    # runs
    seed=0,
    runs=1,                    # seeds seed .. seed + runs - 1
    results_dir="MNIST_Results",
)


def main(argv=None):
    return ram.cli.main(CONFIG, argv, __doc__)


if __name__ == "__main__":
    main()
