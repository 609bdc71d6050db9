import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def mnist_path():
    """The real MNIST .npz: $RAM_MNIST, else ../shared/data/mnist.npz beside the repo."""
    path = os.environ.get("RAM_MNIST")
    if path:
        assert os.path.isfile(path), f"RAM_MNIST={path} does not exist"
        return path
    path = os.path.join(ROOT, "..", "shared", "data", "mnist.npz")
    if not os.path.isfile(path):
        pytest.skip("real MNIST not found: set RAM_MNIST=/path/to/mnist.npz")
    return path
