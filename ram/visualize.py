"""Pictures of what the model looks at, and accuracy plots. Headless: OpenCV and matplotlib's Agg.

Pictures carry no library versions, and a picture whose content is already on disk is not written
again: rendering twice, or with other library versions, leaves the files (and a git checkout) as they were.
"""
import hashlib
import io
import json
import math
import os

import cv2
import matplotlib
import numpy as np
from PIL import Image, ImageSequence

from .saving import atomic_write

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import matplotlib.ticker  # noqa: E402

IMAGE_PIXELS = 420   # side of the rendered input image (a whole multiple of the image side, at most this)
GLIMPSE_PIXELS = 160  # side of a rendered glimpse
SHEET_GLIMPSE = 96    # side of a glimpse on the contact sheet
FONT = cv2.FONT_HERSHEY_SIMPLEX


def _write(path, data, unchanged):
    """Writes the bytes `data` to `path` atomically, unless `unchanged(path)` says the file there already
    shows the same picture (an encoder of another version may write other bytes for it)."""
    try:
        if os.path.exists(path) and unchanged(path):
            return
    except (OSError, ValueError, SyntaxError):  # unreadable: write it anew
        pass

    def write(temp):
        with open(temp, "wb") as f:
            f.write(data)
    atomic_write(path, write)


def _write_png(path, image):
    """A uint8 picture (H, W) or (H, W, 3) as PNG, skipped when the file holds the same pixels."""
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise OSError(f"OpenCV could not encode {path}")
    _write(path, data.tobytes(), lambda p: np.array_equal(cv2.imread(p, cv2.IMREAD_UNCHANGED), image))


def _gif_frames(source):
    with Image.open(source) as gif:
        return [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(gif)]


def _write_gif(path, frames):
    """BGR frames as a looping GIF, skipped when the file decodes to the same frames."""
    pictures = [Image.fromarray(cv2.cvtColor(f, cv2.COLOR_BGR2RGB)) for f in frames]
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:], duration=700, loop=0)
    new = _gif_frames(io.BytesIO(buffer.getvalue()))

    def unchanged(p):
        old = _gif_frames(p)
        return len(old) == len(new) and all(np.array_equal(a, b) for a, b in zip(old, new))
    _write(path, buffer.getvalue(), unchanged)


def to_uint8(image):
    """[0, 1] floats -> uint8 levels (grey, or each RGB channel)."""
    return np.clip(np.rint(np.asarray(image) * 255), 0, 255).astype(np.uint8)


def to_bgr(image):
    """A uint8 grey (H, W) or RGB (H, W, 3) picture as OpenCV's BGR (H, W, 3)."""
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR if image.ndim == 2 else cv2.COLOR_RGB2BGR)


def upscale(image, side):
    """Nearest-neighbour upscaling by a whole factor (the longer side at most `side`), so every input
    pixel stays a crisp square."""
    factor = max(1, side // max(image.shape[:2]))
    return cv2.resize(image, (image.shape[1] * factor, image.shape[0] * factor), interpolation=cv2.INTER_NEAREST)


def _step_colour(t, steps):
    """BGR colour from blue (first glimpse) through green to red (last)."""
    f = t / max(1, steps - 1)
    return (int(255 * (1 - f)), int(200 * (1 - abs(2 * f - 1))), int(255 * f))


def _number(canvas, text, corner, colour, placed, scale=0.5):
    """`text` small and outlined in dark grey, its bottom-left just above `corner` (a box's top-left
    corner, inside the picture), moved right past the rectangles in `placed` (and added to them)."""
    (w, h), _ = cv2.getTextSize(text, FONT, scale, 1)
    x = min(max(corner[0], 2), canvas.shape[1] - w - 2)
    y = max(corner[1] - 4, h + 3)
    while any(abs(x - px) < w + 4 and abs(y - py) < h + 4 for px, py in placed):
        x += w + 4
    placed.append((x, y))
    light = tuple(int(c + 0.4 * (255 - c)) for c in colour)  # readable on black too
    cv2.putText(canvas, text, (x, y), FONT, scale, (20, 20, 20), 4, cv2.LINE_AA)
    cv2.putText(canvas, text, (x, y), FONT, scale, light, 1, cv2.LINE_AA)


def draw_path(image, starts, sizes, centres, upto, label=None, prediction=None):
    """The input image (BGR, upscaled) with glimpses 0..upto: the finest zoom's box (what the network
    sees sharpest; every zoom is in the contact sheet's columns), the path between the glimpse
    centres, and small outlined step numbers above each box's top-left corner, off the digit, drawn
    last so that none is hidden; numbers at the same spot are set side by side.

    starts (T, zooms, 2) top-left pixel (x, y) of every zoom; sizes (zooms,) in pixels;
    centres (T, 2) glimpse centres (x, y) in image pixels.
    """
    canvas = to_bgr(upscale(to_uint8(image), IMAGE_PIXELS))
    scale = canvas.shape[0] / image.shape[0]
    steps = len(starts)
    points = [(int(round(x * scale)), int(round(y * scale))) for x, y in centres]
    corners = [(int(starts[t][0][0] * scale), int(starts[t][0][1] * scale)) for t in range(steps)]
    side = int(sizes[0] * scale)
    for t in range(1, upto + 1):
        cv2.line(canvas, points[t - 1], points[t], _step_colour(t, steps), 2, cv2.LINE_AA)
    for t in range(upto + 1):
        (x0, y0), colour = corners[t], _step_colour(t, steps)
        cv2.rectangle(canvas, (x0, y0), (x0 + side - 1, y0 + side - 1), colour, 2)
        cv2.circle(canvas, points[t], 3, colour, -1, cv2.LINE_AA)
    placed = []
    for t in range(upto + 1):
        _number(canvas, str(t + 1), corners[t], _step_colour(t, steps), placed)
    if label is not None:
        text = f"label {label}, predicted {prediction}"
        cv2.rectangle(canvas, (0, canvas.shape[0] - 26), (canvas.shape[1], canvas.shape[0]), (20, 20, 20), -1)
        cv2.putText(canvas, text, (6, canvas.shape[0] - 8), FONT, 0.6,
                    (0, 220, 0) if label == prediction else (0, 0, 255), 1, cv2.LINE_AA)
    return canvas


def contact_sheet(path_picture, glimpses, steps):
    """The path picture beside every glimpse in order: one column per step, one row per zoom (finest
    on top), each glimpse upscaled, its step number above in the path's colour. glimpses (T, Z, p, p[, 3])."""
    zooms, gap, header = glimpses.shape[1], 6, 24
    cell = SHEET_GLIMPSE + gap
    height = max(path_picture.shape[0], header + zooms * cell)
    sheet = np.full((height, path_picture.shape[1] + gap + steps * cell, 3), 255, np.uint8)
    sheet[:path_picture.shape[0], :path_picture.shape[1]] = path_picture
    for t in range(steps):
        x = path_picture.shape[1] + gap + t * cell
        cv2.putText(sheet, str(t + 1), (x + SHEET_GLIMPSE // 2 - 6, 18), FONT, 0.6, _step_colour(t, steps), 2, cv2.LINE_AA)
        for k in range(zooms):
            g = cv2.resize(to_uint8(glimpses[t, k]), (SHEET_GLIMPSE, SHEET_GLIMPSE), interpolation=cv2.INTER_NEAREST)
            y = header + k * cell
            sheet[y:y + SHEET_GLIMPSE, x:x + SHEET_GLIMPSE] = to_bgr(g)
            cv2.rectangle(sheet, (x - 1, y - 1), (x + SHEET_GLIMPSE, y + SHEET_GLIMPSE), _step_colour(t, steps),
                          3 if k == 0 else 1)
    return sheet


def _paths(model, images, seed):
    """The deterministic paths: glimpse boxes (N, T, Z, 2), box sides, centres (N, T, 2) in pixels,
    what the sensor saw and the predictions."""
    from .evaluation import record_glimpses
    sensor = model.sensor
    locations, glimpses, predictions = record_glimpses(model, images, seed)
    starts = np.asarray(sensor.patch_start(locations.reshape(-1, 2))).reshape(*locations.shape[:2], sensor.zooms, 2)
    sizes = [sensor.patch_size * sensor.scale**k for k in range(sensor.zooms)]
    centres = np.asarray(sensor.centre(locations))  # (N, T, 2) pixels
    return starts, sizes, centres, glimpses, predictions


def _names(class_names, labels):
    """Labels as their class names (None: the labels themselves)."""
    return [class_names[c] for c in labels] if class_names else list(labels)


def path_pictures(model, images, labels, seed=None, class_names=None):
    """The whole path over each image, as RGB uint8 (N, H, W, 3) (for TensorBoard); labelled with
    `class_names` (None: the labels' numbers)."""
    starts, sizes, centres, _, predictions = _paths(model, images, seed)
    steps = starts.shape[1]
    labels, predictions = _names(class_names, labels), _names(class_names, predictions)
    return np.stack([cv2.cvtColor(draw_path(image, starts[i], sizes, centres[i], steps - 1, labels[i], predictions[i]),
                                  cv2.COLOR_BGR2RGB) for i, image in enumerate(images)])


def render_examples(model, images, labels, out_dir, seed=None, class_names=None):
    """Writes symbol_{i}.png (the path), symbol_{i}_sheet.png (the path beside every glimpse),
    symbol_{i}_glimpse_{t}_zoom_{k}.png and symbol_{i}.gif for every image, labelled with `class_names`
    ("label cat, predicted dog"; None: the labels' numbers)."""
    os.makedirs(out_dir, exist_ok=True)
    starts, sizes, centres, glimpses, predictions = _paths(model, images, seed)
    steps = starts.shape[1]
    written, names, predicted = [], _names(class_names, labels), _names(class_names, predictions)
    for i, image in enumerate(images):
        frames = [draw_path(image, starts[i], sizes, centres[i], t, names[i], predicted[i]) for t in range(steps)]
        path = os.path.join(out_dir, f"symbol_{i}.png")
        _write_png(path, frames[-1])
        written.append(path)
        path = os.path.join(out_dir, f"symbol_{i}_sheet.png")
        _write_png(path, contact_sheet(frames[-1], glimpses[i], steps))
        written.append(path)
        for t in range(glimpses.shape[1]):
            for k in range(glimpses.shape[2]):
                path = os.path.join(out_dir, f"symbol_{i}_glimpse_{t}_zoom_{k + 1}.png")
                glimpse = upscale(to_uint8(glimpses[i, t, k]), GLIMPSE_PIXELS)
                _write_png(path, glimpse if glimpse.ndim == 2 else to_bgr(glimpse))
                written.append(path)
        path = os.path.join(out_dir, f"symbol_{i}.gif")
        _write_gif(path, frames)
        written.append(path)
    return predictions, written


PLOTTED = "ram-plotted-sha256"  # the PNG text field naming what a plot shows


def plot_accuracy(runs, path):
    """Writes `accuracy_figure(runs)` to `path` (PNG, without matplotlib's version), unless the file there
    already plots the same histories (matplotlib versions draw the same plot with other pixels)."""
    plotted = hashlib.sha256(json.dumps([doc["history"] for _, doc in runs], sort_keys=True).encode()).hexdigest()
    fig = accuracy_figure(runs)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None, PLOTTED: plotted})
    plt.close(fig)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)  # as render_examples does for its folder

    def unchanged(p):
        with Image.open(p) as old:
            return old.text.get(PLOTTED) == plotted
    _write(path, buffer.getvalue(), unchanged)


MARKED_EPOCHS = 30  # curves of at most this many epochs mark every point (one epoch is a point, not a line)
SHOWN_EPOCHS = 20   # runs of at most this many epochs show every point; longer ones zoom in near the top


def accuracy_figure(runs):
    """Train, validation and test accuracy over epochs of finished runs (`results.run_results`' list
    of (folder, results.json)); the mean and a one-std band when there are several runs. The y axis
    shows every test point, and every point of a short run; a long run's is zoomed in to 10 points
    below its best validation accuracy."""
    if not runs:
        raise ValueError("no finished run to plot")
    results_dir = os.path.dirname(runs[0][0])
    runs = [doc["history"] for _, doc in runs]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    series = [("accuracy", "train (sampled glimpses)", "tab:blue"), ("val_accuracy", "validation", "tab:orange"),
              ("test_accuracy", "test", "tab:green")]
    last = max(h["epoch"] for run in runs for h in run)
    shown = []  # accuracies (%) the y axis must hold
    for key, name, colour in series:
        epochs, mean, std = _mean_over_runs(runs, key)
        if not len(epochs):
            continue
        marker = "o" if key == "test_accuracy" or last <= MARKED_EPOCHS else None
        ax.plot(epochs, 100 * mean, label=name, color=colour, marker=marker, markersize=4)
        if len(runs) > 1:
            ax.fill_between(epochs, 100 * (mean - std), 100 * (mean + std), color=colour, alpha=0.2)
        if key == "test_accuracy" or last <= SHOWN_EPOCHS:
            shown.extend(100 * mean)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (%)")
    best = max(100 * h.get("val_accuracy", 0) for run in runs for h in run)
    bottom = min([max(0, min(90, best - 10))] + [value - 2 for value in shown])
    ax.set_ylim(max(0, 5 * math.floor(bottom / 5)), 100.5)
    ax.set_xlim(0.5, last + 0.5)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, min_n_ticks=1))
    ax.set_title(f"{os.path.basename(os.path.normpath(results_dir))}: {len(runs)} run(s)"
                 + (", mean +- 1 std" if len(runs) > 1 else ""))
    ax.grid(alpha=0.3)
    ax.legend(loc="best")  # short runs' curves may lie anywhere
    fig.tight_layout()
    return fig


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
