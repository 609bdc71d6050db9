"""The errors RAM reports to its user: each names what is wrong and how to fix it.

Every one is a `RamError`; a command line (`ram.cli`, evaluate.py, `python -m ram.results`,
tools/baselines.py) catches that one type and prints `error: <message>`, without a traceback.
Anything else that escapes is a bug. Pure Python: no TensorFlow.
"""


class RamError(Exception):
    """Base of every error RAM reports as one line."""


class ConfigError(RamError, ValueError):
    """A config field is unknown, of the wrong type or out of range."""


class BackendError(RamError, RuntimeError):
    """A backend RAM does not run on, or a distribute setting the backend lacks."""


class DataError(RamError, RuntimeError):
    """The data set is missing, unreadable or of the wrong shape."""


class ModelFileError(RamError, ValueError):
    """A model, weights, checkpoint or results file is missing, unreadable, or of another config."""


class RunFolderError(RamError, ValueError):
    """A results or run folder is not this command's to use: another process trains the run, it holds a
    finished run of another config, or it holds no finished run."""


class TrainingError(RamError, RuntimeError):
    """Training stopped on a fault (non-finite loss); the last checkpoint is kept."""
