"""Evaluate a trained RAM and render what it looks at.

    python evaluate.py run_mnist                       # best finished run of that config
    python evaluate.py run_translated_mnist.py path/to/model.h5 --images 5 --samples 20
    python evaluate.py run_cluttered_mnist --eval-seed 7 --out /tmp/recount   # on freshly drawn test canvases
    python evaluate.py run_cluttered_mnist --eval-draws 5 --images 0   # mean and spread over 5 fresh draws
    python evaluate.py run_images runs/my_images/run_0/model.h5 --data path/to/my_images   # your own images

Prints the test error (deterministic policy, one sampled glimpse path, Monte Carlo over sampled
paths) and the error of each class; writes glimpse pictures to <folder>/Images/ and the accuracy plot
of the folder's runs to <folder>/MNIST_accuracy.png (accuracy.png for your own images), where <folder>
is the results folder the model file lies in (`--out DIR` to choose another).
"""
import argparse
import os
import sys

from ram.cli import add_field_flags, field_overrides, unknown_arguments
from ram.config import saved_config
from ram.errors import ConfigError, ModelFileError, RamError
from ram.results import run_index, run_results
from ram.scripts import script_config


FIRST_DRAW = 100_000  # --eval-draws' first eval seed: the runs validate and test on eval_seed 1234, tuning used no other


def best_model(results_dir):
    """model.h5 of the finished run with the best final validation accuracy (never chosen by the test it
    is evaluated on), among runs that kept their model (git keeps only run_0's of the shipped seeds)."""
    finished = [(doc["history"][-1].get("val_accuracy", 0) if doc.get("history") else 0, -i,
                 os.path.join(folder, "model.h5")) for i, (folder, doc) in enumerate(run_results(results_dir))
                if os.path.exists(os.path.join(folder, "model.h5"))]
    if not finished:
        raise ModelFileError(f"no finished run with a model.h5 in {results_dir}/: train first "
                             f"(python <config>.py), or pass the model file.")
    return max(finished)[2]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False,
                                     usage="%(prog)s config [model] [--images N] [--samples N] [--seed N] "
                                           "[--eval-seed N] [--eval-draws K] [--data PATH] [--out DIR] [--field-name VALUE ...]")
    parser.add_argument("config", help="config script: module name (run_mnist) or path (my_config.py)")
    parser.add_argument("model", nargs="?", help=".h5 or .keras model or .json weights; default: best run of the config")
    parser.add_argument("--images", type=int, metavar="N", default=10, help="test images to render (default 10)")
    parser.add_argument("--samples", type=int, metavar="N", help="sampled paths for Monte Carlo (default: the config's mc_samples)")
    parser.add_argument("--seed", type=int, metavar="N", default=0,
                        help="seed of random first glimpses and sampled paths (default 0, as training's final test)")
    parser.add_argument("--eval-seed", type=int, metavar="N",
                        help="draw the test canvases (translations, clutter) from this seed instead of the "
                             "config's eval_seed: a recount on freshly drawn canvases of the same test digits")
    parser.add_argument("--eval-draws", type=int, metavar="K", default=1,
                        help="count the test error on K sets of test canvases drawn afresh, from eval seeds S .. S + K - 1 "
                             f"(S: --eval-seed, default {FIRST_DRAW}, seeds no training or choice used): each draw's "
                             "errors, then their mean and standard deviation over draws")
    parser.add_argument("--data", metavar="PATH", help="the data: a local mnist.npz (Keras layout) for the MNIST "
                                                          "tasks; your images' folder or .npz for `images`")
    parser.add_argument("--out", metavar="DIR", help="folder for Images/ and the accuracy plot (default: the model's results "
                                      "folder, the one holding its run_<i>/)")
    add_field_flags(parser, {}, skip=("seed", "eval_seed", "data_path"),
                    title="config fields a model was trained with on the command line, as in "
                          "`python run_mnist.py --glimpses 4`: give the same flags here (default in brackets)")
    args, unknown = parser.parse_known_args(argv)
    flags = [flag for action in parser._actions for flag in action.option_strings]
    problems = unknown_arguments(unknown, flags)  # each with the flag it may have meant
    if args.eval_draws < 1:
        problems.append(f"--eval-draws {args.eval_draws}: count at least 1 draw")
    if problems:
        parser.error("; ".join(problems))
    return args


def output_folder(model_path):
    """Where a model's pictures go: the results folder of `<folder>/run_<i>/model.h5`, else the
    model file's own folder."""
    run_dir = os.path.dirname(os.path.abspath(model_path))
    if run_index(os.path.basename(run_dir)) is not None:
        return os.path.dirname(run_dir)
    return run_dir


def main(argv=None):
    args = parse_args(argv)
    try:
        return evaluate(args)
    except RamError as error:  # every error RAM names (ram/errors.py): one line, no traceback
        sys.exit(f"error: {error}")


def evaluate(args):
    """What main prints and writes for the parsed command line `args`; returns the three error reports."""
    import ram  # TensorFlow from here on (ram.cli and the others imported above are pure Python)
    from ram.backend import check
    from ram.datasets import get
    from ram.plots import plot_accuracy
    from ram.saving import check_settings, load_model, results_config
    from ram.visualize import render_examples
    check()
    config = script_config(args.config, field_overrides(args), data_path=args.data, eval_seed=args.eval_seed)
    samples = args.samples or config.mc_samples
    model_path = args.model or best_model(config.results_dir)
    model = load_model(model_path)  # before the data: a wrong path is named at once
    print(f"model: {model_path}", flush=True)
    trained = (results_config(model_path) or {}).get("dataset", config.dataset)  # from its run's results.json
    if trained != config.dataset and (get(trained).decided_by_data or get(config.dataset).decided_by_data):
        # flags cannot turn a config of one into the other (the data sets some fields): name the config
        raise ModelFileError(f"{model_path} was trained on dataset `{trained}`, but {args.config} is a config for "
                             f"`{config.dataset}`; evaluate it with a config for `{trained}`")
    trained_size = saved_config(model.settings)["image_size"]
    if config.image_size is None and trained_size:  # resize the images as for training
        config = config.replace(image_size=trained_size)
    data = ram.load_data(config, test_only=True)  # only the test images
    config = data.config  # with what the data decides: image size, channels, classes
    data.check_model(model.settings, model_path)
    check_settings(model.settings, config, model_path)
    if args.eval_draws > 1:
        if not getattr(get(config.dataset), "CANVAS", False):
            raise ConfigError(f"--eval-draws {args.eval_draws}: `{config.dataset}` has no canvases to draw (its test images "
                              f"are fixed); leave --eval-draws out")
        reports = count_over_draws(model, config, samples, args)
    else:
        if args.eval_seed is not None:
            print(f"test canvases drawn from eval_seed {config.eval_seed}" +
                  ("" if config.dataset != "mnist" else " (plain MNIST has no canvases: the same images)"))
        reports = count_errors(model, data, samples, args.seed)
    per_class = reports["deterministic"]["per_class_error"]
    print("per-class error (deterministic): " + ", ".join(f"{name}: {100 * e:.1f}%"
                                                          for name, e in zip(data.class_names, per_class)))
    runs_folder = output_folder(model_path)
    folder = args.out or runs_folder
    report_classes(reports, data, folder)
    out_dir = os.path.join(folder, "Images")
    if args.images > 0:
        images, labels = data.test_arrays(args.images)
        render_examples(model, images, labels, out_dir, seed=args.seed, class_names=data.class_names)
        print(f"glimpse pictures of {args.images} test images: {out_dir}/")
    try:
        runs = run_results(runs_folder)
    except ModelFileError as error:
        raise ModelFileError(f"no accuracy plot: {error}") from None
    if runs:
        plot_path = os.path.join(folder, "accuracy.png" if config.dataset == "images" else "MNIST_accuracy.png")
        plot_accuracy(runs, plot_path)
        print(f"accuracy plot: {plot_path}")
    return reports


CONFUSION_PRINTED = 20  # classes up to which the confusion matrix is printed (the PNG always has it)


def report_classes(reports, data, folder):
    """Prints the deterministic path's top-k error, each class's precision, recall and F1, and (up to
    CONFUSION_PRINTED classes) its confusion matrix; writes them to <folder>/evaluation.json and the
    matrix to <folder>/confusion.png."""
    from ram.evaluation import class_report
    from ram.files import write_json
    from ram.plots import plot_confusion
    deterministic = reports["deterministic"]
    probabilities = deterministic["probabilities"]
    report = class_report(probabilities, deterministic["labels"], data.class_names)
    if report["top_k"]:
        print(f"top-{report['top_k']} error (deterministic): {100 * report['top_k_error']:.2f}%")
    width = max(len(name) for name in report["class_names"])
    print("class".ljust(width) + "  precision  recall     F1")
    for name, p, r, f in zip(report["class_names"], report["precision"], report["recall"], report["f1"]):
        print(f"{name.ljust(width)}  {100 * p:8.2f}%  {100 * r:6.2f}%  {100 * f:5.2f}%")
    if len(report["class_names"]) <= CONFUSION_PRINTED:
        print("confusion matrix (rows: true class, columns: predicted):")
        for name, row in zip(report["class_names"], report["confusion"]):
            print(f"  {name.ljust(width)} " + " ".join(f"{n:5d}" for n in row))
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "evaluation.json"),
               {**report, **{f"error_{name}": r["error"] for name, r in reports.items()}})
    plot_confusion(report, os.path.join(folder, "confusion.png"))
    print(f"per-class report: {os.path.join(folder, 'evaluation.json')}, {os.path.join(folder, 'confusion.png')}")


def count_errors(model, data, samples, seed, quiet=False):
    """The test error three ways (deterministic policy, one sampled path, Monte Carlo over `samples`
    paths), printed as counted unless `quiet`: {protocol: error_report}, each with its `probabilities`."""
    from ram.evaluation import error_report, predict
    reports = {}
    test = data.test()
    for name, paths in (("deterministic", 0), ("one sampled path", 1), (f"Monte Carlo over {samples} paths", samples)):
        probabilities = predict(model, test, paths, seed=seed)
        r = reports[name] = {**error_report(probabilities, data.y_test), "probabilities": probabilities,
                             "labels": data.y_test}
        if not quiet:
            print(f"test error ({name}): {100 * r['error']:.2f}% +- {100 * r['stderr']:.2f} "
                  f"({r['wrong']} of {r['count']} wrong)", flush=True)
    return reports


def count_over_draws(model, config, samples, args):
    """count_errors on `args.eval_draws` sets of test canvases, from eval seeds S, S + 1, ... (S:
    args.eval_seed, else FIRST_DRAW); prints each draw's errors, then their mean and sample std over
    draws. Returns {protocol: error_report of the K x 10,000 canvases pooled, with `draws`, each draw's error}."""
    import statistics
    import numpy as np
    import ram
    from ram.evaluation import error_report
    first = FIRST_DRAW if args.eval_seed is None else args.eval_seed
    seeds = range(first, first + args.eval_draws)
    print(f"test canvases drawn {len(seeds)} times, from eval seeds {seeds[0]}-{seeds[-1]}", flush=True)
    draws = []
    for eval_seed in seeds:
        data = ram.load_data(config.replace(eval_seed=eval_seed), test_only=True)
        draws.append((count_errors(model, data, samples, args.seed, quiet=True), data.y_test))
        print(f"eval seed {eval_seed}: " + " / ".join(f"{100 * r['error']:.2f}" for r in draws[-1][0].values()) +
              " % (deterministic / one sampled path / Monte Carlo)", flush=True)
    pooled = {}
    for name in draws[0][0]:
        errors = [reports[name]["error"] for reports, _ in draws]
        print(f"test error ({name}) over {len(errors)} draws: {100 * statistics.fmean(errors):.2f}% "
              f"+- {100 * statistics.stdev(errors):.2f} (std over draws)", flush=True)
        probabilities = np.concatenate([reports[name]["probabilities"] for reports, _ in draws])
        labels = np.concatenate([labels for _, labels in draws])
        pooled[name] = {**error_report(probabilities, labels), "draws": errors, "probabilities": probabilities,
                        "labels": labels}
    return pooled


if __name__ == "__main__":
    main()
