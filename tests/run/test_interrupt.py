"""Ctrl-C: the run says what it saved, leaves the study 'interrupted', and resumes exactly."""

from __future__ import annotations

import signal
import subprocess
import sys

import pandas as pd
import pytest
from helpers.cli import cli, env, ok
from helpers.rows import COMPARED, rows
from helpers.signalled import TOTAL, history_rows, run_args, wait_for_rows

from batchlab.run import run_study

# SIGINT raises KeyboardInterrupt, as in a terminal, even where the test runner's shell
# started us with SIGINT ignored (background jobs), which a child would inherit.
INTERRUPTIBLE = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from batchlab.cli import main; sys.exit(main(sys.argv[1:]))"
)


def test_ctrl_c_says_what_was_saved_and_the_same_command_resumes(tmp_path):
    store, args = run_args(tmp_path, "ctrl-c")
    spec = args[1]
    proc = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTIBLE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    wait_for_rows(proc, store)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    message = " ".join(err.split())
    assert "Traceback" not in err
    assert "interrupted: study 'ctrl-c' saved " in message, err
    assert "run the same command to resume" in message
    assert " epochs of bs8-sgd" in message or " epochs of bs500-sgd" in message, err
    saved = history_rows(store)
    assert 0 < saved < TOTAL
    listed = ok(cli("ls", "--store", store))
    assert "interrupted" in listed.out and "running" not in listed.out, listed.out

    again = ok(cli(*args))  # the same command resumes, and ends with an uninterrupted run's rows
    assert "interrupted" not in again.err
    reference = tmp_path / "straight.db"
    run_study(spec, store=reference)
    resumed = rows(store, "ctrl-c")
    assert len(resumed) == TOTAL
    pd.testing.assert_frame_equal(resumed[COMPARED], rows(reference, "ctrl-c")[COMPARED])
    assert "done" in ok(cli("ls", "--store", store)).out


def test_a_ctrl_c_whose_exception_was_dropped_still_stops_the_run():
    # In a garbage-collection callback (JAX has one) Python drops the KeyboardInterrupt; the
    # run remembers the signal and its next progress call raises it again.
    from batchlab.run._interrupt import Checked, Interrupts

    calls = []

    class Seen:
        def epoch(self, *args):
            calls.append(args)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with Interrupts() as interrupts:
            progress = Checked(Seen(), interrupts)
            progress.epoch("bs8-sgd", 1)
            try:
                signal.raise_signal(signal.SIGINT)
            except KeyboardInterrupt:
                pass  # dropped, as in a gc callback
            with pytest.raises(KeyboardInterrupt):
                progress.epoch("bs8-sgd", 2)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
    finally:
        signal.signal(signal.SIGINT, previous)
    assert calls == [("bs8-sgd", 1)]
