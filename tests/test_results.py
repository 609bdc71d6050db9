"""A results folder's run listing and the lock a training run holds (pure Python, no training)."""
import json
import os
import socket
import subprocess
import sys

import pytest

from ram.results import LOCK_NAME, ModelFileError, RunFolderError, code_version, percent, run_lock, run_results, summarize


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
        with pytest.raises(RunFolderError, match=f"being trained by process {other.pid}"):
            with run_lock(str(tmp_path)):
                pass
        assert lock.read_text() == f"{other.pid} {socket.gethostname()}"  # left to its owner
    finally:
        other.kill()
        other.wait()
    with run_lock(str(tmp_path)):  # its process is gone: taken over
        assert lock.read_text() == f"{os.getpid()} {socket.gethostname()}"
        with pytest.raises(RunFolderError):  # held: a second holder is refused, even this process
            with run_lock(str(tmp_path)):
                pass
    assert not lock.exists()  # released


def test_a_lock_from_another_host_is_never_taken_over(tmp_path):
    (tmp_path / LOCK_NAME).write_text("1 some-other-host")
    with pytest.raises(RunFolderError, match="process 1 on some-other-host.*delete"):
        with run_lock(str(tmp_path)):
            pass


def test_summary_uses_the_sample_standard_deviation():
    runs = [{"config": {"seed": s}, "wall_seconds": 1.0, "epochs_trained": 1, "test_error": e}
            for s, e in enumerate((0.010, 0.011, 0.015))]
    summary = summarize(runs)
    assert summary["test_error_std"] == pytest.approx(0.0026457513, rel=1e-8)  # sqrt(((-0.002)^2 + (-0.001)^2 + 0.003^2) / 2)
    assert percent(summary, "test_error") == "1.20 ± 0.26"
    one = summarize(runs[:1])
    assert one["test_error_std"] is None and percent(one, "test_error") == "1.00"


def test_code_version_is_this_checkout():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    head = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert code_version()["git_commit"] == head and isinstance(code_version()["git_dirty"], bool)


def test_readme_table_is_what_ram_results_prints():
    """README's results table is generated: `python -m ram.results --markdown`, pasted in."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    table = subprocess.run([sys.executable, "-m", "ram.results", "--markdown"], capture_output=True, text=True,
                           cwd=root, check=True).stdout.strip()
    with open(os.path.join(root, "README.md")) as f:
        assert table in f.read(), "README's results table is stale: paste `python -m ram.results --markdown`"
