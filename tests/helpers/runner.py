"""A study run by another process (``python -m batchlab.cli run``), for the live views."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd

from batchlab.run.plan import plan, trials_frame
from batchlab.store import Store
from batchlab.study import Study

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
        start: bool = True,
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
        self.spec = spec
        self.log = open(folder / "runner.log", "w+b")  # noqa: SIM115
        self.proc: subprocess.Popen | None = None
        if start:
            self.start()

    def start(self) -> None:
        """Start the run (once)."""
        assert self.proc is None, "the runner has started already"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        spec = self.spec
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
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
        self.log.close()


class Server:
    """``batchlab serve --port 0`` on ``store`` in another process; ``url`` is the page's."""

    def __init__(self, store: Path, timeout: float = 60.0):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "batchlab.cli",
                "serve",
                "--store",
                str(store),
                "--port",
                "0",
                "--refresh",
                "0.25",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        line = self.proc.stdout.readline()  # "serving http://127.0.0.1:PORT/ (Ctrl-C to stop)"
        if not line.startswith("serving "):
            self.stop()
            raise AssertionError(f"serve did not start: {line}{self.proc.stderr.read()}")
        self.url = line.split()[1]

    def stop(self) -> str:
        """Interrupt the server (as Ctrl-C does); its standard error."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return err


def filler(path, epochs: int = 5, pause: float = 0.05):
    """A study 'w' (batch sizes 2 and 10, 2 seeds) and a thread that commits its epochs one
    at a time, trial 1 diverging at epoch 3."""
    s = Study(
        name="w",
        dataset="blobs",
        epochs=epochs,
        sweep={"batch_size": [2, "full"], "learning_rate": [0.1], "seeds": 2},
    )
    with Store(path) as st:
        st.create_study(s.to_dict(), s.spec_hash, trials_frame(plan(s, 10), s.name))
        trials = st.trials("w")

    def run():
        with Store(path) as st:
            for cohort in ("bs2-sgd", "bs10-sgd"):
                members = trials[trials.cohort == cohort].trial
                for e in range(1, epochs + 1):
                    gone = [t == 1 and e >= 3 for t in members]
                    rows = pd.DataFrame(
                        {
                            "trial": members,
                            "epoch": e,
                            "updates": e,
                            "examples_seen": e,
                            "train_loss": 0.1,
                            "train_accuracy": 0.5,
                            "train_loss_end": 0.1,
                            "train_accuracy_end": 0.5,
                            "test_loss": 0.1,
                            "test_accuracy": [
                                float("nan") if g else 0.1 * e + 0.01 * t
                                for g, t in zip(gone, members, strict=True)
                            ],
                            "wall_seconds": 0.1 * e,
                            "diverged": gone,
                        }
                    )
                    st.commit_chunk("w", cohort, rows, None, e, done=e == epochs)
                    time.sleep(pause)

    return threading.Thread(target=run)
