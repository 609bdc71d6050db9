"""A results folder's run listing and the lock a training run holds (pure Python, no training)."""
import json
import os
import re
import socket
import subprocess
import sys

import pytest

import numpy as np

from ram.errors import ModelFileError, RunFolderError
from ram.results import code_version, percent, run_results, summarize
from ram.run_folder import LOCK_NAME, run_lock
from ram import results
from helpers import ROOT


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
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert code_version()["git_commit"] == head and isinstance(code_version()["git_dirty"], bool)


def test_readme_table_is_what_ram_results_prints():
    """README's results table is generated: `python -m ram.results --markdown`, pasted in."""
    table = subprocess.run([sys.executable, "-m", "ram.results", "--markdown"], capture_output=True, text=True,
                           cwd=ROOT, check=True).stdout.strip()
    with open(os.path.join(ROOT, "README.md")) as f:
        assert table in f.read(), "README's results table is stale: paste `python -m ram.results --markdown`"


def _sweep(root):
    """Two results folders as a `--location-std` sweep writes them: std 0.1 with seeds 0, 1, 2 and std 0.2
    with seed 0 (other output settings too, which are no difference); a run still training beside them."""
    errors = {"std_0.1": [(0.012, 0.015, 0.007), (0.010, 0.013, 0.006), (0.017, 0.02, 0.008)],
              "std_0.2": [(0.02, 0.03, 0.01)]}
    for name, runs in errors.items():
        for seed, (error, sampled, mc) in enumerate(runs):
            history = [{"epoch": e, "accuracy": 0.5, "val_accuracy": 0.6 + 0.1 * e + 0.01 * seed} for e in (1, 2, 3)]
            _run(root / name, f"run_{seed}", finished=True, epochs_trained=3 + seed, wall_seconds=60.0 * (1 + seed),
                 history=history, test_error=error, test_error_sampled=sampled, test_error_mc=mc,
                 test_accuracy=1 - error, config={"seed": seed, "location_std": float(name[4:]),
                                                  "results_dir": str(root / name), "verbose": len(name) + seed})
    _run(root / "std_0.2", "run_1", finished=False, config={"seed": 1, "location_std": 0.2})
    return [str(root / name) for name in errors]


def test_results_folders_compared_in_one_table_and_one_plot(tmp_path, capsys, monkeypatch):
    from ram import plots
    folders = _sweep(tmp_path)
    plot = tmp_path / "out" / "std.png"
    drawn = []  # the figure's curves as plotted: (label, epochs, values)
    figure = plots.validation_figure
    monkeypatch.setattr(plots, "validation_figure", lambda *a: drawn.append(figure(*a)) or drawn[-1])
    results.main([*folders, "--plot", str(plot)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["folder", "location_std", "runs", "one", "sequence", "one", "sampled", "MC", "10",
                                "epochs", "min"]
    def pm(values):  # mean ± sample std in %, by numpy
        return f"{100 * np.mean(values):.2f} ± {100 * np.std(values, ddof=1):.2f}"
    cells = [re.split(r"\s{2,}", line) for line in lines[1:3]]  # columns: two spaces or more apart
    assert cells[0][0] == folders[0] and cells[1][0] == folders[1]
    assert cells[0][1:] == ["0.1", "3", pm([0.012, 0.010, 0.017]), pm([0.015, 0.013, 0.02]),
                                                          pm([0.007, 0.006, 0.008]), "3-5", "2.0"]
    assert cells[1][1:] == ["0.2", "1", "2.00", "3.00", "1.00", "3", "1.0"]
    assert lines[3] == f"validation curves: {plot}" and len(lines) == 4
    assert sorted(p.name for p in plot.parent.iterdir()) == ["std.png"]  # no temp file left
    from PIL import Image
    with Image.open(plot) as picture:
        assert picture.format == "PNG" and picture.size[0] > 500
    lines = drawn[0].axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["std_0.1 (location_std 0.1): 3 run(s)",
                                                    "std_0.2 (location_std 0.2): 1 run(s)"]
    np.testing.assert_allclose(lines[0].get_ydata(), [71, 81, 91])  # 100 * mean over seeds of 0.6 + 0.1 e + 0.01 seed
    np.testing.assert_allclose(lines[1].get_ydata(), [70, 80, 90])
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    stamp = plot.stat().st_mtime_ns
    results.main([*folders, "--plot", str(plot)])  # the same curves: the file stays
    assert plot.stat().st_mtime_ns == stamp


def test_runs_on_own_images_differ_by_their_data_not_by_what_it_decides(tmp_path, capsys):
    """Two `images` folders on other data: the table names data_path, not the class names or sizes it sets."""
    for name, classes in (("cats", ["cat", "dog"]), ("digits", [str(d) for d in range(10)])):
        _run(tmp_path / name, "run_0", finished=True, epochs_trained=1, wall_seconds=60.0, history=[],
             test_error=0.1, test_error_sampled=0.1, test_error_mc=0.1, test_accuracy=0.9,
             config={"seed": 0, "dataset": "images", "data_path": f"data/{name}", "class_names": classes,
                     "classes": len(classes), "image_height": 8 * len(classes), "image_width": 8, "glimpses": 4})
    results.main([str(tmp_path / "cats"), str(tmp_path / "digits")])
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header[:3] == ["folder", "data_path", "runs"], header


def test_comparing_a_folder_without_finished_runs_names_it(tmp_path, capsys):
    folders = _sweep(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        results.main([*folders, str(tmp_path / "std_0.3")])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.startswith(f"error: no finished run (run_<i>/results.json) in {tmp_path / 'std_0.3'}:")
    with pytest.raises(SystemExit):
        results.main([*folders, "--plot", str(tmp_path / "std.pdf")])
    assert "name a FILE.png" in capsys.readouterr().err
    _run(tmp_path / "old", "run_0", finished=True, config={"optimizer": "rmsprop"})  # an option since removed
    with pytest.raises(SystemExit) as exit_info:
        results.main([*folders, str(tmp_path / "old")])
    error = capsys.readouterr().err
    assert exit_info.value.code == 1 and error.startswith("error: ") and "rmsprop" in error, error
