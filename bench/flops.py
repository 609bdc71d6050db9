"""Multiply-adds of one forward pass of one image: the RAM (per glimpse, times the glimpses) and the
baselines (the whole canvas). One multiply-add is 2 FLOP. Biases, activations and the other elementwise
work are left out; so are the random draws of the locations."""
import math


def matmul_multiply_adds(layer):
    """Multiply-adds of applying every weight matrix (a 2-D kernel: inputs x outputs) of `layer` once
    (a Dense kernel; a recurrent cell's kernel and recurrent kernel, not a GRU's two-row bias)."""
    return sum(int(v.shape[0]) * int(v.shape[1]) for v in layer.weights if len(v.shape) == 2 and "kernel" in v.name)


def conv_multiply_adds(conv, output_shape):
    """A Conv2D's kernel (kh, kw, in, out) applied at every output pixel of `output_shape` (B, H, W, C)."""
    return int(output_shape[1]) * int(output_shape[2]) * math.prod(int(d) for d in conv.kernel.shape)


def keras_multiply_adds(model):
    """Multiply-adds of a built Keras model of Dense and Conv2D layers (the baselines) per image."""
    import keras
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            total += conv_multiply_adds(layer, layer.output.shape)
        elif isinstance(layer, keras.layers.Dense):
            total += matmul_multiply_adds(layer)
    return total


def chosen_locations(model):
    """Locations the policy chooses per image: every glimpse's but the first (with a context network
    that one too); none with `random_glimpses`."""
    if model.settings["random_glimpses"]:
        return 0
    return model.settings["glimpses"] - (model.context_network is None)


def ram_multiply_adds(model):
    """Multiply-adds of the RAM's deterministic evaluation of one image, by part, and their `total`.

    Per glimpse: the retina (each of the zooms' patch x patch pixels of each colour the mean of scale**k squared
    image pixels: one multiply-add each, as `GlimpseSensor.gather` reads them), the glimpse network and the core. Per chosen location (glimpses - 1; one
    more with a context network, none with `random_glimpses`): the policy. Once: the classifier, and
    the context network (its matrices and the coarse view's average over every pixel of every colour). The baseline
    is used in training only."""
    s = model.settings
    glimpses, choices = s["glimpses"], chosen_locations(model)
    height, width = model.image_shape[:2]
    network = model.glimpse_network
    shapes = network.encoder_shapes((None, s["zooms"], s["patch_size"], s["patch_size"], s["channels"]))
    encoder = sum(conv_multiply_adds(conv, out) for conv, out in zip(network.encoder, shapes[1:]))
    parts = {"retina": glimpses * s["channels"] * s["patch_size"] ** 2 * sum(s["zoom_scale"] ** (2 * k) for k in range(s["zooms"])),
             "glimpse_network": glimpses * (matmul_multiply_adds(network) + encoder),
             "core": glimpses * matmul_multiply_adds(model.core),
             "policy": choices * matmul_multiply_adds(model.policy),
             "classifier": matmul_multiply_adds(model.classifier),
             "context_network": 0}
    if model.context_network is not None:
        parts["context_network"] = matmul_multiply_adds(model.context_network) + height * width * s["channels"]
    parts["total"] = sum(parts.values())
    return parts
