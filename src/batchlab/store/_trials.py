"""What the trackers (MLflow, TensorBoard) say about each trial: its name, settings, metrics.

Both exports take a trial's settings and its per-epoch metrics from here, so a trial reads the
same in MLflow's table as in TensorBoard's.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from batchlab._columns import EPOCH_METRICS

SETTINGS = (
    "batch_size",
    "learning_rate",
    "momentum",
    "seed",
    "optimizer",
    "warmup_epochs",
    "epochs",
    "cohort",
)
"""The trial columns logged as its settings (MLflow params, TensorBoard hparams)."""

METRICS = (*EPOCH_METRICS, "updates", "examples_seen", "wall_seconds")
"""The history columns logged per epoch (step = the epoch)."""


def run_name(trial: pd.Series) -> str:
    """A trial's run name, made of numbers only (safe as a folder name).

    Example:
        >>> run_name(pd.Series({"trial": 3, "batch_size": 32, "learning_rate": 0.01,
        ...                     "seed": 1}))
        'trial-003_bs32_lr0.01_seed1'
    """
    return (
        f"trial-{int(trial['trial']):03d}_bs{int(trial['batch_size'])}"
        f"_lr{float(trial['learning_rate']):g}_seed{int(trial['seed'])}"
    )


def settings(trial: pd.Series) -> dict[str, Any]:
    """The trial's :data:`SETTINGS` as plain Python values (bool, int, float, str)."""
    out: dict[str, Any] = {}
    for name in SETTINGS:
        value = trial[name]
        out[name] = value.item() if hasattr(value, "item") else value
    return out


def final_metrics(history: pd.DataFrame) -> pd.DataFrame:
    """One row per trial: its last epoch's :data:`METRICS` (index: trial)."""
    last = history.sort_values(["trial", "epoch"]).groupby("trial").tail(1)
    return last.set_index("trial")[["epoch", *METRICS]]
