"""The Recurrent Attention Model (Mnih et al. 2014) as a Keras model trained by `fit`."""
import keras
from keras import ops

from . import backend
from .config import MODEL_FIELDS, image_shape, input_shape, saved_config
from .cores import CORES
from .glimpse import GlimpseNetwork, GlimpseSensor
from .losses import gaussian_log_prob, hybrid_loss

@keras.saving.register_keras_serializable("ram")
class LocationPolicy(keras.layers.Layer):
    """Mean of the Gaussian location policy: mu_t = tanh(W h_t), optionally through a ReLU layer."""

    def __init__(self, hidden=0, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.hidden_layer = keras.layers.Dense(hidden, activation="relu", name="hidden") if hidden else None
        self.mean = keras.layers.Dense(2, name="mean")

    def build(self, state_shape):
        if self.hidden_layer:
            self.hidden_layer.build(state_shape)
            state_shape = (None, self.hidden)
        self.mean.build(state_shape)

    def call(self, state, return_preactivation=False):
        """mu_t (B, 2); with `return_preactivation`, also W h_t (B, 2), the mean before its tanh."""
        preactivation = self.mean(self.hidden_layer(state) if self.hidden_layer else state)
        mean = ops.tanh(preactivation)
        return (mean, preactivation) if return_preactivation else mean

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}


@keras.saving.register_keras_serializable("ram")
class ContextNetwork(keras.layers.Layer):
    """The core's initial state from a coarse view of the whole image (Ba et al. 2015's context
    network, not in the paper): the image area-averaged to grid x grid cells (of every channel), then
    h_0 = tanh(W ReLU(W coarse)), so the policy chooses the first glimpse as it chooses the others."""

    def __init__(self, grid, units, **kwargs):
        super().__init__(**kwargs)
        self.grid, self.units = grid, units
        self.hidden = keras.layers.Dense(units, activation="relu", name="hidden")
        self.state = keras.layers.Dense(units, activation="tanh", name="state")

    def build(self, images_shape):
        # images_shape (B, H, W, C)
        self.hidden.build((None, self.grid**2 * images_shape[3]))
        self.state.build((None, self.units))

    def coarse(self, images):
        """Cell means: images (B, H, W, C) -> (B, grid * grid * C)."""
        g, rows, columns, channels = self.grid, images.shape[1] // self.grid, images.shape[2] // self.grid, images.shape[3]
        cells = ops.reshape(images, (-1, g, rows, g, columns, channels))  # (B, row, pixel in row, column, pixel in column, C)
        return ops.reshape(ops.mean(cells, axis=(2, 4)), (-1, g * g * channels))

    def call(self, images):
        # images (B, H, W, C) -> h_0 (B, units)
        return self.state(self.hidden(self.coarse(images)))

    def get_config(self):
        return {**super().get_config(), "grid": self.grid, "units": self.units}


class PolicySeedGenerator(keras.random.SeedGenerator):
    """The policy's random generator (first glimpses, sampled moves, dropout): keras.random's, with each
    tf.distribute replica drawing its own numbers."""

    def next(self, ordered=True):
        return backend.replica_seed(super().next(ordered))


@keras.saving.register_keras_serializable("ram")
class RecurrentAttentionModel(keras.Model):
    """RAM: glimpse sensor -> glimpse network -> core -> location policy, baseline and classifier.

    Called on images (B, H, W), or (B, H, W, C) with `channels` C > 1, it returns class probabilities from the deterministic policy: the
    first glimpse placed as in training (`first_location`: uniform random from the model's seeded
    generator, or the centre), then the policy means. Training samples the locations and
    minimises `hybrid_loss`.
    """

    def __init__(self, settings, name="ram", **kwargs):
        super().__init__(name=name, **kwargs)
        settings = saved_config(settings)  # files saved before a field existed lack it
        self.settings = {key: settings[key] for key in MODEL_FIELDS}
        s = self.settings
        self.image_shape = input_shape(s)  # what `model(images)` takes: (H, W) grey, (H, W, C) in colour
        self.inner_shape = image_shape(s) + (s["channels"],)  # what every layer inside reads: (H, W, C)
        self.sensor = GlimpseSensor(self.image_shape[:2], s["patch_size"], s["zooms"], s["zoom_scale"],
                                    s["unit_pixels"], name="glimpse_sensor")
        self.glimpse_network = GlimpseNetwork(s["glimpse_hidden"], s["location_hidden"], s["glimpse_size"],
                                              s["glimpse_conv"], name="glimpse_network")
        self.core = CORES[s["core"]](s["core_size"])
        self.context_network = (ContextNetwork(s["context_grid"], s["core_size"], name="context_network")
                        if s["first_location"] == "context" else None)
        self.policy = LocationPolicy(s["policy_hidden"], name="location_policy")
        self.baseline = keras.layers.Dense(1, name="baseline")
        self.classifier = keras.layers.Dense(s["classes"], name="classifier")
        self.seed_generator = PolicySeedGenerator(s["seed"], name="policy_seed")
        # training's std as a function of the optimizer step (training.build_model sets it from
        # `initial_location_std`; not saved: a loaded model trains at `location_std`); None: location_std
        self.location_std_schedule = None
        self.trackers = {name: keras.metrics.Mean(name=name)
                         for name in ("loss", "accuracy", "cross_entropy", "reinforce", "baseline_mse")}
        self.build((None,) + self.image_shape)

    @staticmethod
    def with_channels(images):
        """The one place grey images get their channel: (B, H, W) -> (B, H, W, 1); (B, H, W, C) as it is."""
        return images[..., None] if len(images.shape) == 3 else images

    def build(self, input_shape):
        s = self.settings
        self.glimpse_network.build((None, s["zooms"], s["patch_size"], s["patch_size"], s["channels"]))
        self.core.build((None, s["glimpse_size"]))
        if self.context_network is not None:
            self.context_network.build((None,) + self.inner_shape)
        for head in (self.policy, self.baseline, self.classifier):
            head.build((None, s["core_size"]))
        self.built = True

    def glimpse_path(self, images, sample, return_glimpses=False, std=None, first_glimpse_at=None, dropout=0.0):
        """Runs all T = `glimpses` glimpses over a batch.

        Args:
            images: (B, H, W, C), or grey (B, H, W) (`with_channels` adds C = 1).
            sample: draw each chosen location from the Gaussian policy (training, sampled evaluation)
                instead of taking its mean.
            return_glimpses: also return what the sensor saw.
            std: the policy's std for sampled moves, a float or scalar tensor; None: `location_std`.
            first_glimpse_at: (2,) or (B, 2), places the first glimpse instead of the config's rule (for
                probes of where a path should start).
            dropout: the rate at which units of each glimpse feature g_t are dropped (`sampled_losses`
                passes the config's; else 0).

        Returns:
            A dict: `logits` (B, classes) and `locations` (B, T, 2) in [-1, 1]; with `sample`, for the
            N chosen locations (N = T - 1, T with a context network, 0 with `random_glimpses`)
            `log_probs` (B, N) of the draws, `baselines` (B, N) and `squared_preactivations` (B, N),
            the policy means' squared pre-tanh values averaged over x and y; with `return_glimpses`,
            `glimpses` (B, T, zooms, patch, patch, C).
        """
        s = self.settings
        std = s["location_std"] if std is None else std
        images = self.with_channels(images)  # (B, H, W, C) from here on
        batch = ops.shape(images)[0]
        state = self.core.get_initial_state(batch)  # a list: (h,) or an LSTM's (h, c), zeros
        locations, glimpses, draws = [], [], []  # draws: what `_choose` returns with each chosen location
        if self.context_network is not None:  # h_0 from the whole image; the policy picks the first glimpse
            h = self.context_network(images)
            state = [h] + state[1:]  # an LSTM's cell state starts at 0
        if first_glimpse_at is not None:
            location = ops.broadcast_to(ops.cast(first_glimpse_at, "float32"), (batch, 2))
        elif self.context_network is not None:  # REINFORCE trains the context network through this choice
            location, draw = self._choose(h, h, sample, std)
            draws.append(draw)
        elif s["first_location"] == "random":  # the same rule in training and evaluation
            location = self.random_location(batch)
        else:
            location = ops.zeros((batch, 2))
        locations.append(location)
        flat_images = self.sensor.flatten(images)  # what every glimpse gathers its pixels from
        for t in range(s["glimpses"]):  # fixed length: unrolled into one XLA graph
            glimpse = self.sensor.read(flat_images, location, s["channels"])  # (B, Z, p, p, C)
            glimpses.append(glimpse)
            g = self.glimpse_network(glimpse, location)
            if dropout:
                g = self.drop(g, dropout)
            h, state = self.core(g, state)
            if t == s["glimpses"] - 1:
                break
            if s["random_glimpses"]:  # the ablation: the policy is not used
                location = self.random_location(batch)
            else:
                location, draw = self._choose(h if s["policy_trains_core"] else ops.stop_gradient(h), h, sample, std)
                draws.append(draw)
            locations.append(location)
        out = {"logits": self.classifier(h), "locations": ops.stack(locations, axis=1)}
        if sample:  # one (log-probability, baseline, squared pre-tanh) per chosen location
            columns = list(zip(*draws)) or [(), (), ()]
            for key, values in zip(("log_probs", "baselines", "squared_preactivations"), columns):
                out[key] = self._stack_steps(list(values), batch)
        if return_glimpses:
            out["glimpses"] = ops.stack(glimpses, axis=1)
        return out

    def _choose(self, policy_input, h, sample, std):
        """The next location from the policy on `policy_input` (B, core_size): its mean, or (`sample`) a
        Gaussian draw around it with `std`, clipped to [-1, 1].

        Returns:
            The location (B, 2), and for a draw (else None) its log-probability, the baseline of the
            core state `h` (B, core_size) and the mean's squared pre-tanh value averaged over x and y
            (for `location_penalty`), (B,) each.
        """
        mean, preactivation = self.policy(policy_input, return_preactivation=True)  # (B, 2) each
        if not sample:
            return mean, None
        noisy = ops.stop_gradient(mean + std * self.location_noise(ops.shape(mean)))
        draw = (gaussian_log_prob(noisy, mean, std), ops.squeeze(self.baseline(ops.stop_gradient(h)), -1),
                ops.mean(ops.square(preactivation), axis=-1))
        return ops.clip(noisy, -1.0, 1.0), draw

    def random_location(self, batch):
        """Locations (batch, 2) drawn uniformly in [-1, 1]^2 from the policy's generator."""
        return keras.random.uniform((batch, 2), -1.0, 1.0, seed=self.seed_generator)

    def drop(self, x, rate):
        """Inverted dropout from the policy's generator: each unit zeroed with probability `rate`,
        the rest divided by 1 - rate."""
        keep = keras.random.uniform(ops.shape(x), seed=self.seed_generator) >= rate
        return ops.where(keep, x / (1.0 - rate), ops.zeros_like(x))

    def location_noise(self, shape):
        """Standard normal noise of the sampled moves, from the policy's generator."""
        return keras.random.normal(shape, seed=self.seed_generator)

    def reseed(self, seed):
        """Resets the policy's random generator (first glimpses, sampled moves), so results repeat."""
        self.seed_generator.state.assign(keras.random.SeedGenerator(seed).state.value)

    @staticmethod
    def _stack_steps(values, batch):
        return ops.stack(values, axis=1) if values else ops.zeros((batch, 0))  # (B, T - 1)

    def call(self, images, training=False, sample=False):
        self._check_input(images)
        return ops.softmax(self.glimpse_path(images, sample=sample)["logits"])

    def _check_input(self, images):
        """ValueError for input it would misread: integers (pixels not scaled to [0, 1]), another image shape."""
        dtype = keras.backend.standardize_dtype(images.dtype)
        if "int" in dtype:
            raise ValueError(f"the model reads float pixels in [0, 1]; got {dtype} images (divide by 255)")
        shape = tuple(images.shape[1:])
        if None not in shape and shape not in (tuple(self.image_shape), tuple(self.inner_shape)):  # grey: with C = 1 too
            raise ValueError(f"the model reads images (B, {', '.join(map(str, self.image_shape))}); got shape "
                             f"{tuple(images.shape)}")

    def sampled_losses(self, images, labels):
        """The hybrid loss and its parts on sampled glimpse paths of a training batch, and the number of
        paths (the batch size times `train_paths`); every backend's train_step differentiates this."""
        paths = self.settings["train_paths"]
        if paths > 1:  # M paths per image: (B, H, W, C) -> (B * M, H, W, C), an image's copies adjacent
            images, labels = ops.repeat(images, paths, axis=0), ops.repeat(labels, paths, axis=0)
        schedule = self.location_std_schedule
        std = None if schedule is None else schedule(self.optimizer.iterations)
        path = self.glimpse_path(images, sample=True, std=std, dropout=self.settings["dropout"])
        return self.hybrid_loss(labels, path), ops.shape(images)[0]

    def train_step(self, *args):  # Keras's signature: (data) on TensorFlow, (state, data) on JAX
        return backend.train_step(self, *args)

    def test_step(self, *args):
        return backend.test_step(self, *args)

    def hybrid_loss(self, labels, path):
        """`losses.hybrid_loss` of a sampled `glimpse_path` with the config's weights, reward and smoothing."""
        s = self.settings
        return hybrid_loss(labels, path["logits"], path["log_probs"], path["baselines"],
                           cross_entropy_weight=s["cross_entropy_weight"], reinforce_weight=s["reinforce_weight"],
                           baseline_weight=s["baseline_weight"], reward=s["reward"],
                           label_smoothing=s["label_smoothing"],
                           squared_preactivations=path["squared_preactivations"],
                           location_penalty=s["location_penalty"])

    def test_losses(self, images, labels):
        """Cross entropy and accuracy of the deterministic policy on a batch, and the batch size."""
        logits = self.glimpse_path(images, sample=False)["logits"]
        labels = ops.cast(labels, "int32")
        return {"cross_entropy": ops.mean(ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)),
                "accuracy": ops.mean(ops.cast(ops.equal(ops.argmax(logits, -1), labels), "float32"))}, ops.shape(images)[0]

    def track(self, values, batch):
        """Updates the running means, weighting each batch by its size so epoch values are exact."""
        for name, value in values.items():
            self.trackers[name].update_state(value, sample_weight=batch)
        return {name: self.trackers[name].result() for name in values}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def get_config(self):
        return {"name": self.name, "settings": self.settings}


CUSTOM_OBJECTS = {cls.__name__: cls for cls in (RecurrentAttentionModel, GlimpseSensor, GlimpseNetwork,
                                                LocationPolicy, ContextNetwork)}
# Keras's HDF5 loader looks classes up by their plain names: registering those too lets
# `keras.models.load_model("model.h5")` load our files once this module is imported (`import ram.model`).
keras.saving.get_custom_objects().update(CUSTOM_OBJECTS)
