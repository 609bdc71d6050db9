"""Every hyperparameter of a RAM run: defaults, meanings and validation.

A config script (`run_mnist.py`) is a plain dict of overrides; `make_config` merges it over
`DEFAULTS`, checks every field and returns a `Config`. One `ConfigError` lists every bad field.
"""
import difflib
import numbers
from dataclasses import dataclass


class ConfigError(ValueError):
    """A config field is unknown, of the wrong type or out of range."""


@dataclass(frozen=True)
class Field:
    default: object
    doc: str
    kind: type | tuple = int
    min: float | None = None          # inclusive lower bound
    greater_than: float | None = None  # exclusive lower bound
    max: float | None = None          # inclusive upper bound
    choices: tuple = ()
    optional: bool = False            # None allowed


DATASETS = ("mnist", "translated_mnist", "cluttered_mnist")
CORES = ("lstm", "rnn")
OPTIMIZERS = ("sgd", "adam", "rmsprop", "adadelta")
SCHEDULES = ("constant", "linear", "exponential")
LOCATION_MEANS = ("tanh", "clip")
FIRST_LOCATIONS = ("random", "center", "context")
REWARDS = ("correct", "probability")

FIELDS = {
    # data
    "dataset": Field("mnist", "`mnist` (28x28), `translated_mnist` (digit pasted into a larger black canvas) or `cluttered_mnist` (the same, over pieces of other digits)", str, choices=DATASETS),
    "image_size": Field(28, "side of the model's input in pixels: 28 for `mnist`, the canvas side for `translated_mnist` and `cluttered_mnist`", int, min=1),
    "distractors": Field(0, "`cluttered_mnist`: pieces of clutter per canvas, each cut from a random digit of the same split", int, min=0),
    "distractor_size": Field(8, "`cluttered_mnist`: side of each piece of clutter in pixels", int, min=1, max=28),
    "data_path": Field(None, "local MNIST `.npz` (Keras layout); None: `--data`, then `$RAM_MNIST`, then Keras's download", str, optional=True),
    "train_size": Field(None, "use only the first N training images (quick tries, tests); None: all that remain after validation", int, min=1, optional=True),
    "validation_size": Field(5000, "training images held out for validation (early stopping)", int, min=1),
    "train_shift": Field(0, "`mnist` augmentation (not in the paper): each training digit moves up to this many pixels up or down and left or right within its 28x28 frame, drawn afresh every epoch (black fills in, what leaves the frame is cut off); validation and test digits stay put; 0: off", int, min=0, max=8),
    "eval_seed": Field(1234, "seed of the fixed translations of the validation and test sets", int, min=0),
    # glimpse sensor
    "glimpses": Field(6, "glimpses per image (time steps)", int, min=1),
    "patch_size": Field(8, "side of each retina patch in pixels, after area averaging", int, min=1),
    "zooms": Field(1, "patches per glimpse, each `zoom_scale` times wider than the last", int, min=1),
    "zoom_scale": Field(2, "width ratio between successive zooms", int, min=1),
    "unit_pixels": Field(None, "pixels from the image centre that a location of +-1 reaches; None: the image edge (image_size / 2)", numbers.Real, greater_than=0, optional=True),
    # network
    "glimpse_hidden": Field(128, "units of h_g = ReLU(W rho)", int, min=1),
    "glimpse_conv": Field(0, "a convolutional encoder of each glimpse before h_g (not in the paper): two 3x3 convolutions at stride 2 with ReLU, this many filters and then twice as many, the zooms as input channels (a 12x12 patch becomes 3 x 3 x 2 x glimpse_conv features); 0: off, h_g reads the pixels (the paper)", int, min=0),
    "location_hidden": Field(128, "units of h_l = ReLU(W l)", int, min=1),
    "glimpse_size": Field(256, "units of the glimpse feature g = ReLU(W h_g + W h_l)", int, min=1),
    "core": Field("lstm", "recurrent core: `lstm` or the paper's ReLU `rnn`", str, choices=CORES),
    "core_size": Field(256, "units of the core's hidden state h_t", int, min=1),
    "classes": Field(10, "number of classes", int, min=2),
    # location policy
    "location_std": Field(0.05, "std of the Gaussian location policy (with `initial_location_std`: from epoch `decay_epochs` on), also in sampled evaluation", numbers.Real, greater_than=0),
    "initial_location_std": Field(None, "std of the location policy when training starts, decaying linearly to `location_std` over `decay_epochs` (wide exploration first, then paths close to the deterministic one the test takes); None: `location_std` throughout", numbers.Real, greater_than=0, optional=True),
    "location_mean": Field("tanh", "squashing of the policy mean: `tanh` or hard `clip` to [-1, 1]", str, choices=LOCATION_MEANS),
    "policy_hidden": Field(128, "units of a ReLU layer between h_t and the policy mean; 0: linear policy as in the paper", int, min=0),
    "policy_trains_core": Field(False, "let REINFORCE gradients flow from the policy into the core (the paper) instead of training the policy head alone", bool),
    "first_location": Field("random", "first glimpse: `random` (uniform, in training and evaluation: the paper), `center`, or `context`: the policy chooses it, like every later glimpse, from the core's initial state, which a context network sets from a coarse view of the whole image (`context_grid`; Ba et al. 2015, not in the paper)", str, choices=FIRST_LOCATIONS),
    "context_grid": Field(10, "with first_location `context`: the whole image area-averaged to this many x this many cells (it must divide image_size) is what the context network reads", int, min=1),
    "dropout": Field(0.0, "in training, each unit of the glimpse feature g_t is zeroed with this probability and the rest scaled by 1 / (1 - this) (not in the paper; evaluation never drops); 0: off", numbers.Real, min=0, max=0.9),
    "train_paths": Field(1, "sampled glimpse paths per training image (the paper's M): each image is repeated this many times in a step, so a step trains `batch_size` x M paths", int, min=1),
    # loss
    "reward": Field("correct", "REINFORCE reward of a glimpse path: `correct` (1 for a right final prediction, else 0: the paper) or `probability` (the softmax probability of the true class: credit also for paths that make a right answer surer)", str, choices=REWARDS),
    "cross_entropy_weight": Field(1.0, "weight of the classification cross entropy", numbers.Real, min=0),
    "label_smoothing": Field(0.0, "the cross entropy's target puts 1 - this on the true class and this / classes on every class (not in the paper; the reward still counts right answers, and the training `ce` printed is this smoothed one, which cannot reach 0); 0: plain one-hot targets", numbers.Real, min=0, max=0.5),
    "reinforce_weight": Field(1.0, "weight of the REINFORCE term", numbers.Real, min=0),
    "baseline_weight": Field(1.0, "weight of the baseline's mean squared error", numbers.Real, min=0),
    # optimization
    "optimizer": Field("adam", "`sgd` (with momentum), `adam`, `rmsprop` or `adadelta`", str, choices=OPTIMIZERS),
    "learning_rate": Field(1e-3, "initial learning rate", numbers.Real, greater_than=0),
    "momentum": Field(0.9, "momentum of `sgd` and `rmsprop`", numbers.Real, min=0, max=1),
    "lr_schedule": Field("linear", "`constant`, `linear` (to `min_learning_rate` over `decay_epochs`) or `exponential`", str, choices=SCHEDULES),
    "min_learning_rate": Field(1e-5, "final learning rate of the `linear` schedule", numbers.Real, min=0),
    "decay_epochs": Field(100, "epochs of the `linear` decay (of the learning rate, and of the location std with `initial_location_std`)", int, min=1),
    "decay_rate": Field(0.97, "per-epoch factor of the `exponential` schedule", numbers.Real, greater_than=0, max=1),
    "ema_momentum": Field(None, "keep an exponential moving average of the weights with this momentum (Keras's `use_ema`), used for the per-epoch test and the saved model; None: off", numbers.Real, greater_than=0, max=0.99999, optional=True),
    "weight_decay": Field(None, "decoupled weight decay of every weight matrix (not the biases): each step multiplies them by 1 - learning rate x this (Keras optimizers' `weight_decay`; with `adam` this is AdamW); None: off", numbers.Real, greater_than=0, optional=True),
    "clipnorm": Field(None, "clip each gradient to this norm; None: off", numbers.Real, greater_than=0, optional=True),
    "clipvalue": Field(None, "clip each gradient element to +-this; None: off", numbers.Real, greater_than=0, optional=True),
    "batch_size": Field(128, "images per training step", int, min=1),
    "epochs": Field(100, "maximum training epochs", int, min=1),
    "early_stopping_patience": Field(20, "stop after this many epochs without a better validation accuracy; 0: off", int, min=0),
    "restore_best_weights": Field(True, "at the end keep the weights of the epoch with the best validation accuracy (else the last epoch's)", bool),
    "test_every": Field(10, "test accuracy every this many epochs (and always at the end)", int, min=1),
    "mc_samples": Field(10, "sampled glimpse paths averaged by Monte Carlo evaluation", int, min=1),
    "distribute": Field("none", "`none`: one device; `mirrored`: tf.distribute.MirroredStrategy, the batch split over all local GPUs (or `devices`), gradients summed", str, choices=("none", "mirrored")),
    "devices": Field(None, "with `mirrored`: the devices, comma-separated (`GPU:0,GPU:1`); None: every local GPU, else the CPU", str, optional=True),
    "jit_compile": Field(True, "compile the training step with XLA", bool),
    "steps_per_execution": Field(8, "training steps per compiled call (less Python overhead); each epoch uses a multiple of it, dropping at most this many - 1 batches of its shuffled order", int, min=1),
    # runs and output
    "initial_model": Field(None, "start from the weights of this `.h5` / `.keras` model or `.json` weights file (its weight shapes must match; the glimpse count may differ), then train from epoch 0 with this config's optimizer and schedule; None: fresh weights", str, optional=True),
    "seed": Field(0, "seed of run 0 (weights, data order, sampling); run i uses seed + i", int, min=0),
    "runs": Field(1, "independent training runs", int, min=1),
    "results_dir": Field("MNIST_Results", "folder for the runs' files (run_<i>/ inside), relative to the working directory", str),
    "tensorboard": Field(True, "write TensorBoard logs to <results_dir>/run_<i>/logs/ (`tensorboard --logdir <results_dir>`)", bool),
    "tensorboard_images_every": Field(10, "with `tensorboard`: a picture of the glimpse paths on 4 fixed validation images every this many epochs; 0: none", int, min=0),
    "verbose": Field(2, "Keras fit verbosity: 0 silent, 1 progress bar, 2 one line per epoch", int, min=0, max=2),
}

DEFAULTS = {name: field.default for name, field in FIELDS.items()}

# Fields that only say where and how verbosely a run writes: they may change without retraining or
# restarting it (a finished run and a checkpoint both accept them changed).
OUTPUT_FIELDS = ("runs", "verbose", "results_dir", "data_path", "tensorboard", "tensorboard_images_every")

# Fields that set the shape of some weight: a model file whose weights seed a run must match these.
WEIGHT_FIELDS = ("patch_size", "zooms", "glimpse_hidden", "glimpse_conv", "location_hidden", "glimpse_size", "core",
                 "core_size", "classes", "policy_hidden", "first_location", "context_grid")

# Fields that change the model's weights or shapes: a saved model must match these.
ARCHITECTURE_FIELDS = ("image_size", "glimpses", "patch_size", "zooms", "zoom_scale", "unit_pixels",
                       "glimpse_hidden", "glimpse_conv", "location_hidden", "glimpse_size", "core", "core_size",
                       "classes", "policy_hidden", "location_mean", "first_location", "context_grid")


class Config(dict):
    """A validated config: a dict whose fields also read as attributes."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def replace(self, **changes):
        return make_config({**self, **changes})


def _check_field(name, value, field):
    """Returns a message describing what is wrong with `value`, or None."""
    if value is None:
        return None if field.optional else f"{name}: must not be None"
    kinds = field.kind if isinstance(field.kind, tuple) else (field.kind,)
    if isinstance(value, bool) and bool not in kinds:
        return f"{name}: expected {field.kind.__name__}, got bool {value!r}"
    if not isinstance(value, kinds):
        expected = " or ".join(k.__name__ for k in kinds)
        return f"{name}: expected {expected}, got {type(value).__name__} {value!r}"
    if field.choices and value not in field.choices:
        return f"{name}: {value!r} is not one of {', '.join(map(repr, field.choices))}"
    if field.min is not None and value < field.min:
        return f"{name}: {value!r} is below the minimum {field.min}"
    if field.greater_than is not None and value <= field.greater_than:
        return f"{name}: {value!r} must be greater than {field.greater_than}"
    if field.max is not None and value > field.max:
        return f"{name}: {value!r} is above the maximum {field.max}"
    return None


def closest_field(name):
    """The field name closest to a mistyped `name`, or None."""
    close = difflib.get_close_matches(name.lower().replace("-", "_"), FIELDS, n=1, cutoff=0.5)
    return close[0] if close else None


def make_config(overrides=None, problems=()):
    """Merges `overrides` over DEFAULTS and validates every field; raises ConfigError listing all
    problems, after those already found (`problems`, e.g. unknown command-line flags)."""
    overrides = dict(overrides or {})
    problems = list(problems)
    for name in overrides:
        if name not in FIELDS:
            close = closest_field(name)
            hint = f" (did you mean {close!r}?)" if close else ""
            problems.append(f"{name}: unknown config field{hint}")
    values = {**DEFAULTS, **{k: v for k, v in overrides.items() if k in FIELDS}}
    for name, field in FIELDS.items():
        message = _check_field(name, values[name], field)
        if message:
            problems.append(message)
    if not problems:
        problems.extend(_check_relations(values))
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))
    for name, field in FIELDS.items():  # store reals as float so results files are uniform
        if field.kind is numbers.Real and values[name] is not None:
            values[name] = float(values[name])
    return Config(values)


def _check_relations(v):
    problems = []
    if v["dataset"] == "mnist" and v["image_size"] != 28:
        problems.append(f"image_size: `mnist` images are 28x28, got {v['image_size']}; use dataset `translated_mnist` for a larger canvas")
    if v["dataset"] != "mnist" and v["image_size"] < 28:
        problems.append(f"image_size: the `{v['dataset']}` canvas must hold a 28x28 digit, got {v['image_size']}")
    if v["first_location"] == "context" and v["image_size"] % v["context_grid"]:
        problems.append(f"context_grid: {v['context_grid']} does not divide image_size {v['image_size']}; "
                        f"pick a divisor (e.g. 7 or 14 for 28, 10 or 20 for 60 and 100)")
    if v["patch_size"] > v["image_size"]:
        problems.append(f"patch_size: {v['patch_size']} is larger than the image ({v['image_size']})")
    if v["validation_size"] >= 60000:
        problems.append(f"validation_size: {v['validation_size']} leaves no MNIST training images (60000 in all)")
    if v["initial_location_std"] is not None and v["initial_location_std"] < v["location_std"]:
        problems.append(f"initial_location_std: {v['initial_location_std']} is below location_std {v['location_std']}, "
                        f"which it decays to; raise it, or set None for a constant std")
    if v["ema_momentum"] is not None and v["restore_best_weights"]:
        problems.append("ema_momentum: the averaged weights are the last epoch's; set restore_best_weights False")
    if v["distractors"] and v["dataset"] != "cluttered_mnist":
        problems.append(f"distractors: {v['distractors']} pieces of clutter need dataset `cluttered_mnist`")
    if v["train_shift"] and v["dataset"] != "mnist":
        problems.append(f"train_shift: {v['train_shift']} moves centred `mnist` digits; `{v['dataset']}` already "
                        f"places each digit at random, so set 0")
    if v["devices"] is not None and v["distribute"] == "none":
        problems.append(f"devices: {v['devices']!r} needs distribute `mirrored`")
    if v["lr_schedule"] == "linear" and v["min_learning_rate"] > v["learning_rate"]:
        problems.append(f"min_learning_rate: {v['min_learning_rate']} is above learning_rate {v['learning_rate']}")
    return problems


def with_defaults(saved):
    """A config dict read from a file, with the fields it lacks (added after it was written) at
    their defaults: the values it was trained with."""
    return {**DEFAULTS, **saved}


def changed_fields(saved, config, ignore=()):
    """Fields (not in `ignore`) where `config` differs from a `saved` config dict."""
    saved = with_defaults(saved)
    return [k for k, v in config.items() if k not in ignore and saved[k] != v]


def config_table():
    """Markdown table of every field, its default and meaning (for README)."""
    rows = ["| field | default | meaning |", "|---|---|---|"]
    for name, field in FIELDS.items():
        rows.append(f"| `{name}` | `{field.default!r}` | {field.doc} |")
    return "\n".join(rows)
