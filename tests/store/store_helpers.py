"""Helpers for the store tests: a tiny planned study and engine-like chunk output."""

from __future__ import annotations

import numpy as np
import pandas as pd

from batchlab.run.plan import plan, trials_frame
from batchlab.store import Store
from batchlab.study import Study

N_TRAIN = 10


def tiny_study(name: str = "tiny", epochs: int = 4) -> Study:
    """2 batch sizes x 1 rate x 2 seeds: cohorts bs2-sgd (trials 0, 1), bs10-sgd (2, 3)."""
    return Study(
        name=name,
        dataset="blobs",
        epochs=epochs,
        sweep={"batch_size": [2, "full"], "learning_rate": [0.1], "seeds": 2},
    )


def history_rows(trials, epochs, *, loss=0.5) -> pd.DataFrame:
    """Engine-like history rows for ``trials`` x ``epochs``."""
    rows = []
    for t in trials:
        for e in epochs:
            rows.append(
                {
                    "trial": t,
                    "epoch": e,
                    "updates": e * 5,
                    "examples_seen": e * N_TRAIN,
                    "train_loss": loss / e,
                    "train_accuracy": 0.5,
                    "train_loss_end": loss / (e + 1),
                    "train_accuracy_end": 0.6,
                    "test_loss": loss,
                    "test_accuracy": 0.1 * t + 0.01 * e,
                    "wall_seconds": 0.25 * e,
                    "diverged": False,
                }
            )
    return pd.DataFrame(rows)


def diagnostics_rows(trials, epoch) -> pd.DataFrame:
    rows = []
    for t in trials:
        rows.append(
            dict(
                trial=t, epoch=epoch, quantity="grad_norm_sq", batch_size=2, stat="mean", value=1.5
            )
        )
        rows.append(
            dict(trial=t, epoch=epoch, quantity="grad_norm_sq", batch_size=2, stat="std", value=0.5)
        )
        rows.append(
            dict(
                trial=t,
                epoch=epoch,
                quantity="distance_from_init",
                batch_size=None,
                stat="value",
                value=2.0,
            )
        )
    return pd.DataFrame(rows)


def checkpoint(k: int, epoch: int) -> dict[str, np.ndarray]:
    return {"dense/kernel": np.full((k, 2, 3), epoch, np.float32), "step": np.array(epoch)}


def add_study(store: Store, study: Study | None = None):
    study = study or tiny_study()
    cohorts = plan(study, N_TRAIN)
    store.create_study(study.to_dict(), study.spec_hash, trials_frame(cohorts, study.name))
    return study, cohorts
