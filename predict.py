"""Classify new images with a trained RAM: each image's predicted class and its top probabilities.

    python predict.py runs/images/run_0/model.h5 photos/ more/*.jpg        # files, folders, globs
    python predict.py MNIST_Results/run_0/model.h5 my_digit.png --json out.json
    python predict.py MODEL PATH... --samples 0                           # the deterministic path alone

Each image is decoded as training decoded it (upright, alpha over the run's background, the model's
size and channels) and its class probabilities averaged over --samples sampled glimpse paths (default
10) with the policy seeded by --seed (default 0): the same command prints the same numbers. The policy's
draws are made for the whole batch, as in evaluation: the same image among other files draws other
paths (use --samples 0 with a `center` first glimpse, or more samples, for steadier numbers). --json FILE
writes [{"path", "predicted", "probabilities": {class: p}}].
"""
import argparse
import sys

from ram.errors import RamError


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("model", help="a trained model: .h5, .keras or .json weights")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="image files, folders of them, or quoted globs")
    parser.add_argument("--samples", type=int, default=10, metavar="N",
                        help="sampled glimpse paths averaged per image (default 10; 0: the deterministic path)")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="the policy's seed (default 0)")
    parser.add_argument("--top", type=int, default=3, metavar="K", help="probabilities shown per image (default 3)")
    parser.add_argument("--json", metavar="FILE", help="also write every image's probabilities as JSON")
    args = parser.parse_args(argv)
    if args.samples < 0 or args.top < 1:
        parser.error("--samples must be 0 or more and --top at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        return run(args)
    except RamError as error:  # one line, no traceback
        sys.exit(f"error: {error}")


def run(args):
    import numpy as np
    from ram.files import write_json
    from ram.prediction import image_paths, predict
    paths = image_paths(args.paths)
    probabilities, names = predict(args.model, paths, samples=args.samples, seed=args.seed)
    rows = []
    width = max(len(p) for p in paths + ["image"])
    print(f"{'image'.ljust(width)}  top {args.top} classes and their probabilities ({args.samples or 'the deterministic'} "
          f"path{'s' * (args.samples != 1)}, seed {args.seed})")
    for path, p in zip(paths, probabilities):
        top = np.argsort(-p, kind="stable")[:args.top]
        print(f"{path.ljust(width)}  " + "  ".join(f"{names[k]} {p[k]:.3f}" for k in top), flush=True)
        rows.append({"path": path, "predicted": names[top[0]],
                     "probabilities": {name: float(v) for name, v in zip(names, p)}})
    if args.json:
        write_json(args.json, rows)
        print(f"written: {args.json}")
    return rows


if __name__ == "__main__":
    main()
