"""The paper's own model (Mnih et al. 2014, section 4.1), one config script per task.

`MODEL` is the paper's RAM, the same on every task: glimpse network h_g, h_l 128 and g 256 units (ReLU),
a 256-unit ReLU RNN core, a linear location network with a fixed std, the first glimpse at random, no
context network, no location penalty; REINFORCE with a learned baseline trains the location network,
cross entropy the rest. Each task's script adds its data, its retina and its epochs. What the paper
leaves open (optimiser, rate, schedule, std, epochs) was chosen on validation (docs/tuning.md, "The
paper's model"). Run one from the repository's root: `python -m paper.mnist`; evaluate it with
`python evaluate.py paper/mnist.py`.
"""
MODEL = dict(
    glimpse_hidden=128,        # h_g
    location_hidden=128,       # h_l
    glimpse_size=256,          # g
    core="rnn",
    core_size=256,
    policy_hidden=0,           # linear location network
    policy_trains_core=False,  # REINFORCE trains the location network only (docs/tuning.md says why)
    location_std=0.15,         # in units of half the image
    first_location="random",
    location_penalty=0.0,
    learning_rate=1e-3,        # Adam, decaying linearly to 1e-5 over decay_epochs
    batch_size=128,
    early_stopping_patience=0,
    runs=3,                    # seeds 0, 1, 2
)
