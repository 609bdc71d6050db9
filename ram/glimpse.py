"""The retina (GlimpseSensor) and the glimpse network that encodes what and where."""
import keras
from keras import ops


@keras.saving.register_keras_serializable("ram")
class GlimpseSensor(keras.layers.Layer):
    """Extracts `zooms` square patches centred on a location, each area-averaged to patch x patch.

    Locations are (x, y) in [-1, 1]^2: (0, 0) is the image centre, (-1, -1) the top-left corner,
    and +-1 lies `unit_pixels` from the centre. Zoom k covers patch * scale**k pixels; pixels
    outside the image read as 0. Each zoom is two batched matmuls with separable averaging
    matrices, so the whole sensor compiles under XLA.
    """

    def __init__(self, image_size, patch_size=8, zooms=1, scale=2, unit_pixels=None, **kwargs):
        super().__init__(**kwargs)
        self.image_size, self.patch_size, self.zooms, self.scale = image_size, patch_size, zooms, scale
        self.unit_pixels = unit_pixels
        self.reach = image_size / 2 if unit_pixels is None else unit_pixels

    def patch_start(self, locations):
        """Top-left pixel (x, y) of every zoom's patch: (B, zooms, 2) float, whole numbers."""
        centre = self.image_size / 2 + locations * self.reach  # (B, 2) in pixel units
        sizes = ops.convert_to_tensor([self.patch_size * self.scale**k for k in range(self.zooms)], "float32")
        return ops.floor(centre[:, None, :] - sizes[None, :, None] / 2 + 0.5)

    def averaging_matrices(self, starts):
        """(B, zooms, patch, image) matrices A with A[b, k, i, j] = 1/scale**k where image pixel j
        falls in output pixel i of zoom k, else 0. `starts`: (B, zooms) first pixel of each patch."""
        factors = ops.convert_to_tensor([float(self.scale**k) for k in range(self.zooms)], "float32")[None, :, None]
        offset = ops.arange(self.image_size, dtype="float32")[None, None, :] - starts[:, :, None]  # (B, Z, image)
        inside = (offset >= 0) & (offset < factors * self.patch_size)
        cell = ops.floor(offset / factors)  # output pixel index of each image pixel
        hits = ops.equal(cell[:, :, None, :], ops.arange(self.patch_size, dtype="float32")[None, None, :, None])
        return ops.cast(hits & inside[:, :, None, :], "float32") / factors[:, :, :, None]

    def call(self, images, locations):
        # images (B, H, W), locations (B, 2) -> glimpses (B, zooms, patch, patch)
        starts = self.patch_start(locations)
        cols = self.averaging_matrices(starts[:, :, 0])  # (B, Z, p, W)
        rows = self.averaging_matrices(starts[:, :, 1])  # (B, Z, p, H)
        return ops.einsum("bzih,bhw,bzjw->bzij", rows, images, cols)

    def get_config(self):
        return {**super().get_config(), "image_size": self.image_size, "patch_size": self.patch_size,
                "zooms": self.zooms, "scale": self.scale, "unit_pixels": self.unit_pixels}


@keras.saving.register_keras_serializable("ram")
class GlimpseNetwork(keras.layers.Layer):
    """g = ReLU(W h_g + W h_l) with h_g = ReLU(W rho) (what) and h_l = ReLU(W l) (where)."""

    def __init__(self, glimpse_hidden=128, location_hidden=128, output_size=256, **kwargs):
        super().__init__(**kwargs)
        self.glimpse_hidden, self.location_hidden, self.output_size = glimpse_hidden, location_hidden, output_size
        self.what = keras.layers.Dense(glimpse_hidden, activation="relu", name="what")
        self.where = keras.layers.Dense(location_hidden, activation="relu", name="where")
        self.what_out = keras.layers.Dense(output_size, name="what_out")
        self.where_out = keras.layers.Dense(output_size, use_bias=False, name="where_out")

    def build(self, glimpse_shape, location_shape=(None, 2)):
        self.what.build(glimpse_shape)
        self.where.build(location_shape)
        self.what_out.build((None, self.glimpse_hidden))
        self.where_out.build((None, self.location_hidden))

    def call(self, glimpse, locations):
        # glimpse (B, zooms * patch * patch), locations (B, 2) -> g (B, output_size)
        return ops.relu(self.what_out(self.what(glimpse)) + self.where_out(self.where(locations)))

    def get_config(self):
        return {**super().get_config(), "glimpse_hidden": self.glimpse_hidden,
                "location_hidden": self.location_hidden, "output_size": self.output_size}
