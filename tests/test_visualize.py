"""Pictures without a model: the accuracy plot of short and long runs, the path drawing."""
import os

import numpy as np
import pytest

from ram.plots import accuracy_figure
from ram.visualize import IMAGE_PIXELS, draw_path
from helpers import ROOT


def _runs(epochs, val, test_every=1, count=1):
    """`count` finished runs of `epochs` epochs, validation accuracy from `val[0]` to `val[1]`."""
    runs = []
    for r in range(count):
        history = []
        for e in range(1, epochs + 1):
            acc = val[0] + (val[1] - val[0]) * (e - 1) / max(1, epochs - 1) + 0.01 * r
            h = {"epoch": e, "accuracy": 0.8 * acc, "val_accuracy": acc}
            if e % test_every == 0 or e == epochs:
                h["test_accuracy"] = acc - 0.01
            history.append(h)
        runs.append((f"/results/run_{r}", {"history": history}))
    return runs


def _plotted(fig):
    ax = fig.axes[0]
    return ax, {line.get_label(): line for line in ax.get_lines()}


@pytest.mark.parametrize("epochs", [1, 3])
def test_short_runs_show_every_point_with_markers(epochs):
    ax, lines = _plotted(accuracy_figure(_runs(epochs, (0.1, 0.3))))
    assert set(lines) == {"train (sampled glimpses)", "validation", "test"}
    low, high = ax.get_ylim()
    left, right = ax.get_xlim()
    for line in lines.values():
        assert line.get_marker() not in (None, "None", "", " "), line.get_label()
        y, x = line.get_ydata(), line.get_xdata()
        assert low < min(y) and max(y) < high, (line.get_label(), low, high)
        assert left < min(x) and max(x) < right
    assert right - left <= epochs + 1  # not 0.96 .. 1.04 around a single epoch, nor far wider
    ticks = [t for t in ax.get_xticks() if left <= t <= right]
    assert ticks and all(t == int(t) for t in ticks), ticks  # whole epochs


def test_a_long_run_zooms_in_near_the_top_and_keeps_its_test_points():
    ax, lines = _plotted(accuracy_figure(_runs(150, (0.6, 0.99), test_every=10, count=2)))
    low, high = ax.get_ylim()
    assert low >= 50 and high > 99  # early epochs' train accuracy may leave the axis
    assert min(lines["test"].get_ydata()) > low
    assert lines["validation"].get_marker() in (None, "None")  # 150 points: a line


def test_the_path_draws_the_finest_box_only_and_keeps_numbers_off_the_glimpsed_spot():
    """60x60 canvas, one glimpse of three zooms (8, 16, 32 px) centred on a bright square."""
    image = np.zeros((60, 60), np.float32)
    image[26:34, 26:34] = 1.0
    starts = np.array([[[26, 26], [22, 22], [14, 14]]])
    canvas = draw_path(image, starts, [8, 16, 32], np.array([[30, 30]]), 0)
    scale = IMAGE_PIXELS // 60
    inside = canvas[26 * scale + 4:34 * scale - 4, 26 * scale + 4:34 * scale - 4]
    centre = np.zeros(inside.shape[:2], bool)  # the centre dot (radius 3) may cover it
    c = inside.shape[0] // 2
    centre[c - 5:c + 5, c - 5:c + 5] = True
    assert np.all(inside[~centre] == 255)  # the square stays white: no number or box on it
    for side, start in ((16, 22), (32, 14)):  # the coarser boxes' left edges stay black
        column = canvas[(start + 2) * scale:(start + side - 2) * scale, start * scale]
        assert np.all(column == 0), side
    assert np.any(canvas[26 * scale - 20:26 * scale, 26 * scale:34 * scale] != 0)  # the number above the box


def _paths_of(count=2, steps=3, zooms=1, image_side=28, patch=8, seed=0):
    """Arrays as `visualize._paths` gives them: images, labels, starts, sizes, centres, glimpses, predictions."""
    rng = np.random.default_rng(seed)
    images = rng.random((count, image_side, image_side)).astype(np.float32)
    sizes = [patch * 2**k for k in range(zooms)]
    centres = rng.uniform(6, image_side - 6, (count, steps, 2))
    starts = np.floor(centres[:, :, None, :] - np.array(sizes)[None, None, :, None] / 2 + 0.5)
    glimpses = rng.random((count, steps, zooms, patch, patch)).astype(np.float32)
    return images, np.arange(count) % 10, starts, sizes, centres, glimpses, (np.arange(count) + 1) % 10


def _files(folder):
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_pictures_that_show_the_same_are_not_rewritten_under_another_rendering(tmp_path, monkeypatch):
    """Pictures written under another rendering (another font and size, as another host's libraries
    might draw them) are left byte for byte as they are when the content is the same (locations moved
    far below a pixel); a changed prediction or a box moved by a pixel is written anew; no versions."""
    from PIL import Image
    from ram import visualize
    images, labels, starts, sizes, centres, glimpses, predictions = _paths_of()
    monkeypatch.setattr(visualize, "FONT_FILE", visualize.FONT_FILE.replace("DejaVuSans.ttf", "DejaVuSerif.ttf"))
    monkeypatch.setattr(visualize, "NUMBER_SIZE", visualize.NUMBER_SIZE + 4)
    visualize._font.cache_clear()
    other = draw_path(images[0], starts[0], sizes, centres[0], 2, labels[0], predictions[0])
    visualize.write_pictures(images, labels, starts, sizes, centres, glimpses, predictions, str(tmp_path))
    monkeypatch.undo()
    visualize._font.cache_clear()
    assert not np.array_equal(draw_path(images[0], starts[0], sizes, centres[0], 2, labels[0], predictions[0]), other)
    before = _files(tmp_path)
    assert len(before) == 2 * (3 + 3) and all(b"Software" not in data for data, _ in before.values())
    visualize.write_pictures(images, labels, starts, sizes, centres + 1e-4, glimpses, predictions, str(tmp_path))
    assert _files(tmp_path) == before
    with Image.open(tmp_path / "symbol_0.gif") as gif:
        assert gif.n_frames == 3
    visualize.write_pictures(images, labels, starts, sizes, centres, glimpses, predictions + 1, str(tmp_path))
    after = _files(tmp_path)
    changed = sorted(name for name in before if after[name] != before[name])
    assert changed == sorted(f"symbol_{i}{end}" for i in range(2) for end in (".png", "_sheet.png", ".gif"))
    moved = starts.copy()
    moved[1, 2, 0] += 1  # image 1's last glimpse, one pixel to the right
    visualize.write_pictures(images, labels, moved, sizes, centres, glimpses, predictions + 1, str(tmp_path))
    again = _files(tmp_path)
    assert sorted(name for name in after if again[name] != after[name]) == [
        "symbol_1.gif", "symbol_1.png", "symbol_1_glimpse_2_zoom_1.png", "symbol_1_sheet.png"]



def test_class_names_that_are_the_numbers_keep_the_digest_and_others_redraw(tmp_path):
    """MNIST's class names are the digits: its pictures (the shipped ones) stay as they are; names
    that say something else ("label three, predicted four") redraw exactly the pictures with a caption."""
    from ram import visualize
    images, labels, starts, sizes, centres, glimpses, predictions = _paths_of()
    visualize.write_pictures(images, labels, starts, sizes, centres, glimpses, predictions, str(tmp_path))
    before = _files(tmp_path)
    digits = [str(c) for c in range(10)]
    visualize.write_pictures(images, labels, starts, sizes, centres, glimpses, predictions, str(tmp_path), digits)
    assert _files(tmp_path) == before
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    visualize.write_pictures(images, labels, starts, sizes, centres, glimpses, predictions, str(tmp_path), words)
    after = _files(tmp_path)
    assert sorted(name for name in before if after[name] != before[name]) == sorted(
        f"symbol_{i}{end}" for i in range(2) for end in (".png", "_sheet.png", ".gif"))

def test_the_plot_is_not_rewritten_when_it_plots_the_same(tmp_path):
    from PIL import Image, PngImagePlugin
    from ram.plots import plot_accuracy
    plot = tmp_path / "plot.png"
    runs = _runs(3, (0.5, 0.9))
    plot_accuracy(runs, str(plot))
    first = plot.read_bytes()
    assert b"Matplotlib" not in first and b"Software" not in first
    image_of_plot = Image.open(plot)
    restamped = PngImagePlugin.PngInfo()  # as another matplotlib version would draw it: other pixels, same data
    for key, value in image_of_plot.text.items():
        restamped.add_text(key, value)
    Image.fromarray(255 - np.asarray(image_of_plot)).save(plot, pnginfo=restamped)
    redrawn = plot.read_bytes()
    plot_accuracy(runs, str(plot))
    assert plot.read_bytes() == redrawn
    plot_accuracy(_runs(4, (0.5, 0.9)), str(plot))  # other histories: drawn again
    assert plot.read_bytes() != redrawn


def test_step_numbers_at_one_corner_or_close_by_never_touch():
    """Numbers 2/3/4 at one box corner, others a few pixels apart, at the picture's top and right edges."""
    from ram.visualize import place_label
    corners = [(100, 100), (100, 100), (100, 100), (104, 109), (96, 88), (415, 3), (415, 3), (0, 0)]
    placed = []
    boxes = [(*place_label((9, 11), corner, placed, (420, 420)), 9, 11) for corner in corners]
    assert boxes == placed
    for i, (x, y, w, h) in enumerate(boxes):
        assert 0 <= x and x + w <= 420 and 0 <= y and y + h <= 420, boxes[i]
        for px, py, pw, ph in boxes[:i]:
            assert x >= px + pw or px >= x + w or y >= py + ph or py >= y + h, (boxes[i], (px, py))
    assert boxes[0] == (100, 100 - 11 - 2, 9, 11)  # alone: just above its corner


@pytest.mark.parametrize("zooms, steps, bands", [(1, 6, 3), (1, 3, 3), (4, 8, 1), (3, 6, 1)])
def test_the_sheet_is_sized_to_its_rows(zooms, steps, bands):
    """One zoom: the steps wrap into bands down the path picture's height (no empty white half); every
    glimpse lies in its cell, its step's number above it."""
    from ram.visualize import SHEET_GLIMPSE, contact_sheet
    *_, glimpses, _ = _paths_of(count=1, steps=steps, zooms=zooms)
    path = np.zeros((IMAGE_PIXELS, IMAGE_PIXELS, 3), np.uint8)
    sheet = contact_sheet(path, glimpses[0], steps)
    per_band, cell, band = -(-steps // bands), SHEET_GLIMPSE + 6, 24 + zooms * (SHEET_GLIMPSE + 6)
    assert sheet.shape == (max(IMAGE_PIXELS, bands * band), IMAGE_PIXELS + 6 + per_band * cell, 3)
    assert np.array_equal(sheet[:IMAGE_PIXELS, :IMAGE_PIXELS], path)
    for t in range(steps):
        x, top = IMAGE_PIXELS + 6 + (t % per_band) * cell, (t // per_band) * band
        for k in range(zooms):
            y = top + 24 + k * cell
            block = SHEET_GLIMPSE // 8  # each glimpse pixel, sampled at its block's centre (off the frame)
            shown = sheet[y + block // 2:y + SHEET_GLIMPSE:block, x + block // 2:x + SHEET_GLIMPSE:block, 0]
            assert np.array_equal(shown, np.clip(np.rint(glimpses[0, t, k] * 255), 0, 255).astype(np.uint8))
        assert np.any(sheet[top:top + 24, x:x + SHEET_GLIMPSE] != 255)  # its number
    assert sheet.shape[0] - bands * band < band  # the right panel holds no room for another band


def test_text_is_drawn_in_matplotlibs_own_dejavu_sans():
    """The same glyphs on every host: the font file that ships inside matplotlib, not one the host has;
    draw_text's pixels are what Pillow draws with that file, outlined in dark grey."""
    import os
    import matplotlib
    from PIL import Image, ImageDraw, ImageFont
    from ram.visualize import draw_text, text_box
    font_file = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")
    canvas = np.zeros((40, 120, 3), np.uint8)
    draw_text(canvas, "label 7", (3, 5), (0, 220, 0), 15, 1)
    want = Image.new("RGB", (120, 40))
    ImageDraw.Draw(want).text((3, 5), "label 7", font=ImageFont.truetype(font_file, 15), fill=(0, 220, 0), anchor="lt",
                              stroke_width=1, stroke_fill=(20, 20, 20))
    assert np.array_equal(canvas, np.asarray(want)[:, :, ::-1]) and canvas.any()
    w, h = text_box("label 7", 15, 1)
    assert not canvas[:, 3 + w + 1:].any() and not canvas[5 + h + 1:].any()  # the box holds it


def test_a_shipped_models_pictures_render_to_the_digests_they_carry(tmp_path, mnist_path):
    """`python evaluate.py run_mnist` leaves git clean: the shipped MNIST model's first two test images,
    rendered as evaluate.py renders them (class names of the data, seed 0), carry the very digests
    stored in the shipped pictures, so none of those files would be rewritten."""
    import ram
    from ram.scripts import script_config
    from ram.saving import load_model
    from ram.visualize import _shown, render_examples
    config = script_config(os.path.join(ROOT, "run_mnist.py"), data_path=mnist_path)
    model = load_model(os.path.join(ROOT, config.results_dir, "run_0", "model.h5"), expected=config)
    data = ram.load_data(config, test_only=True)
    images, labels = data.test_arrays(2)
    render_examples(model, images, labels, str(tmp_path), seed=0, class_names=data.class_names)
    shipped = os.path.join(ROOT, config.results_dir, "Images")
    names = sorted(os.listdir(tmp_path))
    assert len(names) == 2 * (3 + 6) and all(_shown(os.path.join(shipped, n)) for n in names)
    assert {n: _shown(os.path.join(tmp_path, n)) for n in names} == {n: _shown(os.path.join(shipped, n)) for n in names}
