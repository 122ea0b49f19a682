"""Kill it, run it again: a study ends with exactly the rows an uninterrupted run writes."""

import contextlib
import random
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from helpers.env import CI
from helpers.rows import COMPARED, KEY
from helpers.rows import rows as study_rows

from batchlab.run import run_study
from batchlab.store import Store

SPEC = """
name = "kill-loop"
description = "3 batch sizes x 2 rates x 2 seeds, killed at random moments"
dataset = "blobs"
epochs = 100

[model]
kind = "mlp"
hidden = [16]

[optimizer]
name = "sgd"

[sweep]
batch_size = [4, 16, "full"]
learning_rate = [0.01, 0.05]
momentum = [0.9]
seeds = 2
"""


def batchlab(*args, store):
    cmd = [
        sys.executable,
        "-m",
        "batchlab.cli",
        "run",
        *args,
        "--store",
        str(store),
        "--no-report",
        "--quiet",
        "--commit-every",
        "0.05",
    ]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_progress(store, count, proc, timeout=120.0):
    """Return once the store holds more than ``count`` history rows (or the run ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if store.exists():
            with contextlib.closing(sqlite3.connect(store, timeout=30)) as con:
                try:
                    if con.execute("SELECT count(*) FROM history").fetchone()[0] > count:
                        return
                except sqlite3.OperationalError:  # the file is there, its tables not yet
                    pass
        time.sleep(0.1)


def registered(store):
    with Store(store, create=False) as st:
        return "kill-loop" in st.study_names()


def rows(store):
    return study_rows(store, "kill-loop")


def test_kill_loop_ends_with_the_uninterrupted_rows(tmp_path):
    spec = tmp_path / "kill-loop.toml"
    spec.write_text(SPEC)
    store = tmp_path / "killed.db"
    rng = random.Random(2026)
    kills = 3 if CI else 5
    seen = []
    for i in range(kills):
        proc = batchlab(str(spec), store=store)
        if i == 0:
            time.sleep(rng.uniform(1.0, 5.0))  # anywhere: start-up, compilation, first epochs
        else:  # once it is writing again, at a random moment after that
            wait_for_progress(store, seen[-1] if seen else 0, proc)
            time.sleep(rng.uniform(0.0, 0.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.communicate()
        if store.exists() and registered(store):  # a kill may land before the study is
            partial = rows(store)
            assert not partial.duplicated(KEY).any()
            seen.append(len(partial))
            with Store(store, create=False) as st:  # a killed run is not shown 'running'
                assert st.studies().status.tolist() != ["running"]
    proc = batchlab(str(spec), store=store)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert sum(0 < n < 3 * 2 * 2 * 100 for n in seen) >= 2, f"kills did not land mid-study: {seen}"

    reference = tmp_path / "straight.db"
    run_study(spec, store=reference)
    killed, straight = rows(store), rows(reference)
    assert len(killed) == 3 * 2 * 2 * 100
    pd.testing.assert_frame_equal(killed[COMPARED], straight[COMPARED], check_exact=True)
    with Store(store, create=False) as st:
        trials = st.trials("kill-loop")
        assert not trials.trial.duplicated().any() and (trials.status == "done").all()
    # Nothing left behind but the store itself (and SQLite's WAL files).
    leftovers = {p.name for p in tmp_path.iterdir()} - {
        "kill-loop.toml",
        "killed.db",
        "killed.db-wal",
        "killed.db-shm",
        "straight.db",
        "straight.db-wal",
        "straight.db-shm",
    }
    assert not leftovers


def test_a_finished_study_run_again_adds_nothing(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC.replace("epochs = 100", "epochs = 2"))
    store = tmp_path / "s.db"
    first = run_study(spec, store=store)
    before = rows(store)
    again = run_study(spec, store=store)
    assert first.epochs_trained == 3 * 2 and again.epochs_trained == 0
    assert set(again.cohorts_skipped) == set(first.cohorts_run)
    pd.testing.assert_frame_equal(before, rows(store))


def test_a_changed_spec_is_refused_with_the_difference_unless_new(tmp_path):
    from batchlab.errors import SpecError

    spec = tmp_path / "s.toml"
    spec.write_text(SPEC.replace("epochs = 100", "epochs = 1"))
    store = tmp_path / "s.db"
    run_study(spec, store=store)
    rates = ("learning_rate = [0.01, 0.05]", "learning_rate = [0.01, 0.02]")
    spec.write_text(SPEC.replace("epochs = 100", "epochs = 1").replace(*rates))
    try:
        run_study(spec, store=store)
    except SpecError as exc:
        message = str(exc)
    else:
        raise AssertionError("a changed spec was accepted")
    assert "--new" in message and "--name" in message and "more --epochs" in message
    assert "-learning_rate = [0.01, 0.05]" in message
    assert "+learning_rate = [0.01, 0.02]" in message
    report = run_study(spec, store=store, new=True)
    assert report.epochs_trained == 3 and len(rows(store)) == 3 * 2 * 2
    assert sorted(rows(store).learning_rate.unique()) == [0.01, 0.02]


def test_two_processes_two_studies_one_store(tmp_path):
    store = tmp_path / "shared.db"
    procs = []
    for name in ("alpha", "beta"):
        spec = tmp_path / f"{name}.toml"
        spec.write_text(
            SPEC.replace('"kill-loop"', f'"{name}"').replace("epochs = 100", "epochs = 8")
        )
        procs.append(batchlab(str(spec), store=store))
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    with Store(store, create=False) as st:
        for name in ("alpha", "beta"):
            h = st.history(name)
            assert len(h) == 3 * 2 * 2 * 8 and not h.duplicated(KEY).any()
            assert np.isfinite(h.test_accuracy).all()
