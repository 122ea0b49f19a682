"""Ctrl-C during a run is never lost.

Python raises KeyboardInterrupt wherever the main thread is when SIGINT arrives. Inside a
garbage-collection callback (JAX registers one) the exception is printed as "Exception
ignored" and dropped, and the run would go on to its end. So while a study runs, SIGINT also
sets a flag, and the run's progress callbacks (every epoch of every cohort) raise
KeyboardInterrupt when it is set: the run stops at the latest one epoch later.

SIGTERM (``kill PID``, a job scheduler's stop) is handled the same way, raising
:class:`Terminated` (a KeyboardInterrupt), so the run saves what it has and marks the study
interrupted; the command line exits 143 (128 + 15) instead of Ctrl-C's 130.
"""

from __future__ import annotations

import signal
import threading


class Terminated(KeyboardInterrupt):
    """SIGTERM during a run: stops it as Ctrl-C does (exit code 143 from the command line)."""

    signum = signal.SIGTERM


def _raise(signum: int) -> None:
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


class Interrupts:
    """A context in which SIGINT and SIGTERM are remembered as well as raised (main thread
    only; a handler other than Python's default one is left alone)."""

    _DEFAULTS = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}

    def __init__(self) -> None:
        self.flag = threading.Event()
        self.signum: int | None = None
        """The signal that came first (SIGINT or SIGTERM), or None."""
        self._previous: dict[int, object] = {}

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for signum, default in self._DEFAULTS.items():
                if signal.getsignal(signum) is default:
                    self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.signum is None:
            self.signum = signum
        self.flag.set()
        _raise(signum)

    def check(self) -> None:
        """Raise KeyboardInterrupt (:class:`Terminated` for SIGTERM) if a signal came, even
        if its exception was dropped."""
        if self.flag.is_set():
            _raise(self.signum)

    def __exit__(self, *exc) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous = {}


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
