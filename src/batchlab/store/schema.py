"""The tables of docs/schema.md as pandas column -> dtype maps, and a conformer.

Every layer below the engine speaks these tables. :func:`conform` puts a frame into the
schema's column order and dtypes, and says which columns are missing when it cannot.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from batchlab._columns import (
    DIAGNOSTICS,
    HISTORY,
    HISTORY_EPOCH_COLUMNS,
    HISTORY_TRIAL_COLUMNS,
    TRIALS,
)
from batchlab.errors import StoreError

__all__ = [
    "DIAGNOSTICS",
    "HISTORY",
    "HISTORY_EPOCH_COLUMNS",
    "HISTORY_TRIAL_COLUMNS",
    "TRIALS",
    "conform",
    "empty",
]


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
