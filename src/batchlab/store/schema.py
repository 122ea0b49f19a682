"""The tables of docs/schema.md as pandas column -> dtype maps, and a conformer.

Every layer below the engine speaks these tables. :func:`conform` puts a frame into the
schema's column order and dtypes, and says which columns are missing when it cannot.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from batchlab.errors import StoreError

TRIALS: dict[str, str] = {
    "study": "str",
    "trial": "int64",
    "cohort": "str",
    "seed": "int64",
    "batch_size": "int64",
    "learning_rate": "float64",
    "momentum": "float64",
    "optimizer": "str",
    "warmup_epochs": "float64",
    "epochs": "int64",
    "status": "str",
}
"""trials: one row per trial."""

HISTORY: dict[str, str] = {
    "study": "str",
    "trial": "int64",
    "cohort": "str",
    "seed": "int64",
    "batch_size": "int64",
    "learning_rate": "float64",
    "momentum": "float64",
    "epoch": "int64",
    "updates": "int64",
    "examples_seen": "int64",
    "train_loss": "float64",
    "train_accuracy": "float64",
    "train_loss_end": "float64",
    "train_accuracy_end": "float64",
    "test_loss": "float64",
    "test_accuracy": "float64",
    "wall_seconds": "float64",
    "diverged": "bool",
}
"""history: one row per (trial, epoch)."""

HISTORY_TRIAL_COLUMNS = (
    "study",
    "trial",
    "cohort",
    "seed",
    "batch_size",
    "learning_rate",
    "momentum",
)
"""The history columns that repeat the trial's settings (the store keeps them once, in trials)."""

HISTORY_EPOCH_COLUMNS = tuple(c for c in HISTORY if c not in HISTORY_TRIAL_COLUMNS)
"""The history columns measured per epoch (what ``commit_chunk`` needs besides ``trial``)."""

DIAGNOSTICS: dict[str, str] = {
    "study": "str",
    "trial": "int64",
    "epoch": "int64",
    "quantity": "str",
    "batch_size": "Int64",
    "stat": "str",
    "value": "float64",
}
"""diagnostics: gradient statistics, long format (batch_size is nullable)."""

TRIAL_STATUSES = ("pending", "running", "done")


def _dtype(name: str):
    return str if name == "str" else name


def empty(schema: Mapping[str, str]) -> pd.DataFrame:
    """An empty frame with the schema's columns and dtypes."""
    return pd.DataFrame({c: pd.Series([], dtype=_dtype(t)) for c, t in schema.items()})


def conform(frame: pd.DataFrame, schema: Mapping[str, str], what: str) -> pd.DataFrame:
    """``frame``'s schema columns, in schema order and dtypes (a new frame, index 0..n-1).

    Raises StoreError naming the missing columns or a column that does not convert.
    """
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise StoreError(f"{what} is missing column(s) {', '.join(missing)}")
    out = {}
    for column, dtype in schema.items():
        values = frame[column].reset_index(drop=True)
        if dtype not in ("float64", "Int64") and values.isna().any():
            raise StoreError(f"{what}: column {column!r} has missing values")
        try:
            converted = values.astype(_dtype(dtype))
            if dtype in ("int64", "Int64") and pd.api.types.is_float_dtype(values):
                if not (converted.astype("float64") == values)[values.notna()].all():
                    raise ValueError("it holds non-integer numbers")
        except (ValueError, TypeError) as exc:
            raise StoreError(f"{what}: column {column!r} is not {dtype}: {exc}") from None
        out[column] = converted
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
