"""One optimizer step that both backends compute alike (tests/test_claims_steps.py runs it on
TensorFlow here and on JAX in a subprocess): fixed weights, a fixed batch, and sampled moves whose
noise is a fixed function of the policy generator's seed state instead of keras.random's draw (which
differs between backends). Plain SGD, so each weight moves by -learning_rate x its gradient."""
import numpy as np
from keras import ops

import ram
from ram.training import make_optimizer
from helpers import small_config

# every variable group trains: context network (first glimpse), policy, baseline, core, glimpse
# network, classifier; unequal loss weights and the location penalty on
STEP_FIELDS = dict(first_location="context", context_grid=7, core="lstm", optimizer="sgd", momentum=0.0,
                   lr_schedule="constant", learning_rate=0.5, cross_entropy_weight=0.9, reinforce_weight=0.7,
                   baseline_weight=1.3, location_penalty=0.01, location_std=0.2, seed=4, glimpses=3)
GROUPS = ("context_network", "location_policy", "baseline", "core", "glimpse_network", "classifier")


class PortableNoise(ram.RecurrentAttentionModel):
    """Noise of the sampled moves the same on every backend: a sine of the seed state, which each
    draw advances exactly as keras.random.normal would."""

    def location_noise(self, shape):
        seed = ops.cast(self.seed_generator.next(), "float32")  # (2,): [seed, draws so far]
        rows, cols = ops.cumsum(ops.ones(shape), axis=0), ops.cumsum(ops.ones(shape), axis=1)
        return ops.sin(2.3 * rows + 1.1 * cols + 0.7 * seed[1] + 0.3 * seed[0])


def step_batch():
    rng = np.random.default_rng(11)
    return rng.random((8, 28, 28)).astype("float32"), (np.arange(8) % 10).astype("int32")


def stepped_model(model_class=PortableNoise, jit_compile=False, **fields):
    """A compiled model of STEP_FIELDS (and `fields`) with the same random weights on every backend."""
    config = small_config(**{**STEP_FIELDS, **fields}, jit_compile=jit_compile)
    model = model_class(config)
    model.compile(optimizer=make_optimizer(config, 10), jit_compile=jit_compile)
    rng = np.random.default_rng(5)
    for v in sorted(model.trainable_variables, key=lambda v: v.path):
        v.assign(rng.normal(scale=0.3, size=v.shape).astype("float32"))
    return model


def one_step(jit_compile=False):
    """{variable path: weight change} of one train_on_batch, the seed state and the logs after it; then
    the REINFORCE term of two more steps on the batch at rate 0, which differ only if each step
    drew other noise (the noise follows the seed state)."""
    model = stepped_model(jit_compile=jit_compile)
    before = {v.path: ops.convert_to_numpy(v) for v in model.trainable_variables}
    logs = model.train_on_batch(*step_batch(), return_dict=True)
    deltas = {v.path: (ops.convert_to_numpy(v) - before[v.path]).tolist() for v in model.trainable_variables}
    seed_state = ops.convert_to_numpy(model.seed_generator.state).tolist()
    model.optimizer.learning_rate.assign(0.0)  # two more steps that leave the weights as they are
    again = [float(model.train_on_batch(*step_batch(), return_dict=True)["reinforce"]) for _ in range(2)]
    return {"deltas": deltas, "seed_state": seed_state, "logs": {k: float(v) for k, v in logs.items()},
            "reinforce_at_rate_zero": again}
