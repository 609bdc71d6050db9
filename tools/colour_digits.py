"""Writes a demonstration data set for `run_images.py` from MNIST that is not MNIST's 28x28 grey
digits: each digit in a random bright colour at a random place on a textured colour canvas of
`--height` x `--width` pixels (48 x 64 by default), as PNG folders named by class.

    python -m tools.colour_digits data/colour_digits --data ../shared/data/mnist.npz
    python run_images.py --data data/colour_digits

Writes DIR/train/<zero .. nine>/<i>.png (the first --train MNIST training digits) and
DIR/test/<zero .. nine>/<i>.png (the first --test test digits); no validation/ folder, so
run_images.py holds out its validation_split of train/. Deterministic: the same files for the same
arguments.
"""
import argparse
import os

import numpy as np

NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def texture(rng, height, width):
    """A dim, smooth colour texture (H, W, 3) float in [0, 0.2]: coarse colour noise blown up, plus
    faint stripes at a random angle."""
    import cv2
    coarse = rng.random((height // 8 + 2, width // 8 + 2, 3)).astype(np.float32)
    smooth = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    angle, period = rng.uniform(0, np.pi), rng.uniform(4, 10)
    rows, columns = np.mgrid[0:height, 0:width]
    stripes = 0.5 + 0.5 * np.sin((columns * np.cos(angle) + rows * np.sin(angle)) * 2 * np.pi / period)
    return np.clip(0.15 * smooth + 0.05 * stripes[..., None], 0, 0.2)


def colour_digit(digit, rng, height, width):
    """An MNIST digit (28, 28) uint8 painted in a random bright colour onto a texture: RGB (H, W, 3) uint8."""
    canvas = texture(rng, height, width)
    colour = rng.uniform(0.2, 1.0, 3)
    colour[rng.integers(3)] = 1.0  # bright in at least one channel
    top, left = rng.integers(0, height - 28 + 1), rng.integers(0, width - 28 + 1)
    alpha = (digit.astype(np.float32) / 255.0)[..., None]
    patch = canvas[top:top + 28, left:left + 28]
    canvas[top:top + 28, left:left + 28] = (1 - alpha) * patch + alpha * colour
    return np.clip(np.rint(canvas * 255), 0, 255).astype(np.uint8)


def write_split(folder, digits, labels, seed, height, width):
    """Writes folder/<class name>/<i>.png for every digit."""
    import cv2
    for name in NAMES:
        os.makedirs(os.path.join(folder, name), exist_ok=True)
    for i, (digit, label) in enumerate(zip(digits, labels)):
        rng = np.random.default_rng([seed, i])
        image = colour_digit(digit, rng, height, width)
        cv2.imwrite(os.path.join(folder, NAMES[label], f"{i:05d}.png"), image[..., ::-1])  # OpenCV writes BGR


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", help="folder to write (train/ and test/ inside)")
    parser.add_argument("--data", help="local mnist.npz (Keras layout); default: $RAM_MNIST, then Keras's download")
    parser.add_argument("--train", type=int, default=60000, help="training digits (default all 60,000)")
    parser.add_argument("--test", type=int, default=10000, help="test digits (default all 10,000)")
    parser.add_argument("--height", type=int, default=48, help="canvas rows (at least 28; default 48)")
    parser.add_argument("--width", type=int, default=64, help="canvas columns (at least 28; default 64)")
    args = parser.parse_args(argv)
    if min(args.height, args.width) < 28:
        parser.error("--height and --width must hold a 28x28 digit")
    if os.path.exists(os.path.join(args.out, "train")):
        parser.error(f"{args.out}/train exists; choose another folder or delete it")
    from ram.datasets.mnist import load_mnist
    (x_train, y_train), (x_test, y_test) = load_mnist(args.data)
    write_split(os.path.join(args.out, "train"), x_train[:args.train], y_train[:args.train], 0, args.height, args.width)
    write_split(os.path.join(args.out, "test"), x_test[:args.test], y_test[:args.test], 1, args.height, args.width)
    print(f"{args.out}: {min(args.train, len(x_train)):,} training and {min(args.test, len(x_test)):,} test images, "
          f"{args.height}x{args.width} RGB, classes {', '.join(NAMES)}")


if __name__ == "__main__":
    main()
