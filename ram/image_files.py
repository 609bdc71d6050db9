"""Image files as photo tools read them: which files a folder holds, their headers, and their pixels.

One decoder (`load_image`) serves training, evaluation and prediction alike: Pillow reads every format it
knows (JPEG, CMYK and progressive ones too, PNG of 8 or 16 bits, palette, grey or RGBA, GIF, BMP,
WebP, TIFF), turns the picture upright by its EXIF orientation, lays transparent pixels over a
background, and gives uint8 pixels, grey or RGB. Pure Python (Pillow and numpy): no TensorFlow.
"""
import os

import numpy as np
from PIL import Image, ImageOps

EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp")  # any case
HIDDEN_FILES = ("thumbs.db", "desktop.ini")  # what file managers leave beside pictures (any case)
HIDDEN_FOLDERS = ("__MACOSX",)  # a Mac zip's resource forks
HIDDEN_REASON = "hidden (dot file, __MACOSX, Thumbs.db, desktop.ini)"  # how a skipped hidden entry is counted
GREY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F")  # PIL modes of one-channel images
EXIF_FORMATS = ("JPEG", "MPO", "TIFF", "WEBP")  # whose headers carry the EXIF orientation
ERRORS_NAMED = 20  # an error about unreadable files names this many, then counts the rest


def hidden(name):
    """Whether a file or folder `name` is one a photo tool would not show: dot files (and Mac zips'
    `._*` resource forks), `__MACOSX`, `Thumbs.db`, `desktop.ini`."""
    return name.startswith(".") or name in HIDDEN_FOLDERS or name.lower() in HIDDEN_FILES


def walk_images(folder):
    """Image files under `folder`, following symlinked folders (each real folder once), in sorted order,
    and what was skipped: (paths, {reason: count})."""
    paths, skipped, seen = [], {}, set()

    def skip(reason):
        skipped[reason] = skipped.get(reason, 0) + 1

    def visit(directory):
        real = os.path.realpath(directory)
        if real in seen:  # a link back up the tree, or a second link to one folder
            skip("folder already read (a symlink loop or duplicate)")
            return
        seen.add(real)
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            if hidden(entry.name):
                skip(HIDDEN_REASON)
            elif entry.is_dir():  # follows symlinks
                visit(entry.path)
            elif entry.name.lower().endswith(EXTENSIONS):
                paths.append(entry.path)
            else:
                skip("not an image extension")
    visit(folder)
    return paths, skipped


def orientation(image):
    """An opened image's EXIF orientation (1: upright) from its header: JPEG, TIFF and WebP carry it
    there; a PNG's eXIf chunk is read where it comes before the pixels (where it follows them, Pillow
    would decode the whole image to find it, and `load_image` turns the picture by what it finds)."""
    if image.format in EXIF_FORMATS:
        return image.getexif().get(0x0112, 1)
    if "exif" in image.info:
        exif = Image.Exif()
        exif.load(image.info["exif"])
        return exif.get(0x0112, 1)
    return 1


def is_grey(image):
    """Whether an opened image's pixels are grey: a one-channel mode, or a palette of greys only."""
    if image.mode in GREY_MODES:
        return True
    if image.mode in ("P", "PA"):
        palette = np.asarray(image.getpalette() or [], np.uint8).reshape(-1, 3)
        return bool(np.all(palette == palette[:, :1]))
    return False


def read_headers(paths):
    """Each file's upright (height, width) and whether it is grey, from its header (and palette) alone.
    Returns (sizes (N, 2), grey (N,) bool, unreadable [(path, reason)])."""
    sizes, grey, unreadable = [], [], []
    for path in paths:
        try:
            with Image.open(str(path)) as image:
                width, height = image.size
                if orientation(image) in (5, 6, 7, 8):  # EXIF orientation: a quarter turn
                    width, height = height, width
                sizes.append((height, width))
                grey.append(is_grey(image))
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            unreadable.append((str(path), f"{type(error).__name__}: {error}"))
            sizes.append((0, 0))
            grey.append(True)
    return np.array(sizes, int).reshape(-1, 2), np.array(grey, bool), unreadable


def unreadable_message(unreadable, total, problem="is not a readable image"):
    """One message naming every unreadable file, [(path, reason)], of `total` (the first ERRORS_NAMED,
    then a count): one line for one file."""
    if len(unreadable) == 1:
        (path, reason), = unreadable
        return f"{path} {problem} ({reason}); replace or remove it"
    lines = [f"  {path} ({reason})" for path, reason in unreadable[:ERRORS_NAMED]]
    if len(unreadable) > ERRORS_NAMED:
        lines.append(f"  and {len(unreadable) - ERRORS_NAMED} more")
    return f"{len(unreadable)} of {total} image files: each {problem}; replace or remove them:\n" + "\n".join(lines)


def try_load_image(path, channels, size=None, background=255):
    """`load_image`'s pixels and None, or None and why the file cannot be decoded (a truncated file
    passes its header)."""
    try:
        return load_image(path, channels, size, background), None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        return None, f"{type(error).__name__}: {error}"


def undecodable(paths, channels, size=None, background=255):
    """[(path, reason)] of the files `load_image` cannot decode (their pixels are not kept)."""
    reasons = ((str(path), try_load_image(path, channels, size, background)[1]) for path in paths)
    return [(path, reason) for path, reason in reasons if reason]


def load_image(path, channels, size=None, background=255):
    """An image file's pixels, as training, evaluation and prediction all read them: upright (EXIF
    orientation applied), transparent pixels over `background` (0-255 grey), 16-bit values scaled to 8,
    `channels` 1 (grey) or 3 (RGB), resized to `size` (height, width) by antialiased bilinear
    interpolation where it differs. Returns (H, W, channels) uint8."""
    with Image.open(str(path)) as opened:
        image = ImageOps.exif_transpose(opened)
        if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):  # 16-bit grey (0-65535), float grey (0-1): to 8 bits
            top = 1.0 if image.mode == "F" else 65535.0  # the same for every image, whatever its own range
            values = np.clip(np.asarray(image, np.float64), 0, top) * (255.0 / top)
            image = Image.fromarray(np.round(values).astype(np.uint8), "L")
        if image.mode in ("P", "PA") or "transparency" in image.info:
            image = image.convert("RGBA" if not is_grey(image) else "LA")
        if image.mode in ("RGBA", "LA", "La", "RGBa"):
            base = Image.new(image.mode.upper()[:-1] or "L", image.size, (background,) * (len(image.mode) - 1))
            base.paste(image, mask=image.getchannel("A"))
            image = base
        image = image.convert("L" if channels == 1 else "RGB")  # CMYK, YCbCr, 1-bit: as Pillow converts them
        if size is not None and (image.height, image.width) != tuple(size):
            image = image.resize((size[1], size[0]), Image.BILINEAR)
        pixels = np.asarray(image, np.uint8)
    return pixels[..., None] if channels == 1 else pixels
