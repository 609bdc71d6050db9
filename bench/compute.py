"""Compute per image of every row of the paper's Tables 1 and 2: multiply-adds of one forward pass
(bench.flops) and measured evaluation images per second, for 28x28 MNIST and cluttered 60x60 and 100x100.

    python -m bench.compute                       # every task and row; about a minute per task
    python -m bench.compute --tasks run_cluttered_mnist --count 1000 --repeats 1

RAM rows: the paper's RAM (the task's config script with the first glimpse at random) with 4, 6 and 8
glimpses and with 8 random glimpses, then the script as shipped (its context network where it has one);
baselines: tools.baselines' fc (64 and 256 units) and conv. Weights are as initialised (the speed does
not depend on their values). Images/s: the median over `--repeats` passes of a compiled forward pass
(not XLA, as evaluation runs) over `--count` test canvases in batches of 1000, after one pass that
compiles it.
"""
import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from bench.flops import keras_multiply_adds, ram_multiply_adds  # noqa: E402

TASKS = ("run_mnist", "run_cluttered_mnist", "run_cluttered_mnist_100")
BATCH = 1000


def ram_rows(config):
    """(row name, RAM config) of the task's RAM rows: the paper's RAM (first glimpse at random) with 4, 6
    and 8 glimpses and with 8 random glimpses, then the config script as shipped (`ours`)."""
    paper = config.replace(first_location="random")
    rows = [(f"RAM, {t} glimpses", paper.replace(glimpses=t)) for t in (4, 6, 8)]
    rows.append(("RAM, 8 random glimpses", paper.replace(glimpses=8, random_glimpses=True)))
    rows.append((f"ours: {config.glimpses} glimpses, first glimpse {config.first_location}", config))
    return rows


def baseline_rows(image_size):
    """(row name, Keras model) of the baselines on `image_size` canvases."""
    from tools.baselines import build_baseline
    return [(f"FC, 2 layers ({h} hiddens each)", build_baseline("fc", (image_size, image_size), h)) for h in (64, 256)] + \
        [("Convolutional, 2 layers", build_baseline("conv", (image_size, image_size)))]


def images_per_second(predict, batches, repeats):
    """Median images/s of `predict` over every batch, `repeats` times, after one untimed pass."""
    for images in batches:
        predict(images)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for images in batches:
            predict(images)
        rates.append(sum(len(b) for b in batches) / (time.perf_counter() - start))
    return statistics.median(rates)


def measure_task(script, count, repeats, data_path=None):
    """Rows of one task: name, multiply-adds per image (and by part for the RAM), eval images/s."""
    import tensorflow as tf
    import ram
    from ram.backend import probabilities_function
    from ram.scripts import script_config
    config = script_config(script, data_path=data_path)
    images, _ = ram.load_data(config, test_only=True).test_arrays(count)
    batches = [tf.constant(images[i:i + BATCH]) for i in range(0, len(images), BATCH)]
    rows = []
    for name, model in baseline_rows(config.image_size):
        predict = tf.function(lambda x, model=model: model(x), jit_compile=False)
        rows.append({"task": script, "row": name, "multiply_adds": keras_multiply_adds(model),
                     "eval_img_s": images_per_second(predict, batches, repeats)})
    for name, ram_config in ram_rows(config):
        model = ram.RecurrentAttentionModel(ram_config)
        parts = ram_multiply_adds(model)
        rows.append({"task": script, "row": name, "multiply_adds": parts["total"], "parts": parts,
                     "eval_img_s": images_per_second(probabilities_function(model, sample=False), batches, repeats)})
    return rows


def table(rows):
    lines = ["| task | row | M multiply-adds / image | MFLOP / image | eval img/s |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['task']} | {r['row']} | {r['multiply_adds'] / 1e6:.3f} | {2 * r['multiply_adds'] / 1e6:.3f} "
                     f"| {r['eval_img_s']:,.0f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.compute", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS), help="config scripts (default: all three)")
    parser.add_argument("--count", type=int, default=5000, help="test canvases timed (default 5000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes; the median is shown (default 3)")
    parser.add_argument("--data", help="local mnist.npz (else $RAM_MNIST, else Keras's download)")
    args = parser.parse_args(argv)
    if args.count < 1 or args.repeats < 1:
        parser.error("--count and --repeats must be at least 1")
    import tensorflow as tf
    tf.get_logger().setLevel("ERROR")  # not the retracing notes of one compiled function per model
    rows = [row for task in args.tasks for row in measure_task(task, args.count, args.repeats, args.data)]
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
