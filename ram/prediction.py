"""A trained model on new images: image files decoded as training decoded them, class probabilities
averaged over sampled glimpse paths with a fixed seed (`predict.py` and `ram.predict`)."""
import glob
import os

import numpy as np

from .config import image_shape, saved_config
from .data import EVAL_BATCH, DataError
from .image_files import EXTENSIONS, try_load_image, unreadable_message, walk_images


def image_paths(arguments):
    """The image files that command-line `arguments` name: files, folders (their images, as training lists
    them) and globs, in the order given; DataError naming what matched no image."""
    paths, missing = [], []
    for argument in arguments:
        if os.path.isdir(argument):
            found = walk_images(argument)[0]
        elif os.path.isfile(argument):
            found = [argument]
        else:
            found = sorted(p for p in glob.glob(argument, recursive=True) if p.lower().endswith(EXTENSIONS))
        paths += found
        if not found:
            missing.append(argument)
    if missing:
        raise DataError(f"no image files at {', '.join(missing)}; give image files ({', '.join(EXTENSIONS)}), "
                        f"folders or quoted globs")
    return paths


def read_images(paths, settings, background=255):
    """The files at `paths` as the model with `settings` reads them: (N, H, W, C) float32 in [0, 1], each
    decoded by `load_image` (the decoder training used) to the model's size and channels."""
    settings = saved_config(settings)
    decoded = [try_load_image(path, settings["channels"], image_shape(settings), background) for path in paths]
    failed = [(str(path), reason) for path, (_, reason) in zip(paths, decoded) if reason]
    if failed:  # every bad file in one message, before any prediction
        raise DataError(unreadable_message(failed, len(paths), "could not be decoded"))
    return np.stack([pixels for pixels, _ in decoded]).astype(np.float32) / 255


def predict(model, images, samples=10, seed=0, batch_size=EVAL_BATCH):
    """Class probabilities (N, classes) of `model` (a RecurrentAttentionModel, or the path of its .h5,
    .keras or .json file) on `images` (N, H, W[, C]) floats in [0, 1], or on image file paths:
    averaged over `samples` sampled glimpse paths, the policy reseeded with `seed` first, so a repeat
    gives the same numbers; `samples` 0: the deterministic path. Returns (probabilities, class names)."""
    import tensorflow as tf
    from .evaluation import predict as dataset_predict
    from .saving import load_model, results_config
    if isinstance(model, (str, os.PathLike)):
        config = results_config(model) or {}
        model = load_model(model)
    else:
        config = {}
    if len(images) and isinstance(images[0], (str, os.PathLike)):
        images = read_images(images, model.settings, config.get("background", 255))
    images = np.asarray(images, np.float32)
    dataset = tf.data.Dataset.from_tensor_slices((images, np.zeros(len(images), np.int32))).batch(batch_size)
    probabilities = dataset_predict(model, dataset, samples, seed=seed)
    settings = saved_config(model.settings)
    names = settings["class_names"] or [str(c) for c in range(settings["classes"])]
    return probabilities, names
