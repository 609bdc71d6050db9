"""bench.flops against hand counts, and the compute table's rows and command."""
import os

import pytest

import ram
from bench.flops import keras_multiply_adds, ram_multiply_adds
from tools.baselines import build_baseline
from helpers import ROOT


TINY = dict(patch_size=4, zooms=2, zoom_scale=2, glimpses=3, glimpse_hidden=5, location_hidden=3, glimpse_size=6,
            core="rnn", core_size=7, policy_hidden=4, first_location="random")


def count(**fields):
    return ram_multiply_adds(ram.RecurrentAttentionModel(ram.make_config({**TINY, **fields})))


def test_a_tiny_rnn_ram_by_hand():
    """Per glimpse: retina 4x4 pixels of 1 and of 2x2 = 4 image pixels; glimpse network 2x4x4 -> 5,
    2 -> 3, 5 -> 6, 3 -> 6; core 6 -> 7 and 7 -> 7. Two chosen moves: 7 -> 4 -> 2. Classifier 7 -> 10."""
    parts = count()
    assert parts == {"retina": 3 * (16 * 1 + 16 * 4), "glimpse_network": 3 * (32 * 5 + 2 * 3 + 5 * 6 + 3 * 6),
                     "core": 3 * (6 * 7 + 7 * 7), "policy": 2 * (7 * 4 + 4 * 2), "classifier": 7 * 10,
                     "context_network": 0, "total": 240 + 642 + 273 + 72 + 70}


@pytest.mark.parametrize("core,gates", [("rnn", 1), ("lstm", 4), ("gru", 3)])
def test_each_core_counts_its_gates_matrices_and_no_bias(core, gates):
    """A core applies `gates` pairs of matrices per glimpse, g (6) -> 7 and h (7) -> 7: (6 + 7) x 7 each.
    A GRU's bias is two rows (reset gate after the recurrent matrix): no matrix, no multiply-adds."""
    assert count(core=core)["core"] == 3 * gates * (6 + 7) * 7


def test_lstm_context_network_and_random_glimpses():
    plain = count()
    lstm = count(core="lstm")  # four gates: 4 x the RNN's matrices
    assert lstm["core"] == 4 * plain["core"] and lstm["total"] - plain["total"] == 3 * plain["core"]
    context = count(first_location="context", context_grid=4)  # 28x28 averaged to 4x4: 784 pixels once, 16 -> 7 -> 7
    assert context["context_network"] == 28 * 28 + 16 * 7 + 7 * 7
    assert context["policy"] == 3 * (7 * 4 + 4 * 2)  # the policy chooses the first glimpse too
    random = count(random_glimpses=True)
    assert random["policy"] == 0 and random["total"] == plain["total"] - plain["policy"]
    assert count(glimpses=6)["retina"] == 2 * plain["retina"]
    zooms = count(zooms=3, zoom_scale=3)  # 9 and 81 image pixels per patch pixel in the wider zooms
    assert zooms["retina"] == 3 * 16 * (1 + 9 + 81)


def test_a_colour_rectangle_by_hand():
    """3 colours, 12x20 images, 3 classes: the retina reads each colour (3 x 80 image pixels a glimpse);
    the glimpse network reads 2 zooms x 3 colours of 4x4 (96 -> 5); the context network averages all
    12 x 20 x 3 pixels into 4x4x3 cells (48 -> 7 -> 7). With glimpse_conv 2: 3x3x6x2 at 2x2 outputs,
    3x3x2x4 at 1x1, then 4 -> 5."""
    colour = dict(dataset="images", data_path="x", image_size=None, image_height=12, image_width=20, channels=3,
                  classes=3, first_location="context", context_grid=4)
    parts = count(**colour)
    assert parts == {"retina": 3 * 3 * (16 * 1 + 16 * 4), "glimpse_network": 3 * (96 * 5 + 2 * 3 + 5 * 6 + 3 * 6),
                     "core": 3 * (6 * 7 + 7 * 7), "policy": 3 * (7 * 4 + 4 * 2), "classifier": 7 * 3,
                     "context_network": 12 * 20 * 3 + 48 * 7 + 7 * 7, "total": 720 + 1602 + 273 + 108 + 21 + 1105}
    conv = count(**colour, glimpse_conv=2)
    assert conv["glimpse_network"] == 3 * (4 * 3 * 3 * 6 * 2 + 3 * 3 * 2 * 4 + 4 * 5 + 2 * 3 + 5 * 6 + 3 * 6)


@pytest.mark.parametrize("size", [28, 60, 100])
def test_baselines_closed_form(size):
    out = (size - 10) // 5 + 1  # a valid 10x10 convolution at stride 5
    assert keras_multiply_adds(build_baseline("conv", (size, size))) == out * out * 10 * 10 * 8 + out * out * 8 * 256 + 256 * 10
    for hidden in (64, 256):
        assert keras_multiply_adds(build_baseline("fc", (size, size), hidden)) == size * size * hidden + hidden * hidden + hidden * 10


def test_images_per_second_counts_every_image():
    from bench.compute import images_per_second
    seen = []
    rate = images_per_second(lambda images: seen.append(len(images)), [[0] * 3, [0] * 2], repeats=2)
    assert seen == [3, 2] * 3 and rate > 0  # one untimed pass, then two timed ones


def test_compute_rows_are_the_papers_ram_and_the_shipped_config():
    """The paper's rows differ from the shipped 60x60 script only in glimpses, first glimpse and random
    glimpses; the shipped row is the script itself, its context network counted in its multiply-adds."""
    from bench.compute import ram_rows
    from ram.scripts import script_config
    config = script_config(os.path.join(ROOT, "run_cluttered_mnist.py"))
    rows = ram_rows(config)
    assert [name for name, _ in rows] == ["RAM, 4 glimpses", "RAM, 6 glimpses", "RAM, 8 glimpses",
                                          "RAM, 8 random glimpses", "ours: 8 glimpses, first glimpse context"]
    paper = config.replace(first_location="random")
    assert [c for _, c in rows[:4]] == [paper.replace(glimpses=4), paper.replace(glimpses=6), paper.replace(glimpses=8),
                                        paper.replace(random_glimpses=True)]
    assert rows[4][1] == config
    adds = [ram_multiply_adds(ram.RecurrentAttentionModel(c))["total"] for _, c in rows]
    assert adds[0] < adds[1] < adds[2] < adds[4] and adds[3] < adds[2]  # the context network costs; the policy too


@pytest.mark.slow
def test_compute_table_command(mnist_path, capsys):
    from bench.compute import main
    rows = main(["--tasks", "run_mnist", "--count", "200", "--repeats", "1", "--data", mnist_path])
    assert [r["row"] for r in rows] == ["FC, 2 layers (64 hiddens each)", "FC, 2 layers (256 hiddens each)",
                                        "Convolutional, 2 layers", "RAM, 4 glimpses", "RAM, 6 glimpses",
                                        "RAM, 8 glimpses", "RAM, 8 random glimpses",
                                        "ours: 6 glimpses, first glimpse random"]
    assert all(r["eval_img_s"] > 0 for r in rows)
    assert "| run_mnist | RAM, 8 random glimpses |" in capsys.readouterr().out
