"""Files written atomically (a reader sees the old file or the new one, never a partial one), and JSON.

Pure Python: no TensorFlow.
"""
import json
import os

from .errors import ModelFileError


def atomic_write(path, write):
    """Calls write(temp_path), then renames the temp file onto `path`: readers see the old file
    or the new one, never a partial one. The temp name keeps the extension (Keras needs `.h5`)."""
    path = os.fspath(path)
    root, ext = os.path.splitext(path)
    temp = f"{root}.tmp{os.getpid()}{ext}"
    try:
        write(temp)
        with open(temp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.remove(temp)


def write_json(path, obj, indent=1):
    """`obj` as JSON at `path`, atomically; `indent` None: compact, on one line."""
    def write(temp):
        with open(temp, "w") as f:
            json.dump(obj, f, indent=indent, allow_nan=True, separators=None if indent else (",", ":"))
    atomic_write(path, write)


def read_json(path):
    """The JSON file at `path`; ModelFileError if it is not valid JSON (a truncated file, say)."""
    try:
        with open(path) as f:
            return json.load(f)
    except json.JSONDecodeError as error:
        raise ModelFileError(f"{path} is not valid JSON ({error}); it may be truncated.") from None
