"""Export a trained RAM for serving: a TensorFlow SavedModel whose `serve` takes uint8 images.

    python -m ram.export runs/photos/run_0/model.h5 runs/photos_served
    python -m ram.export MNIST_Results/run_0/model.h5 runs/mnist_served --samples 0

`serve(images)`: images (B, H, W, C) uint8 (grey: C = 1) -> class probabilities (B, classes). The
policy is fixed: its generator is reset to `--seed` at every call, then the probabilities are those of
the deterministic path (`--samples 0`) or the mean of `--samples` sampled paths: for a batch of up to
1,000 images, what `ram.predict` gives with the same samples and seed. Load it without this package:
`tf.saved_model.load(OUT).serve(images)`.
"""
import argparse
import os
import sys

from .errors import BackendError, RamError


def export(model_path, out, samples=10, seed=0):
    """Writes the SavedModel of the model file at `model_path` to the folder `out` (ExportArchive)."""
    import keras
    import tensorflow as tf
    from .config import image_shape, saved_config
    from .saving import load_model
    if keras.backend.backend() != "tensorflow":  # a SavedModel is TensorFlow's; serve() is written in it
        raise BackendError(f"python -m ram.export writes a TensorFlow SavedModel; run it with KERAS_BACKEND=tensorflow "
                           f"(the model file loads on either backend), not {keras.backend.backend()}")
    model = load_model(model_path)
    settings = saved_config(model.settings)
    shape = image_shape(settings) + (settings["channels"],)

    start = keras.ops.convert_to_numpy(keras.random.SeedGenerator(seed).state.value)  # what model.reseed(seed) sets

    def serve(images):
        model.seed_generator.state.assign(start)
        pixels = tf.cast(images, tf.float32) / 255.0
        if samples == 0:
            return model(pixels)
        return tf.add_n([model(pixels, sample=True) for _ in range(samples)]) / samples

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", serve, input_signature=[tf.TensorSpec((None,) + shape, tf.uint8, name="images")])
    archive.write_out(os.fspath(out), verbose=False)
    return shape


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ram.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="a trained model: .h5, .keras or .json weights")
    parser.add_argument("out", help="the SavedModel's folder (must not exist)")
    parser.add_argument("--samples", type=int, default=10, help="sampled paths averaged (default 10; 0: deterministic)")
    parser.add_argument("--seed", type=int, default=0, help="the policy's seed at every call (default 0)")
    args = parser.parse_args(argv)
    if os.path.exists(args.out):
        parser.exit(1, f"error: {args.out} exists; name a new folder (nothing was overwritten)\n")
    if args.samples < 0:
        parser.error("--samples must be 0 or more")
    try:
        shape = export(args.model, args.out, args.samples, args.seed)
    except RamError as error:
        sys.exit(f"error: {error}")
    print(f"written: {args.out} (serve: uint8 images (B, {', '.join(map(str, shape))}) -> class probabilities)")


if __name__ == "__main__":
    main()
