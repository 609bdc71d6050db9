"""Accuracy over epochs as PNG plots: a results folder's runs (`plot_accuracy`), several folders' validation
curves overlaid (`plot_validation`). Headless: matplotlib's Agg. Like the pictures of ram/visualize.py, a
plot carries a digest of what it shows (the histories), and a file that already holds it is not written
again (matplotlib versions draw the same plot with other pixels).
"""
import hashlib
import io
import json
import math
import os

import matplotlib
import numpy as np

from .visualize import digest, write_unless_shown

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import matplotlib.ticker  # noqa: E402

PLOTTED = "ram-plotted-sha256"  # the PNG text field naming what a plot shows


def plot_accuracy(runs, path):
    """Writes `accuracy_figure(runs)` to `path` (PNG, without matplotlib's version), unless the file there
    already plots the same histories (matplotlib versions draw the same plot with other pixels)."""
    plotted = hashlib.sha256(json.dumps([doc["history"] for _, doc in runs], sort_keys=True).encode()).hexdigest()
    _write_plot(path, plotted, lambda: accuracy_figure(runs))


def _write_plot(path, plotted, figure):
    """The matplotlib figure that `figure()` draws as PNG (carrying the digest `plotted`, without
    matplotlib's version) at `path`, atomically, unless the file there already carries `plotted`."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)  # as render_examples does for its folder

    def encode():
        fig = figure()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None, PLOTTED: plotted})
        plt.close(fig)
        return buffer.getvalue()
    write_unless_shown(path, plotted, encode, key=PLOTTED)


def plot_validation(runs, labels, path):
    """Writes the validation accuracy over epochs of several results folders to `path` (PNG, atomically):
    one curve per folder, the mean over its runs (a one-std band for several), named by its folder and
    `labels[folder]` (what differs). runs: {folder: [results.json of its finished runs]}. Not written
    again when the file already plots the same curves."""
    curves = {folder: [doc["history"] for doc in docs] for folder, docs in runs.items()}
    _write_plot(path, digest("validation", curves, labels), lambda: validation_figure(curves, labels))


def validation_figure(curves, labels):
    """The figure of `plot_validation`: curves {folder: [history of each run]}."""
    fig, ax = plt.subplots(figsize=(8, 4.5 + 0.22 * len(curves)), dpi=120)
    last = max(h["epoch"] for histories in curves.values() for run in histories for h in run)
    shown = []
    for folder, histories in curves.items():
        epochs, mean, std = _mean_over_runs(histories, "val_accuracy")
        name = os.path.basename(os.path.normpath(folder)) + (f" ({labels[folder]})" if labels.get(folder) else "")
        line, = ax.plot(epochs, 100 * mean, label=f"{name}: {len(histories)} run(s)",
                        marker="o" if last <= MARKED_EPOCHS else None, markersize=4)
        if len(histories) > 1:
            ax.fill_between(epochs, 100 * (mean - std), 100 * (mean + std), color=line.get_color(), alpha=0.2)
        shown.extend(100 * mean if last <= SHOWN_EPOCHS else [])
    _epoch_axes(ax, [run for histories in curves.values() for run in histories], shown)
    ax.set_ylabel("validation accuracy (%)")
    ax.set_title("validation accuracy" + (", mean +- 1 std over runs" if any(len(h) > 1 for h in curves.values()) else ""))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize="small", frameon=False)  # below: long names
    fig.tight_layout()
    return fig


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
    _epoch_axes(ax, runs, shown)
    ax.set_ylabel("accuracy (%)")
    ax.set_title(f"{os.path.basename(os.path.normpath(results_dir))}: {len(runs)} run(s)"
                 + (", mean +- 1 std" if len(runs) > 1 else ""))
    ax.grid(alpha=0.3)
    ax.legend(loc="best")  # short runs' curves may lie anywhere
    fig.tight_layout()
    return fig


def _epoch_axes(ax, runs, shown):
    """Whole epochs on x; on y, the accuracies (%) in `shown` and at least 10 points below the best
    validation accuracy of the histories `runs`, from a multiple of 5 to 100."""
    best = max(100 * h.get("val_accuracy", 0) for run in runs for h in run)
    bottom = min([max(0, min(90, best - 10))] + [value - 2 for value in shown])
    ax.set_ylim(max(0, 5 * math.floor(bottom / 5)), 100.5)
    ax.set_xlim(0.5, max(h["epoch"] for run in runs for h in run) + 0.5)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, min_n_ticks=1))
    ax.set_xlabel("epoch")


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


def plot_confusion(report, path):
    """The confusion matrix of `class_report` as a PNG at `path`: counts, rows the true class, columns the
    predicted one, each row's colour scaled to its class's count."""
    plotted = hashlib.sha256(json.dumps(report["confusion"]).encode()).hexdigest()
    _write_plot(path, plotted, lambda: confusion_figure(report))


def confusion_figure(report):
    confusion = np.array(report["confusion"])
    names = report["class_names"]
    side = min(2 + 0.45 * len(names), 30)
    fig, ax = plt.subplots(figsize=(side, side))
    rows = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    ax.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    if len(names) <= 30:
        for (i, j), count in np.ndenumerate(confusion):
            if count:
                ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                        color="white" if rows[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(names)), names, rotation=90)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true class")
    fig.tight_layout()
    return fig
