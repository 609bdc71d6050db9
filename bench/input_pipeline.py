"""Input pipeline of `images` against training: does a folder of PNGs feed training fast enough?

    python -m bench.input_pipeline --data ../shared/data/mnist.npz               # 60,000 28x28 PNGs
    python -m bench.input_pipeline --data ../shared/data/mnist.npz --count 6000  # a brief try

Writes the first --count MNIST training digits as 28x28 grey PNGs into --folder (kept for the next
time; train/<digit>/ and 1,000 test images), then measures, for the folder decoded once into memory
and streamed from disk (image_memory_mb 0): the seconds until the first epoch can start (listing,
headers, decoding) and the images per second the pipeline delivers; and the images per second that
training run_images.py's model consumes. Prints a table and the pipeline's margin over training
(issue 44 asks for 5x and a first epoch within about a minute on 2 cores); writes JSON with --out.
"""
import argparse
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def write_folder(folder, mnist_path, count):
    """folder/train/<digit>/<i>.png for the first `count` training digits, folder/test/ for 1,000."""
    import cv2
    from ram.datasets.mnist import load_mnist
    (x_train, y_train), (x_test, y_test) = load_mnist(mnist_path)
    for split, x, y in (("train", x_train[:count], y_train[:count]), ("test", x_test[:1000], y_test[:1000])):
        for digit in range(10):
            os.makedirs(os.path.join(folder, split, str(digit)), exist_ok=True)
        for i, (image, label) in enumerate(zip(x, y)):
            cv2.imwrite(os.path.join(folder, split, str(label), f"{i:05d}.png"), image)


def pipeline_rate(config, batches):
    """Seconds until the data is loaded, until its first batch, and the img/s of `batches` batches after it."""
    import ram
    start = time.perf_counter()
    data = ram.load_data(config)
    loaded = time.perf_counter() - start
    iterator = iter(data.train(config.seed))
    next(iterator)
    first = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return data, {"load_seconds": loaded, "first_batch_seconds": first,
                  "img_s": batches * config.batch_size / (time.perf_counter() - start)}


def training_rate(config, data, steps):
    """Images per second that `fit` consumes on cached batches (after a first call that compiles)."""
    from ram.training import build_model
    model = build_model(config, data.steps_per_epoch)
    batches = data.train(config.seed).take(2 * steps).cache().repeat()  # decoded already: training alone
    model.fit(batches, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
    start = time.perf_counter()
    model.fit(batches, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
    return steps * config.batch_size / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="local mnist.npz (Keras layout); default: $RAM_MNIST, then Keras's download")
    parser.add_argument("--folder", default=os.path.join(ROOT, "bench", "results", "mnist_png"),
                        help="the PNG folder (written if absent; default bench/results/mnist_png, ignored by git)")
    parser.add_argument("--count", type=int, default=60000, help="training PNGs (default 60,000)")
    parser.add_argument("--batches", type=int, default=200, help="batches timed through the pipeline (default 200)")
    parser.add_argument("--steps", type=int, default=64, help="training steps timed (default 64)")
    parser.add_argument("--out", help="write the measurements as JSON here")
    args = parser.parse_args(argv)
    import ram
    import run_images
    folder = os.path.join(args.folder, str(args.count))
    if not os.path.isdir(os.path.join(folder, "test")):
        start = time.perf_counter()
        write_folder(folder, args.data, args.count)
        print(f"wrote {args.count:,} + 1,000 PNGs to {folder} in {time.perf_counter() - start:.0f} s", flush=True)
    config = ram.make_config({**run_images.CONFIG, "data_path": folder, "patch_size": 4})  # 4 x 2^2 fits 28x28
    report = {"folder": folder, "count": args.count, "cpu_count": os.cpu_count(), "batch_size": config.batch_size}
    for mode, memory in (("cached", config.image_memory_mb), ("streamed", 0)):
        data, report[mode] = pipeline_rate(config.replace(image_memory_mb=memory), args.batches)
        print(f"{mode:9s} first epoch starts after {report[mode]['first_batch_seconds']:5.1f} s "
              f"(load {report[mode]['load_seconds']:.1f} s); pipeline {report[mode]['img_s']:8,.0f} img/s", flush=True)
    report["train_img_s"] = training_rate(data.config, data, args.steps)
    print(f"training (run_images.py's model, patch_size 4) consumes {report['train_img_s']:,.0f} img/s: the pipeline "
          f"delivers {report['cached']['img_s'] / report['train_img_s']:.1f}x that cached, "
          f"{report['streamed']['img_s'] / report['train_img_s']:.1f}x streamed")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)
    return report


if __name__ == "__main__":
    main()
