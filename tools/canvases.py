"""Renders the first training canvases of a config script, as the model sees them, into one PNG.

    python -m tools.canvases run_cluttered_mnist docs/cluttered_mnist.png --data ../shared/data/mnist.npz
"""
import argparse


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("config", help="config script: module name (run_cluttered_mnist) or path")
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--count", type=int, default=6, help="canvases side by side (default 6)")
    parser.add_argument("--data", help="local mnist.npz (Keras layout)")
    args = parser.parse_args(argv)
    import cv2
    import numpy as np
    import ram
    from ram.scripts import script_config
    from ram.visualize import to_uint8, upscale
    config = script_config(args.config, data_path=args.data)
    images, labels = next(iter(ram.load_data(config).train(config.seed)))
    side = max(200, config.image_size)
    tiles = [upscale(to_uint8(image), side) for image in images.numpy()[:args.count]]
    gap = np.full((tiles[0].shape[0], 4), 128, np.uint8)
    row = np.concatenate([t for tile in tiles for t in (tile, gap)][:-1], axis=1)
    cv2.imwrite(args.out, row)
    print(f"{args.out}: labels {labels.numpy()[:args.count].tolist()}")


if __name__ == "__main__":
    main()
