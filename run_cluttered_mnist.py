"""Config: RAM on cluttered MNIST 60x60, 4 pieces of clutter (8 glimpses of 12x12, 3 zooms). Edit the values, or
override any of them on the command line: `python run_cluttered_mnist.py --epochs 1 --runs 1`. Every field: README.md."""
import ram.cli

CONFIG = dict(
    # data
    dataset="cluttered_mnist",
    image_size=60,
    data_path=None,            # or a local mnist.npz; also --data PATH or RAM_MNIST=PATH
    train_size=None,           # None: all 55,000 images left after validation
    validation_size=5000,
    train_shift=0,             # mnist only (here the digit is placed at random already)
    eval_seed=1234,           # fixes the translations and clutter of the validation and test sets
    distractors=4,             # 8x8 pieces of other digits of the same split, as in the paper
    distractor_size=8,
    # glimpse sensor
    glimpses=8,
    patch_size=12,
    zooms=3,
    zoom_scale=2,
    unit_pixels=None,          # None: +-1 reaches the image edge
    # network
    glimpse_hidden=512,        # 4x the paper's 128, as translated MNIST: 4.64 -> 3.51 % over 3 seeds (docs/tuning.md, C4, C6)
    glimpse_conv=0,            # or e.g. 32: a convolutional encoder of each glimpse (not in the paper)
    location_hidden=128,
    glimpse_size=256,
    core="lstm",
    core_size=256,
    classes=10,
    # location policy
    location_std=0.22,         # as translated MNIST (docs/tuning.md, T7)
    initial_location_std=None, # or a wider std to start from, decaying linearly to location_std over decay_epochs
    location_mean="tanh",
    policy_hidden=128,
    policy_trains_core=False,
    first_location="random",
    context_grid=10,           # with first_location "context": the cells of the coarse view the first glimpse is chosen from
    # loss
    reward="correct",          # REINFORCE reward: 1 for a right answer (the paper), or "probability" of the true class
    cross_entropy_weight=1.0,
    label_smoothing=0.0,       # or e.g. 0.1: softer cross-entropy targets (not in the paper)
    reinforce_weight=1.0,
    baseline_weight=1.0,
    # optimization
    optimizer="adam",
    learning_rate=1e-3,
    momentum=0.9,
    lr_schedule="linear",
    min_learning_rate=1e-5,
    decay_epochs=200,
    decay_rate=0.97,
    ema_momentum=None,         # or e.g. 0.999: test and save a moving average of the weights
    weight_decay=None,         # or e.g. 0.05 (x the learning rate): decoupled decay of the weight matrices (AdamW)
    clipnorm=None,
    clipvalue=None,
    batch_size=128,
    dropout=0.0,               # or e.g. 0.2: drop units of the glimpse feature in training (not in the paper)
    train_paths=1,             # sampled glimpse paths per training image (the paper's M)
    epochs=200,                # with glimpse_hidden 128, 100 gave 5.95% (seed 0), 200 gave 4.67% (docs/tuning.md, C1, C4)
    restore_best_weights=False,  # keep the last epoch: the decayed learning rate's, not a lucky validation peak
    early_stopping_patience=0,  # none: the linear decay runs to its end (patience 20 stopped T9 at a high rate)
    test_every=10,
    mc_samples=10,
    distribute="none",         # or "mirrored": the batch split over every local GPU (or `devices`)
    devices=None,
    jit_compile=True,
    steps_per_execution=8,
    # runs and output
    initial_model=None,        # or a .h5 / .keras / .json file of a trained model to start from
    seed=0,
    runs=1,
    results_dir="MNIST_cluttered_Results",
    tensorboard=True,          # logs in <results_dir>/run_<i>/logs/: tensorboard --logdir <results_dir>
    tensorboard_images_every=10,
    verbose=2,
)


def main(argv=None):
    return ram.cli.main(CONFIG, argv, __doc__)


if __name__ == "__main__":
    main()
