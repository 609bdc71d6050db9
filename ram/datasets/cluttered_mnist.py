"""Cluttered MNIST: translated MNIST over `distractors` pieces of other digits of the same split."""

from .translated_mnist import TranslatedMnist


def clutter_draws(count, canvas, distractors, size, pool_size, seed):
    """Random choices for `count` cluttered canvases, each (count, distractors, ...) int32: the pool
    image each piece is cut from, the piece's top-left pixel in that image and on the canvas."""
    import tensorflow as tf
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 3)
    shape = (count, distractors)
    return {"source": tf.random.stateless_uniform(shape, seeds[0], maxval=pool_size, dtype=tf.int32),
            "crop": tf.random.stateless_uniform(shape + (2,), seeds[1], maxval=28 - size + 1, dtype=tf.int32),
            "spot": tf.random.stateless_uniform(shape + (2,), seeds[2], maxval=canvas - size + 1, dtype=tf.int32)}


def render_clutter(pool, draws, canvas, size):
    """Black canvases (B, canvas, canvas) with every drawn size x size piece of `pool` (N, 28, 28)
    uint8 added. Unclipped: pixels are >= 0, so clipping the sum to 1 once, after the digit is added,
    equals clipping after each addition."""
    import tensorflow as tf
    batch, pieces = tf.shape(draws["source"])[0], draws["source"].shape[1]
    block = tf.range(size)
    images = tf.gather(pool, draws["source"])  # (B, D, 28, 28)
    crop, spot = draws["crop"], draws["spot"]  # (B, D, 2) top-left (row, col)
    piece = tf.gather(images, crop[..., :1] + block, axis=2, batch_dims=2)  # (B, D, size, 28): the rows
    piece = tf.gather(piece, crop[..., 1:] + block, axis=3, batch_dims=2)  # (B, D, size, size)
    shape = (batch, pieces, size, size)
    index = tf.stack([tf.broadcast_to(tf.range(batch)[:, None, None, None], shape),  # image
                      tf.broadcast_to((spot[..., :1] + block)[..., :, None], shape),  # canvas row
                      tf.broadcast_to((spot[..., 1:] + block)[..., None, :], shape)], axis=-1)  # canvas column
    return tf.scatter_nd(index, tf.cast(piece, tf.float32) / 255.0, (batch, canvas, canvas))  # sums overlaps


class ClutteredMnist(TranslatedMnist):
    """Canvases with clutter: training digits clutter training canvases (drawn afresh every step),
    each fixed set's own digits clutter its canvases (drawn once from (eval_seed, 100 + split))."""
    CLUTTER = True

    def _clutter_draws(self, count, pool_size, seed):
        c = self.config
        return clutter_draws(count, c.image_size, c.distractors, c.distractor_size, pool_size, seed)

    def training_images(self, images, index, seed):
        import tensorflow as tf
        if not self.config.distractors:
            return super().training_images(images, index, seed)
        draws = self._clutter_draws(self.batch_size, len(self.x_train), seed(2))
        clutter = render_clutter(images, draws, self.config.image_size, self.config.distractor_size)
        return tf.minimum(clutter + super().training_images(images, index, seed), 1.0)

    def fixed_images(self, images, split):
        import tensorflow as tf
        place = super().fixed_images(images, split)
        if not self.config.distractors:
            return place
        draws = self._clutter_draws(len(images), len(images), [self.eval_seed, 100 + split])
        pool, size = tf.constant(images), self.config.distractor_size

        def make_images(x, i):
            clutter = render_clutter(pool, {k: tf.gather(v, i) for k, v in draws.items()}, self.config.image_size, size)
            return tf.minimum(clutter + place(x, i), 1.0)
        return make_images


DATASET = ClutteredMnist
