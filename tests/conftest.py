import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
SHARED_MNIST = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "mnist.npz"))
NO_MNIST = "real MNIST not found"  # the start of the reason of every test skipped for want of it


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
        pytest.skip(f"{NO_MNIST}: no RAM_MNIST, no {shared}, and Keras's download failed "
                    f"({type(error).__name__}: {error}); set RAM_MNIST=/path/to/mnist.npz")
    path = os.path.join(folder, "mnist.npz")
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


@pytest.fixture(scope="session")
def mnist_path(tmp_path_factory):
    import keras
    return find_mnist(os.environ, SHARED_MNIST, keras.datasets.mnist.load_data, str(tmp_path_factory.mktemp("mnist")))


def pytest_terminal_summary(terminalreporter):
    """One line on the tests skipped for want of MNIST, whose reason pytest shows only with -rs."""
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if isinstance(r.longrepr, tuple) and NO_MNIST in r.longrepr[2]]
    if skipped:
        terminalreporter.write_line(f"{len(skipped)} test(s) skipped: {NO_MNIST} (no RAM_MNIST, no {SHARED_MNIST}, "
                                    f"no download); set RAM_MNIST=/path/to/mnist.npz (Keras layout) to run them.",
                                    yellow=True, bold=True)


ORDER_SEED = "RAM_TEST_ORDER_SEED"


def pytest_configure(config):
    """The file order's seed: $RAM_TEST_ORDER_SEED, else drawn once by the controlling process (its
    pytest-xdist workers inherit the variable, so they collect the same order)."""
    if not hasattr(config, "workerinput") and not os.environ.get(ORDER_SEED):
        os.environ[ORDER_SEED] = str(np.random.default_rng().integers(10_000))


def pytest_report_header(config):
    return f"test files in a shuffled order: {ORDER_SEED}={os.environ[ORDER_SEED]} repeats it (0: as written)"


@pytest.hookimpl(trylast=True)  # after pytest has grouped each file's tests by their fixtures
def pytest_collection_modifyitems(items):
    """Runs the test files in a shuffled order (each file's tests in their own order), so a test that
    only passes after another file prepared something (an import, a global) fails somewhere."""
    seed = int(os.environ[ORDER_SEED])
    if not seed:
        return
    files = list(dict.fromkeys(item.path for item in items))
    order = {path: rank for rank, path in enumerate(np.random.default_rng(seed).permutation(len(files)))}
    position = {path: order[i] for i, path in enumerate(files)}
    items.sort(key=lambda item: position[item.path])  # stable: a file's tests keep their order
