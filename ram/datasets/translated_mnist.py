"""Translated MNIST: each digit at a random place on a black `image_size` x `image_size` canvas."""

from .mnist import MnistDigits, place_digits


def random_offsets(count, canvas, seed):
    """(count, 2) int32 positions, uniform over every spot where a 28x28 digit fits in the canvas."""
    import tensorflow as tf
    return tf.random.stateless_uniform((count, 2), seed=seed, maxval=canvas - 28 + 1, dtype=tf.int32)


class TranslatedMnist(MnistDigits):
    """Digits placed on canvases: afresh every training step, once for each fixed set."""
    CANVAS = True

    def training_images(self, images, index, seed):
        import tensorflow as tf
        offsets = random_offsets(self.batch_size, self.config.image_size, seed(1))
        return place_digits(self.scale(tf.gather(images, index)), offsets, self.config.image_size)

    def fixed_offsets(self, count, split):
        """(count, 2) top-left (row, col) of the digits of the fixed set `split` on their canvases."""
        return random_offsets(count, self.config.image_size, seed=[self.eval_seed, split])

    def fixed_images(self, images, split):
        import tensorflow as tf
        offsets = self.fixed_offsets(len(images), split)
        return lambda x, i: place_digits(self.scale(x), tf.gather(offsets, i), self.config.image_size)


DATASET = TranslatedMnist
