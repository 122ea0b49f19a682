"""SIGTERM (``kill PID``, a scheduler's stop) is handled as Ctrl-C is: the run saves what it
has, says so, leaves the study 'interrupted' and exits 143 (128 + 15)."""

from __future__ import annotations

import signal
import subprocess

from helpers.cli import cli, command, env, ok
from helpers.signalled import TOTAL, history_rows, run_args, wait_for_rows


def test_sigterm_saves_says_what_was_saved_exits_143_and_resumes(tmp_path):
    store, args = run_args(tmp_path, "sigterm")
    proc = subprocess.Popen(
        command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env()
    )
    wait_for_rows(proc, store)
    assert proc.poll() is None, proc.communicate()  # still training when the signal comes
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 143, err
    message = " ".join(err.split())
    assert "Traceback" not in err
    assert "stopped by SIGTERM" in message, err
    assert "study 'sigterm' saved " in message, err
    assert "run the same command to resume" in message, err
    saved = history_rows(store)
    assert 0 < saved < TOTAL
    listed = ok(cli("ls", "--store", store))
    assert "interrupted" in listed.out and "running" not in listed.out, listed.out
    # The same command resumes it exactly: test_interrupt.py checks that path (one path for
    # both signals: run/_interrupt.py).


def test_the_handlers_are_put_back_after_a_run():
    from batchlab.run._interrupt import Interrupts, Terminated

    # Interrupts leaves another library's handler alone (ray.init installs one for SIGTERM,
    # and a Ray test may have run in this worker before): start from the default here
    others = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        _handlers_put_back(Interrupts, Terminated)
    finally:
        signal.signal(signal.SIGTERM, others)


def test_another_librarys_handler_is_left_alone():
    from batchlab.run._interrupt import Interrupts

    def theirs(signum, frame):  # pragma: no cover
        pass

    others = signal.signal(signal.SIGTERM, theirs)
    try:
        with Interrupts():
            assert signal.getsignal(signal.SIGTERM) is theirs
        assert signal.getsignal(signal.SIGTERM) is theirs
    finally:
        signal.signal(signal.SIGTERM, others)


def _handlers_put_back(Interrupts, Terminated):
    before = signal.getsignal(signal.SIGTERM)
    with Interrupts() as interrupts:
        assert signal.getsignal(signal.SIGTERM) is not before
        try:
            signal.raise_signal(signal.SIGTERM)
        except Terminated:
            pass  # dropped, as in a gc callback: the next check raises it again
        try:
            interrupts.check()
        except Terminated as exc:
            assert isinstance(exc, KeyboardInterrupt)
        else:  # pragma: no cover
            raise AssertionError("check() did not raise Terminated")
    assert signal.getsignal(signal.SIGTERM) is before
