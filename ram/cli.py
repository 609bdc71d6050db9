"""The config scripts' command line: `--<field> VALUE` overrides, validation, then training.

Parsing needs no TensorFlow, so `python run_mnist.py --help` answers at once; training modules are
imported after it.
"""
import argparse
import ast
import difflib
import os
import sys

from .config import DEFAULTS, FIELDS, closest_field, make_config
from .errors import RamError
from .run_folder import results_dir_problem


def parse_args(argv, config=None, description=None):
    """Command-line overrides: `--<field> VALUE` for every config field, plus run-control flags.
    Returns the flags, the field overrides and a message for every unknown flag. `config` (the
    script's values) and `description` (its docstring) go into --help."""
    config = config or {}
    parser = argparse.ArgumentParser(description=description or "Train the Recurrent Attention Model.",
                                     usage="%(prog)s [--field-name VALUE ...] [--data PATH] [--fresh] [--overwrite] [--only-run I]",
                                     formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    parser.add_argument("--data", help="the data: a local mnist.npz (Keras layout) instead of downloading; "
                                         "for `images`, your folder tree or .npz")
    parser.add_argument("--fresh", action="store_true",
                        help="start unfinished runs over (without it a run resumes from its checkpoint)")
    parser.add_argument("--overwrite", action="store_true",
                        help="retrain runs that already finished, each in run_<i>.overwrite/ beside it, which "
                             "replaces it when done")
    parser.add_argument("--only-run", type=int, metavar="I",
                        help="train only run_<I> (seed + I) of the config's `runs`: start one process per I to "
                             "train the runs side by side (each rewrites the summary of the finished ones)")
    add_field_flags(parser, config)
    args, unknown = parser.parse_known_args(argv)
    overrides = field_overrides(args)
    if args.data:
        overrides["data_path"] = args.data
    return args, overrides, unknown_arguments(unknown)


def add_field_flags(parser, config, skip=(), title="config fields (this script's value in brackets)"):
    """`--<field> VALUE` (and `--<field_name>`) for every config field but `skip`; `config` (a
    script's values) goes into --help."""
    fields = parser.add_argument_group(title)
    for name in FIELDS:
        if name in skip:
            continue
        spellings = sorted({f"--{name.replace('_', '-')}", f"--{name}"})
        value = config.get(name, DEFAULTS[name])
        fields.add_argument(*spellings, dest=f"field_{name}", metavar="VALUE",
                            help=f"[{value!r}] " + FIELDS[name].doc.replace("%", "%%"))


def field_overrides(args):
    """The config fields given on the command line (parsed by `add_field_flags`): {name: value}."""
    return {name: _parse_value(getattr(args, f"field_{name}")) for name in FIELDS
            if getattr(args, f"field_{name}", None) is not None}


def unknown_arguments(tokens, flags=()):
    """Messages for what argparse did not know: '--lerning-rate 0.1' -> "--lerning-rate: unknown flag
    (did you mean --learning-rate?)"; a word that is no flag's value -> unexpected argument. `flags`: the
    command's own flags (`--images`), suggested before config fields when as close."""
    problems, takes_value = [], False
    for token in tokens:
        if token.startswith("-"):
            flag = token.split("=")[0]
            own = difflib.get_close_matches(flag, flags, n=1, cutoff=0.75)
            close = own[0].lstrip("-") if own else closest_field(flag.lstrip("-"))
            problems.append(f"{flag}: unknown flag" + (f" (did you mean --{close.replace('_', '-')}?)" if close else ""))
            takes_value = "=" not in token
        elif takes_value:
            takes_value = False  # the unknown flag's value
        else:
            problems.append(f"{token}: unexpected argument (flags take the form --field-name VALUE)")
    return problems


def _parse_value(text):
    """'3' -> 3, '1e-3' -> 0.001, 'None' -> None, 'True' -> True, 'lstm' -> 'lstm'."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


INTERRUPTED = 130  # exit status after Ctrl-C, as shells report a process that SIGINT ended


def leave(status, message, now):
    """Prints `message` to stderr and exits with `status`. `now` (the process's own command line):
    with os._exit, skipping interpreter shutdown, where a tf.data iterator's destructor can wait a
    minute on its threads. Safe then: every file is written atomically, and a write in progress has
    finished or been undone before the exception reaches here."""
    if not now:  # a caller in this process (a test) gets the message in the SystemExit of an error
        if status == 1:
            sys.exit(message)
        print(message, file=sys.stderr)
        raise SystemExit(status)
    print(message, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def command_config(config_overrides, argv, description=None):
    """A config script's command line checked before anything trains: returns its flags and the
    validated config (the script's `config_overrides` under the command line's), or raises ConfigError
    naming every problem (unknown flags, bad values, an --only-run outside the runs, a bad results_dir)."""
    args, cli, problems = parse_args(argv, config_overrides, description)
    fields = {**DEFAULTS, **config_overrides, **cli}
    runs, results_dir = fields["runs"], fields["results_dir"]
    if args.only_run is not None and isinstance(runs, int) and not 0 <= args.only_run < runs:
        problems.append(f"--only-run {args.only_run}: must name one of the runs 0 .. {runs - 1} (runs {runs}; raise --runs)")
    problem = results_dir_problem(results_dir) if isinstance(results_dir, str) else None
    if problem:  # one probe of the folder (it makes and removes a temporary folder there)
        problems.append(problem)
    return args, make_config({**config_overrides, **cli}, problems)


def main(config_overrides, argv=None, description=None):
    """Validates the config script's values with the command-line overrides, then trains every run
    (or the one of --only-run). Called with `argv` None (as a program), a stop after TensorFlow has
    started leaves the process at once (`leave`)."""
    now = argv is None
    try:
        args, config = command_config(config_overrides, argv, description)
        from . import training  # TensorFlow from here on
        return training.train_all(config, fresh=args.fresh, overwrite=args.overwrite, only_run=args.only_run)
    except RamError as error:  # every error RAM names (ram/errors.py): one line, no traceback
        leave(1, f"error: {error}", now)
    except KeyboardInterrupt:
        leave(INTERRUPTED, "interrupted: every finished epoch is checkpointed; run the same command to resume.", now)
