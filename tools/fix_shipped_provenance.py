"""One-off: the shipped results.json files without machine paths, with provenance in the current layout.

Each run's config keeps `results_dir` as the folder it now lies in (relative to the checkout) and no
`data_path` (that machine's copy of MNIST); what the run read is recorded as `provenance.data`, by
name and SHA-256 of the file given (`--data`). The code's git commit is unknown for these runs (they
predate its recording) and is stored as None; `versions` and `cpu_count` move under `provenance`.
Each summary.json is then written again from its runs (the standard deviation over runs is now the
sample one, n - 1).

    python -m tools.fix_shipped_provenance --data ../shared/data/mnist.npz
"""
import argparse
import glob
import json
import os

from ram.results import data_file, run_results, summarize
from ram.files import write_json

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fix(doc, folder, data):
    doc["config"]["results_dir"] = folder
    doc["config"]["data_path"] = None
    provenance = doc.setdefault("provenance", {"git_commit": None, "git_dirty": None, "cpu": None})
    provenance["cpu_count"] = doc.pop("cpu_count", provenance.get("cpu_count"))
    provenance["versions"] = doc.pop("versions", provenance.get("versions"))
    provenance["data"] = data
    return doc


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="the MNIST file the shipped runs read")
    data = data_file(parser.parse_args().data)
    for path in sorted(glob.glob(os.path.join(ROOT, "**", "run_*", "results.json"), recursive=True)):
        folder = os.path.relpath(os.path.dirname(os.path.dirname(path)), ROOT)
        with open(path) as f:
            doc = json.load(f)
        write_json(path, fix(doc, folder, data))
        print(path)
    for path in sorted(glob.glob(os.path.join(ROOT, "**", "summary.json"), recursive=True)):
        write_json(path, summarize([doc for _, doc in run_results(os.path.dirname(path))]))
        print(path)


if __name__ == "__main__":
    main()
