"""A results folder's run listing and the lock a training run holds (pure Python, no training)."""
import json
import os
import socket
import subprocess
import sys

import pytest

from ram.results import LOCK_NAME, ModelFileError, run_lock, run_results


def _run(folder, name, **doc):
    os.makedirs(folder / name, exist_ok=True)
    (folder / name / "results.json").write_text(json.dumps(doc))


def test_run_results_lists_finished_runs_by_number(tmp_path):
    for i in (10, 2, 0):
        _run(tmp_path, f"run_{i}", finished=True, seed=i)
    _run(tmp_path, "run_3", finished=False, seed=3)   # still training
    _run(tmp_path, "run_old", finished=True, seed=99)  # not run_<digits>
    os.makedirs(tmp_path / "run_4")                    # no results.json yet
    assert [doc["seed"] for _, doc in run_results(str(tmp_path))] == [0, 2, 10]
    assert [os.path.basename(folder) for folder, _ in run_results(str(tmp_path))] == ["run_0", "run_2", "run_10"]
    assert run_results(str(tmp_path / "missing")) == []


def test_truncated_results_file_is_named(tmp_path):
    os.makedirs(tmp_path / "run_0")
    (tmp_path / "run_0" / "results.json").write_text('{"finished": tr')
    with pytest.raises(ModelFileError, match="run_0.results.json is not valid JSON") as error:
        run_results(str(tmp_path))
    assert "Delete it and run the training command again" in str(error.value)  # how to recover


def test_a_run_held_by_a_live_process_is_refused_and_a_dead_ones_lock_taken_over(tmp_path):
    lock = tmp_path / LOCK_NAME
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock.write_text(f"{other.pid} {socket.gethostname()}")
        with pytest.raises(ModelFileError, match=f"being trained by process {other.pid}"):
            with run_lock(str(tmp_path)):
                pass
        assert lock.read_text() == f"{other.pid} {socket.gethostname()}"  # left to its owner
    finally:
        other.kill()
        other.wait()
    with run_lock(str(tmp_path)):  # its process is gone: taken over
        assert lock.read_text() == f"{os.getpid()} {socket.gethostname()}"
        with pytest.raises(ModelFileError):  # held: a second holder is refused, even this process
            with run_lock(str(tmp_path)):
                pass
    assert not lock.exists()  # released


def test_a_lock_from_another_host_is_never_taken_over(tmp_path):
    (tmp_path / LOCK_NAME).write_text("1 some-other-host")
    with pytest.raises(ModelFileError, match="process 1 on some-other-host.*delete"):
        with run_lock(str(tmp_path)):
            pass
