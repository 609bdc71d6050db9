"""Config validation: every bad field named in one message."""
import ast
import inspect
import json
import pathlib
import sys
import textwrap

import pytest

import ram
import ram.cli
import ram.datasets.mnist
from ram.config import (DEFAULTS, FIELDS, OUTPUT_FIELDS, PREVIOUS_VALUES, ConfigError, _check_relations,
                        make_config, saved_config)
import run_mnist
import run_mnist_fast
import run_cluttered_mnist
import run_cluttered_mnist_100
import run_translated_mnist
from ram.results import run_index
from ram.run_folder import run_config
import helpers
from helpers import tracked_files

SCRIPTS = (run_mnist, run_mnist_fast, run_translated_mnist, run_cluttered_mnist, run_cluttered_mnist_100)


ROOT = pathlib.Path(helpers.ROOT)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.__name__)
def test_config_script_gives_the_config_of_its_shipped_runs(script):
    """Field by field, the script's config (seed + i for run i) is what its shipped runs trained with, as
    read from their results.json (files that predate a field read it at its PREVIOUS_VALUES value);
    only where and how verbosely a run writes may differ."""
    config = make_config(script.CONFIG)
    runs = [ROOT / p for p in tracked_files(ROOT, f"{config.results_dir}/run_*/results.json")]  # no user's runs
    assert runs, config.results_dir
    for i, path in enumerate(sorted(runs, key=lambda p: run_index(p.parent.name))):
        saved = saved_config(json.loads(path.read_text())["config"])
        expected = run_config(config, i)
        assert {k: saved[k] for k in FIELDS if k not in OUTPUT_FIELDS} == \
            {k: expected[k] for k in FIELDS if k not in OUTPUT_FIELDS}, path


def test_package_defaults_are_the_mnist_experiment():
    assert make_config({}) == make_config(run_mnist.CONFIG)


def test_every_field_added_after_the_first_release_has_its_previous_value():
    """A file written before a field existed reads it at the value it trained with: a new field must be
    added to PREVIOUS_VALUES (this list is the first release's fields, fixed)."""
    first_release = {"dataset", "image_size", "data_path", "validation_size", "eval_seed", "glimpses", "patch_size",
                     "zooms", "zoom_scale", "unit_pixels", "glimpse_hidden", "location_hidden", "glimpse_size", "core",
                     "core_size", "location_std", "policy_hidden", "policy_trains_core", "first_location",
                     "cross_entropy_weight", "reinforce_weight", "baseline_weight", "optimizer", "learning_rate",
                     "momentum", "lr_schedule", "min_learning_rate", "decay_epochs", "batch_size", "epochs",
                     "early_stopping_patience", "test_every", "mc_samples", "jit_compile", "seed", "runs",
                     "results_dir", "verbose"}
    assert set(FIELDS) - first_release == set(PREVIOUS_VALUES)
    assert saved_config({})["restore_best_weights"] is True and make_config({})["restore_best_weights"] is False


def test_removed_options_are_dropped_from_old_files_or_refused():
    old = {"location_mean": "tanh", "clipnorm": None, "clipvalue": None, "classes": 10, "decay_rate": 0.97}
    assert set(saved_config(old)) == set(FIELDS)
    for field, value in (("location_mean", "clip"), ("clipnorm", 1.0), ("optimizer", "rmsprop"),
                         ("lr_schedule", "exponential")):
        with pytest.raises(ConfigError, match=f"no longer has \\({field} {value!r}\\)"):
            saved_config({**old, field: value})


def test_unknown_field_suggests_the_closest_name():
    with pytest.raises(ConfigError, match=r"NGLIMPSE: unknown config field \(did you mean 'glimpses'\?\)"):
        make_config({"NGLIMPSE": 6})
    with pytest.raises(ConfigError, match=r"lerning_rate: unknown config field \(did you mean 'learning_rate'\?\)"):
        make_config({"lerning_rate": 0.1})


@pytest.mark.parametrize("field,value,message", [
    ("glimpses", 0, "glimpses: 0 is below the minimum 1"),
    ("zooms", 0, "zooms: 0 is below the minimum 1"),
    ("patch_size", 0, "patch_size: 0 is below the minimum 1"),
    ("patch_size", 40, "patch_size: 40 is larger than the image"),
    ("location_std", 0.0, "location_std: 0.0 must be greater than 0"),
    ("learning_rate", -1e-3, "learning_rate: -0.001 must be greater than 0"),
    ("batch_size", 0, "batch_size: 0 is below the minimum 1"),
    ("glimpses", 2.5, "glimpses: expected int, got float 2.5"),
    ("glimpses", True, "glimpses: expected int, got bool True"),
    ("optimizer", "adamw", "optimizer: 'adamw' is not one of 'sgd', 'adam'"),
    ("core", "transformer", "core: 'transformer' is not one of 'lstm', 'rnn', 'gru'"),
    ("lr_schedule", "cosine", "lr_schedule: 'cosine' is not one of 'constant', 'linear'"),
    ("image_size", 60, "image_size: `mnist` images are 28x28"),
    ("distractor_size", 29, "distractor_size: 29 is above the maximum 28"),
    ("distractors", -1, "distractors: -1 is below the minimum 0"),
    ("distractors", 4, "distractors: 4 pieces of clutter need dataset `cluttered_mnist`"),
    ("initial_location_std", 0.01, "initial_location_std: 0.01 is below location_std 0.15, which it decays to"),
    ("momentum", 1.5, "momentum: 1.5 is above the maximum 1"),
    ("train_shift", 9, "train_shift: 9 is above the maximum 8"),
    ("jit_compile", "yes", "jit_compile: expected bool, got str 'yes'"),
])
def test_each_rule_names_the_field(field, value, message):
    with pytest.raises(ConfigError) as error:
        make_config({field: value})
    assert message in str(error.value)


IMAGES = {"dataset": "images", "image_size": None, "data_path": "my_images"}
SHAPED = {"image_height": 32, "image_width": 48, "channels": 3}  # as the data of `images` sets them
# Every rule of _check_relations: the field its message names, a config that breaks that rule alone,
# and the nearest configs that pass. test_every_relation_rule_has_a_case finds the rules in the source.
RELATIONS = [
    pytest.param("image_size", {"image_size": 29}, [{"image_size": 28}, {"image_size": 29, "dataset": "translated_mnist"}],
                 id="mnist_is_28x28"),
    pytest.param("image_size", {"dataset": "translated_mnist", "image_size": 27},
                 [{"dataset": "translated_mnist", "image_size": 28}], id="canvas_holds_a_digit"),
    pytest.param("context_grid", {"first_location": "context", "context_grid": 10},
                 [{"first_location": "context", "context_grid": 14}, {"first_location": "random", "context_grid": 10}],
                 id="context_grid_divides_image_size"),
    pytest.param("random_glimpses", {"random_glimpses": True, "first_location": "center"},
                 [{"random_glimpses": True}, {"first_location": "center"}], id="random_glimpses_start_at_random"),
    pytest.param("patch_size", {"patch_size": 29}, [{"patch_size": 28}], id="patch_fits_the_image"),
    pytest.param("validation_size", {"validation_size": 60000}, [{"validation_size": 59999}],
                 id="validation_leaves_training_images"),
    pytest.param("train_size", {"train_size": 55001}, [{"train_size": 55000}, {"train_size": 58000, "validation_size": 2000}],
                 id="training_stops_before_the_validation_digits"),
    pytest.param("initial_location_std", {"location_std": 0.05, "initial_location_std": 0.049},
                 [{"location_std": 0.05, "initial_location_std": 0.05}], id="initial_std_not_below_final"),
    pytest.param("ema_momentum", {"ema_momentum": 0.99, "restore_best_weights": True}, [{"ema_momentum": 0.99}],
                 id="ema_keeps_the_last_weights"),
    pytest.param("distractors", {"distractors": 4, "dataset": "translated_mnist", "image_size": 60},
                 [{"distractors": 4, "dataset": "cluttered_mnist", "image_size": 60}], id="distractors_need_clutter"),
    pytest.param("train_shift", {"train_shift": 2, "dataset": "translated_mnist", "image_size": 60},
                 [{"train_shift": 2}], id="train_shift_is_for_mnist"),
    pytest.param("devices", {"devices": "GPU:0"}, [{"devices": "GPU:0", "distribute": "mirrored"}],
                 id="devices_need_mirrored"),
    pytest.param("min_learning_rate", {"learning_rate": 1e-3, "min_learning_rate": 2e-3},
                 [{"learning_rate": 2e-3, "min_learning_rate": 2e-3},
                  {"learning_rate": 1e-3, "min_learning_rate": 2e-3, "lr_schedule": "constant"}],
                 id="linear_decay_goes_down"),
    pytest.param("data_path", {"dataset": "images", "image_size": None}, [{**IMAGES}], id="images_need_a_path"),
    pytest.param("train_shift", {**IMAGES, "train_shift": 2}, [IMAGES], id="images_take_no_train_shift"),
    pytest.param("distractors", {**IMAGES, "distractors": 2}, [IMAGES], id="images_take_no_clutter"),
    pytest.param("zooms", {**IMAGES, **SHAPED, "patch_size": 12, "zooms": 3},
                 [{**IMAGES, **SHAPED, "patch_size": 12, "zooms": 2}, {**IMAGES, **SHAPED, "patch_size": 8, "zooms": 3}],
                 id="largest_zoom_fits_the_images"),
    pytest.param("image_height", {**IMAGES, "image_height": 32}, [{**IMAGES, **SHAPED}, IMAGES],
                 id="height_and_width_together"),
    pytest.param("channels", {"channels": 3}, [{"channels": 1}, {**IMAGES, "channels": 3}], id="mnist_is_grey"),
    pytest.param("classes", {"dataset": "translated_mnist", "image_size": 60, "classes": 5},
                 [{"dataset": "translated_mnist", "image_size": 60}, {**IMAGES, "classes": 5}], id="mnist_has_10_classes"),
    pytest.param("image_height", {"dataset": "cluttered_mnist", "image_size": 60, "image_height": 60, "image_width": 60},
                 [{"dataset": "cluttered_mnist", "image_size": 60}, {**IMAGES, "image_height": 60, "image_width": 60}],
                 id="mnist_is_square"),
    pytest.param("class_names", {"class_names": ["a"] * 9},
                 [{"class_names": ["a"] * 10}, {**IMAGES, "classes": 9, "class_names": ["a"] * 9}],
                 id="one_name_per_class"),
]


@pytest.mark.parametrize("field,bad,good", RELATIONS)
def test_each_relation_rule_names_its_field_and_the_nearest_valid_config_passes(field, bad, good):
    with pytest.raises(ConfigError) as error:
        make_config(bad)
    problems = str(error.value).split("\n  ")[1:]
    assert len(problems) == 1 and problems[0].startswith(f"{field}: "), str(error.value)
    for valid in good:
        make_config(valid)


def _rule_functions():
    """_check_relations and every data set's own rules (its module's `config_problems`)."""
    from ram import datasets
    return [_check_relations] + list({datasets.get(name).config_problems.__func__ for name in datasets.NAMES})


def _append_sites():
    """(code, line number) of the `problems.append(...)` calls in the rule functions."""
    sites = set()
    for function in _rule_functions():
        lines, start = inspect.getsourcelines(function)
        tree = ast.parse(textwrap.dedent("".join(lines)))
        found = {(function.__code__, start - 1 + node.lineno) for node in ast.walk(tree)
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"
                 and isinstance(node.func.value, ast.Name) and node.func.value.id == "problems"}
        assert len(found) == "".join(lines).count("problems.append(")
        sites |= found
    return sites


def _lines_run(values):
    """(code, line number) of the rule functions' lines that run on `values`."""
    codes, ran = {f.__code__ for f in _rule_functions()}, set()

    def local(frame, event, arg):
        if event == "line":
            ran.add((frame.f_code, frame.f_lineno))
        return local

    previous = sys.gettrace()
    sys.settrace(lambda frame, event, arg: local if frame.f_code in codes else None)
    try:
        _check_relations(values)
    finally:
        sys.settrace(previous)
    return ran


def test_every_relation_rule_has_a_case():
    """Each case reaches exactly one rule of _check_relations or of a data set's module and its valid
    configs none, and every rule in the source is reached by some case: a rule added without a case
    fails here."""
    sites, covered = _append_sites(), set()
    assert len(sites) >= len(RELATIONS)
    for case in RELATIONS:
        field, bad, good = case.values
        hit = _lines_run({**DEFAULTS, **bad}) & sites
        assert len(hit) == 1, (case.id, sorted(hit))
        covered |= hit
        for valid in good:
            assert not _lines_run({**DEFAULTS, **valid}) & sites, (case.id, valid)
    assert covered == sites, "rules without a case in RELATIONS: " + "; ".join(
        f"{code.co_filename}:{line}" for code, line in sorted(sites - covered, key=lambda site: site[1]))


def test_a_width_without_a_height_is_one_line_whatever_the_image_size():
    for size in (None, 28):
        with pytest.raises(ConfigError, match=r"invalid config:\n  image_width: 48 without image_height; set image_height and image_width together"):
            make_config({**IMAGES, "image_width": 48, "image_size": size})


@pytest.mark.parametrize("dataset,size", [("mnist", 28), ("translated_mnist", 60), ("cluttered_mnist", 60)])
def test_every_mnist_task_refuses_colour_other_classes_rectangles_and_other_names(dataset, size):
    base = {"dataset": dataset, "image_size": size}
    for field, bad in (("channels", {"channels": 3}), ("classes", {"classes": 5, "class_names": list("abcde")}),
                       ("image_height", {"image_height": 40, "image_width": 80}), ("class_names", {"class_names": list("ab")})):
        with pytest.raises(ConfigError) as error:
            make_config({**base, **bad})
        assert f"\n  {field}: " in str(error.value), (dataset, field, str(error.value))
    make_config({**base, "class_names": [str(d) for d in range(10)]})


def test_train_shift_is_for_centred_mnist_only():
    with pytest.raises(ConfigError, match="train_shift: 2 moves centred `mnist` digits; `translated_mnist` already"):
        make_config({"train_shift": 2, "dataset": "translated_mnist", "image_size": 60})


def test_one_message_lists_every_bad_field():
    with pytest.raises(ConfigError) as error:
        make_config({"glimpses": 0, "optimizer": "nadam", "NGLIMPSE": 3, "batch_size": -1})
    text = str(error.value)
    for name in ("glimpses:", "optimizer:", "NGLIMPSE:", "batch_size:"):
        assert name in text


def test_config_is_validated_before_any_data_is_loaded(monkeypatch, capsys):
    def no_data(*args, **kwargs):
        raise AssertionError("data was loaded")
    monkeypatch.setattr(ram.datasets.mnist, "load_mnist", no_data)
    with pytest.raises(SystemExit, match="glimpses: 0 is below the minimum 1"):
        run_mnist.main(["--glimpses", "0"])


def test_resume_is_no_flag_it_is_what_a_rerun_does():
    with pytest.raises(SystemExit, match="--resume: unknown flag"):
        run_mnist.main(["--resume", "--glimpses", "1"])


def test_docs_list_every_field_as_the_package_defines_it():
    from ram.config_docs import COMMAND, DETAILS, config_markdown, config_table
    text = (ROOT / "docs" / "config.md").read_text()
    assert config_table() in text, f"docs/config.md's table is stale: run `{COMMAND}`"
    assert text == config_markdown(), f"docs/config.md is stale: run `{COMMAND}`"
    assert COMMAND in "".join(text.splitlines()[:4])  # its header names the command
    assert set(DETAILS) <= set(FIELDS) and all(DETAILS[name] != FIELDS[name].doc for name in DETAILS)


def test_config_py_holds_one_short_line_per_field():
    lines = (ROOT / "ram" / "config.py").read_text().splitlines()
    assert [len(line) for line in lines if len(line) > 120] == []
    assert sum(line.startswith(f'    "{name}": Field(') for line in lines for name in FIELDS) == len(FIELDS)


def test_command_line_lists_every_bad_flag_and_value_at_once():
    with pytest.raises(SystemExit) as exit_info:
        ram.cli.main(run_mnist.CONFIG, ["--lerning-rate", "0.1", "--glimpses", "0", "--cor=rnn", "stray",
                                             "--batch-size", "x"])
    message = str(exit_info.value.code)
    for line in ("--lerning-rate: unknown flag (did you mean --learning-rate?)",
                 "--cor: unknown flag (did you mean --core?)",
                 "stray: unexpected argument", "glimpses: 0 is below the minimum 1",
                 "batch_size: expected int, got str 'x'"):
        assert line in message


@pytest.mark.parametrize("command", [["run_mnist.py", "--help"], ["run_translated_mnist.py", "-h"],
                                     ["evaluate.py", "--help"], ["-m", "bench", "--help"]])
def test_help_shows_the_script_and_needs_no_tensorflow(command):
    """--help answers without importing TensorFlow (seconds otherwise); a run script shows its own values."""
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-X", "importtime", *command], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and "usage: " in out.stdout, out.stdout + out.stderr[-2000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time")]
    assert "tensorflow" not in imported and "keras" not in imported
    if command[0] == "run_mnist.py":
        assert "[150] maximum training epochs" in out.stdout and "MNIST 28x28" in out.stdout
    if command[0] == "run_translated_mnist.py":
        assert "translated MNIST 60x60" in out.stdout
