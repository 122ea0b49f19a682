"""A study run by another process (``python -m batchlab.cli run``), for the live views."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batchlab.store import Store

STUDY = """\
name = "{name}"
description = "{description}"
dataset = "blobs"
epochs = {epochs}

[model]
kind = "mlp"
hidden = [16]

[optimizer]
name = "sgd"

[sweep]
batch_size = {batch_sizes}
learning_rate = [0.01]
momentum = [0.9]
seeds = {seeds}
"""


class Runner:
    """``batchlab run`` of a small study into ``store``, in another process, committing
    every epoch."""

    def __init__(
        self,
        folder: Path,
        name: str,
        epochs: int,
        batch_sizes,
        seeds: int = 1,
        description: str = "a live test",
    ):
        self.name = name
        self.store = folder / "live.db"
        spec = folder / f"{name}.toml"
        spec.write_text(
            STUDY.format(
                name=name,
                description=description.replace('"', '\\"'),
                epochs=epochs,
                batch_sizes=list(batch_sizes),
                seeds=seeds,
            ),
            encoding="utf-8",
        )
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        self.log = open(folder / "runner.log", "w+b")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "batchlab.cli",
                "run",
                str(spec),
                "--store",
                str(self.store),
                "--no-report",
                "--commit-every",
                "0",
                "-q",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def trial_epochs(self) -> int:
        """History rows committed so far (0 before the study exists)."""
        if not self.store.exists():
            return 0
        with Store(self.store, create=False) as st:
            if st.get_study(self.name) is None:
                return 0
            return len(st.history(self.name))

    def wait_for(self, condition, timeout: float = 240.0, what: str = "the runner") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc.poll() not in (None, 0):
                raise AssertionError(f"the runner failed:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{self.output()}")
            time.sleep(0.1)

    def finish(self, timeout: float = 240.0) -> None:
        rc = self.proc.wait(timeout=timeout)
        assert rc == 0, self.output()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()


@pytest.fixture
def runner(tmp_path):
    """``runner(name, epochs, batch_sizes, seeds=1)`` starts a study in another process;
    every runner started is stopped after the test."""
    started: list[Runner] = []

    def start(*args, **kwargs) -> Runner:
        started.append(Runner(tmp_path, *args, **kwargs))
        return started[-1]

    yield start
    for r in started:
        r.stop()
