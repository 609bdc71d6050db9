"""Small models for fast tests."""
import ram

SMALL = dict(glimpse_hidden=16, location_hidden=8, glimpse_size=32, core_size=32, policy_hidden=16,
             glimpses=4, jit_compile=False, steps_per_execution=1, mc_samples=2, verbose=0)


def small_config(**overrides):
    return ram.make_config({**SMALL, **overrides})
