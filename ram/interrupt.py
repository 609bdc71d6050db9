"""Ctrl-C (SIGINT) and SIGTERM during training: stop at once, but never in the middle of an epoch's files."""
import contextlib
import signal


class Interrupt:
    """SIGINT / SIGTERM stop training at once (KeyboardInterrupt: the unfinished epoch is left out and
    redone on resume), except while an epoch's checkpoint is written (`writing`): then right after it.
    A KeyboardInterrupt that Python swallows (raised inside a __del__) is raised again by `check`."""

    def __init__(self):
        self.requested = self.busy = False

    def __enter__(self):
        self.previous = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}
        return self

    def _handle(self, signum, frame):
        first, self.requested = not self.requested, True
        if self.busy and first:  # a second Ctrl-C stops even this; files are written atomically
            print("\nStopping once this epoch's checkpoint is written...", flush=True)
            return
        raise KeyboardInterrupt

    def check(self):
        """Raises KeyboardInterrupt if a stop was asked for."""
        if self.requested and not self.busy:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def writing(self):
        """The block runs to its end whatever signal comes (but a second one); a stop comes after it."""
        self.busy = True
        try:
            yield
        finally:
            self.busy = False
        self.check()

    def __exit__(self, *exc):
        for s, handler in self.previous.items():
            signal.signal(s, handler)
