"""The paper's baselines (Mnih et al. 2014, Tables 1 and 2) trained with Keras `fit`.

They train on a config script's canvases and splits, and are tested on the same validation and test
canvases as its RAM runs (ram.data, drawn from eval_seed).

    python -m tools.baselines run_cluttered_mnist --model fc --hidden 64 --results-dir baselines/cluttered_60_fc64
    python -m tools.baselines run_cluttered_mnist_100 --model conv --results-dir baselines/cluttered_100_conv

`fc`: a fully connected network with 2 hidden ReLU layers of `--hidden` units (the paper's rows: 64
and 256). `conv`: "one layer of 8 10x10 filters with stride 5, followed by a fully connected layer with
256 units, with ReLUs after each layer" (the paper's Section 4.1), then the linear softmax layer.
Adam with the script's learning rate, linear decay and epochs (flags change them); the last epoch's
weights are tested. Writes <results-dir>/results.json and model.keras, each atomically.
"""
import argparse
import os
import sys
import time

MODELS = ("fc", "conv")
CONV_FILTERS, CONV_KERNEL, CONV_STRIDE, CONV_UNITS = 8, 10, 5, 256
# the config fields a baseline uses (data, optimisation, run); the RAM fields of the script are ignored
FIELDS_USED = ("train_size", "validation_size", "eval_seed", "learning_rate", "lr_schedule", "min_learning_rate",
               "decay_epochs", "batch_size", "epochs", "seed", "steps_per_execution", "jit_compile", "verbose")


def build_baseline(kind, image_shape, hidden=256, classes=10):
    """An uncompiled Keras model: images `image_shape` (H, W) grey or (H, W, C), in [0, 1], batched ->
    logits (B, classes)."""
    import keras
    layers = [keras.Input(tuple(image_shape), name="images")]
    if kind == "fc":
        layers += [keras.layers.Flatten(), keras.layers.Dense(hidden, activation="relu", name="hidden_1"),
                   keras.layers.Dense(hidden, activation="relu", name="hidden_2")]
    elif kind == "conv":
        layers += [keras.layers.Reshape(tuple(image_shape[:2]) + (image_shape[2] if len(image_shape) == 3 else 1,)),
                   keras.layers.Conv2D(CONV_FILTERS, CONV_KERNEL, strides=CONV_STRIDE, activation="relu", name="conv"),
                   keras.layers.Flatten(), keras.layers.Dense(CONV_UNITS, activation="relu", name="hidden")]
    else:
        raise ValueError(f"model: {kind!r} is not one of {MODELS}")
    layers.append(keras.layers.Dense(classes, name="logits"))
    return keras.Sequential(layers, name=f"{kind}_baseline")


def make_parser(script=None):
    """The command line with a config script's data and optimisation fields (`script`, its CONFIG); None:
    without them, nothing required and no --help (the first pass, which finds the script)."""
    from ram.cli import add_field_flags
    from ram.config import FIELDS
    parser = argparse.ArgumentParser(prog="python -m tools.baselines", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False,
                                     add_help=script is not None)
    parser.add_argument("config", nargs=None if script is not None else "?", help="config script whose canvases and splits to use: module name "
                                       "(run_cluttered_mnist) or path")
    parser.add_argument("--model", choices=MODELS, required=script is not None, help="fc: 2 hidden layers; conv: the paper's conv net")
    parser.add_argument("--hidden", type=int, default=256, metavar="N", help="units of each fc hidden layer (default 256)")
    parser.add_argument("--results-dir", required=script is not None, metavar="DIR", help="folder for results.json and model.keras")
    parser.add_argument("--data", metavar="PATH", help="the data: a local mnist.npz (Keras layout) for the MNIST tasks; your images' folder or .npz for `images`")
    parser.add_argument("--overwrite", action="store_true", help="replace a finished results.json in --results-dir")
    if script is not None:
        add_field_flags(parser, script, skip=set(FIELDS) - set(FIELDS_USED),
                        title="the config script's fields a baseline uses (its value in brackets)")
    return parser


def parse_args(argv):
    """Finds the config script first (its values go into --help), then parses everything."""
    from ram.scripts import load_config_script
    known, _ = make_parser().parse_known_args(argv)
    script = load_config_script(known.config).CONFIG if known.config else {}
    args = make_parser(script).parse_args(argv)
    if args.hidden < 1:
        sys.exit(f"error: --hidden: {args.hidden} must be at least 1")
    return args


def baseline_config(args):
    """The script's config with the command line's fields; ConfigError names what is wrong."""
    from ram.cli import field_overrides
    from ram.scripts import script_config
    return script_config(args.config, field_overrides(args), data_path=args.data)


def train_baseline(args, config):
    """Trains, tests and writes the results of one baseline; returns the results document."""
    import keras
    import numpy as np
    from ram import backend
    from ram.config import input_shape
    from ram.datasets import load_data
    from ram.evaluation import error_report
    from ram.results import provenance
    from ram.files import atomic_write, write_json
    from ram.training import make_optimizer
    from bench.flops import keras_multiply_adds
    data = load_data(config)
    config = data.config  # with what the data decides (`images`: its size, channels and classes)
    keras.utils.set_random_seed(config.seed)
    model = build_baseline(args.model, input_shape(config), args.hidden, config.classes)
    model.compile(optimizer=make_optimizer(config, data.steps_per_epoch),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"],
                  jit_compile=config.jit_compile, steps_per_execution=config.steps_per_execution)
    start = time.perf_counter()
    history = model.fit(data.train(config.seed), steps_per_epoch=data.steps_per_epoch, epochs=config.epochs,
                        validation_data=data.validation(), verbose=config.verbose, shuffle=False).history
    train_seconds = time.perf_counter() - start
    probabilities = model.predict(data.test(), verbose=0)
    report = error_report(probabilities, data.y_test)
    doc = {"finished": True, "model": args.model, "hidden": args.hidden if args.model == "fc" else CONV_UNITS,
           "config_script": args.config, "config": {k: config[k] for k in ("dataset", "image_size", "distractors",
                                                                          "distractor_size", *FIELDS_USED)},
           "parameters": model.count_params(), "multiply_adds_per_image": keras_multiply_adds(model),
           "epochs_trained": len(history["loss"]), "wall_seconds": time.perf_counter() - start,
           "train_seconds": train_seconds,
           "history": [{"epoch": e + 1, **{k: float(v[e]) for k, v in history.items()}} for e in range(len(history["loss"]))],
           "test_error": report["error"], "test_error_stderr": report["stderr"], "test_wrong": report["wrong"],
           "test_accuracy": 1 - report["error"],
           "provenance": provenance(data.source, backend.versions())}
    os.makedirs(args.results_dir, exist_ok=True)
    atomic_write(os.path.join(args.results_dir, "model.keras"), model.save)
    write_json(os.path.join(args.results_dir, "results.json"), doc)
    print(f"{args.results_dir}: {args.model} test error {100 * report['error']:.2f}% +- {100 * report['stderr']:.2f} "
          f"({report['wrong']} wrong), {doc['epochs_trained']} epochs in {doc['wall_seconds'] / 60:.1f} min")
    return doc


def main(argv=None):
    from ram.errors import RamError, RunFolderError
    try:
        args = parse_args(argv)
        config = baseline_config(args)
        results = os.path.join(args.results_dir, "results.json")
        if os.path.exists(results) and not args.overwrite:
            raise RunFolderError(f"{results} holds a finished baseline; pass --overwrite to replace it, or another "
                                 f"--results-dir")
        return train_baseline(args, config)
    except RamError as error:  # every error RAM names (ram/errors.py): one line, no traceback
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
