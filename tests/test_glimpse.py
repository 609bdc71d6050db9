"""The retina against a plain numpy crop-and-average, pixel for pixel."""
import math

import numpy as np
import pytest
import tensorflow as tf

from ram.glimpse import GlimpseSensor


def numpy_glimpse(image, location, patch, zooms, scale, reach):
    """Reference: crop each zoom's square (zeros outside the image), then average scale^k blocks."""
    size_img = image.shape[0]
    out = []
    for k in range(zooms):
        size = patch * scale**k
        # same rounding convention as the sensor: nearest whole pixel, in float32
        x0, y0 = (int(np.floor(np.float32(size_img / 2) + np.float32(l) * np.float32(reach)
                               - np.float32(size / 2) + np.float32(0.5))) for l in location)
        crop = np.zeros((size, size), np.float64)
        for r in range(size):
            for c in range(size):
                y, x = y0 + r, x0 + c
                if 0 <= y < size_img and 0 <= x < size_img:
                    crop[r, c] = image[y, x]
        factor = scale**k
        out.append(crop.reshape(patch, factor, patch, factor).mean(axis=(1, 3)))
    return np.stack(out)


LOCATIONS = [(0, 0), (-1, -1), (1, 1), (-1, 1), (1, -1), (0, -1), (1, 0), (0.3, -0.7), (-0.55, 0.12), (0.999, -0.999)]


@pytest.mark.parametrize("size,patch,zooms,reach", [
    (28, 8, 1, None), (28, 8, 3, None), (28, 5, 2, None), (28, 8, 2, 20.0),  # reach 20: patches leave the image
    (60, 12, 3, None), (60, 12, 3, 45.0),
])
def test_sensor_matches_numpy_crop(size, patch, zooms, reach):
    rng = np.random.default_rng(0)
    images = rng.random((len(LOCATIONS), size, size)).astype(np.float32)
    locations = np.array(LOCATIONS, np.float32)
    sensor = GlimpseSensor(size, patch, zooms, 2, reach)
    got = sensor(tf.constant(images[..., None]), tf.constant(locations)).numpy()[..., 0]  # grey: one channel
    assert got.shape == (len(LOCATIONS), zooms, patch, patch)
    for i, loc in enumerate(LOCATIONS):
        want = numpy_glimpse(images[i], loc, patch, zooms, 2, size / 2 if reach is None else reach)
        np.testing.assert_allclose(got[i], want, atol=1e-5, err_msg=f"location {loc}")


def test_sensor_axes_and_outside_pixels():
    """x moves along columns, y along rows; the top-left corner glimpse is 3/4 zeros."""
    image = np.zeros((1, 28, 28), np.float32)
    image[0, 0:4, 24:28] = 1.0  # bright block in the top-right corner
    sensor = GlimpseSensor(28, 8, 1)
    top_right = sensor(tf.constant(image[..., None]), tf.constant([[1.0, -1.0]])).numpy()[0, 0, ..., 0]
    np.testing.assert_array_equal(top_right[4:, :4], 1.0)  # block lands bottom-left of the patch
    assert top_right.sum() == 16
    top_left = sensor(tf.constant(image[..., None]), tf.constant([[-1.0, -1.0]])).numpy()[0, 0, ..., 0]
    assert top_left.sum() == 0


def test_sensor_compiles_with_xla():
    sensor = GlimpseSensor(60, 12, 3)
    fn = tf.function(lambda x, l: sensor(x, l), jit_compile=True)
    images = np.random.default_rng(1).random((4, 60, 60, 1)).astype(np.float32)
    locations = np.array([[0, 0], [-1, 1], [0.5, 0.25], [1, 1]], np.float32)
    np.testing.assert_allclose(fn(images, locations).numpy(), sensor(images, locations).numpy(), atol=1e-6)


def test_sensor_scale_3_and_locations_far_outside():
    """Another zoom scale, and locations beyond [-1, 1] whose patches leave the image entirely."""
    rng = np.random.default_rng(2)
    locations = [(0.2, -0.4), (1.6, 0.0), (-2.5, -2.5), (0.9, 3.0), (-1.2, 1.1)]
    images = rng.random((len(locations), 40, 40)).astype(np.float32)
    sensor = GlimpseSensor(40, 5, 3, 3)
    got = sensor(tf.constant(images[..., None]), tf.constant(np.array(locations, np.float32))).numpy()[..., 0]
    for i, loc in enumerate(locations):
        np.testing.assert_allclose(got[i], numpy_glimpse(images[i], loc, 5, 3, 3, 20.0), atol=1e-5, err_msg=str(loc))
    assert np.all(got[2] == 0)  # wholly outside


def test_sensor_scale_2_three_zooms_off_centre():
    """Scale 2, three zooms: zoom k is the 4 * 2^k pixel square around the glimpse centre (zeros outside
    the image) averaged over 2^k x 2^k blocks, with the crops placed by hand here: on a 32x32 image a
    location of 1 reaches 16 pixels, so (0.25, -0.5) is pixel (x, y) = (20, 8) and (-0.75, 0.5) is (4, 24),
    where the widest zoom runs 4 pixels off the left edge."""
    rng = np.random.default_rng(5)
    images = rng.random((2, 32, 32)).astype(np.float32)
    sensor = GlimpseSensor(32, 4, 3, 2)
    got = sensor(tf.constant(images[..., None]), tf.constant([[0.25, -0.5], [-0.75, 0.5]], tf.float32)).numpy()[..., 0]
    assert got.shape == (2, 3, 4, 4)
    for image, glimpse, (x, y) in zip(images, got, [(20, 8), (4, 24)]):
        padded = np.pad(image.astype(np.float64), 16)  # pixel (row, col) is padded[row + 16, col + 16]
        for k, (size, block) in enumerate([(4, 1), (8, 2), (16, 4)]):
            top, left = y - size // 2 + 16, x - size // 2 + 16
            crop = padded[top:top + size, left:left + size]
            want = crop.reshape(4, block, 4, block).mean(axis=(1, 3))
            np.testing.assert_allclose(glimpse[k], want, atol=1e-5, err_msg=f"zoom {k} at ({x}, {y})")
    assert np.all(got[1, 2][:, 0] == 0) and np.all(got[1, 2][:, 1:] > 0)  # its first column of blocks lies outside


def pyramid_glimpses(images, starts, patch, scale):
    """The retina as it was until the gather replaced it, in numpy float32: per zoom k (s = scale**k),
    the image zero-padded by s and box-averaged over s x s blocks at stride 1 (sums of s shifted rows,
    then of s shifted columns, then / s^2), read at every s-th block from the patch's corner.
    images (B, H, W, C), starts (B, zooms, 2) whole (x, y) -> (B, zooms, patch, patch, C)."""
    _, height, width, _ = images.shape
    out = np.zeros((len(images), starts.shape[1], patch, patch, images.shape[3]), np.float32)
    for k in range(starts.shape[1]):
        s = scale**k
        padded = np.pad(images, ((0, 0), (s, s), (s, s), (0, 0)))
        rows, columns = height + s + 1, width + s + 1
        sums = sum(padded[:, d:d + rows] for d in range(s))
        boxes = sum(sums[:, :, d:d + columns] for d in range(s)) / np.float32(s**2)  # block at (y, x): [y + s, x + s]
        for b in range(len(images)):
            x = np.clip(starts[b, k, 0] + s * np.arange(patch), -s, width) + s
            y = np.clip(starts[b, k, 1] + s * np.arange(patch), -s, height) + s
            out[b, k] = boxes[b][y[:, None], x[None, :]]
    return out


@pytest.mark.parametrize("height,width,channels,patch,zooms,scale", [
    (100, 100, 1, 12, 4, 2), (60, 60, 1, 12, 3, 2), (28, 28, 1, 8, 1, 2), (37, 53, 3, 6, 3, 2), (40, 40, 2, 5, 3, 3)])
def test_gathered_glimpses_equal_the_old_pyramids(height, width, channels, patch, zooms, scale):
    """The gathering retina reads what the pyramid retina it replaced read, to float32 rounding, at
    locations inside, across and beyond the border, grey and colour, square and rectangular."""
    rng = np.random.default_rng(height + channels)
    images = rng.random((12, height, width, channels)).astype(np.float32)
    locations = np.concatenate([rng.uniform(-1, 1, (8, 2)), [(-1.3, 1.1), (1, -1), (2.5, 0), (0.999, -0.999)]])
    sensor = GlimpseSensor((height, width), patch, zooms, scale)
    got = sensor(tf.constant(images), tf.constant(locations, tf.float32)).numpy()
    starts = sensor.patch_start(tf.constant(locations, tf.float32)).numpy().astype(int)
    want = pyramid_glimpses(images, starts, patch, scale)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_sensor_reads_x_along_columns_on_a_rectangle():
    """On a 20 x 40 image (height x width) a location of x = 0.5 lies 10 columns right of the centre and
    y = -0.5 5 rows above it: a 2x2 patch there reads exactly the pixels (rows 4-5, columns 29-30)."""
    image = np.arange(20 * 40, dtype=np.float32).reshape(1, 20, 40)
    got = GlimpseSensor((20, 40), 2, 1)(tf.constant(image[..., None]), tf.constant([[0.5, -0.5]])).numpy()[0, 0, ..., 0]
    np.testing.assert_array_equal(got, image[0, 4:6, 29:31])


def test_first_glimpse_at_places_the_first_glimpse():
    """glimpse_path(first_glimpse_at=...) starts every path there: the first glimpse is the numpy crop
    at that point, and (0, 0) gives the `center` rule's path exactly."""
    from ram import RecurrentAttentionModel
    from helpers import small_config
    images = np.random.default_rng(3).random((4, 28, 28)).astype("float32")
    model = RecurrentAttentionModel(small_config(first_location="center"))
    path = model.glimpse_path(tf.constant(images), sample=False, return_glimpses=True, first_glimpse_at=(0.3, -0.7))
    np.testing.assert_allclose(path["locations"].numpy()[:, 0], np.tile([0.3, -0.7], (4, 1)), rtol=1e-6)
    for image, glimpse in zip(images, path["glimpses"].numpy()[:, 0, ..., 0]):  # grey: its one channel
        np.testing.assert_allclose(glimpse, numpy_glimpse(image, (0.3, -0.7), 8, 1, 2, 14.0), atol=1e-5)
    centred = model.glimpse_path(tf.constant(images), sample=False)["logits"].numpy()
    given = model.glimpse_path(tf.constant(images), sample=False, first_glimpse_at=(0.0, 0.0))["logits"].numpy()
    np.testing.assert_array_equal(given, centred)
    assert not np.allclose(path["logits"].numpy(), centred)


def numpy_conv_stride_2(x, kernel, bias):
    """Reference 3x3 convolution at stride 2 with TensorFlow's "same" padding (the odd pixel of
    padding goes after), then ReLU: x (H, W, C_in) -> (ceil(H / 2), ceil(W / 2), C_out)."""
    out_h, out_w = -(-x.shape[0] // 2), -(-x.shape[1] // 2)
    pads = [max((out - 1) * 2 + 3 - size, 0) for out, size in ((out_h, x.shape[0]), (out_w, x.shape[1]))]
    padded = np.pad(x, ((pads[0] // 2, pads[0] - pads[0] // 2), (pads[1] // 2, pads[1] - pads[1] // 2), (0, 0)))
    out = np.zeros((out_h, out_w, kernel.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            window = padded[2 * i:2 * i + 3, 2 * j:2 * j + 3, :]  # (3, 3, C_in)
            out[i, j] = np.tensordot(window, kernel, axes=3) + bias
    return np.maximum(out, 0)


@pytest.mark.parametrize("zooms,patch", [(3, 12), (1, 8), (2, 5)])
def test_conv_encoder_matches_numpy(zooms, patch):
    """glimpse_conv: two strided 3x3 convolutions over the zooms as channels, flattened, against numpy;
    h_g then reads ceil(ceil(patch / 2) / 2)^2 x 2N features."""
    from ram.glimpse import GlimpseNetwork
    rng = np.random.default_rng(4)
    network = GlimpseNetwork(glimpse_hidden=16, location_hidden=8, output_size=8, conv=3)
    network.build((None, zooms, patch, patch, 1))
    for v in network.weights:
        v.assign(rng.normal(scale=0.5, size=v.shape).astype(np.float32))
    glimpses = rng.random((4, zooms, patch, patch)).astype(np.float32)
    got = network.encode(tf.constant(glimpses[..., None])).numpy()  # grey: one channel
    side = math.ceil(math.ceil(patch / 2) / 2)
    assert got.shape == (4, side * side * 6) and network.what.kernel.shape == (side * side * 6, 16)
    first, second = network.encoder
    for glimpse, features in zip(glimpses, got):
        x = numpy_conv_stride_2(glimpse.transpose(1, 2, 0), first.kernel.numpy(), first.bias.numpy())
        x = numpy_conv_stride_2(x, second.kernel.numpy(), second.bias.numpy())
        np.testing.assert_allclose(features, x.ravel(), rtol=1e-5, atol=1e-5)
    assert GlimpseNetwork.from_config(network.get_config()).get_config() == network.get_config()
