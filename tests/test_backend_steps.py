"""The training step on both backends and on two devices against one: the same weight changes from
the same weights, batch and noise (tests/step_reference.py)."""
import numpy as np

from step_reference import GROUPS, one_step
from test_jax import _jax


def test_jax_step_equals_tensorflow_step_in_every_variable_group():
    """One SGD step on JAX (compiled, a subprocess) changes every weight as the TensorFlow step does,
    in every variable group; it advances the policy's seed state as TensorFlow's does (one draw per
    chosen location), and two more steps on the batch draw other noise."""
    there = _jax("import step_reference\nprint(json.dumps(step_reference.one_step(jit_compile=True)))", timeout=200)
    here = one_step()
    for group in GROUPS:  # the reference moves every group
        assert any(np.abs(d).max() > 1e-6 for p, d in here["deltas"].items() if f"/{group}/" in p), group
    assert sorted(there["deltas"]) == sorted(here["deltas"])
    for path, delta in here["deltas"].items():
        np.testing.assert_allclose(there["deltas"][path], delta, rtol=2e-4, atol=2e-7, err_msg=path)
    for name, value in here["logs"].items():
        np.testing.assert_allclose(there["logs"][name], value, rtol=1e-5, err_msg=name)
    assert there["seed_state"] == here["seed_state"] == [4, 3]  # seed 4, a draw per chosen location
    for side in (here, there):
        first, second = side["reinforce_at_rate_zero"]
        assert abs(first - second) > 1e-3, side["reinforce_at_rate_zero"]
