"""A study run in another process, signalled once it has committed its first rows: what the
Ctrl-C and SIGTERM tests share."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

#: a study of 2 x 2 trials and 40 epochs each ({name} to fill in): long enough to be stopped
SPEC = """
name = "{name}"
dataset = "blobs"
epochs = 40

[model]
kind = "mlp"
hidden = [16]

[sweep]
batch_size = [8, "full"]
learning_rate = [0.05]
seeds = 2
"""
TOTAL = 2 * 2 * 40
"""History rows of the whole study."""


def history_rows(store: Path) -> int:
    """History rows committed so far (0 before the tables exist)."""
    try:
        with sqlite3.connect(store, timeout=30) as con:
            return con.execute("SELECT count(*) FROM history").fetchone()[0]
    except sqlite3.OperationalError:  # the file is there, its tables not yet
        return 0


def run_args(folder: Path, name: str) -> tuple[Path, list[str]]:
    """Write the study file into ``folder``; (its store, the ``batchlab run`` arguments)."""
    spec = folder / f"{name}.toml"
    spec.write_text(SPEC.format(name=name))
    store = folder / "s.db"
    args = ["run", str(spec), "--store", str(store), "--no-report", "-q", "--commit-every", "0"]
    return store, args


def wait_for_rows(proc: subprocess.Popen, store: Path) -> None:
    """Until ``store`` holds history rows (the run is training) or ``proc`` has ended."""
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if store.exists() and history_rows(store) > 0:
            break
        time.sleep(0.05)
