"""Training and evaluation speed of the shipped configs, and time to accuracy.

    python -m bench                     # every config x core x batch size: img/s, compile, RSS
    python -m bench --tiny              # a few steps of one case (checks the benchmark runs)
    python -m bench --time-to-accuracy run_mnist [-- --core rnn ...]   # minutes to the paper's test error
    python -m bench --paired run_mnist_fast -- --batch-size 256         # a config change's speed, in one process
    python -m bench --shipped --backend both   # each shipped config as it trains, on TensorFlow and JAX in turn

Each case runs in its own process (clean peak RSS). Prints a table; writes JSON with the machine's
core count and library versions (default bench/results/<date>.json).
"""
import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from bench.flops import chosen_locations, matmul_multiply_adds, ram_multiply_adds  # noqa: E402

CONFIGS = ("run_mnist", "run_translated_mnist", "run_cluttered_mnist", "run_cluttered_mnist_100")
SHIPPED = ("run_mnist", "run_mnist_fast", "run_translated_mnist", "run_cluttered_mnist", "run_cluttered_mnist_100")
BACKENDS = ("tensorflow", "jax")
from ram.cores import CORES  # noqa: E402
BATCHES = (32, 128)


def _config(config_name, **overrides):
    from ram.scripts import script_config
    return script_config(config_name, **overrides)


def measure_case(config_name, core, batch, seconds, repeats, mnist_path):
    """Steady-state training img/s (median and range of `repeats` windows), evaluation img/s,
    compile time and peak RSS, for one config / core / batch size (None: the config's) on the backend
    KERAS_BACKEND names."""
    import keras
    import ram
    from ram.training import build_model
    fields = {k: v for k, v in (("core", core), ("batch_size", batch)) if v is not None}
    config = _config(config_name, **fields, data_path=mnist_path)
    core, batch = config.core, config.batch_size
    data = ram.load_data(config)
    model = build_model(config, data.steps_per_epoch)
    stamps = []  # one per compiled call of `steps_per_execution` steps
    timer = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: stamps.append(time.perf_counter()))
    per_call = config.steps_per_execution
    warmup = 4  # calls
    start = time.perf_counter()
    model.fit(data.train(config.seed), steps_per_epoch=warmup * per_call, epochs=1, verbose=0, callbacks=[timer],
              shuffle=False)
    compile_seconds = stamps[0] - start
    call_seconds = (stamps[-1] - stamps[1]) / (warmup - 2)
    calls = max(2, int(seconds / repeats / call_seconds))
    stamps.clear()
    model.fit(data.train(config.seed), steps_per_epoch=(warmup + calls * repeats) * per_call, epochs=1, verbose=0,
              callbacks=[timer], shuffle=False)
    train = [calls * per_call * batch / (stamps[warmup + (r + 1) * calls - 1] - stamps[warmup + r * calls - 1])
             for r in range(repeats)]
    batches = iter(data.train(config.seed))
    next(batches)
    start, count = time.perf_counter(), 0
    while time.perf_counter() - start < min(2.0, seconds / repeats):  # the input pipeline alone
        next(batches)
        count += 1
    data_img_s = count * batch / (time.perf_counter() - start)
    test = data.test()
    model.evaluate(test, verbose=0)  # compile
    evaluation = []
    for _ in range(repeats):
        t = time.perf_counter()
        model.evaluate(test, verbose=0)
        evaluation.append(len(data.x_test) / (time.perf_counter() - t))
    return {"config": config_name, "backend": keras.backend.backend(), "core": core, "batch_size": batch,
            "train_mflop_per_image": train_flops_per_image(model) / 1e6,
            "train_img_s": statistics.median(train), "train_img_s_range": [min(train), max(train)],
            "data_img_s": data_img_s,
            "eval_img_s": statistics.median(evaluation), "eval_img_s_range": [min(evaluation), max(evaluation)],
            "compile_seconds": compile_seconds, "steps_timed": calls * per_call * repeats,
            "steps_per_execution": per_call,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def train_flops_per_image(model):
    """Multiply-add FLOPs of one training image: every weight matrix times the steps that use it (the
    evaluation pass's, bench.flops, and the baseline at every chosen location), forward once and backward
    twice (inputs and weights); a convolution's kernel (`glimpse_conv`) counts at every output pixel. The
    sensor's gathers, the context network's coarse average and the elementwise work are left out."""
    parts = ram_multiply_adds(model)
    forward = parts["glimpse_network"] + parts["core"] + parts["policy"] + parts["classifier"] \
        + chosen_locations(model) * matmul_multiply_adds(model.baseline)
    if model.context_network is not None:
        forward += matmul_multiply_adds(model.context_network)
    return 3 * 2 * forward


def matmul_gflops(batch=128, inner=512, outer=1024, seconds=5):
    """GFLOP/s of an XLA-compiled (batch x inner) @ (inner x outer) product, the size of one LSTM step."""
    import tensorflow as tf
    a, b = tf.random.normal((batch, inner)), tf.random.normal((inner, outer))
    repeat = 50

    @tf.function(jit_compile=True)
    def products(a):
        for _ in range(repeat):  # a chain, so no product can be skipped
            a = a + tf.matmul(a, b)[:, :inner] * 1e-9
        return a
    products(a).numpy()
    rates = []
    for _ in range(5):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 5:
            products(a).numpy()
            calls += 1
        rates.append(calls * repeat * 2 * batch * inner * outer / (time.perf_counter() - start) / 1e9)
    return statistics.median(rates)


PAPER_ERROR = {"run_mnist": 0.0112, "run_mnist_fast": 0.0112, "run_translated_mnist": 0.0120, "run_cluttered_mnist": 0.0404,
               "run_cluttered_mnist_100": 0.1083}  # one glimpse sequence, NIPS 2014 (100x100: arXiv)


def time_to_accuracy(config_name, mnist_path, extra_args, results_dir):
    """Trains a config script's defaults (plus `extra_args`, its command-line flags) testing every epoch;
    returns the wall minutes (training, validation and the per-epoch tests) until the deterministic test
    error first reaches the paper's, and the epoch."""
    import importlib
    import ram.cli
    target = PAPER_ERROR[config_name]
    ram.cli.main(importlib.import_module(config_name).CONFIG,
                 ["--test-every", "1", "--results-dir", results_dir, "--overwrite"] + (["--data", mnist_path] if mnist_path else [])
                 + extra_args)
    with open(os.path.join(results_dir, "run_0", "results.json")) as f:
        doc = json.load(f)
    history = doc["history"]
    hit = next((h for h in history if 1 - h["test_accuracy"] <= target + 1e-9), None)
    return {"config": config_name, "extra_args": extra_args, "paper_error": target, "epochs_run": len(history),
            "best_test_error": min(1 - h["test_accuracy"] for h in history), "final_test_error": doc["test_error"],
            "minutes_to_paper_error": None if hit is None else hit["elapsed_seconds"] / 60,
            "epochs_to_paper_error": None if hit is None else hit["epoch"], "run_minutes": doc["wall_seconds"] / 60}


def paired(config_name, extra_args, mnist_path, seconds, repeats):
    """Training img/s of a config script's values against the same with `extra_args` (its flags): both
    models built in one process and timed in alternating windows, so that the host's drift between
    processes (+-25% here) falls on both alike. Returns each side's median and windows, and the ratio."""
    import importlib
    import ram
    from ram.cli import parse_args
    from ram.training import build_model
    _, changes, problems = parse_args(extra_args, importlib.import_module(config_name).CONFIG)
    if problems or not changes:
        raise SystemExit("error: --paired needs config flags after --, e.g. -- --batch-size 256"
                         + "".join(f"\n  {p}" for p in problems))
    sides = {}
    for name, fields in (("config", {}), ("changed", changes)):
        config = _config(config_name, **fields, data_path=mnist_path)
        data = ram.load_data(config)
        model = build_model(config, data.steps_per_epoch)
        batches = data.train(config.seed)
        per_call = config.steps_per_execution
        model.fit(batches, steps_per_epoch=2 * per_call, epochs=1, verbose=0, shuffle=False)  # compile
        start = time.perf_counter()
        model.fit(batches, steps_per_epoch=2 * per_call, epochs=1, verbose=0, shuffle=False)
        call_seconds = (time.perf_counter() - start) / 2
        calls = max(2, int(seconds / repeats / call_seconds))  # about seconds / repeats per window
        sides[name] = {"model": model, "batches": batches, "steps": calls * per_call, "batch_size": config.batch_size,
                       "img_s": []}
    for _ in range(repeats):
        for side in sides.values():
            start = time.perf_counter()
            side["model"].fit(side["batches"], steps_per_epoch=side["steps"], epochs=1, verbose=0, shuffle=False)
            side["img_s"].append(side["steps"] * side["batch_size"] / (time.perf_counter() - start))
    result = {"config": config_name, "changes": changes, "windows": repeats}
    for name, side in sides.items():
        result[name] = {"train_img_s": statistics.median(side["img_s"]), "windows_img_s": side["img_s"],
                        "batch_size": side["batch_size"], "steps_per_window": side["steps"]}
    result["speedup"] = result["changed"]["train_img_s"] / result["config"]["train_img_s"]
    return result


def machine():
    import jax
    import keras
    import numpy
    import tensorflow as tf
    return {"cpu_count": os.cpu_count(), "cpu": _cpu(), "platform": platform.platform(), "python": platform.python_version(),
            "tensorflow": tf.__version__, "jax": jax.__version__, "keras": keras.__version__, "numpy": numpy.__version__,
            "date": datetime.datetime.now().isoformat(timespec="seconds")}


def _cpu():
    from ram.results import cpu_model
    return cpu_model()


def _run_case_in_subprocess(case, args):
    case = dict(case)
    command = [sys.executable, "-m", "bench", "--case", json.dumps(case), "--seconds", str(args.seconds),
               "--repeats", str(args.repeats)] + (["--data", args.data] if args.data else [])
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": case.pop("backend")}
    command[command.index("--case") + 1] = json.dumps(case)
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"bench case {case} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(rows, gflops):
    """Markdown table; `ceiling` is the img/s if every training FLOP ran at the measured matmul rate."""
    lines = [f"matmul (128x512 @ 512x1024, XLA): {gflops:.0f} GFLOP/s", "",
             "| config | backend | core | batch | train img/s (median, range) | input pipeline img/s | MFLOP/img "
             "| ceiling img/s | eval img/s | compile s | peak RSS MiB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lo, hi = r["train_img_s_range"]
        ceiling = gflops * 1e3 / r["train_mflop_per_image"]
        lines.append(f"| {r['config']} | {r['backend']} | {r['core']} | {r['batch_size']} | {r['train_img_s']:,.0f} ({lo:,.0f}-{hi:,.0f}) "
                     f"| {r['data_img_s']:,.0f} | {r['train_mflop_per_image']:.1f} | {ceiling:,.0f} | {r['eval_img_s']:,.0f} | {r['compile_seconds']:.1f} | {r['peak_rss_mib']:,.0f} |")
    return "\n".join(lines)


def backend_ratios(rows):
    """Lines comparing JAX with TensorFlow where both ran the same case: training, evaluation, compile."""
    by_case = {}
    for r in rows:
        by_case.setdefault((r["config"], r["core"], r["batch_size"]), {})[r["backend"]] = r
    lines = []
    for (config, core, batch), pair in by_case.items():
        if len(pair) == 2:
            t, j = pair["tensorflow"], pair["jax"]
            lines.append(f"{config} ({core}, batch {batch}): JAX / TensorFlow training img/s x{j['train_img_s'] / t['train_img_s']:.2f}, "
                         f"evaluation x{j['eval_img_s'] / t['eval_img_s']:.2f}, compile {j['compile_seconds']:.1f} s "
                         f"against {t['compile_seconds']:.1f} s")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="local mnist.npz (else $RAM_MNIST, else Keras's download)")
    parser.add_argument("--seconds", type=float, default=30, help="timed training seconds per case (default 30)")
    parser.add_argument("--repeats", type=int, default=3, help="timed windows per case; the table shows their median "
                                                                "and range (default 3)")
    parser.add_argument("--tiny", action="store_true", help="one small case (about half a minute: start-up, XLA compilation, a few timed steps; the tests run it)")
    parser.add_argument("--time-to-accuracy", metavar="CONFIG", choices=sorted(PAPER_ERROR),
                        help="a full training of CONFIG's defaults (flags after -- change them), testing every epoch: "
                             "minutes until one glimpse sequence reaches the paper's test error")
    parser.add_argument("--paired", metavar="CONFIG", choices=sorted(PAPER_ERROR), help="training speed of CONFIG's values against the same with "
                        "the flags after --, both in one process, timed in alternating windows")
    parser.add_argument("config_args", nargs=argparse.REMAINDER, help="after --: flags for --time-to-accuracy's "
                                                                       "or --paired's config, e.g. -- --core rnn")
    parser.add_argument("--shipped", action="store_true", help="each shipped config script as it trains (its own core and "
                        "batch size) instead of every config x core x batch size")
    parser.add_argument("--backend", choices=BACKENDS + ("both",), default=os.environ.get("KERAS_BACKEND", "tensorflow"),
                        help="Keras backend (default: $KERAS_BACKEND, else tensorflow); `both`: every case on "
                             "each, in turn (cases only)")
    parser.add_argument("--out", help="JSON output path (default bench/results/<date>.json)")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: one case, JSON on stdout
    args = parser.parse_args(argv)
    if args.paired and args.time_to_accuracy:
        parser.error("--paired and --time-to-accuracy are separate runs: give one")
    if args.backend == "both" and (args.paired or args.time_to_accuracy):
        parser.error("--backend both times the cases; --paired and --time-to-accuracy run in one process: "
                     "give --backend tensorflow or jax")
    if args.backend != "both":
        os.environ["KERAS_BACKEND"] = args.backend  # before Keras loads (in this process and the cases')
    if args.case:
        print(json.dumps(measure_case(**json.loads(args.case), seconds=args.seconds, repeats=args.repeats,
                                      mnist_path=args.data)))
        return
    report = {"machine": machine()}
    extra = args.config_args[1:] if args.config_args[:1] == ["--"] else args.config_args
    if args.paired:
        if args.tiny:
            args.seconds, args.repeats = 1, 2
        r = report["paired"] = paired(args.paired, extra, args.data, args.seconds, args.repeats)
        for name, label in (("config", args.paired), ("changed", f"with {' '.join(extra)}")):
            print(f"{label}: {r[name]['train_img_s']:,.0f} training img/s (median; windows "
                  + ", ".join(f"{v:,.0f}" for v in r[name]["windows_img_s"]) + ")")
        print(f"speed-up: x{r['speedup']:.2f}")
    elif args.time_to_accuracy:
        report["time_to_accuracy"] = time_to_accuracy(args.time_to_accuracy, args.data, extra,
                                                      os.path.join(ROOT, "bench", "results", "time_to_accuracy"))
        print(json.dumps(report["time_to_accuracy"], indent=1))
    else:
        cases = ([{"config_name": "run_mnist", "core": "rnn", "batch": 32}] if args.tiny else
                 [{"config_name": c, "core": None, "batch": None} for c in SHIPPED] if args.shipped else
                 [{"config_name": c, "core": k, "batch": b} for c in CONFIGS for k in CORES for b in BATCHES])
        backends = BACKENDS if args.backend == "both" else (args.backend,)
        cases = [{**case, "backend": b} for case in cases for b in backends]  # the backends in turn, case by case
        if args.tiny:
            args.seconds, args.repeats = 1, 3
        report["cases"] = [_run_case_in_subprocess(case, args) for case in cases]
        report["matmul_gflops"] = matmul_gflops(seconds=1 if args.tiny else 5)
        print(table(report["cases"], report["matmul_gflops"]))
        for line in backend_ratios(report["cases"]):
            print(line)
    path = args.out or os.path.join(ROOT, "bench", "results", f"{datetime.date.today().isoformat()}.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    from ram.files import write_json
    write_json(path, report)
    print(f"written: {path}")
    return report
