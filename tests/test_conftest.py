"""The MNIST fixture: $RAM_MNIST, ../shared, then Keras's own download; a skip only when all fail."""
import numpy as np
import pytest

from conftest import NO_MNIST, find_mnist, pytest_terminal_summary


def fake_download():
    rng = np.random.default_rng(0)
    return ((rng.integers(0, 255, (60000, 28, 28), dtype=np.uint8), np.zeros(60000, np.uint8)),
            (rng.integers(0, 255, (10000, 28, 28), dtype=np.uint8), np.zeros(10000, np.uint8)))


def test_without_a_local_copy_the_fixture_downloads_the_keras_way(tmp_path):
    import ram
    path = find_mnist({}, str(tmp_path / "no_shared.npz"), fake_download, str(tmp_path))
    (x_train, _), (x_test, _) = ram.load_mnist(path)
    np.testing.assert_array_equal(x_test, fake_download()[1][0])


def test_env_and_shared_copy_come_first(tmp_path):
    shared = tmp_path / "shared.npz"
    shared.write_bytes(b"")
    never = lambda: pytest.fail("downloaded although a local copy exists")  # noqa: E731
    assert find_mnist({}, str(shared), never, str(tmp_path)) == str(shared)
    assert find_mnist({"RAM_MNIST": str(shared)}, "elsewhere", never, str(tmp_path)) == str(shared)


def test_skips_with_the_reason_when_the_download_fails(tmp_path):
    def offline():
        raise OSError("no network")
    with pytest.raises(pytest.skip.Exception, match="Keras's download failed \\(OSError: no network\\)"):
        find_mnist({}, str(tmp_path / "none.npz"), offline, str(tmp_path))


def test_skips_for_want_of_mnist_are_summed_up_in_one_line():
    class Skip:
        def __init__(self, reason):
            self.longrepr = ("tests/test_x.py", 1, f"Skipped: {reason}")

    class Reporter:
        stats = {"skipped": [Skip(f"{NO_MNIST}: no RAM_MNIST"), Skip(f"{NO_MNIST}: no RAM_MNIST"), Skip("other")]}
        lines = []

        def write_line(self, line, **markup):
            self.lines.append(line)
    pytest_terminal_summary(Reporter())
    assert len(Reporter.lines) == 1 and Reporter.lines[0].startswith(f"2 test(s) skipped: {NO_MNIST}")
    assert "set RAM_MNIST=/path/to/mnist.npz" in Reporter.lines[0]
