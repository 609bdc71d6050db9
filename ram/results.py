"""A results folder's layout: one `run_<i>/` per run, each with its `results.json`. No TensorFlow."""
import contextlib
import json
import os
import re
import socket

LOCK_NAME = "training.lock"  # in run_<i>/ while a process trains that run


class ModelFileError(ValueError):
    """A model, weights or results file is missing, unreadable, or belongs to another config."""


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except json.JSONDecodeError as error:
        raise ModelFileError(f"{path} is not valid JSON ({error}); it may be truncated.") from None


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


@contextlib.contextmanager
def run_lock(run_dir):
    """Holds `run_dir/training.lock` (this process's id and host) while a run trains, so that a second
    process started on the same run (say, two `--only-run` with one I) stops at once instead of
    overwriting its checkpoint. A lock left by a process that died (SIGKILL) is taken over."""
    path = os.path.join(run_dir, LOCK_NAME)
    me = f"{os.getpid()} {socket.gethostname()}"
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            try:
                with open(path) as f:
                    pid, _, host = f.read().partition(" ")
            except FileNotFoundError:
                continue  # released meanwhile: try again
            if host == socket.gethostname() and pid.isdigit() and not _process_alive(int(pid)):
                os.remove(path)  # its process is gone
                continue
            raise ModelFileError(f"{run_dir} is being trained by process {pid} on {host or 'an unknown host'}; "
                                 f"wait for it, or train another run (--only-run I) or results_dir. If no such "
                                 f"process runs, delete {path}.")
    with os.fdopen(fd, "w") as f:
        f.write(me)
    try:
        yield
    finally:
        os.remove(path)


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
