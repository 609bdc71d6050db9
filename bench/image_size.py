"""Does a glimpse cost the same on any image? Speed and memory of one RAM across canvas sizes, beside the
convolutional baseline.

    python -m bench.image_size                          # 60, 100, 512 and 2048 pixels a side; about 5 minutes
    python -m bench.image_size --sizes 60 100 --seconds 2

The RAM is the 100x100 config's network with the paper's random first glimpse (8 glimpses of 12x12 at 4
zooms; the context network's coarse view would read the whole image); each canvas holds one MNIST test
digit at a random place, as uint8 pixels scaled to [0, 1] floats in memory before timing. Per size, in
its own process (a clean peak memory): evaluation images/s (the deterministic policy compiled as
evaluation runs it, batches of 64), training images/s (compiled training steps, batches of 32), peak
resident memory, and the conv baseline's (tools.baselines) evaluation images/s. Multiply-adds per image
from bench.flops. Medians over `--repeats` windows.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

SIZES = (60, 100, 512, 2048)
EVAL_BATCH, TRAIN_BATCH = 64, 32


def canvases(size, count, seed=0, data_path=None):
    """`count` canvases (count, size, size) float32 in [0, 1], each one MNIST test digit at a random place,
    and their labels."""
    import numpy as np
    from ram.datasets.mnist import load_mnist
    _, (digits, labels) = load_mnist(data_path)
    rng = np.random.default_rng(seed)
    pick = rng.integers(len(digits), size=count)
    images = np.zeros((count, size, size), np.float32)
    for i, (row, col) in enumerate(rng.integers(size - 27, size=(count, 2))):
        images[i, row:row + 28, col:col + 28] = digits[pick[i]] / 255.0
    return images, labels[pick].astype("int32")


def rate(step, batches, batch_size, seconds, repeats):
    """Median images/s of `step` on `batches` of `batch_size` images, in windows of about seconds / repeats
    each, after one untimed call."""
    step(batches[0])
    rates = []
    for _ in range(repeats):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / repeats or not calls:
            step(batches[calls % len(batches)])
            calls += 1
        rates.append(calls * batch_size / (time.perf_counter() - start))
    return statistics.median(rates)


def measure_size(size, seconds, repeats, data_path=None):
    """One size's row (run in a process of its own)."""
    import resource
    import tensorflow as tf
    import ram
    from bench.flops import keras_multiply_adds, ram_multiply_adds
    from ram.backend import probabilities_function
    from ram.scripts import script_config
    from ram.training import build_model
    from tools.baselines import build_baseline
    config = script_config(os.path.join(ROOT, "run_cluttered_mnist_100.py"), image_size=size, first_location="random",
                           location_penalty=0.0)
    images, labels = canvases(size, 4 * EVAL_BATCH, data_path=data_path)
    eval_batches = [tf.constant(images[i:i + EVAL_BATCH]) for i in range(0, len(images), EVAL_BATCH)]
    model = ram.RecurrentAttentionModel(config)
    row = {"size": size, "ram_multiply_adds": ram_multiply_adds(model)["total"],
           "ram_eval_img_s": rate(probabilities_function(model, sample=False), eval_batches, EVAL_BATCH, seconds, repeats)}
    trained = build_model(config, steps_per_epoch=100)
    train_batches = [(images[i:i + TRAIN_BATCH], labels[i:i + TRAIN_BATCH]) for i in range(0, 4 * TRAIN_BATCH, TRAIN_BATCH)]
    row["ram_train_img_s"] = rate(lambda b: trained.train_on_batch(*b), train_batches, TRAIN_BATCH, seconds, repeats)
    row["ram_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    conv = build_baseline("conv", (size, size))
    row["conv_multiply_adds"] = keras_multiply_adds(conv)
    predict = tf.function(lambda x: conv(x), jit_compile=False)
    row["conv_eval_img_s"] = rate(predict, eval_batches, EVAL_BATCH, seconds, repeats)
    return row


def table(rows):
    base = next((r for r in rows if r["size"] == 100), rows[0])
    lines = ["| canvas | RAM M mult-adds | RAM eval img/s | vs 100x100 | RAM train img/s | peak RSS MiB "
             "| conv M mult-adds | conv eval img/s | RAM / conv eval speed |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['size']}x{r['size']} | {r['ram_multiply_adds'] / 1e6:.3f} | {r['ram_eval_img_s']:,.0f} "
                     f"| {r['ram_eval_img_s'] / base['ram_eval_img_s']:.2f} | {r['ram_train_img_s']:,.0f} "
                     f"| {r['ram_peak_rss_mib']:,.0f} | {r['conv_multiply_adds'] / 1e6:,.1f} | {r['conv_eval_img_s']:,.0f} "
                     f"| {r['ram_eval_img_s'] / r['conv_eval_img_s']:.2f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.image_size", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="canvas sides (default 60 100 512 2048)")
    parser.add_argument("--seconds", type=float, default=15, help="timed seconds per measurement (default 15)")
    parser.add_argument("--repeats", type=int, default=3, help="timed windows; the median is shown (default 3)")
    parser.add_argument("--data", help="local mnist.npz (else $RAM_MNIST, else Keras's download)")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)  # internal: one size, JSON on stdout
    args = parser.parse_args(argv)
    if args.size:
        print(json.dumps(measure_size(args.size, args.seconds, args.repeats, args.data)))
        return None
    rows = []
    for size in args.sizes:
        command = [sys.executable, "-m", "bench.image_size", "--size", str(size), "--seconds", str(args.seconds),
                   "--repeats", str(args.repeats)] + (["--data", args.data] if args.data else [])
        out = subprocess.run(command, cwd=ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, capture_output=True,
                             text=True)
        if out.returncode != 0:
            sys.exit(f"error: the {size}x{size} case failed:\n{out.stderr[-3000:]}")
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"{size}x{size}: {rows[-1]['ram_eval_img_s']:,.0f} eval img/s", flush=True)
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
