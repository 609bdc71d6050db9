"""Pictures without a model: the accuracy plot of short and long runs, the path drawing."""
import numpy as np
import pytest

from ram.visualize import IMAGE_PIXELS, accuracy_figure, draw_path


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


def test_pictures_carry_no_versions_and_are_not_rewritten_when_unchanged(tmp_path):
    """A picture already on disk with the same content stays byte for byte as it is, even when another
    library version wrote it (other metadata, other compression); a changed picture is written anew."""
    import cv2
    from PIL import Image, PngImagePlugin
    from ram.visualize import _write_gif, _write_png, plot_accuracy
    image = np.random.default_rng(0).integers(0, 255, (40, 50, 3), dtype=np.uint8)
    png, gif, plot = tmp_path / "a.png", tmp_path / "a.gif", tmp_path / "plot.png"
    other = PngImagePlugin.PngInfo()
    other.add_text("Software", "some other version 0.1")
    Image.fromarray(image[:, :, ::-1]).save(png, pnginfo=other, compress_level=1)  # same pixels, other bytes
    Image.fromarray(image[:, :, ::-1]).save(gif, save_all=True, append_images=[Image.fromarray(image)], comment=b"v0")
    before = png.read_bytes(), gif.read_bytes()
    _write_png(str(png), image)
    assert png.read_bytes() == before[0]
    _write_gif(str(gif), [image, image[:, :, ::-1]])  # decodes to the same two frames
    assert gif.read_bytes() == before[1]
    _write_png(str(png), 255 - image)  # changed content: written, without version text
    assert np.array_equal(cv2.imread(str(png)), 255 - image) and b"Software" not in png.read_bytes()

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
