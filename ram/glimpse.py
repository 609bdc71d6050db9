"""The retina (GlimpseSensor) and the glimpse network that encodes what and where."""
import math

import keras
from keras import ops


@keras.saving.register_keras_serializable("ram")
class GlimpseSensor(keras.layers.Layer):
    """Extracts `zooms` square patches centred on a location, each area-averaged to patch x patch.

    Locations are (x, y) in [-1, 1]^2: (0, 0) is the image centre, (-1, -1) the top-left corner,
    and +-1 lies `unit_pixels` from the centre. Zoom k covers patch * scale**k pixels; pixels
    outside the image read as 0. The block averages of every zoom are computed once per batch
    (`pyramid`); each glimpse is then one gather of patch x patch values per zoom (`read`), so the
    sensor is cheap and compiles under XLA.
    """

    def __init__(self, image_size, patch_size=8, zooms=1, scale=2, unit_pixels=None, **kwargs):
        super().__init__(**kwargs)
        self.image_size, self.patch_size, self.zooms, self.scale = image_size, patch_size, zooms, scale
        self.unit_pixels = unit_pixels
        self.reach = image_size / 2 if unit_pixels is None else unit_pixels

    def centre(self, locations):
        """Pixel coordinates (x, y) of the glimpses' centres: locations (..., 2) -> (..., 2)."""
        return self.image_size / 2 + locations * self.reach

    def patch_start(self, locations):
        """Top-left pixel (x, y) of every zoom's patch: (B, zooms, 2) float, whole numbers."""
        centre = self.centre(locations)  # (B, 2) in pixel units
        sizes = ops.convert_to_tensor([self.patch_size * self.scale**k for k in range(self.zooms)], "float32")
        return ops.floor(centre[:, None, :] - sizes[None, :, None] / 2 + 0.5)

    def _level(self, k):
        """Zoom k's block size s = scale**k and the side n = size + s + 1 of its pyramid level."""
        return self.scale**k, self.image_size + self.scale**k + 1

    def pyramid(self, images):
        """Per zoom k (s = scale**k), the images zero-padded by s and box-averaged over s x s blocks
        at stride 1: entry (y + s, x + s) is the mean of the block with top-left pixel (y, x), for
        y, x in [-s, size]. Computed once per batch; every glimpse then only gathers from it.
        images (B, size, size) -> list over zooms of (B, n * n), n = size + s + 1."""
        levels = []
        for k in range(self.zooms):
            s, n = self._level(k)
            padded = ops.pad(images, ((0, 0), (s, s), (s, s)))  # (B, size + 2s, size + 2s)
            rows = sum(padded[:, d:d + n, :] for d in range(s))  # (B, n, size + 2s): sums of s rows
            boxes = sum(rows[:, :, d:d + n] for d in range(s)) / s**2  # (B, n, n)
            levels.append(ops.reshape(boxes, (-1, n * n)))
        return levels

    def read(self, levels, locations):
        """Glimpses at `locations` (B, 2) from `pyramid(images)`: (B, zooms, patch, patch)."""
        starts = ops.cast(self.patch_start(locations), "int32")  # (B, Z, 2) top-left pixel (x, y)
        glimpses = []
        for k, level in enumerate(levels):
            s, n = self._level(k)
            steps = ops.arange(self.patch_size, dtype="int32") * s  # output pixel i averages block start + i*s
            # blocks starting at or beyond -s or size lie wholly outside the image: clip them onto a zero block
            x = ops.clip(starts[:, k, 0:1] + steps, -s, self.image_size) + s  # (B, p) column in the level
            y = ops.clip(starts[:, k, 1:2] + steps, -s, self.image_size) + s  # (B, p) row in the level
            index = ops.reshape(y[:, :, None] * n + x[:, None, :], (-1, self.patch_size**2))  # (B, p * p)
            glimpses.append(ops.take_along_axis(level, index, axis=1))
        return ops.reshape(ops.stack(glimpses, axis=1), (-1, self.zooms, self.patch_size, self.patch_size))

    def call(self, images, locations):
        # images (B, H, W), locations (B, 2) -> glimpses (B, zooms, patch, patch)
        return self.read(self.pyramid(images), locations)

    def get_config(self):
        return {**super().get_config(), "image_size": self.image_size, "patch_size": self.patch_size,
                "zooms": self.zooms, "scale": self.scale, "unit_pixels": self.unit_pixels}


@keras.saving.register_keras_serializable("ram")
class GlimpseNetwork(keras.layers.Layer):
    """g = ReLU(W h_g + W h_l) with h_g = ReLU(W rho) (what) and h_l = ReLU(W l) (where).

    With `conv` > 0 (not in the paper) h_g = ReLU(W f(rho)), where f is a small convolutional encoder
    of the glimpse, its zooms as channels: two 3x3 convolutions at stride 2 ("same" padding, ReLU),
    with `conv` and then 2 x `conv` filters, flattened (12x12 -> 6x6 -> 3x3)."""

    def __init__(self, glimpse_hidden=128, location_hidden=128, output_size=256, conv=0, **kwargs):
        super().__init__(**kwargs)
        self.glimpse_hidden, self.location_hidden, self.output_size = glimpse_hidden, location_hidden, output_size
        self.conv = conv
        self.encoder = [keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu",
                                            data_format="channels_last", name=f"conv_{i}")
                        for i, filters in enumerate((conv, 2 * conv), 1)] if conv else []
        self.what = keras.layers.Dense(glimpse_hidden, activation="relu", name="what")
        self.where = keras.layers.Dense(location_hidden, activation="relu", name="where")
        self.what_out = keras.layers.Dense(output_size, name="what_out")
        self.where_out = keras.layers.Dense(output_size, use_bias=False, name="where_out")

    def encoder_shapes(self, glimpse_shape):
        """(B, zooms, patch, patch) -> [(B, patch, patch, zooms), then each convolution's output shape]."""
        shapes = [(None, glimpse_shape[2], glimpse_shape[3], glimpse_shape[1])]  # zooms as channels
        for layer in self.encoder:
            shapes.append(layer.compute_output_shape(shapes[-1]))
        return shapes

    def build(self, glimpse_shape, location_shape=(None, 2)):
        # glimpse_shape (B, zooms, patch, patch), as the sensor gives it
        shapes = self.encoder_shapes(glimpse_shape)
        for layer, shape in zip(self.encoder, shapes):
            layer.build(shape)
        self.what.build((None, math.prod(shapes[-1][1:])))  # the encoder's output, or the pixels
        self.where.build(location_shape)
        self.what_out.build((None, self.glimpse_hidden))
        self.where_out.build((None, self.location_hidden))

    def encode(self, glimpse):
        """What the glimpse shows, flattened: (B, zooms, patch, patch) -> (B, features)."""
        x = ops.transpose(glimpse, (0, 2, 3, 1)) if self.encoder else glimpse  # encoder: (B, patch, patch, zooms)
        for layer in self.encoder:
            x = layer(x)
        return ops.reshape(x, (ops.shape(x)[0], -1))

    def call(self, glimpse, locations):
        # glimpse (B, zooms, patch, patch), locations (B, 2) -> g (B, output_size)
        return ops.relu(self.what_out(self.what(self.encode(glimpse))) + self.where_out(self.where(locations)))

    def get_config(self):
        return {**super().get_config(), "glimpse_hidden": self.glimpse_hidden,
                "location_hidden": self.location_hidden, "output_size": self.output_size, "conv": self.conv}
