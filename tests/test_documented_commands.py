"""The training commands README.md and docs/ give (`python run_<config>.py --flag VALUE ...`) run as
written: their flags exist and make a valid config, and a command that writes into a shipped folder
trains the config of the runs already there (else it would stop with "holds a finished run of another
config")."""
import glob
import os
import re
import shlex

import pytest

from ram.cli import command_config
from ram.config import OUTPUT_FIELDS
from ram.datasets import get
from ram.errors import RamError
from ram.files import read_json
from ram.run_folder import run_changes, run_config
from ram.scripts import load_config_script
from helpers import ROOT, tracked_files

COMMAND = r"(?:\w+=\S+ )*python (run_\w+)\.py"  # an environment prefix allowed (KERAS_BACKEND=jax)
INLINE = re.compile(f"`{COMMAND}((?: [^`]*)?)`")  # `python run_mnist.py --flag VALUE`, over line breaks
FENCED_LINE = re.compile(rf"^\s*{COMMAND}((?: [^#\n]*)?)", re.M)  # a line of a ``` block, before any # comment


def documented_commands(texts):
    """(name, script, its arguments) of every `python run_<config>.py ...` in the {name: text} given,
    inline or in ``` blocks, but those with a placeholder (`<...>`), alternatives (`4|6`) or --help."""
    found = []
    for name, text in texts.items():
        blocks = "\n".join(re.findall(r"```[^\n]*\n(.*?)```", text, re.S))
        for script, arguments in INLINE.findall(text) + FENCED_LINE.findall(blocks):
            if not re.search(r"[<|]|--help", arguments):
                found.append((name, script, arguments.strip()))
    return found


def read_docs():
    """{path relative to the checkout: text} of README.md and docs/*.md."""
    paths = [os.path.join(ROOT, "README.md"), *sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))]
    texts = {}
    for path in paths:
        with open(path) as file:
            texts[os.path.relpath(path, ROOT)] = file.read()
    return texts


def command_problems(script, arguments, root=ROOT, shipped=None):
    """What stops `python <script>.py <arguments>` before it trains, as a list of messages: unknown
    flags, invalid values, or a finished run in its results_dir (one of `shipped`, paths relative to
    `root`) of another config (the fields its data decides, as image sizes, aside: they need the data)."""
    try:
        args, config = command_config(load_config_script(os.path.join(root, f"{script}.py")).CONFIG,
                                      shlex.split(arguments))
    except RamError as error:  # ConfigError: the message names each problem
        return [str(error)]
    if args.overwrite:  # retrains a finished run beside it
        return []
    ignore = {*OUTPUT_FIELDS, *get(config.dataset).decided_by_data}
    problems = []
    for run in [args.only_run] if args.only_run is not None else range(config.runs):
        path = os.path.join(config.results_dir, f"run_{run}", "results.json")
        if path in (shipped or ()):
            changes = run_changes(read_json(os.path.join(root, path)), run_config(config, run), ignore)
            problems += [f"{path} holds another config: {', '.join(changes)}"] if changes else []
    return problems


DOCS = read_docs()
SHIPPED_RUNS = set(tracked_files(ROOT, "*results.json"))


@pytest.mark.parametrize("where, script, arguments", documented_commands(DOCS))
def test_documented_command_runs_as_written(where, script, arguments):
    assert command_problems(script, arguments, shipped=SHIPPED_RUNS) == [], (where, script, arguments)


def test_the_docs_give_commands_for_every_config():
    """The search finds README's and docs' commands (inline and in ``` blocks) for each shipped config."""
    scripts = {script for _, script, _ in documented_commands(DOCS)}
    assert {"run_mnist", "run_mnist_fast", "run_translated_mnist", "run_cluttered_mnist",
            "run_cluttered_mnist_100"} <= scripts
    assert len(documented_commands(DOCS)) > 50


def test_command_problems_names_what_would_stop_a_command():
    """A shipped run of another config, an unknown flag, a bad value, an --only-run outside the runs."""
    shipped = {os.path.join("MNIST_cluttered_100_Results", "run_1", "results.json")}
    assert command_problems("run_cluttered_mnist_100", "--runs 3 --only-run 1", shipped=shipped) == []
    assert command_problems("run_cluttered_mnist_100", "--runs 3 --only-run 1 --results-dir tuning/C8 "
                            "--location-penalty 0", shipped=shipped) == []
    [message] = command_problems("run_cluttered_mnist_100", "--runs 3 --only-run 1 --location-penalty 0",
                                 shipped=shipped)
    assert "location_penalty" in message
    assert command_problems("run_cluttered_mnist_100", "--runs 3 --only-run 0 --location-penalty 0",
                            shipped=shipped) == []  # only run_0, not the shipped run_1
    assert "--only-run 1" in command_problems("run_cluttered_mnist_100", "--only-run 1")[0]  # runs is 1
    assert "unknown flag" in command_problems("run_mnist", "--lerning-rate 0.1")[0]
    assert command_problems("run_mnist", "--glimpses 0")  # invalid value
    assert documented_commands({"x": "`python run_mnist.py --glimpses 4|6` and `python run_mnist.py "
                                     "--initial-model <model.h5>` and `python run_mnist.py --help` and "
                                     "`python run_mnist.py`\n```bash\nKERAS_BACKEND=jax python run_mnist.py --epochs 3  # try"
                                     "\n```"}) == [("x", "run_mnist", ""), ("x", "run_mnist", "--epochs 3")]
