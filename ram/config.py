"""Every hyperparameter of a RAM run: defaults, meanings and validation.

A config script (`run_mnist.py`) is a plain dict of overrides; `make_config` merges it over
`DEFAULTS`, checks every field and returns a `Config`. One `ConfigError` lists every bad field.
"""
import difflib
from dataclasses import dataclass
from numbers import Real

from .errors import ConfigError


ROLES = ("weights", "architecture", "model", "training", "stopping", "output")


@dataclass(frozen=True)
class Field:
    default: object
    doc: str
    kind: type | tuple = int
    min: float | None = None          # inclusive lower bound
    above: float | None = None        # exclusive lower bound
    max: float | None = None          # inclusive upper bound
    choices: tuple = ()
    optional: bool = False            # None allowed (always for a default of None)
    # what the field touches, each role including the ones after it in saved files' checks:
    # weights: the shape of some weight (an initial_model must match); architecture: the saved model's
    # computation (a model file must match); model: stored in the model (policy, loss); training: the
    # run (a checkpoint must match); stopping: only how long it trains and which weights it keeps;
    # output: where and how verbosely it writes (may change at any time)
    role: str = "training"


from .datasets import NAMES as DATASETS  # noqa: E402  (one module per data set in ram/datasets/)
from .cores import CORES  # noqa: E402  (their names: the keys of ram/cores.py's registry)
OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("constant", "linear")
FIRST_LOCATIONS = ("random", "center", "context")
REWARDS = ("correct", "probability")
DISTRIBUTES = ("none", "mirrored", "data_parallel")

# The defaults are the recommended MNIST experiment, `run_mnist.py`: make_config({}) is that config.
FIELDS = {
    # data
    "dataset": Field("mnist", "the data: a module of ram/datasets/ (docs/config.md lists them)", str, choices=DATASETS),
    "image_size": Field(28, "side of the model's input in pixels", int, min=1, optional=True, role="architecture"),
    "image_height": Field(None, "`images`: rows of the input; None: image_size", int, min=1, role="architecture"),
    "image_width": Field(None, "`images`: columns of the input; None: image_size", int, min=1, role="architecture"),
    "channels": Field(1, "colour channels of the input: 1 grey, 3 RGB", int, min=1, role="weights"),
    "classes": Field(10, "classes the model tells apart", int, min=2, role="weights"),
    "class_names": Field(None, "the classes' names in label order; None: their numbers", list, role="model"),
    "distractors": Field(0, "`cluttered_mnist`: pieces of clutter per canvas", int, min=0),
    "distractor_size": Field(8, "`cluttered_mnist`: side of each piece of clutter in pixels", int, min=1, max=28),
    "data_path": Field(None, "the data: an MNIST `.npz`, or your images' folder or `.npz`", str, role="output"),
    "train_size": Field(None, "train on only N of the training images; None: all", int, min=1),
    "validation_size": Field(5000, "the MNIST tasks: training images held out for validation", int, min=1),
    "validation_split": Field(0.1, "`images` without validation/: share of train/ held out", Real, above=0, max=0.5),
    "background": Field(255, "`images`: grey level (0-255) under transparent pixels", int, min=0, max=255),
    "image_memory_mb": Field(4096, "`images` folder: MB of decoded images kept in memory", int, min=0, role="output"),
    "train_shift": Field(0, "`mnist`: training digits move up to this many pixels; 0: off", int, min=0, max=8),
    "eval_seed": Field(1234, "seed of the validation and test sets' canvases", int, min=0),
    # glimpse sensor
    "glimpses": Field(6, "glimpses per image (time steps)", int, min=1, role="architecture"),
    "patch_size": Field(8, "side of each retina patch in pixels, after area averaging", int, min=1, role="weights"),
    "zooms": Field(1, "patches per glimpse, each `zoom_scale` times wider than the last", int, min=1, role="weights"),
    "zoom_scale": Field(2, "width ratio between successive zooms", int, min=1, role="architecture"),
    "unit_pixels": Field(None, "pixels a location of +-1 reaches; None: the edge", Real, above=0, role="architecture"),
    # network
    "glimpse_hidden": Field(128, "units of h_g = ReLU(W rho)", int, min=1, role="weights"),
    "glimpse_conv": Field(0, "filters of a convolutional glimpse encoder; 0: off", int, min=0, role="weights"),
    "location_hidden": Field(128, "units of h_l = ReLU(W l)", int, min=1, role="weights"),
    "glimpse_size": Field(256, "units of the glimpse feature g = ReLU(W h_g + W h_l)", int, min=1, role="weights"),
    "core": Field("lstm", "recurrent core: a name in ram/cores.py", str, choices=tuple(CORES), role="weights"),
    "core_size": Field(256, "units of the core's hidden state h_t", int, min=1, role="weights"),
    # location policy
    "location_std": Field(0.15, "std of the Gaussian location policy", Real, above=0, role="model"),
    "initial_location_std": Field(None, "the policy's std at the start, decaying; None: constant", Real, above=0),
    "policy_hidden": Field(128, "units of a ReLU layer before the policy mean; 0: none", int, min=0, role="weights"),
    "policy_trains_core": Field(False, "REINFORCE also trains the core (the paper)", bool, role="model"),
    "first_location": Field("random", "`random`, `center` or `context`", str, choices=FIRST_LOCATIONS, role="weights"),
    "random_glimpses": Field(False, "every glimpse at random, not from the policy", bool, role="architecture"),
    "context_grid": Field(10, "`context`: cells per side of the image's coarse view", int, min=1, role="weights"),
    "dropout": Field(0.0, "dropout rate of the glimpse feature in training", Real, min=0, max=0.9, role="model"),
    "train_paths": Field(1, "sampled glimpse paths per training image (the paper's M)", int, min=1, role="model"),
    # loss
    "reward": Field("correct", "REINFORCE reward: `correct` or `probability`", str, choices=REWARDS, role="model"),
    "cross_entropy_weight": Field(1.0, "weight of the classification cross entropy", Real, min=0, role="model"),
    "label_smoothing": Field(0.0, "label smoothing of the cross entropy; 0: off", Real, min=0, max=0.5, role="model"),
    "reinforce_weight": Field(1.0, "weight of the REINFORCE term", Real, min=0, role="model"),
    "baseline_weight": Field(1.0, "weight of the baseline's mean squared error", Real, min=0, role="model"),
    "location_penalty": Field(0.0, "weight of a penalty on pre-tanh policy means; 0: off", Real, min=0, role="model"),
    # optimization
    "optimizer": Field("adam", "`sgd` (with momentum) or `adam`", str, choices=OPTIMIZERS),
    "learning_rate": Field(2e-3, "initial learning rate", Real, above=0),
    "momentum": Field(0.9, "momentum of `sgd`", Real, min=0, max=1),
    "lr_schedule": Field("linear", "`constant` or `linear` (to min_learning_rate)", str, choices=SCHEDULES),
    "min_learning_rate": Field(1e-5, "final learning rate of the `linear` schedule", Real, min=0),
    "decay_epochs": Field(150, "epochs of the linear decays (learning rate, location std)", int, min=1),
    "ema_momentum": Field(None, "moving average of the weights, this momentum; None: off", Real, above=0, max=0.99999),
    "weight_decay": Field(None, "decoupled weight decay of the weight matrices; None: off", Real, above=0),
    "batch_size": Field(256, "images per training step", int, min=1),
    "epochs": Field(150, "maximum training epochs", int, min=1, role="stopping"),
    "early_stopping_patience": Field(40, "stop after N epochs without progress; 0: off", int, min=0, role="stopping"),
    "restore_best_weights": Field(False, "keep the best validation epoch's weights", bool, role="stopping"),
    "test_every": Field(10, "test accuracy every this many epochs (and at the end)", int, min=1, role="stopping"),
    "mc_samples": Field(10, "sampled glimpse paths averaged by Monte Carlo evaluation", int, min=1),
    "distribute": Field("none", "`none` (one device), `mirrored` or `data_parallel`", str, choices=DISTRIBUTES),
    "devices": Field(None, "`distribute`'s devices, comma-separated; None: all", str),
    "jit_compile": Field(True, "compile the training step with XLA", bool),
    "steps_per_execution": Field(8, "training steps per compiled call", int, min=1),
    # runs and output
    "initial_model": Field(None, "start from this model's weights; None: fresh weights", str),
    "seed": Field(0, "seed of run 0 (weights, data order, sampling); run i uses seed + i", int, min=0, role="model"),
    "runs": Field(1, "independent training runs", int, min=1, role="output"),
    "results_dir": Field("MNIST_Results", "folder for the runs' files (run_<i>/ inside)", str, role="output"),
    "tensorboard": Field(True, "write TensorBoard logs to <results_dir>/run_<i>/logs/", bool, role="output"),
    "tensorboard_images_every": Field(10, "glimpse pictures every N epochs; 0: none", int, min=0, role="output"),
    "verbose": Field(2, "fit verbosity: 0 silent, 1 progress bar, 2 epoch lines", int, min=0, max=2, role="output"),
}

DEFAULTS = {name: field.default for name, field in FIELDS.items()}

# What a file written before a field existed was trained with: files that lack the field read it as this.
PREVIOUS_VALUES = {
    "distractors": 0, "distractor_size": 8, "train_size": None, "train_shift": 0, "glimpse_conv": 0,
    "initial_location_std": None, "context_grid": 10, "dropout": 0.0, "train_paths": 1, "reward": "correct",
    "label_smoothing": 0.0, "ema_momentum": None, "weight_decay": None, "restore_best_weights": True,
    "distribute": "none", "devices": None, "steps_per_execution": 1, "initial_model": None, "tensorboard": False,
    "tensorboard_images_every": 0, "location_penalty": 0.0, "random_glimpses": False, "image_height": None,
    "image_width": None, "channels": 1, "classes": 10, "class_names": None, "validation_split": 0.1,
    "image_memory_mb": 4096, "background": 255,
}
# Fields that files may still hold but this version no longer has, with the one value it still runs.
# (decay_rate, of the removed exponential schedule, is dropped whatever its value.)
REMOVED_FIELDS = {"location_mean": "tanh", "clipnorm": None, "clipvalue": None}


def fields_with(*roles):
    """The names of the fields whose role is one of `roles`, in FIELDS order."""
    return tuple(name for name, field in FIELDS.items() if field.role in roles)


WEIGHT_FIELDS = fields_with("weights")  # an initial_model's weights must match these
ARCHITECTURE_FIELDS = fields_with("weights", "architecture")  # a saved model must match these
MODEL_FIELDS = fields_with("weights", "architecture", "model")  # what the model itself stores
OUTPUT_FIELDS = fields_with("output")  # may change without retraining or restarting a run


class Config(dict):
    """A validated config: a dict whose fields also read as attributes."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def replace(self, **changes):
        return make_config({**self, **changes})


def image_shape(values):
    """(height, width) of the model's input from a config (or a model's settings): image_height and
    image_width, each None for image_size."""
    size = values["image_size"]
    return (size if values["image_height"] is None else values["image_height"],
            size if values["image_width"] is None else values["image_width"])


def input_shape(values):
    """The shape of one of the model's input images from a config (or a model's settings): (H, W)
    grey, (H, W, C) in colour."""
    return image_shape(values) + ((values["channels"],) if values["channels"] > 1 else ())


def _check_field(name, value, field):
    """Returns a message describing what is wrong with `value`, or None."""
    if value is None:
        return None if field.optional or field.default is None else f"{name}: must not be None"
    kinds = field.kind if isinstance(field.kind, tuple) else (field.kind,)
    if isinstance(value, bool) and bool not in kinds:
        return f"{name}: expected {' or '.join(k.__name__ for k in kinds)}, got bool {value!r}"
    if not isinstance(value, kinds):
        expected = " or ".join(k.__name__ for k in kinds)
        return f"{name}: expected {expected}, got {type(value).__name__} {value!r}"
    if field.choices and value not in field.choices:
        return f"{name}: {value!r} is not one of {', '.join(map(repr, field.choices))}"
    if field.min is not None and value < field.min:
        return f"{name}: {value!r} is below the minimum {field.min}"
    if field.above is not None and value <= field.above:
        return f"{name}: {value!r} must be greater than {field.above}"
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
        if field.kind is Real and values[name] is not None:
            values[name] = float(values[name])
    return Config(values)


def _check_relations(v):
    """Rules between fields: those of every data set here, then the data set's own (its module's
    `config_problems`). Rules on the image's size wait until it is known (`images` from its data)."""
    problems = []
    if (v["image_height"] is None) != (v["image_width"] is None):
        given = "image_height" if v["image_width"] is None else "image_width"
        problems.append(f"{given}: {v[given]} without {'image_width' if given == 'image_height' else 'image_height'}; "
                        f"set image_height and image_width together (or neither, for image_size)")
    height, width = image_shape(v)
    if height is not None and width is not None:
        if v["first_location"] == "context" and (height % v["context_grid"] or width % v["context_grid"]):
            problems.append(f"context_grid: {v['context_grid']} does not divide image_size {_size(height, width)}; "
                            f"pick a divisor (e.g. 7 or 14 for 28, 10 or 20 for 60 and 100)")
        if v["patch_size"] > min(height, width):
            problems.append(f"patch_size: {v['patch_size']} is larger than the image ({_size(height, width)})")
    if v["class_names"] is not None and len(v["class_names"]) != v["classes"]:
        problems.append(f"class_names: {len(v['class_names'])} names for {v['classes']} classes; "
                        f"give one name per class")
    if v["random_glimpses"] and v["first_location"] != "random":
        problems.append(f"random_glimpses: every glimpse is drawn at random, so first_location must be `random`, "
                        f"not {v['first_location']!r}")
    if v["initial_location_std"] is not None and v["initial_location_std"] < v["location_std"]:
        problems.append(f"initial_location_std: {v['initial_location_std']} is below location_std {v['location_std']}, "
                        f"which it decays to; raise it, or set None for a constant std")
    if v["ema_momentum"] is not None and v["restore_best_weights"]:
        problems.append("ema_momentum: the averaged weights are the last epoch's; set restore_best_weights False")
    if v["devices"] is not None and v["distribute"] == "none":
        problems.append(f"devices: {v['devices']!r} needs distribute `mirrored` or `data_parallel`")
    if v["lr_schedule"] == "linear" and v["min_learning_rate"] > v["learning_rate"]:
        problems.append(f"min_learning_rate: {v['min_learning_rate']} is above learning_rate {v['learning_rate']}")
    from . import datasets  # the data set's module (TensorFlow with it)
    return problems + datasets.get(v["dataset"]).config_problems(v)


def _size(height, width):
    """28, or 32x48 for a rectangle."""
    return str(height) if height == width else f"{height}x{width}"


def saved_config(saved):
    """A config dict read from a file, as this version reads it: a field the file lacks (it was written
    before the field existed) at its PREVIOUS_VALUES value, what it trained with, and fields since
    removed dropped (ConfigError if the file used an option that no longer exists)."""
    used = [f"{k} {saved[k]!r}" for k, only in REMOVED_FIELDS.items() if k in saved and saved[k] != only]
    used += [f"{k} {saved[k]!r}" for k, gone in (("optimizer", OPTIMIZERS), ("lr_schedule", SCHEDULES))
             if k in saved and saved[k] not in gone]
    if used:
        raise ConfigError(f"a file was trained with options this version no longer has ({', '.join(used)}); "
                          f"use the version that wrote it")
    missing = {k: PREVIOUS_VALUES.get(k, DEFAULTS[k]) for k in FIELDS if k not in saved}
    return {**missing, **{k: v for k, v in saved.items() if k in FIELDS}}


def changed_fields(saved, config, ignore=()):
    """Fields (not in `ignore`) where `config` differs from a `saved` config dict."""
    saved = saved_config(saved)
    return [k for k, v in config.items() if k not in ignore and saved[k] != v]

