"""evaluate.py: error reports, Monte Carlo, rendered glimpses, plots, on a briefly trained model."""
import json

import cv2
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import evaluate
import ram
import ram.cli
from ram.scripts import script_config
import run_mnist
import run_translated_mnist
from ram import RecurrentAttentionModel
from ram.evaluation import error_report, predict, record_glimpses
from ram.visualize import GLIMPSE_PIXELS, IMAGE_PIXELS, SHEET_GLIMPSE
from helpers import SMALL, count_wrong, small_config

FIELDS = {**SMALL, "train_size": 2000, "validation_size": 500, "epochs": 1, "batch_size": 50, "glimpses": 3,
          "mc_samples": 2, "test_every": 1}


@pytest.fixture(scope="module")
def trained(tmp_path_factory, mnist_path):
    root = tmp_path_factory.mktemp("evaluate")
    results = root / "results"
    script = root / "my_config.py"
    config = {**run_mnist.CONFIG, **FIELDS, "results_dir": str(results), "data_path": mnist_path}
    script.write_text(f"CONFIG = {config!r}\n")
    ram.cli.main(config, [])
    return script, results


@pytest.fixture(scope="module")
def report(trained, mnist_path):
    script, _ = trained
    return evaluate.main([str(script), "--images", "2", "--samples", "3"])


@pytest.mark.slow
def test_every_promised_file(trained, report):
    _, results = trained
    images = results / "Images"
    for i in range(2):
        png = cv2.imread(str(images / f"symbol_{i}.png"))
        assert png is not None and png.shape == (IMAGE_PIXELS, IMAGE_PIXELS, 3)
        sheet = cv2.imread(str(images / f"symbol_{i}_sheet.png"))  # the path, then 3 glimpses of one zoom
        assert sheet.shape[0] == IMAGE_PIXELS and sheet.shape[1] == IMAGE_PIXELS + 6 + (SHEET_GLIMPSE + 6)  # one above another
        np.testing.assert_array_equal(sheet[:, :IMAGE_PIXELS], png)
        for t in range(3):
            glimpse = cv2.imread(str(images / f"symbol_{i}_glimpse_{t}_zoom_1.png"), cv2.IMREAD_GRAYSCALE)
            assert glimpse.shape == (GLIMPSE_PIXELS, GLIMPSE_PIXELS)
        assert not (images / f"symbol_{i}_glimpse_3_zoom_1.png").exists()
        with Image.open(images / f"symbol_{i}.gif") as gif:
            assert gif.format == "GIF" and gif.n_frames == 3 and gif.size == (IMAGE_PIXELS, IMAGE_PIXELS)
    plot = cv2.imread(str(results / "MNIST_accuracy.png"))
    assert plot is not None and plot.shape[0] > 300 and plot.shape[1] > 500


@pytest.mark.slow
def test_rendered_glimpse_is_what_the_sensor_saw(trained, report, mnist_path):
    script, results = trained
    config = ram.make_config({**FIELDS, "data_path": mnist_path})
    model = ram.saving.load_model(evaluate.best_model(str(results)))
    images, _ = ram.load_data(config).test_arrays(2)
    _, glimpses, _ = record_glimpses(model, images, seed=0)
    factor = GLIMPSE_PIXELS // config.patch_size
    for i in range(2):
        for t in range(3):
            png = cv2.imread(str(results / "Images" / f"symbol_{i}_glimpse_{t}_zoom_1.png"), cv2.IMREAD_GRAYSCALE)
            small = png[::factor, ::factor].astype(np.float32) / 255
            np.testing.assert_allclose(small, glimpses[i, t, 0], atol=0.5 / 255 + 1e-6)
            assert (png == np.kron(png[::factor, ::factor], np.ones((factor, factor), np.uint8))).all()


@pytest.mark.slow
def test_reported_error_equals_an_independent_count(trained, report, mnist_path):
    _, results = trained
    config = ram.make_config({**FIELDS, "data_path": mnist_path})
    model = ram.saving.load_model(evaluate.best_model(str(results)))
    data = ram.load_data(config)
    model.reseed(0)  # evaluate.py's default seed (random first glimpses)
    wrong = count_wrong(model, data.test())
    assert report["deterministic"]["wrong"] == wrong
    assert report["deterministic"]["error"] == pytest.approx(wrong / 10000)
    saved = json.loads((results / "run_0" / "results.json").read_text())
    assert saved["test_error"] == pytest.approx(wrong / 10000, abs=1e-6)


@pytest.mark.slow
def test_three_numbers_and_the_per_epoch_test_column_is_the_final_test(trained, report):
    _, results = trained
    assert list(report) == ["deterministic", "one sampled path", "Monte Carlo over 3 paths"]
    saved = json.loads((results / "run_0" / "results.json").read_text())
    assert saved["history"][-1]["test_accuracy"] == pytest.approx(saved["test_accuracy"], abs=1e-9)
    assert saved["test_error_sampled"] == pytest.approx(report["one sampled path"]["error"], abs=1e-9)


@pytest.mark.slow
def test_a_model_of_ones_own_is_rendered_into_its_own_folder(trained, tmp_path):
    """The config's results_dir (the shipped results, for run_mnist) is left alone."""
    script, results = trained
    mine = tmp_path / "my_mnist"
    (mine / "run_0").mkdir(parents=True)
    for name in ("model.h5", "results.json"):
        (mine / "run_0" / name).write_bytes((results / "run_0" / name).read_bytes())
    before = {p: p.stat().st_mtime_ns for p in results.rglob("*")}
    evaluate.main([str(script), str(mine / "run_0" / "model.h5"), "--images", "1", "--samples", "1"])
    assert (mine / "Images" / "symbol_0.png").exists() and (mine / "MNIST_accuracy.png").exists()
    assert {p: p.stat().st_mtime_ns for p in results.rglob("*")} == before
    evaluate.main([str(script), str(mine / "run_0" / "model.h5"), "--images", "1", "--samples", "1",
                   "--out", str(tmp_path / "elsewhere")])
    assert (tmp_path / "elsewhere" / "Images" / "symbol_0.png").exists()


@pytest.mark.slow
def test_monte_carlo_with_one_sample_is_the_sampled_policy(trained, mnist_path):
    _, results = trained
    config = ram.make_config({**FIELDS, "data_path": mnist_path})
    model = ram.saving.load_model(evaluate.best_model(str(results)))
    data = ram.load_data(config)
    mc = error_report(predict(model, data.test(), samples=1, seed=7), data.y_test, 10)
    model.reseed(7)  # same seed ...
    sampled = np.concatenate([model(x, sample=True).numpy() for x, _ in data.test()])  # ... and sample directly
    assert mc["wrong"] == int(np.sum(np.argmax(sampled, 1) != data.y_test))
    again = error_report(predict(model, data.test(), samples=1, seed=7), data.y_test, 10)
    assert again == mc
    other = error_report(predict(model, data.test(), samples=1, seed=8), data.y_test, 10)
    assert other["wrong"] != mc["wrong"] or other["per_class_error"] != mc["per_class_error"]


def test_error_report_per_class():
    probabilities = np.eye(3)[[0, 1, 2, 2, 1]]
    r = error_report(probabilities, [0, 1, 2, 1, 0], 3)
    assert r["wrong"] == 2 and r["error"] == pytest.approx(0.4)
    assert r["per_class_error"] == [0.5, 0.5, 0.0]


@pytest.mark.slow
def test_clear_errors(tmp_path, trained):
    script, _ = trained
    with pytest.raises(SystemExit, match="no config script 'run_nothing'"):
        evaluate.main(["run_nothing"])
    with pytest.raises(SystemExit, match="model file not found"):
        evaluate.main([str(script), str(tmp_path / "missing.h5")])
    with pytest.raises(SystemExit, match=r"no finished run with a model.h5 in .*empty"):
        other = tmp_path / "cfg.py"
        other.write_text(f"CONFIG = {{**{FIELDS!r}, 'results_dir': {str(tmp_path / 'empty')!r}}}\n")
        evaluate.main([str(other)])


def test_a_missing_model_is_named_before_the_data_loads(tmp_path, monkeypatch):
    import ram
    monkeypatch.setattr(ram, "load_data", lambda *a, **k: pytest.fail("the data loaded before the model"))
    with pytest.raises(SystemExit, match=f"error: model file not found: {tmp_path / 'missing.h5'}"):
        evaluate.main(["run_mnist", str(tmp_path / "missing.h5")])


def test_best_model_is_chosen_by_validation_among_runs_with_a_model_file(tmp_path):
    """Extra seeds ship only their results.json: of the runs that kept their model.h5, the one with the
    best final validation accuracy is chosen, never the best test accuracy (the test it is evaluated on)."""
    for run, val, test, has_model in ((0, 0.97, 0.99, True), (1, 0.99, 0.99, False), (2, 0.98, 0.96, True)):
        run_dir = tmp_path / f"run_{run}"
        run_dir.mkdir()
        (run_dir / "results.json").write_text(json.dumps({"finished": True, "test_accuracy": test,
                                                          "history": [{"val_accuracy": 0.5}, {"val_accuracy": val}]}))
        if has_model:
            (run_dir / "model.h5").write_bytes(b"")
    assert evaluate.best_model(str(tmp_path)) == str(tmp_path / "run_2" / "model.h5")
    (tmp_path / "run_0" / "model.h5").unlink()
    (tmp_path / "run_2" / "model.h5").unlink()
    with pytest.raises(ram.ModelFileError, match="no finished run with a model.h5"):
        evaluate.best_model(str(tmp_path))


@pytest.mark.slow
def test_eval_seed_flag_redraws_canvases_and_leaves_plain_mnist_alone(trained, report, tmp_path, capsys):
    assert evaluate.parse_args(["run_translated_mnist", "--eval-seed", "7"]).eval_seed == 7
    assert script_config("run_translated_mnist", eval_seed=7).eval_seed == 7
    assert script_config("run_translated_mnist", eval_seed=None).eval_seed == ram.make_config(run_translated_mnist.CONFIG).eval_seed
    script, _ = trained
    capsys.readouterr()
    out = tmp_path / "recount"  # a folder that does not exist yet, as README's `--out /tmp/recount`
    again = evaluate.main([str(script), "--images", "0", "--samples", "3", "--eval-seed", "7", "--out", str(out)])
    assert "test canvases drawn from eval_seed 7 (plain MNIST has no canvases: the same images)" in capsys.readouterr().out
    assert (out / "MNIST_accuracy.png").is_file()
    assert [r["wrong"] for r in again.values()] == [r["wrong"] for r in report.values()]


@pytest.mark.slow
def test_config_flags_evaluate_a_model_trained_with_flags(trained, report, tmp_path, mnist_path):
    """A model trained with a flag (`--glimpse-hidden N`) evaluates with its script and the same flag,
    giving the same errors; without the flag the error message names it."""
    _, results = trained
    narrow = FIELDS["glimpse_hidden"]
    wider = {**run_mnist.CONFIG, **FIELDS, "glimpse_hidden": 2 * narrow, "results_dir": str(results), "data_path": mnist_path}
    script = tmp_path / "wider.py"
    script.write_text(f"CONFIG = {wider!r}\n")
    model = str(results / "run_0" / "model.h5")
    with pytest.raises(SystemExit, match=f"this one with `--glimpse-hidden {narrow}`"):
        evaluate.main([str(script), model, "--images", "0", "--out", str(tmp_path)])
    again = evaluate.main([str(script), model, "--glimpse-hidden", str(narrow), "--images", "0", "--samples", "3",
                           "--out", str(tmp_path)])
    assert [r["wrong"] for r in again.values()] == [r["wrong"] for r in report.values()]


def test_monte_carlo_averages_every_sampled_path():
    """predict(samples=k, seed=s) is the mean class probability of k sampled paths per image, drawn
    after reseeding with s (batch after batch, each batch's k paths in turn), recomputed here by
    calling the model k times; and it is not the one-path answer."""
    model = RecurrentAttentionModel(small_config(glimpses=3, location_std=0.2))
    rng = np.random.default_rng(6)
    images = rng.random((24, 28, 28)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices((images, np.arange(24) % 10)).batch(16)  # 16, 8
    k, seed = 4, 11
    got = predict(model, dataset, samples=k, seed=seed)
    model.reseed(seed)
    paths = [np.stack([model(x, sample=True).numpy() for _ in range(k)]) for x, _ in dataset]  # (k, B, classes) each
    want = np.concatenate([p.sum(axis=0) / k for p in paths])
    assert got.shape == (24, 10)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    assert all(not np.allclose(p[0], p[1]) for p in paths)  # the k paths really differ
    one = predict(model, dataset, samples=1, seed=seed)
    assert np.abs(got - one).max() > 1e-4
    np.testing.assert_allclose(one[:16], paths[0][0], rtol=1e-5, atol=1e-7)  # one path: the first draw


def test_eval_draws_count_each_fresh_draw_and_pool_them(mnist_path, capsys):
    """--eval-draws 2: each draw is count_errors on the test canvases of its own eval seed (100000 and
    100001 unless --eval-seed says otherwise), the draws differ, and the pooled error is their mean
    (equal draws); plain MNIST, which has no canvases, refuses it in one line."""
    config = small_config(dataset="translated_mnist", image_size=60, glimpses=2, data_path=mnist_path)
    model = RecurrentAttentionModel(config)
    args = evaluate.parse_args(["run_translated_mnist", "--eval-draws", "2", "--samples", "2"])
    pooled = evaluate.count_over_draws(model, config, 2, args)
    assert "eval seeds 100000-100001" in capsys.readouterr().out
    for name, r in pooled.items():
        assert r["count"] == 20000 and r["error"] == pytest.approx(np.mean(r["draws"]))
    for eval_seed, draw in zip((100000, 100001), pooled["deterministic"]["draws"]):
        data = ram.load_data(config.replace(eval_seed=eval_seed), test_only=True)
        assert evaluate.count_errors(model, data, 2, 0, quiet=True)["deterministic"]["error"] == draw
    canvases = [ram.load_data(config.replace(eval_seed=s), test_only=True).test_arrays(4)[0] for s in (100000, 100001)]
    assert not np.array_equal(*canvases)
    with pytest.raises(SystemExit, match="`mnist` has no canvases to draw"):
        evaluate.main(["run_mnist", "--eval-draws", "2", "--data", mnist_path, "--images", "0"])


def test_a_mistyped_flag_is_named_with_the_flag_meant(capsys):
    """evaluate.py's own flags and the config fields' are both suggested, as the training scripts do."""
    with pytest.raises(SystemExit):
        evaluate.parse_args(["run_mnist", "--imagse", "3", "--lerning-rate", "0.1", "--eval-sed", "2"])
    message = capsys.readouterr().err
    assert ("--imagse: unknown flag (did you mean --images?); --lerning-rate: unknown flag (did you mean "
            "--learning-rate?); --eval-sed: unknown flag (did you mean --eval-seed?)") in message, message
