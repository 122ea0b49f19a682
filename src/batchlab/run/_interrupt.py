"""Ctrl-C during a run is never lost.

Python raises KeyboardInterrupt wherever the main thread is when SIGINT arrives. Inside a
garbage-collection callback (JAX registers one) the exception is printed as "Exception
ignored" and dropped, and the run would go on to its end. So while a study runs, SIGINT also
sets a flag, and the run's progress callbacks (every epoch of every cohort) raise
KeyboardInterrupt when it is set: the run stops at the latest one epoch later.
"""

from __future__ import annotations

import signal
import threading


class Interrupts:
    """A context in which SIGINT is remembered as well as raised (main thread only; a
    handler other than Python's default is left alone)."""

    def __init__(self) -> None:
        self.flag = threading.Event()
        self._previous = None

    def __enter__(self) -> Interrupts:
        main = threading.current_thread() is threading.main_thread()
        if main and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.flag.set()
        raise KeyboardInterrupt

    def check(self) -> None:
        """Raise KeyboardInterrupt if SIGINT came (even if its exception was dropped)."""
        if self.flag.is_set():
            raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


class Checked:
    """A :class:`batchlab.run.Progress` that checks for Ctrl-C before passing each call on."""

    def __init__(self, progress, interrupts: Interrupts) -> None:
        self._progress = progress
        self._interrupts = interrupts

    def study(self, *args) -> None:
        self._interrupts.check()
        self._progress.study(*args)

    def cohort(self, *args) -> None:
        self._interrupts.check()
        self._progress.cohort(*args)

    def epoch(self, *args) -> None:
        self._interrupts.check()
        self._progress.epoch(*args)

    def cohort_done(self, *args) -> None:
        self._interrupts.check()
        self._progress.cohort_done(*args)
