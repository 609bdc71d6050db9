import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
SHARED_MNIST = os.path.join(ROOT, "..", "shared", "data", "mnist.npz")


def find_mnist(environ, shared, download, folder):
    """The real MNIST .npz: $RAM_MNIST, else `shared` (../shared/data/mnist.npz), else what `download`
    (Keras's `mnist.load_data`, cached after the first time) returns, written to `folder`. Skips the
    test, with the reason, only when all of them fail."""
    path = environ.get("RAM_MNIST")
    if path:
        assert os.path.isfile(path), f"RAM_MNIST={path} does not exist"
        return path
    if os.path.isfile(shared):
        return shared
    try:
        (x_train, y_train), (x_test, y_test) = download()
    except Exception as error:  # offline, blocked host, broken cache
        pytest.skip(f"real MNIST not found: no RAM_MNIST, no {shared}, and Keras's download failed "
                    f"({type(error).__name__}: {error}); set RAM_MNIST=/path/to/mnist.npz")
    path = os.path.join(folder, "mnist.npz")
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


@pytest.fixture(scope="session")
def mnist_path(tmp_path_factory):
    import keras
    return find_mnist(os.environ, SHARED_MNIST, keras.datasets.mnist.load_data, str(tmp_path_factory.mktemp("mnist")))
