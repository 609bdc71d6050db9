"""The benchmark runs (tiny mode); no timing is asserted."""
import json

from bench.run import main


def test_tiny_benchmark_runs_and_writes_json(tmp_path, mnist_path):
    out = tmp_path / "bench.json"
    report = main(["--tiny", "--data", mnist_path, "--out", str(out)])
    saved = json.loads(out.read_text())
    assert saved == json.loads(json.dumps(report))
    case = saved["cases"][0]
    assert case["train_img_s"] > 0 and case["eval_img_s"] > 0 and case["peak_rss_mib"] > 100
    assert case["train_img_s_range"][0] <= case["train_img_s"] <= case["train_img_s_range"][1]
    assert saved["machine"]["cpu_count"] >= 1
