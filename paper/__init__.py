"""The paper's own model (Mnih et al. 2014, section 4.1), one config script per task.

Run one from the repository's root: `python -m paper.mnist`; evaluate it with
`python evaluate.py paper/mnist.py`. docs/tuning.md ("The paper's model") says how their open settings
were chosen on validation.
"""
