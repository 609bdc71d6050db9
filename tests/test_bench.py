"""The benchmark runs (tiny mode); no timing is asserted."""
import json

import pytest

from bench.run import main


@pytest.mark.slow
def test_tiny_benchmark_runs_and_writes_json(tmp_path, mnist_path):
    out = tmp_path / "bench.json"
    report = main(["--tiny", "--data", mnist_path, "--out", str(out)])
    saved = json.loads(out.read_text())
    assert saved == json.loads(json.dumps(report))
    case = saved["cases"][0]
    assert case["train_img_s"] > 0 and case["eval_img_s"] > 0 and case["peak_rss_mib"] > 100
    assert case["train_img_s_range"][0] <= case["train_img_s"] <= case["train_img_s_range"][1]
    assert saved["machine"]["cpu_count"] >= 1


def test_flop_count_of_the_mnist_lstm_model():
    import ram
    import run_mnist
    from bench.run import train_flops_per_image
    model = ram.RecurrentAttentionModel(ram.make_config(run_mnist.CONFIG))
    per_glimpse = 64 * 128 + 2 * 128 + 2 * 128 * 256 + 2 * 256 * 1024  # glimpse network, LSTM kernels
    per_move = 256 * 128 + 128 * 2 + 256 * 1  # policy (hidden, mean) and baseline, for 5 of the 6 steps
    macs = 6 * per_glimpse + 5 * per_move + 256 * 10
    assert train_flops_per_image(model) == 3 * 2 * macs  # forward once, backward twice


@pytest.mark.slow
def test_paired_timing_of_a_config_change(tmp_path, mnist_path):
    out = tmp_path / "paired.json"
    report = main(["--paired", "run_mnist_fast", "--tiny", "--data", mnist_path, "--out", str(out), "--",
                   "--batch-size", "256", "--glimpses", "2"])["paired"]
    assert report["changes"] == {"batch_size": 256, "glimpses": 2}
    for side in ("config", "changed"):
        assert len(report[side]["windows_img_s"]) == 2 and report[side]["train_img_s"] > 0
    assert report["config"]["batch_size"] == 128 and report["changed"]["batch_size"] == 256  # the flags applied
    assert report["speedup"] == pytest.approx(report["changed"]["train_img_s"] / report["config"]["train_img_s"])
    assert json.loads(out.read_text())["paired"] == json.loads(json.dumps(report))


def test_paired_needs_flags_and_a_known_config(mnist_path):
    with pytest.raises(SystemExit, match="needs config flags"):
        main(["--paired", "run_mnist_fast", "--data", mnist_path])
    with pytest.raises(SystemExit):
        main(["--paired", "run_mnist_fast.py", "--", "--batch-size", "256"])


def test_flop_count_counts_the_conv_encoder():
    """glimpse_conv 4 on translated MNIST's 12x12 x 3 zooms: 6x6 x (3x3x3 x 4) and 3x3 x (3x3x4 x 8)
    multiply-adds per glimpse more, and h_g reads 3x3x8 = 72 features instead of 432 pixels."""
    import ram
    import run_translated_mnist
    from bench.run import train_flops_per_image
    config = ram.make_config(run_translated_mnist.CONFIG)
    plain = train_flops_per_image(ram.RecurrentAttentionModel(config))
    conv = train_flops_per_image(ram.RecurrentAttentionModel(config.replace(glimpse_conv=4)))
    per_glimpse = 36 * 108 + 9 * 288 + (72 - 432) * 512
    assert conv - plain == 3 * 2 * 8 * per_glimpse


def test_image_size_canvases_hold_one_test_digit_each_at_its_place(mnist_path):
    """bench.image_size's canvases: each is black but for one 28x28 window that is an MNIST test digit
    of its label, / 255."""
    import numpy as np
    from bench.image_size import canvases
    from ram.datasets.mnist import load_mnist
    _, (digits, labels) = load_mnist(mnist_path)
    images, got_labels = canvases(100, 4, seed=1, data_path=mnist_path)
    assert images.shape == (4, 100, 100) and images.dtype == np.float32
    for image, label in zip(images, got_labels):
        rows, cols = np.nonzero(image)
        assert rows.max() - rows.min() < 28 and cols.max() - cols.min() < 28
        found = False
        for digit in digits[labels == label]:
            r, c = np.nonzero(digit)
            top, left = rows.min() - r.min(), cols.min() - c.min()
            if 0 <= top <= 72 and 0 <= left <= 72 and np.array_equal(image[top:top + 28, left:left + 28], digit / np.float32(255)):
                found = True
                break
        assert found and image.sum() == pytest.approx(image[rows.min():rows.max() + 1, cols.min():cols.max() + 1].sum())
