"""A results folder's layout: one `run_<i>/` per run, each with its `results.json`. No TensorFlow."""
import json
import os


class ModelFileError(ValueError):
    """A model, weights or results file is missing, unreadable, or belongs to another config."""


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except json.JSONDecodeError as error:
        raise ModelFileError(f"{path} is not valid JSON ({error}); it may be truncated.") from None


def run_results(results_dir, finished_only=True):
    """(run folder, its results.json as a dict) for every `run_<i>/` in `results_dir` holding one,
    ordered by i; with `finished_only`, only the runs that finished."""
    if not os.path.isdir(results_dir):
        return []
    names = [n for n in os.listdir(results_dir) if n.startswith("run_") and n[4:].isdigit()]
    runs = []
    for name in sorted(names, key=lambda n: int(n[4:])):
        path = os.path.join(results_dir, name, "results.json")
        if os.path.exists(path):
            doc = read_json(path)
            if doc.get("finished") or not finished_only:
                runs.append((os.path.join(results_dir, name), doc))
    return runs
