"""What every probe starts with: a config script's name, a trained model of it, the data.

Run a probe as a module from the repository: `python -m tools.probes.error_distance CONFIG MODEL`."""
import argparse

import ram
from ram.cli import add_field_flags, field_overrides
from ram.scripts import script_config


def parser(doc):
    """Command line `CONFIG MODEL [--data PATH]`, described by the first paragraph of `doc`."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0], allow_abbrev=False,
                                usage="%(prog)s config model [--data PATH] [--field-name VALUE ...]")
    p.add_argument("config", help="config script, e.g. run_translated_mnist")
    p.add_argument("model", help="a trained model of that config (.h5)")
    p.add_argument("--data", help="local mnist.npz")
    add_field_flags(p, {}, skip=("data_path",), title="config fields the model was trained with on the command line "
                                                      "(default in brackets)")
    return p


def load(parser, datasets=None):
    """Parses the command line; returns the config, the model (checked against it) and its data.
    With `datasets`, a config of another data set is a command-line error."""
    args = parser.parse_args()
    config = script_config(args.config, field_overrides(args), data_path=args.data)
    if datasets and config.dataset not in datasets:
        parser.error(f"{args.config} trains on `{config.dataset}`; this probe is for {' or '.join(datasets)}")
    return args, config, ram.load_model(args.model, expected=config), ram.load_data(config)
