"""Pictures of what the model looks at, and accuracy plots. Headless: OpenCV and matplotlib's Agg."""
import glob
import json
import os

import cv2
import matplotlib
import numpy as np
from PIL import Image

from .saving import atomic_write

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

IMAGE_PIXELS = 280   # side of the rendered input image
GLIMPSE_PIXELS = 160  # side of a rendered glimpse


def _write_png(path, image):
    def write(temp):
        if not cv2.imwrite(temp, image):
            raise OSError(f"OpenCV could not write {path}")
    atomic_write(path, write)


def to_uint8(image):
    """[0, 1] floats -> uint8 grey levels."""
    return np.clip(np.rint(np.asarray(image) * 255), 0, 255).astype(np.uint8)


def upscale(image, side):
    """Nearest-neighbour upscaling by a whole factor, so every input pixel stays a crisp square."""
    factor = max(1, side // image.shape[0])
    return cv2.resize(image, (image.shape[1] * factor, image.shape[0] * factor), interpolation=cv2.INTER_NEAREST)


def _step_colour(t, steps):
    """BGR colour from blue (first glimpse) to red (last)."""
    f = t / max(1, steps - 1)
    return (int(255 * (1 - f)), 64, int(255 * f))


def draw_path(image, starts, sizes, centres, upto, label=None, prediction=None):
    """The input image (BGR, upscaled) with glimpses 0..upto: zoom boxes, step numbers and the path.

    starts (T, zooms, 2) top-left pixel (x, y) of every zoom; sizes (zooms,) in pixels;
    centres (T, 2) glimpse centres (x, y) in image pixels.
    """
    canvas = cv2.cvtColor(upscale(to_uint8(image), IMAGE_PIXELS), cv2.COLOR_GRAY2BGR)
    scale = canvas.shape[0] / image.shape[0]
    steps = len(starts)
    centres = [(int(round(x * scale)), int(round(y * scale))) for x, y in centres]
    for t in range(upto + 1):
        colour = _step_colour(t, steps)
        for (x0, y0), size in zip(starts[t], sizes):
            p0 = (int(x0 * scale), int(y0 * scale))
            p1 = (int((x0 + size) * scale) - 1, int((y0 + size) * scale) - 1)
            cv2.rectangle(canvas, p0, p1, colour, 1)
        if t > 0:
            cv2.line(canvas, centres[t - 1], centres[t], colour, 2)
        cv2.putText(canvas, str(t + 1), centres[t], cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA)
    if label is not None:
        text = f"label {label}, predicted {prediction}"
        cv2.putText(canvas, text, (5, canvas.shape[0] - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (0, 200, 0) if label == prediction else (0, 0, 255), 1, cv2.LINE_AA)
    return canvas


def render_examples(model, images, labels, out_dir, seed=None):
    """Writes symbol_{i}.png, symbol_{i}_glimpse_{t}_zoom_{k}.png and symbol_{i}.gif for every image."""
    from .evaluation import record_glimpses
    os.makedirs(out_dir, exist_ok=True)
    sensor = model.sensor
    locations, glimpses, predictions = record_glimpses(model, images, seed)
    starts = np.asarray(sensor.patch_start(locations.reshape(-1, 2))).reshape(*locations.shape[:2], sensor.zooms, 2)
    sizes = [sensor.patch_size * sensor.scale**k for k in range(sensor.zooms)]
    centres = sensor.image_size / 2 + locations * sensor.reach  # (N, T, 2) in pixels
    written = []
    for i, image in enumerate(images):
        frames = [draw_path(image, starts[i], sizes, centres[i], t, labels[i], predictions[i])
                  for t in range(locations.shape[1])]
        path = os.path.join(out_dir, f"symbol_{i}.png")
        _write_png(path, frames[-1])
        written.append(path)
        for t in range(glimpses.shape[1]):
            for k in range(glimpses.shape[2]):
                path = os.path.join(out_dir, f"symbol_{i}_glimpse_{t}_zoom_{k + 1}.png")
                _write_png(path, upscale(to_uint8(glimpses[i, t, k]), GLIMPSE_PIXELS))
                written.append(path)
        path = os.path.join(out_dir, f"symbol_{i}.gif")
        pictures = [Image.fromarray(cv2.cvtColor(f, cv2.COLOR_BGR2RGB)) for f in frames]
        atomic_write(path, lambda temp: pictures[0].save(temp, save_all=True, append_images=pictures[1:],
                                                         duration=700, loop=0))
        written.append(path)
    return predictions, written


def plot_accuracy(results_dir, path):
    """Train, validation and test accuracy over epochs from every finished run's results.json;
    the mean and a one-std band when there are several runs."""
    runs = []
    for file in sorted(glob.glob(os.path.join(results_dir, "run_*", "results.json"))):
        with open(file) as f:
            runs.append(json.load(f)["history"])
    if not runs:
        raise FileNotFoundError(f"no results.json under {results_dir}/run_*/")
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    series = [("accuracy", "train (sampled glimpses)", "tab:blue"), ("val_accuracy", "validation", "tab:orange"),
              ("test_accuracy", "test", "tab:green")]
    for key, name, colour in series:
        epochs, mean, std = _mean_over_runs(runs, key)
        if not len(epochs):
            continue
        marker = "o" if key == "test_accuracy" else None
        ax.plot(epochs, 100 * mean, label=name, color=colour, marker=marker, markersize=3)
        if len(runs) > 1:
            ax.fill_between(epochs, 100 * (mean - std), 100 * (mean + std), color=colour, alpha=0.2)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (%)")
    best = max(100 * h.get("val_accuracy", 0) for run in runs for h in run)
    ax.set_ylim(max(0, min(90, best - 10)), 100)
    ax.set_title(f"{os.path.basename(os.path.normpath(results_dir))}: {len(runs)} run(s)"
                 + (", mean +- 1 std" if len(runs) > 1 else ""))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    atomic_write(path, lambda temp: fig.savefig(temp))
    plt.close(fig)


def _mean_over_runs(runs, key):
    """Epochs where every run that reached them recorded `key`, with mean and std over those runs."""
    by_epoch = {}
    for history in runs:
        for h in history:
            if key in h:
                by_epoch.setdefault(h["epoch"], []).append(h[key])
    epochs = np.array(sorted(by_epoch))
    values = [np.array(by_epoch[e]) for e in epochs]
    return epochs, np.array([v.mean() for v in values]), np.array([v.std() for v in values])
