"""RAM on your own images: a folder tree or an .npz (README: Your own images). Copy and edit it.

    python run_images.py --data path/to/my_images      # DIR/train/<class>/*, DIR/test/<class>/*; or my_images.npz
    python evaluate.py run_images runs/images/run_0/model.h5 --data path/to/my_images

The image size, grey or colour, and the classes come from the data. What to change first:
1. image_size: None keeps the images' own size (all must share it); N resizes every image to N x N.
2. patch_size, zooms and zoom_scale: the largest zoom (patch_size x zoom_scale^(zooms - 1) pixels,
   32 here) should cover the object, the finest (patch_size) its telling detail.
3. glimpses (more for larger images), then epochs. Fields not listed take the package defaults
   (ram/config.py, docs/config.md); --help lists every field.
"""
import ram.cli

CONFIG = dict(
    dataset="images",          # the folder or .npz: --data PATH (or data_path=...)
    image_size=None,           # None: the images' own size; N: every image resized to N x N
    validation_split=0.1,      # without a validation/ folder: this fraction of train/ validates
    # glimpse sensor: `zooms` patches of patch_size x patch_size pixels per glimpse, each zoom_scale times wider
    glimpses=6,
    patch_size=8,
    zooms=3,
    zoom_scale=2,
    # network
    glimpse_hidden=512,
    glimpse_size=256,
    core="lstm",
    core_size=256,
    # location policy
    location_std=0.22,         # std of the sampled moves, in units of half the image's width (x) and height (y)
    first_location="random",   # or "center", or "context": chosen from a coarse view (context_grid must divide both sides)
    # optimisation: Adam, the rate decaying linearly to 1e-5 over decay_epochs
    learning_rate=1e-3,
    batch_size=128,
    epochs=100,
    decay_epochs=100,
    early_stopping_patience=20,  # 0: off
    # runs
    seed=0,
    runs=1,
    results_dir="runs/images",
)


def main(argv=None):
    return ram.cli.main(CONFIG, argv, __doc__)


if __name__ == "__main__":
    main()
