"""Ctrl-C trial: starts a tiny run of a config script N times, sends SIGINT at a random moment (during
start-up or training), and checks that each process exits within a few seconds with status 130.

    RAM_MNIST=/path/to/mnist.npz python -m tools.interrupt_trial --tries 20

Prints one line per try and a summary; exits 1 if any try failed. A SIGINT that lands while the
process starts, before `ram` has loaded TensorFlow, ends it by the signal itself (return code -2,
which a shell reports as 130); those count as passes and are listed apart.
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--train-size", "512", "--validation-size", "200", "--epochs", "1000", "--batch-size", "64",
        "--glimpse-hidden", "16", "--location-hidden", "8", "--glimpse-size", "32", "--core-size", "32",
        "--policy-hidden", "16", "--glimpses", "4", "--test-every", "1000", "--jit-compile", "False",
        "--steps-per-execution", "1", "--early-stopping-patience", "0"]  # it never ends before the SIGINT
STARTED = ": train = "  # the legend line a run prints when its training begins


def one_try(script, data, delay, limit, results_dir, extra=()):
    """Starts the run, waits `delay` seconds after start, sends SIGINT; returns (exit code or None if
    it outlived `limit` seconds, seconds from SIGINT to exit, whether training had begun, output)."""
    command = [sys.executable, os.path.join(ROOT, script), "--results-dir", results_dir, *TINY, *extra]
    if data:
        command += ["--data", data]
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    p = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, started = [], threading.Event()

    def read():
        for line in p.stdout:
            lines.append(line)
            if STARTED in line:
                started.set()
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(delay)
    if p.poll() is not None:
        reader.join(5)
        return p.returncode, None, started.is_set(), "".join(lines)
    was_training = started.is_set()
    p.send_signal(signal.SIGINT)
    sent = time.perf_counter()
    try:
        code = p.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        code = None
        p.kill()
        p.wait()
    seconds = time.perf_counter() - sent
    reader.join(5)
    return code, seconds, was_training, "".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument("--max-delay", type=float, default=30.0,
                        help="SIGINT at a uniform random moment this many seconds after start at most (default 30)")
    parser.add_argument("--within", type=float, default=5.0, help="seconds from SIGINT to exit allowed (default 5)")
    parser.add_argument("--limit", type=float, default=120.0, help="kill a process that outlives SIGINT this long")
    parser.add_argument("--script", default="run_mnist.py", help="config script (default run_mnist.py)")
    parser.add_argument("--data", default=os.environ.get("RAM_MNIST"), help="mnist.npz (default $RAM_MNIST)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random moments")
    parser.add_argument("--log-dir", help="write the whole output of each failed try here (try_<n>.log)")
    args, extra = parser.parse_known_args(argv)
    rng = random.Random(args.seed)
    passed, by_signal = 0, 0
    for i in range(args.tries):
        delay = rng.uniform(0.5, args.max_delay)
        with tempfile.TemporaryDirectory(prefix="interrupt_trial_") as folder:
            code, seconds, training, out = one_try(args.script, args.data, delay, args.limit, folder, extra)
        if seconds is None:
            print(f"try {i + 1:2d}: SIGINT at {delay:4.1f} s: the run had already ended (status {code}):\n{out[-2000:]}")
            continue
        ok_code = code == 130 or (code == -signal.SIGINT and not training)
        ok = ok_code and seconds <= args.within
        passed += ok
        by_signal += code == -signal.SIGINT
        phase = "training" if training else "start-up"
        print(f"try {i + 1:2d}: SIGINT at {delay:4.1f} s ({phase}): "
              f"{'exit ' + str(code) if code is not None else 'still running, killed'} after {seconds:.1f} s"
              f"  {'ok' if ok else 'FAILED'}", flush=True)
        if not ok:
            print(out[-2000:])
            if args.log_dir:
                os.makedirs(args.log_dir, exist_ok=True)
                with open(os.path.join(args.log_dir, f"try_{i + 1}.log"), "w") as f:
                    f.write(out)
    print(f"{passed} of {args.tries} tries exited within {args.within:g} s with status 130"
          + (f" ({by_signal} of them by the signal during start-up)" if by_signal else ""))
    return 0 if passed == args.tries else 1


if __name__ == "__main__":
    sys.exit(main())
