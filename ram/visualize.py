"""Pictures of what the model looks at: its glimpse paths, the glimpses, GIFs. Headless: OpenCV and Pillow.

Text is drawn in one font, DejaVu Sans, read from matplotlib's own files (not whatever fonts the host
has). Each picture carries a digest of what it shows (PNG text field, GIF comment): the input image, the
glimpse boxes and centres (rounded to 1/100 pixel), label and prediction (ram/plots.py: the plotted
histories). A picture whose file already holds its digest is not written again (`write_unless_shown`), so
rendering twice, or on another host with other library versions (other glyph or encoder pixels), leaves
the files (and a git checkout) as they were.
"""
import functools
import hashlib
import io
import json
import math
import os

import cv2
import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from .files import atomic_write

IMAGE_PIXELS = 420   # side of the rendered input image (a whole multiple of the image side, at most this)
GLIMPSE_PIXELS = 160  # side of a rendered glimpse
SHEET_GLIMPSE = 96    # side of a glimpse on the contact sheet
FONT_FILE = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")
DARK = (20, 20, 20)   # BGR of the numbers' outline and the caption's bar
SHOWN = "ram-shown-sha256"  # PNG text field / GIF comment: the digest of what a picture shows
LAYOUT = 2  # part of every picture's digest: raise it when a change to the drawing should redraw every picture


def digest(*content):
    """SHA-256 (hex) of JSON-able `content`: what a picture shows, independent of how it is rendered."""
    return hashlib.sha256(json.dumps([LAYOUT, *content], sort_keys=True).encode()).hexdigest()


def _shown(path, key=SHOWN):
    """The digest a picture file carries, else None (no file, none stored, unreadable)."""
    try:
        with Image.open(path) as picture:
            value = picture.info.get("comment" if picture.format == "GIF" else key)
    except (OSError, ValueError, SyntaxError):
        return None
    return value.decode() if isinstance(value, bytes) else value


def write_unless_shown(path, shows, encode, key=SHOWN):
    """Writes the bytes `encode()` to `path` atomically, unless the file there already shows `shows`
    (its stored digest under `key`)."""
    if _shown(path, key) == shows:
        return

    def write(temp):
        with open(temp, "wb") as f:
            f.write(encode())
    atomic_write(path, write)


def _write_png(path, image, shows):
    """A uint8 picture (H, W) grey or (H, W, 3) BGR as PNG carrying the digest `shows`."""
    def encode():
        info = PngImagePlugin.PngInfo()
        info.add_text(SHOWN, shows)
        buffer = io.BytesIO()
        Image.fromarray(image if image.ndim == 2 else image[:, :, ::-1]).save(buffer, format="PNG", pnginfo=info)
        return buffer.getvalue()
    write_unless_shown(path, shows, encode)


def _write_gif(path, frames, shows):
    """BGR frames as a looping GIF carrying the digest `shows` (its comment)."""
    def encode():
        pictures = [Image.fromarray(f[:, :, ::-1]) for f in frames]
        buffer = io.BytesIO()
        pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:], duration=700, loop=0,
                         comment=shows)
        return buffer.getvalue()
    write_unless_shown(path, shows, encode)


@functools.cache
def _font(size):
    return ImageFont.truetype(FONT_FILE, size)


def text_box(text, size, outline=0):
    """(width, height) in pixels of `text` drawn by `draw_text`."""
    left, top, right, bottom = _font(size).getbbox(text, anchor="lt", stroke_width=outline)
    return right - left, bottom - top


def draw_text(canvas, text, top_left, colour, size, outline=0):
    """Draws `text` into the BGR uint8 `canvas` (in place), `size` pixels DejaVu Sans in the BGR `colour`,
    its box's top-left at `top_left`, outlined `outline` pixels in dark grey."""
    picture = Image.fromarray(canvas[:, :, ::-1])
    ImageDraw.Draw(picture).text(top_left, text, font=_font(size), fill=colour[::-1], anchor="lt",
                                 stroke_width=outline, stroke_fill=DARK[::-1])
    canvas[:] = np.asarray(picture)[:, :, ::-1]


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


NUMBER_SIZE, NUMBER_OUTLINE, NUMBER_GAP = 15, 2, 2  # the path's step numbers: font pixels, outline, spacing


def place_label(size, corner, placed, canvas_size):
    """Top-left (x, y) of a `size` (w, h) label just above `corner` (a box's top-left), clear of every
    rectangle (x, y, w, h) in `placed` (to which it is added): moved right along the line, then a line
    up (or down, at the top), until free; inside `canvas_size` (width, height).

    Returns (x, y)."""
    (w, h), (width, height), step = size, canvas_size, NUMBER_GAP
    x0 = min(max(corner[0], 0), width - w)
    y0 = min(max(corner[1] - h - step, 0), height - h)
    lines = list(range(y0, -1, -(h + step))) + list(range(y0 + h + step, height - h + 1, h + step))
    for y in lines:
        for x in [*range(x0, width - w + 1, w + step), *range(x0 - w - step, -1, -(w + step))]:
            if not any(x < px + pw + step and px < x + w + step and y < py + ph + step and py < y + h + step
                       for px, py, pw, ph in placed):
                placed.append((x, y, w, h))
                return x, y
    placed.append((x0, y0, w, h))  # no free spot (more numbers than room): over the others
    return x0, y0


def draw_path(image, starts, sizes, centres, upto, label=None, prediction=None):
    """The input image (BGR, upscaled) with glimpses 0..upto: the finest zoom's box (what the network
    sees sharpest; every zoom is in the contact sheet's columns), the path between the glimpse
    centres, and small outlined step numbers above each box's top-left corner, off the digit, drawn
    last so that none is hidden; numbers that would touch are set apart (`place_label`).

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
        colour = _step_colour(t, steps)
        size = text_box(str(t + 1), NUMBER_SIZE, NUMBER_OUTLINE)
        light = tuple(int(c + 0.4 * (255 - c)) for c in colour)  # readable on black too
        draw_text(canvas, str(t + 1), place_label(size, corners[t], placed, canvas.shape[1::-1]), light,
                  NUMBER_SIZE, NUMBER_OUTLINE)
    if label is not None:
        cv2.rectangle(canvas, (0, canvas.shape[0] - 26), (canvas.shape[1], canvas.shape[0]), DARK, -1)
        draw_text(canvas, f"label {label}, predicted {prediction}", (6, canvas.shape[0] - 20),
                  (0, 220, 0) if label == prediction else (0, 0, 255), 15)
    return canvas


def contact_sheet(path_picture, glimpses, steps):
    """The path picture beside every glimpse in order: one column per step, one row per zoom (finest
    on top), each glimpse upscaled, its step number above in the path's colour. The steps wrap into as
    many bands of columns as the path picture's height holds (one zoom: several bands), so the sheet
    is as tall as the taller of the two. glimpses (T, Z, p, p[, 3])."""
    zooms, gap, header = glimpses.shape[1], 6, 24
    cell = SHEET_GLIMPSE + gap
    band = header + zooms * cell  # one band: the step numbers, then a row per zoom
    per_band = math.ceil(steps / max(1, min(steps, (path_picture.shape[0] + gap) // band)))
    bands = math.ceil(steps / per_band)
    sheet = np.full((max(path_picture.shape[0], bands * band), path_picture.shape[1] + gap + per_band * cell, 3),
                    255, np.uint8)
    sheet[:path_picture.shape[0], :path_picture.shape[1]] = path_picture
    for t in range(steps):
        x = path_picture.shape[1] + gap + (t % per_band) * cell
        top = (t // per_band) * band
        number = str(t + 1)
        width, height = text_box(number, 17)
        draw_text(sheet, number, (x + (SHEET_GLIMPSE - width) // 2, top + (header - height) // 2),
                  _step_colour(t, steps), 17)
        for k in range(zooms):
            g = cv2.resize(to_uint8(glimpses[t, k]), (SHEET_GLIMPSE, SHEET_GLIMPSE), interpolation=cv2.INTER_NEAREST)
            y = top + header + k * cell
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
    symbol_{i}_glimpse_{t}_zoom_{k}.png and symbol_{i}.gif for every image (`write_pictures`), labelled
    with `class_names` ("label cat, predicted dog"; None: the labels' numbers)."""
    starts, sizes, centres, glimpses, predictions = _paths(model, images, seed)
    return predictions, write_pictures(images, labels, starts, sizes, centres, glimpses, predictions, out_dir,
                                       class_names)


def write_pictures(images, labels, starts, sizes, centres, glimpses, predictions, out_dir, class_names=None):
    """The pictures of `render_examples` from the deterministic paths (`_paths`' arrays), each skipped
    when its file already shows the same (its digest). Returns the paths of the pictures."""
    os.makedirs(out_dir, exist_ok=True)
    steps = starts.shape[1]
    written, names, predicted = [], _names(class_names, labels), _names(class_names, predictions)
    for i, image in enumerate(images):
        seen = {"image": hashlib.sha256(to_uint8(image).tobytes()).hexdigest(), "shape": list(np.shape(image)),
                "patch": list(glimpses.shape[3:])}
        path_shows = {**seen, "starts": np.asarray(starts[i]).astype(int).tolist(), "sizes": [int(s) for s in sizes],
                      "centres": np.round(np.asarray(centres[i], np.float64), 2).tolist(),
                      "label": int(labels[i]), "prediction": int(predictions[i])}
        caption = [str(names[i]), str(predicted[i])]
        if caption != [str(int(labels[i])), str(int(predictions[i]))]:  # class names other than the numbers
            path_shows["caption"] = caption
        frames = [draw_path(image, starts[i], sizes, centres[i], t, names[i], predicted[i]) for t in range(steps)]
        for name, kind, write in ((f"symbol_{i}.png", "path", lambda p, s: _write_png(p, frames[-1], s)),
                                  (f"symbol_{i}_sheet.png", "sheet",
                                   lambda p, s: _write_png(p, contact_sheet(frames[-1], glimpses[i], steps), s)),
                                  (f"symbol_{i}.gif", "gif", lambda p, s: _write_gif(p, frames, s))):
            written.append(os.path.join(out_dir, name))
            write(written[-1], digest(kind, path_shows))
        for t in range(glimpses.shape[1]):
            for k in range(glimpses.shape[2]):
                written.append(os.path.join(out_dir, f"symbol_{i}_glimpse_{t}_zoom_{k + 1}.png"))
                shows = digest("glimpse", seen, np.asarray(starts[i][t][k]).astype(int).tolist(), int(sizes[k]))
                glimpse = upscale(to_uint8(glimpses[i, t, k]), GLIMPSE_PIXELS)
                _write_png(written[-1], glimpse if glimpse.ndim == 2 else to_bgr(glimpse), shows)
    return written
