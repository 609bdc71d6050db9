"""A run's folder, `<results_dir>/run_<i>/`: whether runs can be written at all (`results_dir_problem`),
who may write it (`run_lock`, `claimed`), the config that trains it (`run_config`), whether it holds a
finished run of this config (`run_changes`, with the early-stopping arithmetic it needs), and a finished
run retrained beside it in run_<i>.overwrite/ that takes its place when done (`swap_in`,
`finish_replacement`). No TensorFlow."""
import contextlib
import os
import shutil
import socket
import tempfile

import numpy as np

from .config import OUTPUT_FIELDS, changed_fields
from .errors import RunFolderError
from .results import read_results

LOCK_NAME = "training.lock"  # in run_<i>/ while a process trains that run
REPLACEMENT = ".overwrite"  # run_<i>.overwrite/: a finished run retrained (--overwrite) beside it
REPLACED = ".replaced"      # run_<i>.replaced/: the old run while the new one takes its place


def results_dir_problem(results_dir):
    """Why runs cannot be written to `results_dir` (a config error's line), else None: it, or the nearest
    folder above it that exists, is a file or lets no folder be made in it (tried, and undone)."""
    existing = os.path.abspath(results_dir)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        return f"results_dir: {results_dir!r} cannot be a folder: {existing} is a file; choose another --results-dir"
    try:
        os.rmdir(tempfile.mkdtemp(dir=existing))
    except OSError as error:
        return (f"results_dir: {results_dir!r} cannot be written: making a folder in {existing} fails "
                f"({error.strerror}); choose another --results-dir")
    return None


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
            raise RunFolderError(f"{run_dir} is being trained by process {pid} on {host or 'an unknown host'}; "
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


@contextlib.contextmanager
def claimed(run_dir):
    """Holds `run_dir` while one process trains in it: makes it, then holds its lock (`run_lock`). Folders
    this makes are removed again if the block fails before writing into them (a bad initial_model, a
    Ctrl-C while the model builds)."""
    created, folder = [], os.path.abspath(run_dir)
    while not os.path.isdir(folder):
        created.append(folder)
        folder = os.path.dirname(folder)
    os.makedirs(run_dir, exist_ok=True)
    try:
        with run_lock(run_dir):  # a second process on this run stops here
            yield
    except BaseException:
        for folder in created:  # deepest first
            try:
                os.rmdir(folder)
            except OSError:  # not empty: the run had started
                break
        raise


def swap_in(replacement, run_dir):
    """Puts the finished run of `replacement` in place of `run_dir` by two renames (the old run parked
    in run_<i>.replaced/, then deleted); `finish_replacement` completes a swap a kill cut short."""
    old = run_dir + REPLACED
    if os.path.isdir(run_dir):
        shutil.rmtree(old, ignore_errors=True)
        os.rename(run_dir, old)
    os.rename(replacement, run_dir)
    shutil.rmtree(old, ignore_errors=True)
    print(f"{run_dir}: replaced by the retrained run.")


def finish_replacement(run_dir):
    """Completes what a process killed while swapping in a retrained run left: a finished
    run_<i>.overwrite/ is put in place, a parked run_<i>.replaced/ deleted."""
    replacement, old = run_dir + REPLACEMENT, run_dir + REPLACED
    results_path = os.path.join(replacement, "results.json")
    if os.path.exists(results_path) and read_results(results_path).get("finished"):
        swap_in(replacement, run_dir)
    elif os.path.isdir(old) and os.path.isdir(run_dir):
        shutil.rmtree(old)


def run_config(config, run):
    """The config that trains run_<run> of `config`: its seed is `config.seed + run`."""
    return config.replace(seed=config.seed + run)


def run_changes(saved, config, ignore=OUTPUT_FIELDS):
    """Fields where `config` differs from the config of the finished run `saved` (a results document) in a
    way that would train another run: early_stopping_patience only if it would have ended it elsewhere."""
    diffs = changed_fields(saved["config"], config, ignore)
    if "early_stopping_patience" in diffs and ends_after(saved["history"], config):
        diffs.remove("early_stopping_patience")
    return diffs


def ends_after(history, config):
    """True when training `config` would stop after exactly these epochs: its patience (0: none) fires
    nowhere before their end, and at their end either the epochs run out or it fires there."""
    patience = config.early_stopping_patience or config.epochs
    if any(stopped_early(history[:n], patience) for n in range(1, len(history))):
        return False
    return len(history) == config.epochs or stopped_early(history, patience)


def stopped_early(history, patience):
    """True when the history already ends in `patience` epochs without a better validation accuracy."""
    accs = [h.get("val_accuracy", -1) for h in history]
    return bool(accs) and len(accs) - 1 - int(np.argmax(accs)) >= patience
