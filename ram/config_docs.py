"""docs/config.md, generated: `python -m ram.config_docs > docs/config.md`; tests/test_config.py checks
that the file is current. Each field's one-line doc stands beside it in ram/config.py (and in --help);
where the reference says more, its meaning is here (`DETAILS`), with the page's text around the table
(`INTRO`). Pure Python: no TensorFlow.
"""
from .config import FIELDS
from .datasets import NAMES, describe

COMMAND = "python -m ram.config_docs > docs/config.md"

INTRO = """\
Every field of a run, its default and its meaning. The defaults are the recommended MNIST experiment
(`run_mnist.py`); each config script lists the fields its experiment sets, and any field can be
overridden on a script's command line: `--field-name VALUE` (`python run_mnist.py --help` lists
them all with that script's values).

Each field has a role, declared beside it in `ram/config.py`: a model file must match the fields that
shape its weights (`weights`) and its computation (`architecture`) before it is evaluated or used as
`initial_model`; a checkpoint resumes only under the same `training` fields (a run may change how
long it trains, `stopping`, and where it writes, `output`). A file written before a field existed
reads it at the value it trained with (`PREVIOUS_VALUES` in `ram/config.py`).

Locations on rectangular images (`images` of another height than width): a location (x, y) in
[-1, 1]^2 maps onto each axis by that axis's own half size: x = +-1 is the left or right edge, y = +-1
the top or bottom edge, so a unit of x spans width / 2 pixels and a unit of y height / 2. The policy's
`location_std` (and `initial_location_std`) is in these units too: on a 32x64 image a std of 0.15
moves a glimpse by 4.8 pixels (std) up or down and by 4.8 x 2 = 9.6 pixels left or right. With
`unit_pixels` set, one unit is that many pixels along both axes instead. Every zoom's patch is square."""

# The meaning column of a field whose one-line doc in ram/config.py does not say it all.
DETAILS = {
    "dataset":
        "one module of `ram/datasets/`: " + "; ".join(f"`{name}`: {describe(name)}" for name in NAMES),
    "image_size":
        "side of the model's input in pixels: 28 for `mnist`, the canvas side for `translated_mnist` and "
        "`cluttered_mnist`; `images`: every image resized to this many x this many pixels, None: the images' own "
        "size (they must all have it)",
    "image_height":
        "`images`: rows of the model's input, set from the data (or from image_size when it resizes); None: "
        "image_size",
    "image_width":
        "`images`: columns of the model's input, set from the data (or from image_size when it resizes); None: "
        "image_size",
    "channels":
        "colour channels of the model's input: 1 grey, 3 RGB; `images` sets it from the data",
    "classes":
        "classes the model tells apart; `images` sets it from the data",
    "class_names":
        "the classes' names in label order, saved with the model and in results.json; `images` sets them from the "
        "folder names or the .npz's `class_names`; None: the labels' numbers",
    "distractors":
        "`cluttered_mnist`: pieces of clutter per canvas, each cut from a random digit of the same split",
    "data_path":
        "the MNIST tasks: a local MNIST `.npz` (Keras layout), None: `--data`, then `$RAM_MNIST`, then Keras's "
        "download; `images`: the folder tree DIR/train/<class>/*, DIR/test/<class>/* (optional "
        "DIR/validation/<class>/*) or an `.npz` with x_train, y_train, x_test, y_test (optional class_names)",
    "train_size":
        "use only the first N training images (quick tries, tests; `images`: N drawn at random with eval_seed, from"
        " every class), at least batch_size x steps_per_execution (2048 with the defaults: an epoch is whole "
        "compiled executions, so fewer is refused); None: all that remain after validation",
    "validation_size":
        "the MNIST tasks: training images held out for validation (early stopping)",
    "validation_split":
        "`images` without a validation/ folder: this fraction of the training images, drawn with eval_seed, held "
        "out for validation",
    "image_memory_mb":
        "`images` from a folder: decoded once and held in memory when its pixels fit in this many MB, else read and"
        " decoded from disk every epoch (in parallel); the batches are the same either way",
    "train_shift":
        "`mnist` augmentation (not in the paper): each training digit moves up to this many pixels up or down and "
        "left or right within its 28x28 frame, drawn afresh every epoch (black fills in, what leaves the frame is "
        "cut off); validation and test digits stay put; 0: off",
    "eval_seed":
        "seed of the canvases (translations and clutter) of the validation and test sets",
    "unit_pixels":
        "pixels from the image centre that a location of +-1 reaches; None: the image edge (image_size / 2)",
    "glimpse_conv":
        "a convolutional encoder of each glimpse before h_g (not in the paper): two 3x3 convolutions at stride 2 "
        "with ReLU, this many filters and then twice as many, the zooms as input channels (a 12x12 patch becomes 3 "
        "x 3 x 2 x glimpse_conv features); 0: off, h_g reads the pixels (the paper)",
    "location_std":
        "std of the Gaussian location policy (with `initial_location_std`: from epoch `decay_epochs` on), also in "
        "sampled evaluation",
    "initial_location_std":
        "std of the location policy when training starts, decaying linearly to `location_std` over `decay_epochs` "
        "(wide exploration first, then paths close to the deterministic one the test takes); None: `location_std` "
        "throughout",
    "policy_hidden":
        "units of a ReLU layer between h_t and the policy mean mu = tanh(W .); 0: linear policy as in the paper",
    "policy_trains_core":
        "let REINFORCE gradients flow from the policy into the core (the paper) instead of training the policy head"
        " alone",
    "first_location":
        "first glimpse: `random` (uniform, in training and evaluation: the paper), `center`, or `context`: the "
        "policy chooses it, like every later glimpse, from the core's initial state, which a context network sets "
        "from a coarse view of the whole image (`context_grid`; Ba et al. 2015, not in the paper)",
    "random_glimpses":
        "draw every glimpse location uniformly in [-1, 1]^2, in training and evaluation, instead of from the policy"
        " (the paper's `8 random glimpses` ablation): the policy and the baseline are unused, so no REINFORCE term "
        "and no baseline error train them; needs first_location `random`",
    "context_grid":
        "with first_location `context`: the whole image area-averaged to this many x this many cells (it must "
        "divide image_size) is what the context network reads",
    "dropout":
        "in training, each unit of the glimpse feature g_t is zeroed with this probability and the rest scaled by 1"
        " / (1 - this) (not in the paper; evaluation never drops); 0: off",
    "train_paths":
        "sampled glimpse paths per training image (the paper's M): each image is repeated this many times in a "
        "step, so a step trains `batch_size` x M paths",
    "reward":
        "REINFORCE reward of a glimpse path: `correct` (1 for a right final prediction, else 0: the paper) or "
        "`probability` (the softmax probability of the true class: credit also for paths that make a right answer "
        "surer)",
    "label_smoothing":
        "the cross entropy's target puts 1 - this on the true class and this / 10 on every class (not in the paper;"
        " the reward still counts right answers, and the training `ce` printed is this smoothed one, which cannot "
        "reach 0); 0: plain one-hot targets",
    "location_penalty":
        "weight of a penalty on the policy mean before its tanh, its square averaged over the sampled moves, added "
        "to the training loss (not in the paper): it pulls every pre-tanh mean towards 0 and so keeps the tanh out "
        "of saturation, where REINFORCE can no longer move a location (seen: a context network's first glimpse "
        "stuck in a corner); 0: off",
    "lr_schedule":
        "`constant`, or `linear` (to `min_learning_rate` over `decay_epochs`)",
    "decay_epochs":
        "epochs of the `linear` decay (of the learning rate, and of the location std with `initial_location_std`)",
    "ema_momentum":
        "keep an exponential moving average of the weights with this momentum (Keras's `use_ema`), used for the "
        "per-epoch test and the saved model; None: off",
    "weight_decay":
        "decoupled weight decay of every weight matrix (not the biases): each step multiplies them by 1 - learning "
        "rate x this (Keras optimizers' `weight_decay`; with `adam` this is AdamW); None: off",
    "early_stopping_patience":
        "stop after this many epochs without a better validation accuracy; 0: off",
    "restore_best_weights":
        "at the end keep the weights of the epoch with the best validation accuracy (else the last epoch's)",
    "test_every":
        "test accuracy every this many epochs (and always at the end)",
    "distribute":
        "`none`: one device; `mirrored` (TensorFlow backend): tf.distribute.MirroredStrategy, the batch split over "
        "all local GPUs (or `devices`), gradients summed; `data_parallel` (JAX backend): "
        "keras.distribution.DataParallel, the batch split over every device of every process (or `devices`); "
        "several processes or machines join through Keras's KERAS_DISTRIBUTION_* environment variables (README: "
        "Several machines)",
    "devices":
        "with `mirrored` or `data_parallel`: this process's devices, comma-separated (`GPU:0,GPU:1`; `cpu:0,cpu:1` "
        "on JAX); None: every local GPU, else the CPU (`mirrored`), or every device (`data_parallel`)",
    "steps_per_execution":
        "training steps per compiled call (less Python overhead); each epoch uses a multiple of it, dropping at "
        "most this many - 1 batches of its shuffled order",
    "initial_model":
        "start from the weights of this `.h5` / `.keras` model or `.json` weights file (its weight shapes must "
        "match; the glimpse count may differ), then train from epoch 0 with this config's optimizer and schedule; "
        "None: fresh weights",
    "results_dir":
        "folder for the runs' files (run_<i>/ inside), relative to the working directory",
    "tensorboard":
        "write TensorBoard logs to <results_dir>/run_<i>/logs/ (`tensorboard --logdir <results_dir>`)",
    "tensorboard_images_every":
        "with `tensorboard`: a picture of the glimpse paths on 4 fixed validation images every this many epochs; 0:"
        " none",
    "verbose":
        "Keras fit verbosity: 0 silent, 1 progress bar, 2 one line per epoch",
}


def config_table():
    """Markdown table of every field: its default, role and meaning (`DETAILS`, else its doc)."""
    rows = ["| field | default | role | meaning |", "|---|---|---|---|"]
    for name, field in FIELDS.items():
        rows.append(f"| `{name}` | `{field.default!r}` | {field.role} | {DETAILS.get(name, field.doc)} |")
    return "\n".join(rows)


def config_markdown():
    """The whole of docs/config.md."""
    return (f"# Config fields\n\nThis page is generated by `{COMMAND}` from ram/config.py and\n"
            f"ram/config_docs.py; edit those, then run it.\n\n{INTRO}\n\n{config_table()}\n")


if __name__ == "__main__":
    print(config_markdown(), end="")
