"""The shipped results folders: each run's claimed test error is what its shipped model gives."""
import ast
import math
import os
import re
import subprocess

import numpy as np
import pytest

import ram
from ram.scripts import script_config
from ram.results import ERRORS, PAPER_MODELS, SHIPPED, percent, run_results, summarize
from ram.files import read_json
from ram.saving import load_model
from helpers import ROOT, count_wrong, tracked_files



def shipped_run_0(config_name, mnist_path):
    """A config script's config, its shipped run_0's results.json and model (of the config's architecture)."""
    config = script_config(os.path.join(ROOT, f"{config_name}.py"), data_path=mnist_path)
    folder = os.path.join(ROOT, config.results_dir, "run_0")
    return config, read_json(os.path.join(folder, "results.json")), load_model(os.path.join(folder, "model.h5"),
                                                                                expected=config)


@pytest.mark.slow
@pytest.mark.parametrize("config_name", ["run_mnist", "run_mnist_fast", "run_translated_mnist", "run_cluttered_mnist",
                                         "run_cluttered_mnist_100"])
def test_shipped_model_gives_the_claimed_error(config_name, mnist_path):
    config, claimed, model = shipped_run_0(config_name, mnist_path)
    assert claimed["finished"]
    data = ram.load_data(config)
    model.reseed(0)  # the final test's seed (random first glimpses)
    assert count_wrong(model, data.test()) == round(claimed["test_error"] * 10000)


@pytest.mark.slow
@pytest.mark.parametrize("config_name", ["run_translated_mnist", "run_cluttered_mnist", "run_cluttered_mnist_100"])
def test_shipped_model_on_freshly_drawn_canvases(config_name, mnist_path):
    """An independent recount: the test digits on canvases (positions, clutter) drawn from another
    eval_seed give the claimed deterministic error within three standard errors of a difference of
    two independent counts (conservative: both counts share the digits and the model)."""
    config, results, model = shipped_run_0(config_name, mnist_path)
    claimed = results["test_error"]
    data = ram.load_data(ram.make_config({**config, "eval_seed": config.eval_seed + 1}))
    assert not np.array_equal(data.test_arrays(64)[0], ram.load_data(config).test_arrays(64)[0])
    model.reseed(0)
    recount = count_wrong(model, data.test()) / 10000
    stderr = math.sqrt(claimed * (1 - claimed) / 10000)
    assert abs(recount - claimed) <= 3 * math.sqrt(2) * stderr, (recount, claimed)


SHIPPED_FOLDERS = sorted({os.path.dirname(p) for p in tracked_files(ROOT, "*summary.json")
                          if not p.startswith(("tests", "docs", "bench"))})


def test_shipped_files_are_the_tracked_ones_whatever_a_user_ran(tmp_path):
    """README's two-minute try writes runs/try/summary.json (git-ignored), a user's own folder is
    untracked: neither is a shipped file."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for path in ("MNIST_Results/summary.json", "results/archive/e1/summary.json", "runs/try/summary.json",
                 "mine/summary.json", "MNIST_Results/run_0/results.json"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("{}")
    (tmp_path / ".gitignore").write_text("/runs/\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", ".gitignore", "MNIST_Results", "results"], check=True)
    assert tracked_files(tmp_path, "*summary.json") == ["MNIST_Results/summary.json", "results/archive/e1/summary.json"]


def results_dir_of(script):
    return os.path.join(ROOT, script_config(os.path.join(ROOT, f"{script}.py")).results_dir)


TRAINED_PAPER_MODELS = [p for p in PAPER_MODELS if os.path.exists(os.path.join(results_dir_of(p), "summary.json"))]


def test_the_five_defaults_the_papers_models_and_the_archive_are_found():
    top = [f for f in SHIPPED_FOLDERS if os.sep not in f]
    assert top == ["MNIST_Results", "MNIST_cluttered_100_Results", "MNIST_cluttered_Results", "MNIST_fast_Results",
                   "MNIST_translated_Results"]
    paper = [os.path.relpath(results_dir_of(p), ROOT) for p in TRAINED_PAPER_MODELS]
    assert all(f.startswith(os.path.join("results", "archive")) for f in SHIPPED_FOLDERS if f not in top + paper)
    assert len(SHIPPED_FOLDERS) > len(top)


@pytest.mark.parametrize("folder", SHIPPED_FOLDERS)
def test_summary_is_the_summary_of_the_shipped_runs(folder):
    runs = [doc for _, doc in run_results(os.path.join(ROOT, folder))]
    assert len(runs) >= 1
    assert_same_summary(read_json(os.path.join(ROOT, folder, "summary.json")), summarize(runs))


def assert_same_summary(shipped, expected):
    """Key by key: the same keys, numbers (alone or in lists) equal to 1e-9 relative, the rest equal."""
    assert sorted(shipped) == sorted(expected)
    for key, value in expected.items():
        if isinstance(value, (list, float)):
            assert shipped[key] == pytest.approx(value, rel=1e-9), key
        else:
            assert shipped[key] == value, key


def docstring_claim(summary):
    """The claim each config script's docstring makes of its shipped seeds."""
    return (f"{percent(summary, 'test_error')} % with one glimpse sequence, "
            f"{percent(summary, 'test_error_mc')} % averaging 10")


@pytest.mark.parametrize("script", SHIPPED + TRAINED_PAPER_MODELS)
def test_config_docstring_claims_the_shipped_errors(script):
    """A user reads the result in the config script: it must be its shipped folder's summary.json."""
    with open(os.path.join(ROOT, f"{script}.py")) as file:
        docstring = " ".join(ast.get_docstring(ast.parse(file.read())).split())  # line breaks as spaces
    summary = read_json(os.path.join(ROOT, script_config(os.path.join(ROOT, f"{script}.py")).results_dir,
                                     "summary.json"))
    assert docstring_claim(summary) in docstring, (script, docstring_claim(summary))


def test_docstring_claim_names_a_changed_error():
    """The claim is the mean ± std of both errors, so a changed one is a claim no docstring makes."""
    summary = {"test_error_mean": 0.0598, "test_error_std": 0.0024, "test_error_mc_mean": 0.0356,
               "test_error_mc_std": 0.0009}
    assert docstring_claim(summary) == "5.98 ± 0.24 % with one glimpse sequence, 3.56 ± 0.09 % averaging 10"
    assert docstring_claim({**summary, "test_error_mc_mean": 0.038}) != docstring_claim(summary)


def results_md_errors(summary):
    """How docs/results.md quotes a folder: det. / sampled / MC 10, each mean ± std over seeds (one run: its value)."""
    return " / ".join(percent(summary, key) for key, _ in ERRORS)


def quoted(number, text):
    """`number` stands in `text` as a whole ("3.82 / ..." is not in "13.82 / ...")."""
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", text) is not None


with open(os.path.join(ROOT, "docs", "results.md")) as file:
    RESULTS_MD = " ".join(file.read().split())  # line breaks as spaces


@pytest.mark.parametrize("folder", SHIPPED_FOLDERS)
def test_results_md_quotes_each_folders_errors(folder):
    """Every shipped and archived folder's three errors stand in docs/results.md as its summary.json has them."""
    summary = read_json(os.path.join(ROOT, folder, "summary.json"))
    assert quoted(results_md_errors(summary), RESULTS_MD), folder


@pytest.mark.parametrize("path", [p for p in tracked_files(ROOT, "*results.json") if "baselines_" in p])
def test_results_md_quotes_each_baselines_error(path):
    """The baselines (tools/baselines.py) are quoted as test error ± its standard error."""
    result = read_json(os.path.join(ROOT, path))
    assert quoted(f"{100 * result['test_error']:.2f} ± {100 * result['test_error_stderr']:.2f}", RESULTS_MD), path


def test_results_md_errors_name_a_changed_error():
    """Each of the three errors is in the quote; a number is found whole, not inside a longer one."""
    summary = {"test_error_mean": 0.0598, "test_error_std": 0.0024, "test_error_sampled_mean": 0.0769,
               "test_error_sampled_std": None, "test_error_mc_mean": 0.0356, "test_error_mc_std": 0.0009}
    assert results_md_errors(summary) == "5.98 ± 0.24 / 7.69 / 3.56 ± 0.09"
    assert results_md_errors({**summary, "test_error_sampled_mean": 0.0774}) not in results_md_errors(summary)
    assert quoted("3.82 / 1.00", "(3.82 / 1.00)")
    assert not quoted("3.82 / 1.00", "13.82 / 1.00") and not quoted("3.82 / 1.00", "3.82 / 1.001")


def test_summary_comparison_catches_a_changed_number():
    runs = [{"config": {"seed": 0}, "wall_seconds": 10.0, "epochs_trained": 3, "test_accuracy": 0.99, "test_error": 0.01},
            {"config": {"seed": 1}, "wall_seconds": 12.0, "epochs_trained": 3, "test_accuracy": 0.98, "test_error": 0.02}]
    summary = summarize(runs)
    assert_same_summary(summary, summarize(runs))
    for key, broken in (("test_error_mean", 0.0151), ("wall_seconds", [10.0, 12.5]), ("runs", 3)):
        with pytest.raises(AssertionError):
            assert_same_summary({**summary, key: broken}, summary)
