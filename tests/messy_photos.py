"""A photo folder as people keep them, written small for tests: every quirk of issue 56 in one tree.

`write_messy_folder(root)` returns what a correct reader must find: the real images per split and
class, and the files it must skip, by reason.
"""
import os

import numpy as np
from PIL import Image

SIZE = (24, 32)  # (height, width) of every picture (upright)


def picture(seed, mode="RGB"):
    """A smooth random picture (smooth, so JPEG keeps it close) of SIZE in `mode`."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
    image = Image.fromarray(coarse, "RGB").resize((SIZE[1], SIZE[0]), Image.BILINEAR)
    return image.convert(mode)


def exif_rotated_jpeg(path, upright_path, seed):
    """A JPEG whose pixels are stored sideways with EXIF orientation 6 (turn 90 degrees clockwise to
    view), and its upright twin as lossless PNG: the JPEG's own pixels, turned upright."""
    sideways = picture(seed).transpose(Image.Transpose.ROTATE_90)  # what a phone held sideways stores
    exif = Image.Exif()
    exif[0x0112] = 6
    sideways.save(path, "JPEG", quality=95, exif=exif)
    with Image.open(path) as stored:
        stored.load()
        upright = stored.transpose(Image.Transpose.ROTATE_270)  # orientation 6, undone by hand
    upright.save(upright_path, "PNG")


def write_messy_folder(root):
    """Writes the tree; returns {"images": {split: {class: count}}, "skipped": {reason: count}}."""
    images = {"train": {}, "test": {}}
    skipped = {"hidden (dot file, __MACOSX, Thumbs.db, desktop.ini)": 0, "not an image extension": 0,
               "folder already read (a symlink loop or duplicate)": 0}

    def real(split, name, count=1):
        images[split][name] = images[split].get(name, 0) + count

    def junk(path, reason, data=b"\x00\x05\x16\x07 AppleDouble"):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        skipped[reason] += 1

    seed = 0
    for split, per_class in (("train", 6), ("test", 3)):
        for name in ("bird", "cat", "dog"):
            folder = os.path.join(root, split, name)
            os.makedirs(folder)
            for i in range(per_class):
                seed += 1
                kind = i % 6
                if kind == 0:
                    picture(seed).save(os.path.join(folder, f"p{i}.jpg"), quality=95)
                elif kind == 1:
                    picture(seed).save(os.path.join(folder, f"P{i}.JPG"), quality=95, progressive=True)
                elif kind == 2:
                    picture(seed).save(os.path.join(folder, f"p{i}.webp"), lossless=True)
                elif kind == 3:
                    picture(seed).save(os.path.join(folder, f"p{i}.tiff"))
                elif kind == 4:
                    picture(seed, "RGBA").save(os.path.join(folder, f"p{i}.png"))
                else:
                    picture(seed, "CMYK").save(os.path.join(folder, f"p{i}.jpeg"), quality=95)
                real(split, name)
                junk(os.path.join(folder, f"._p{i}.jpg"), "hidden (dot file, __MACOSX, Thumbs.db, desktop.ini)")
            checkpoints = os.path.join(folder, ".ipynb_checkpoints")
            os.makedirs(checkpoints)
            picture(seed).save(os.path.join(checkpoints, "p0-checkpoint.jpg"))  # inside a hidden folder: unseen
            skipped["hidden (dot file, __MACOSX, Thumbs.db, desktop.ini)"] += 1
        junk(os.path.join(root, split, "cat", "Thumbs.db"), "hidden (dot file, __MACOSX, Thumbs.db, desktop.ini)")
        junk(os.path.join(root, split, "dog", ".DS_Store"), "hidden (dot file, __MACOSX, Thumbs.db, desktop.ini)")
        junk(os.path.join(root, split, "bird", "notes.txt"), "not an image extension", b"taken in May")
    # a Mac zip's resource forks beside the classes: no class of its own, nothing counted inside it
    junk(os.path.join(root, "train", "__MACOSX", "cat", "._p0.jpg"), "hidden (dot file, __MACOSX, Thumbs.db, desktop.ini)")
    # a phone's sideways photo, its upright twin elsewhere, and a symlinked folder of more dogs
    exif_rotated_jpeg(os.path.join(root, "train", "dog", "sideways.jpg"), os.path.join(root, "upright.png"), 99)
    real("train", "dog")
    elsewhere = os.path.join(root, "elsewhere")
    os.makedirs(elsewhere)
    for i in range(2):
        picture(200 + i).save(os.path.join(elsewhere, f"more{i}.png"))
    os.symlink(elsewhere, os.path.join(root, "train", "dog", "linked"))
    real("train", "dog", 2)
    os.symlink(os.path.join(root, "train", "cat"), os.path.join(root, "train", "cat", "loop"))  # a link back up
    skipped["folder already read (a symlink loop or duplicate)"] += 1
    return {"images": images, "skipped": {k: v for k, v in skipped.items() if v}}
