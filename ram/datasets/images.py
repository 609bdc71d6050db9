"""Your own images: a folder tree or an .npz; any size, grey or colour, any number of classes.

Folder tree (the layout keras.utils.image_dataset_from_directory reads): DIR/train/<class>/*,
DIR/test/<class>/*, optionally DIR/validation/<class>/*; PNG, JPEG, BMP or GIF files, classes in
sorted order of their folder names. `.npz`: x_train, y_train, x_test, y_test (optionally class_names),
images (N, H, W) or (N, H, W, C), uint8 or floats in [0, 1]. Without a validation folder, a fraction
`validation_split` of the training images (drawn with eval_seed) validates.

Images are grey (1 channel, fed as (B, H, W)) when every file is, else RGB (3 channels). A folder
whose decoded pixels fit in `image_memory_mb` is decoded once (in parallel) and held in memory; a
larger one is read and decoded from disk for every batch. Either way the batches are the same.
"""
import os
import zipfile

import numpy as np

from ..data import VALIDATION_SPLIT, Data, DataError
from ..image_files import EXTENSIONS, HIDDEN_REASON, hidden, load_image, read_headers, undecodable, unreadable_message, walk_images

TRAIN_SAMPLE = 3  # the seed (eval_seed, 3) of the training images --train-size keeps
ARRAYS = ("x_train", "y_train", "x_test", "y_test")
SIZES_NAMED = 3  # a mixed-size error names the most common sizes
PICTURES = 4  # the seed (eval_seed, 4) of the test images evaluate.py pictures
MAX_PIXELS = 1024 * 1024  # a folder of larger images needs --image-size


def list_images(folder, class_names=None, skipped=None):
    """Image files in `folder`/<class>/ (and its subfolders, symlinked ones too), classes in sorted
    order, files in sorted order within each; hidden entries and other files are left out and counted
    into `skipped` ({reason: count}). `class_names`: the training classes, which every class here must
    be one of. Returns (paths, labels int32, class names)."""
    if not os.path.isdir(folder):
        raise DataError(f"{folder}: no such folder; the images go in {folder}/<class name>/")
    entries = os.listdir(folder)
    if skipped is not None and any(hidden(d) for d in entries):
        skipped[HIDDEN_REASON] = skipped.get(HIDDEN_REASON, 0) + sum(hidden(d) for d in entries)
    found = sorted(d for d in entries if not hidden(d) and os.path.isdir(os.path.join(folder, d)))
    class_names = found if class_names is None else class_names
    unknown = [name for name in found if name not in class_names]
    if unknown:
        raise DataError(f"{folder} has the classes {unknown} that the training images lack (they have "
                        f"{class_names}); add them to train/ or remove them here")
    paths, labels, problems = [], [], []
    for name in found:
        chosen, left_out = walk_images(os.path.join(folder, name))
        for reason, count in left_out.items():
            if skipped is not None:
                skipped[reason] = skipped.get(reason, 0) + count
        if not chosen:
            problems.append(f"{folder}/{name} holds no image files ({', '.join(EXTENSIONS)}); add some or remove the folder")
        paths += chosen
        labels += [class_names.index(name)] * len(chosen)
    if problems:
        raise DataError("; ".join(problems))
    if not paths:
        raise DataError(f"{folder} holds no class folders: put the images in {folder}/<class name>/")
    return np.array(paths), np.array(labels, np.int32), class_names


def one_size(sizes, names, resize):
    """The images' common (height, width), or `resize`'s; DataError listing the sizes if they differ
    and no resize is asked for. `names` (one per image) name an example of each size."""
    if resize:
        return resize, resize
    found, first, counts = np.unique(sizes, axis=0, return_index=True, return_counts=True)
    if len(found) > 1:
        common = np.argsort(-counts, kind="stable")[:SIZES_NAMED]
        listed = ", ".join(f"{found[k][0]}x{found[k][1]} ({counts[k]:,}, e.g. {names[first[k]]})" for k in common)
        if len(found) > SIZES_NAMED:
            listed += f" and {len(found) - SIZES_NAMED} more, from {found[0][0]}x{found[0][1]} to {found[-1][0]}x{found[-1][1]}"
        raise DataError(f"the images have {len(found)} sizes: {listed}; set image_size (--image-size N) to resize "
                        f"them all to N x N")
    return tuple(int(n) for n in found[0])


def decoder(channels, size, background):
    """A function for tf.data: an image file's path -> its pixels (H, W, channels) uint8 as `load_image`
    reads them (upright, alpha over `background`, resized to `size` where it differs)."""
    import tensorflow as tf

    def load(path):
        return load_image(path.decode() if isinstance(path, bytes) else str(path), channels, size, background)

    def read(path):
        image = tf.numpy_function(load, [path], tf.uint8, stateful=False)
        return tf.ensure_shape(image, size + (channels,))
    return read


def decode_all(paths, read, check):
    """Every file decoded by `read`, in parallel, stacked; where one fails, `check(paths)` names every
    file that fails."""
    import tensorflow as tf
    ds = tf.data.Dataset.from_tensor_slices(paths).map(read, num_parallel_calls=tf.data.AUTOTUNE).batch(4096)
    try:
        return np.concatenate([batch.numpy() for batch in ds])
    except tf.errors.OpError:
        check(paths)
        raise


def load_npz(path):
    """The arrays of an images .npz: {x_train, y_train, x_test, y_test[, class_names]}, checked."""
    with open(path, "rb") as f:
        if f.read(2) != b"PK":
            raise DataError(f"{path} is not an .npz file (no zip archive); save one with "
                            f"np.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)")
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {name: f[name] for name in ARRAYS + ("class_names",) if name in f.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise DataError(f"{path} is not a readable .npz ({type(error).__name__}: {error}); class_names must be "
                        f"an array of strings") from None
    missing = [name for name in ARRAYS if name not in arrays]
    if missing:
        raise DataError(f"{path} lacks the arrays {missing}; it needs x_train, y_train, x_test, y_test")
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim not in (3, 4) or (x.ndim == 4 and x.shape[3] not in (1, 3)):
            raise DataError(f"{path}: x_{split} has shape {x.shape}; expected (N, H, W) grey or (N, H, W, C) "
                            f"with C 1 (grey) or 3 (RGB)")
        if y.ndim != 1 or len(y) != len(x) or not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"{path}: y_{split} must be {len(x)} integer labels, one per image of x_{split}; "
                            f"got {y.dtype} {y.shape}")
        if x.dtype != np.uint8 and not (np.issubdtype(x.dtype, np.floating) and x.min() >= 0 and x.max() <= 1):
            raise DataError(f"{path}: x_{split} is {x.dtype} from {x.min()} to {x.max()}; give uint8 (0-255) "
                            f"or floats in [0, 1]")
    return arrays


def check_labels(labels, class_names, where):
    """The class names (those given, else the labels' numbers); DataError for labels outside them."""
    if class_names is None:
        class_names = [str(c) for c in range(max(int(y.max()) for y in labels.values()) + 1)]
    for name, y in labels.items():
        if y.min() < 0 or y.max() >= len(class_names):
            raise DataError(f"{where}: {name} holds labels from {y.min()} to {y.max()}, outside 0 to "
                            f"{len(class_names) - 1} for the {len(class_names)} classes of class_names; fix the "
                            f"labels, or class_names (one name per class, in label order)")
    if len(class_names) < 2:
        raise DataError(f"{where}: the labels name {len(class_names)} class; a classifier needs at least 2")
    return [str(name) for name in class_names]


def apportion(counts, total):
    """`total` split over classes of `counts` images in proportion (largest remainders get the rest),
    none more than its class holds. Returns an int array like `counts`."""
    counts = np.asarray(counts)
    quota = counts * (total / max(counts.sum(), 1))
    share = np.minimum(np.floor(quota).astype(int), counts)
    for c in np.argsort(-(quota - share), kind="stable")[:max(total - share.sum(), 0)]:
        share[c] += share[c] < counts[c]
    return share


def stratified_sample(labels, count, rng, leave_one=False):
    """Indices of `count` of the images (`count` in all, each class's share in proportion to its images,
    `apportion`; with `leave_one`, never a class's last image), drawn by `rng` within each class, in
    file order."""
    classes = np.unique(labels)
    shares = apportion([np.sum(labels == c) - leave_one for c in classes], count)
    return np.sort(np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, shares)]))


class Images(Data):
    """Your own images (module docstring), split into train / validation / test."""
    decided_by_data = ("image_height", "image_width", "channels", "classes", "class_names")

    def __init__(self, config, path=None, devices=None, test_only=False):
        super().__init__(config, devices, test_only)
        self.source = path or config.data_path
        if not self.source or not os.path.exists(self.source):
            raise DataError(f"data_path {self.source!r}: no such folder or file; give --data DIR (with train/ and "
                            f"test/ inside) or --data FILE.npz")
        resize = config.image_size
        load = self._load_npz if os.path.isfile(self.source) else self._load_folder
        splits, self.size, self.channels, names = load(resize, test_only)
        if "validation" not in splits:  # held out from the training images, the same for every run
            x, y = splits.pop("train")
            count = int(round(config.validation_split * len(y)))
            if count < 1 or count >= len(y):
                raise DataError(f"validation_split {config.validation_split} of {len(y)} training images holds out "
                                f"{count}; raise it, or add a validation/ folder")
            held = np.zeros(len(y), bool)
            held[stratified_sample(y, count, np.random.default_rng([config.eval_seed, VALIDATION_SPLIT]), leave_one=True)] = True
            splits["validation"], splits["train"] = (x[held], y[held]), (x[~held], y[~held])
        (self.x_train, self.y_train), (self.x_val, self.y_val), (self.x_test, self.y_test) = (
            splits[s] for s in ("train", "validation", "test"))
        if config.train_size is not None:  # a seeded sample of every class, in file order
            keep = stratified_sample(self.y_train, min(config.train_size, len(self.y_train)),
                                     np.random.default_rng([config.eval_seed, TRAIN_SAMPLE]))
            self.x_train, self.y_train = self.x_train[keep], self.y_train[keep]
        self.config = self.resolve(config, names)
        self.check_batches(test_only)

    def resolve(self, config, names):
        """The config with what the data decides: the input's size and channels, the classes and names."""
        data = dict(zip(self.decided_by_data, (*self.size, self.channels, len(names), names)))
        from ..config import DEFAULTS, ConfigError
        clashes = [f"{k}: the data has {v!r}, the config {config[k]!r}" for k, v in data.items()
                   if config[k] not in (DEFAULTS[k], v)]
        if clashes:
            raise DataError(f"{self.source}: {'; '.join(clashes)}; leave these fields unset (the data sets them)")
        try:
            return config.replace(**data)
        except ConfigError as error:  # a rule on the size the data gives (the largest zoom, say): the data's error
            raise DataError(f"{self.source}: " + str(error).replace(":\n  ", ": ").replace("\n  ", "; ")) from None

    def _load_folder(self, resize, test_only):
        """{split: (paths, labels)}, the size, channels and class names of a folder tree."""
        present = [s for s in ("train", "validation", "test") if os.path.isdir(os.path.join(self.source, s))]
        if "train" not in present or "test" not in present:
            raise DataError(f"{self.source} lacks {' and '.join(s + '/' for s in ('train', 'test') if s not in present)}: "
                            f"expected {self.source}/train/<class>/* and {self.source}/test/<class>/* "
                            f"(optionally validation/), or an .npz file")
        self.skipped = {}
        paths, labels, names = list_images(os.path.join(self.source, "train"), skipped=self.skipped)
        counts = np.bincount(labels, minlength=len(names))
        lonely = [f"train/{name}" for name, count in zip(names, counts) if count < 2]
        if lonely and "validation" not in present:
            print(f"note: {', '.join(lonely)} hold{'s' * (len(lonely) == 1)} one image: it trains, but none of the "
                  f"class validates; add images (or a validation/ folder)", flush=True)
        splits = {"train": (paths, labels)}
        for split in present[1:]:
            splits[split] = list_images(os.path.join(self.source, split), names, skipped=self.skipped)[:2]
        every = np.concatenate([p for p, _ in splits.values()])
        sizes, grey, unreadable = read_headers(every)
        if unreadable:
            raise DataError(unreadable_message(unreadable, len(every)))
        size, channels = one_size(sizes, every, resize), 1 if grey.all() else 3
        if not resize and size[0] * size[1] > MAX_PIXELS:  # phone photos: 12 MP would make a batch of 128 19 GB
            gigabytes = self.config.batch_size * size[0] * size[1] * channels * 4 / 2**30
            raise DataError(f"the images are {size[0]}x{size[1]} ({size[0] * size[1] / 1e6:.1f} megapixels; a batch of "
                            f"{self.config.batch_size} takes {gigabytes:.1f} GB as floats): resize them with "
                            f"--image-size N, e.g. --image-size 256")
        self.size, self.channels = size, channels  # what decoding (and its checks) needs
        print(f"{self.source}: {len(names)} classes, " + ", ".join(
            f"{split} {len(y):,}" for split, (_, y) in splits.items()) + " images; per class in train/: " +
            ", ".join(f"{name} {count:,}" for name, count in zip(names, counts)) +
            ("; skipped: " + ", ".join(f"{count:,} {reason}" for reason, count in self.skipped.items())
             if self.skipped else ""), flush=True)
        self.read = decoder(channels, size, self.config.background)
        self.cache = len(every) * size[0] * size[1] * channels <= self.config.image_memory_mb * 2**20
        if self.cache:
            splits = {s: (self._decode(p) if s == "test" or not test_only else p, y) for s, (p, y) in splits.items()}
        return splits, size, channels, names

    def _decode(self, paths):
        images = decode_all(paths, self.read, self.check_decodable)
        return images[..., 0] if images.shape[3] == 1 else images  # grey: (N, H, W)

    def _load_npz(self, resize, test_only):
        """{split: (images, labels)}, the size, channels and class names of an .npz."""
        arrays = load_npz(self.source)
        names = check_labels({k: arrays[k] for k in ("y_train", "y_test")},
                             list(arrays["class_names"]) if "class_names" in arrays else None, self.source)
        channels = {arrays[k].shape[3] if arrays[k].ndim == 4 else 1 for k in ("x_train", "x_test")}
        if len(channels) > 1:
            raise DataError(f"{self.source}: x_train and x_test have different channels ({sorted(channels)}); "
                            f"give both grey or both RGB")
        channels = channels.pop()
        images = {k: arrays[k][..., 0] if arrays[k].ndim == 4 and channels == 1 else arrays[k] for k in ("x_train", "x_test")}
        size = one_size(np.array([x.shape[1:3] for x in images.values()]), ["x_train", "x_test"], resize)
        if resize:
            images = {k: self._resized(x, size) for k, x in images.items()}
        splits = {s: (images[f"x_{s}"], arrays[f"y_{s}"].astype(np.int32)) for s in ("train", "test")}
        return splits, size, channels, names

    @staticmethod
    def _resized(x, size):
        """Images (N, H, W[, C]) resized to `size` as `decoder` resizes (uint8 stays uint8)."""
        import tensorflow as tf
        grey = x.ndim == 3
        out = tf.image.resize(x[..., None] if grey else x, size, antialias=True).numpy()
        if x.dtype == np.uint8:
            out = np.round(np.clip(out, 0, 255)).astype(np.uint8)
        else:
            out = np.clip(out, 0, 1).astype(np.float32)
        return out[..., 0] if grey else out

    @classmethod
    def config_problems(cls, v):
        problems = []
        if not v["data_path"]:
            problems.append("data_path: dataset `images` reads your own images: give --data DIR (DIR/train/<class>/*, "
                            "DIR/test/<class>/*) or --data FILE.npz" +
                            (f" (${'RAM_MNIST'} is for the MNIST tasks, not read here)" if os.environ.get("RAM_MNIST") else ""))
        if v["train_shift"]:
            problems.append(f"train_shift: {v['train_shift']} moves centred MNIST digits; set 0 for `images`")
        if v["distractors"]:
            problems.append(f"distractors: {v['distractors']} pieces of clutter need dataset `cluttered_mnist`; set 0")
        if v["image_height"] is not None and v["image_width"] is not None:
            largest = v["patch_size"] * v["zoom_scale"] ** (v["zooms"] - 1)
            if largest > min(v["image_height"], v["image_width"]):
                problems.append(f"zooms: the largest zoom's patch, patch_size {v['patch_size']} x zoom_scale "
                                f"{v['zoom_scale']}^{v['zooms'] - 1} = {largest} pixels, is larger than the "
                                f"{v['image_height']}x{v['image_width']} images; lower patch_size, zooms or "
                                f"zoom_scale, or resize the images larger with image_size")
        return problems

    def to_model_input(self, images):
        """Stored images (B, H, W[, C]) uint8 or float -> float32 in [0, 1], grey as (B, H, W)."""
        import tensorflow as tf
        if images.dtype == tf.string:  # streamed: paths
            images = tf.map_fn(self.read, images, fn_output_signature=tf.uint8)
            if self.channels == 1:
                images = images[..., 0]
        return tf.cast(images, tf.float32) / 255.0 if images.dtype == tf.uint8 else tf.cast(images, tf.float32)

    def training_images(self, images, index, seed):
        import tensorflow as tf
        return self.to_model_input(tf.gather(images, index))

    def fixed_images(self, images, split):
        return lambda x, i: self.to_model_input(x)

    def test_arrays(self, count):
        """`count` test images drawn with eval_seed (a folder lists them class by class), in file order,
        as the model sees them (float32), and their labels."""
        import tensorflow as tf
        pick = np.sort(np.random.default_rng([self.eval_seed, PICTURES]).permutation(len(self.y_test))[:count])
        return self.to_model_input(tf.constant(self.x_test[pick])).numpy(), self.y_test[pick]

    def check_decodable(self, paths=None):
        """DataError naming every file of `paths` (default: the streamed splits') that cannot be decoded."""
        if paths is None:
            streamed = [x for x in (self.x_train, self.x_val, self.x_test) if x.dtype.kind in "US"]
            paths = np.concatenate(streamed) if streamed else []
        failed = undecodable(paths, self.channels, self.size, self.config.background)
        if failed:
            raise DataError(unreadable_message(failed, len(paths), "could not be decoded"))


DATASET = Images
