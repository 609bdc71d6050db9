"""The retina (GlimpseSensor) and the glimpse network that encodes what and where."""
import math

import keras
from keras import ops

from . import backend


@keras.saving.register_keras_serializable("ram")
class GlimpseSensor(keras.layers.Layer):
    """Extracts `zooms` square patches centred on a location, each area-averaged to patch x patch,
    from every channel of the image.

    Locations are (x, y) in [-1, 1]^2: (0, 0) is the image centre, (-1, -1) the top-left corner,
    and +-1 lies `unit_pixels` from the centre along both axes (None: the image edge, so on a
    rectangular image a unit of x is half the width and a unit of y half the height). Zoom k covers
    patch * scale**k pixels; pixels outside the image read as 0. A glimpse gathers only the pixels
    under its patches (`read`: (patch * scale**k)^2 per zoom, whatever the image's size) and
    averages them over scale**k x scale**k blocks, so its cost does not grow with the image and it
    compiles under XLA. Images are (B, H, W, C), grey ones with C = 1; glimpses (B, zooms, patch,
    patch, C).
    """

    def __init__(self, image_size, patch_size=8, zooms=1, scale=2, unit_pixels=None, **kwargs):
        """`image_size`: the side of square images, or (height, width)."""
        super().__init__(**kwargs)
        self.image_size, self.patch_size, self.zooms, self.scale = image_size, patch_size, zooms, scale
        self.height, self.width = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
        self.unit_pixels = unit_pixels
        self.reach = (self.width / 2, self.height / 2) if unit_pixels is None else (unit_pixels, unit_pixels)
        self._compiled_gather = None

    def centre(self, locations):
        """Pixel coordinates (x, y) of the glimpses' centres: locations (..., 2) -> (..., 2)."""
        half = ops.convert_to_tensor([self.width / 2, self.height / 2], "float32")
        return half + ops.convert_to_tensor(locations, "float32") * ops.convert_to_tensor(self.reach, "float32")

    def patch_start(self, locations):
        """Top-left pixel (x, y) of every zoom's patch: (B, zooms, 2) float, whole numbers."""
        centre = self.centre(locations)  # (B, 2) in pixel units
        sizes = ops.convert_to_tensor([self.patch_size * self.scale**k for k in range(self.zooms)], "float32")
        return ops.floor(centre[:, None, :] - sizes[None, :, None] / 2 + 0.5)

    def flatten(self, images):
        """The images as the glimpses read them, once per batch: (B, H, W, C) -> (B, H * W * C)."""
        return ops.reshape(images, (ops.shape(images)[0], -1))

    def read(self, flat_images, locations, channels):
        """Glimpses (B, zooms, patch, patch, C) at `locations` (B, 2) from `flatten(images)` of images
        (B, H, W, C) with C = `channels`.
        The patches' corners are computed here, in the caller's graph; the gathers (`gather`) are
        compiled by XLA, several times faster than TensorFlow's own kernels (inside a compiled training
        step they are simply part of it)."""
        if self._compiled_gather is None:
            self._compiled_gather = backend.xla_compiled(self.gather)
        return self._compiled_gather(flat_images, ops.cast(self.patch_start(locations), "int32"), channels)

    def gather(self, flat_images, starts, channels):
        """Glimpses from `flatten(images)` with their zooms' top-left pixels `starts` (B, zooms, 2) int
        (x, y). Per zoom k (s = scale**k): gathers the (patch * s)^2 pixels from the corner on (those
        outside the image as 0), then averages each s x s block."""
        p, glimpses = self.patch_size, []
        for k in range(self.zooms):
            s = self.scale**k
            steps = ops.arange(p * s, dtype="int32")
            x = starts[:, k, 0:1] + steps  # (B, p s) columns read
            y = starts[:, k, 1:2] + steps  # (B, p s) rows read
            inside = (ops.cast((x >= 0) & (x < self.width), "float32")[:, None, :]
                      * ops.cast((y >= 0) & (y < self.height), "float32")[:, :, None])  # (B, p s, p s)
            x, y = ops.clip(x, 0, self.width - 1), ops.clip(y, 0, self.height - 1)
            pixel = y[:, :, None] * self.width + x[:, None, :]  # (B, p s, p s) pixel of the image
            value = pixel[..., None] * channels + ops.arange(channels, dtype="int32")  # (B, p s, p s, C): its channels
            values = ops.take_along_axis(flat_images, ops.reshape(value, (ops.shape(value)[0], -1)), axis=1)
            values = ops.reshape(ops.cast(values, "float32"), ops.shape(value)) * inside[..., None]
            blocks = ops.reshape(values, (-1, p, s, p, s, channels))  # rows (p, s), columns (p, s)
            rows = sum(blocks[:, :, d] for d in range(s))  # (B, p, p, s, C): each block's column sums, top down
            glimpses.append(sum(rows[:, :, :, d] for d in range(s)) / s**2)  # (B, p, p, C), in the old pyramid's order
        return ops.stack(glimpses, axis=1)  # (B, zooms, p, p, C)

    def call(self, images, locations):
        # images (B, H, W, C), locations (B, 2) -> glimpses (B, zooms, patch, patch, C)
        return self.read(self.flatten(images), locations, images.shape[3])

    def get_config(self):
        return {**super().get_config(), "image_size": self.image_size, "patch_size": self.patch_size,
                "zooms": self.zooms, "scale": self.scale, "unit_pixels": self.unit_pixels}


@keras.saving.register_keras_serializable("ram")
class GlimpseNetwork(keras.layers.Layer):
    """g = ReLU(W h_g + W h_l) with h_g = ReLU(W rho) (what) and h_l = ReLU(W l) (where).

    With `conv` > 0 (not in the paper) h_g = ReLU(W f(rho)), where f is a small convolutional encoder
    of the glimpse, its zooms (times its colours) as channels: two 3x3 convolutions at stride 2 ("same" padding, ReLU),
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
        """(B, zooms, patch, patch, C) -> [(B, patch, patch, zooms * C), then each convolution's output shape]."""
        channels = glimpse_shape[1] * glimpse_shape[4]
        shapes = [(None, glimpse_shape[2], glimpse_shape[3], channels)]  # zooms (and colours) as channels
        for layer in self.encoder:
            shapes.append(layer.compute_output_shape(shapes[-1]))
        return shapes

    def build(self, glimpse_shape, location_shape=(None, 2)):
        # glimpse_shape (B, zooms, patch, patch, C), as the sensor gives it
        shapes = self.encoder_shapes(glimpse_shape)
        for layer, shape in zip(self.encoder, shapes):
            layer.build(shape)
        self.what.build((None, math.prod(shapes[-1][1:])))  # the encoder's output, or the pixels
        self.where.build(location_shape)
        self.what_out.build((None, self.glimpse_hidden))
        self.where_out.build((None, self.location_hidden))

    def encode(self, glimpse):
        """What the glimpse shows, flattened: (B, zooms, patch, patch, C) -> (B, features)."""
        x = glimpse
        if self.encoder:  # (B, patch, patch, zooms * C)
            x = ops.moveaxis(x, 1, 3)
            x = ops.reshape(x, (ops.shape(x)[0], x.shape[1], x.shape[2], -1))
        for layer in self.encoder:
            x = layer(x)
        return ops.reshape(x, (ops.shape(x)[0], -1))

    def call(self, glimpse, locations):
        # glimpse (B, zooms, patch, patch, C), locations (B, 2) -> g (B, output_size)
        return ops.relu(self.what_out(self.what(self.encode(glimpse))) + self.where_out(self.where(locations)))

    def get_config(self):
        return {**super().get_config(), "glimpse_hidden": self.glimpse_hidden,
                "location_hidden": self.location_hidden, "output_size": self.output_size, "conv": self.conv}
