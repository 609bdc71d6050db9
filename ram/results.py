"""A results folder's layout: one `run_<i>/` per run, each with its `results.json` (`results_document`:
config, epochs, test errors, provenance); the summary over runs, README's results table (`python -m
ram.results --markdown`) and the comparison of results folders (`python -m ram.results runs/std_*`,
`--plot FILE` for their validation curves). No TensorFlow."""
import argparse
import functools
import hashlib
import os
import platform
import re
import statistics
import subprocess

from .config import FIELDS, OUTPUT_FIELDS, saved_config
from .errors import ModelFileError, RamError, RunFolderError
from .files import read_json
from .scripts import script_config

def read_results(path):
    """A run's results.json; a damaged one is named with the way to recover."""
    try:
        return read_json(path)
    except ModelFileError as error:
        raise ModelFileError(f"{error} Delete it and run the training command again: the run resumes from its "
                             f"checkpoint.npz if one is left, else it is trained anew.") from None


def run_index(name):
    """i of a run folder's name `run_<i>`, else None."""
    match = re.fullmatch(r"run_(\d+)", name)
    return int(match.group(1)) if match else None


def run_results(results_dir):
    """(run folder, its results.json as a dict) for every finished run: each `run_<i>/` in
    `results_dir` whose results.json says so, ordered by i."""
    if not os.path.isdir(results_dir):
        return []
    names = [n for n in os.listdir(results_dir) if run_index(n) is not None]
    runs = []
    for name in sorted(names, key=run_index):
        path = os.path.join(results_dir, name, "results.json")
        if os.path.exists(path):
            doc = read_results(path)
            if doc.get("finished"):
                runs.append((os.path.join(results_dir, name), doc))
    return runs


@functools.cache
def code_version():
    """The checkout's git commit and whether its tracked files had uncommitted changes (None outside git)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args):
        return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, timeout=30).stdout.strip()
    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {"git_commit": commit or None, "git_dirty": dirty if commit else None}


@functools.cache
def cpu_model():
    """The CPU's model name (from /proc/cpuinfo on Linux), else what `platform` says."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@functools.cache
def data_file(path):
    """A data file by name and SHA-256 (not by where it lies on this machine); None: Keras's download."""
    if not path:
        return {"file": "keras.datasets.mnist", "sha256": None}
    if os.path.isdir(path):  # a folder of images: by the names and sizes of its files (reading them all is slow)
        digest = hashlib.sha256()
        for root, folders, files in os.walk(path):
            folders.sort()
            for name in sorted(files):
                file = os.path.join(root, name)
                digest.update(f"{os.path.relpath(file, path)}\t{os.path.getsize(file)}\n".encode())
        return {"folder": os.path.basename(os.path.normpath(path)), "names_and_sizes_sha256": digest.hexdigest()}
    with open(path, "rb") as f:
        return {"file": os.path.basename(path), "sha256": hashlib.file_digest(f, "sha256").hexdigest()}


def provenance(data_path, versions):
    """What a results file records of where it came from: code, machine, libraries, data."""
    return {**code_version(), "cpu": cpu_model(), "cpu_count": os.cpu_count(),
            "versions": {"python": platform.python_version(), **versions}, "data": data_file(data_path)}


def results_document(config, state, finished, data_source, versions, test=None):
    """results.json: the config, the epochs (`state`: history, wall_seconds, initial_model), the test errors
    (`test`) and where they came from (`data_source`: the data's file or folder, None: Keras's MNIST
    download; `versions`: the libraries', `backend.versions()`)."""
    doc = {"finished": finished, "config": dict(config), "epochs_trained": len(state["history"]),
           "wall_seconds": state["wall_seconds"], "history": state["history"],
           "provenance": provenance(data_source, versions)}
    if "initial_model" in state:  # where the starting weights came from
        doc["initial_model"] = state["initial_model"]
    if test:
        doc.update(test)
    return doc


def summarize(results):
    """Mean and sample standard deviation (n - 1; None for one run) over runs of the test accuracy and
    errors; `seeds` names the runs."""
    summary = {"runs": len(results), "seeds": [r["config"]["seed"] for r in results],
               "wall_seconds": [r["wall_seconds"] for r in results], "epochs": [r["epochs_trained"] for r in results]}
    for key in ("test_accuracy", "test_error", "test_error_sampled", "test_error_mc"):
        values = [r[key] for r in results if key in r]
        summary[key] = values
        summary[f"{key}_mean"] = statistics.fmean(values) if values else None
        summary[f"{key}_std"] = statistics.stdev(values) if len(values) > 1 else None
    return summary


def percent(summary, key):
    """'1.09 ± 0.10' (mean ± sample std over runs, in %), or '9.43' for one run."""
    mean, std = summary[f"{key}_mean"], summary[f"{key}_std"]
    return f"{100 * mean:.2f}" + (f" ± {100 * std:.2f}" if std is not None else "")


# README's results, task by task: the paper's number (NIPS / arXiv version, one glimpse sequence), the best
# public reimplementation's, the paper's model here (paper/, its config script) and the project's shipped
# defaults, each with the minutes one run takes alone on the 2-core development machine (docs/speed.md;
# None: not timed alone yet).
BENTREVETT = "[bentrevett](https://github.com/bentrevett/recurrent-attention-model)"
TASKS = [
    ("MNIST 28x28", "1.12 / 1.29", f"1.08 {BENTREVETT}", ("paper/mnist", None),
     [("run_mnist_fast", "12"), ("run_mnist", "31")]),
    ("translated 60x60", "1.20 / 1.84", f"1.87 {BENTREVETT}", ("paper/translated_mnist", None),
     [("run_translated_mnist", "39")]),
    ("cluttered 60x60, 4 pieces", "4.04 / 5.23", f"2.13 {BENTREVETT}", ("paper/cluttered_mnist", None),
     [("run_cluttered_mnist", "62")]),
    ("cluttered 100x100, 8 pieces", "— / 10.83", "5.9, MC 10 [slundqui/tfRAM](https://github.com/slundqui/tfRAM)",
     ("paper/cluttered_mnist_100", None), [("run_cluttered_mnist_100", "54")]),
]
SHIPPED = [script for *_, defaults in TASKS for script, _ in defaults]  # the shipped defaults' config scripts
PAPER_MODELS = [paper for *_, (paper, _), _ in TASKS]  # the paper's model's config script per task


def additions(config, paper):
    """What a config adds to the paper's model (`paper`, a config), in words: '' if nothing."""
    words = {"core": lambda v: f"{v.upper()} core", "glimpse_hidden": lambda v: f"{v}-unit h_g",
             "policy_hidden": lambda v: "MLP policy" if v else "linear policy",
             "first_location": lambda v: "context network (Ba et al.)" if v == "context" else f"first glimpse {v}",
             "location_penalty": lambda v: "location penalty" if v else None}
    return ", ".join(w for name, word in words.items() if config[name] != paper[name] and (w := word(config[name])))


def markdown_table(root="."):
    """README's results table, from the paper's models' and the shipped folders' summary.json: test error
    in %, mean ± sample standard deviation over the n seeds."""
    rows = ["| task | model | one sequence | one sampled sequence | MC 10 (test-time average) | n | paper | "
            "best public | min | command |", "|---|---|---|---|---|---|---|---|---|---|"]
    for task, paper_error, public, (paper_script, paper_minutes), defaults in TASKS:
        paper = script_config(os.path.join(root, f"{paper_script}.py"))
        for script, minutes in [(paper_script, paper_minutes)] + defaults:
            config = script_config(os.path.join(root, f"{script}.py"))
            model = "the paper's RAM" if script == paper_script else "ours: " + additions(config, paper)
            command = f"`python -m {script.replace('/', '.')}`" if script == paper_script else f"`python {script}.py`"
            path = os.path.join(root, config.results_dir, "summary.json")
            first = script == paper_script  # the task, the paper's and the best public numbers: once per task
            cells = [task, model] if first else ["", model]
            if not os.path.exists(path):
                cells += ["not trained yet", "", "", "0"]
            else:
                summary = read_json(path)
                errors = [percent(summary, key) for key in ("test_error", "test_error_sampled", "test_error_mc")]
                cells += [f"**{errors[0]}**", errors[1], errors[2], str(summary["runs"])]
            cells += [paper_error, public] if first else ["", ""]
            rows.append("| " + " | ".join(cells + [minutes or "", command]) + " |")
    return "\n".join(rows)


ERRORS = (("test_error", "one sequence"), ("test_error_sampled", "one sampled"), ("test_error_mc", "MC 10"))


def folder_runs(folders):
    """{folder: [results.json of its finished runs]}; RunFolderError names every folder without one."""
    runs = {folder: [doc for _, doc in run_results(folder)] for folder in folders}
    empty = [folder for folder, docs in runs.items() if not docs]
    if empty:
        raise RunFolderError(f"no finished run (run_<i>/results.json) in {', '.join(empty)}: train there first, "
                             f"or name results folders (the --results-dir of a training)")
    return runs


def differing_fields(runs):
    """The config fields (not seeds or output settings) whose values differ between the folders'
    first runs, as {field: [value per folder]}, in the config's order. Where a data set decides fields
    (its image size, classes), its data path names them instead."""
    from .datasets import get
    configs = [saved_config(docs[0]["config"]) for docs in runs.values()]
    decided = {name for c in configs for name in get(c["dataset"]).decided_by_data}
    skipped = {*OUTPUT_FIELDS, "seed", *decided} - ({"data_path"} if decided else set())
    return {name: [c[name] for c in configs] for name in FIELDS
            if name not in skipped and len({repr(c[name]) for c in configs}) > 1}


def comparison_table(runs):
    """One row per results folder (`folder_runs`): the fields that differ between them, the runs, the
    three test errors in % (mean ± sample std over the runs' seeds), epochs trained and minutes per run."""
    fields = differing_fields(runs)
    rows = [["folder", *fields, "runs", *(name for _, name in ERRORS), "epochs", "min"]]
    for i, (folder, docs) in enumerate(runs.items()):
        summary = summarize(docs)
        errors = [percent(summary, key) if summary[key] else "-" for key, _ in ERRORS]
        low, high = min(summary["epochs"]), max(summary["epochs"])
        rows.append([folder, *(repr(values[i]) for values in fields.values()), str(summary["runs"]), *errors,
                     str(low) if low == high else f"{low}-{high}",
                     f"{statistics.fmean(summary['wall_seconds']) / 60:.1f}"])
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Results as tables: the results folders given, compared (the config "
                                                 "fields that differ, test errors over seeds, epochs, minutes), or "
                                                 "without folders README's table of the shipped defaults.")
    parser.add_argument("folders", nargs="*", metavar="FOLDER",
                        help="results folders to compare (a training's --results-dir), e.g. runs/std_*")
    parser.add_argument("--plot", metavar="FILE.png", help="with folders: also write their validation curves, "
                                                           "overlaid, to this PNG")
    parser.add_argument("--markdown", action="store_true", help="without folders: README's Markdown table (the default)")
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        help="the checkout whose config scripts and results folders README's table reads")
    args = parser.parse_args(argv)
    if not args.folders:
        if args.plot:
            parser.error("--plot needs results folders to compare")
        print(markdown_table(args.root))
        return
    if args.plot and not args.plot.lower().endswith(".png"):
        parser.error(f"--plot {args.plot}: the plot is a PNG; name a FILE.png")
    try:
        runs = folder_runs(args.folders)
        table = comparison_table(runs)  # reads each folder's config (ConfigError for a removed option)
    except RamError as error:
        parser.exit(1, f"error: {error}\n")
    print(table)
    if args.plot:
        from .plots import plot_validation  # matplotlib only here
        fields = differing_fields(runs)
        plot_validation(runs, {folder: ", ".join(f"{k} {v[i]!r}" for k, v in fields.items())
                         for i, folder in enumerate(runs)}, args.plot)
        print(f"validation curves: {args.plot}")


if __name__ == "__main__":
    main()
