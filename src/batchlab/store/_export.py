"""Export a study's history as one tidy file: CSV, Parquet or JSON records.

The trackers (MLflow, TensorBoard) are in :mod:`batchlab.store._mlflow` and
:mod:`batchlab.store._tensorboard`.
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd

from batchlab._files import atomic_write
from batchlab.errors import BatchlabError
from batchlab.store._store import Store
from batchlab.store._tables import opened

FORMATS = ("csv", "parquet", "json")
_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".json": "json"}


def tidy(store: Store, study: str) -> pd.DataFrame:
    """One row per (trial, epoch): the history columns, then the trial's ``optimizer`` and
    ``warmup_epochs``."""
    history = store.history(study)
    trials = store.trials(study)[["trial", "optimizer", "warmup_epochs"]]
    return history.merge(trials, on="trial", how="left", validate="many_to_one")


def export(
    store: Store | str | os.PathLike[str] | None,
    study: str,
    fmt: str | None,
    path: str | os.PathLike[str],
) -> Path:
    """Write ``study``'s tidy history (:func:`tidy`) to ``path``; returns the path.

    ``fmt`` is ``"csv"``, ``"parquet"`` or ``"json"`` (a list of records, one per
    trial-epoch, NaN and infinities as null); None takes it from the file's suffix
    (``.csv``, ``.parquet`` / ``.pq``, ``.json``). A ``fmt`` that contradicts the suffix
    (``"csv"`` into ``h.parquet``) is refused, naming both. The file is written to a
    temporary file in the same folder and renamed into place (mode 0644), so ``path`` is
    either the complete new file or untouched, and no temporary file is left.
    """
    path = Path(path)
    fmt = file_format(fmt, path)
    with opened(store) as s:
        frame = tidy(s, study)
    writers: dict[str, Callable[[pd.DataFrame, IO[bytes]], None]] = {
        "csv": lambda f, h: f.to_csv(h, index=False),
        "parquet": lambda f, h: f.to_parquet(h, index=False),
        "json": _write_json,
    }
    atomic_write(path, lambda handle: writers[fmt](frame, handle))
    return path


def file_format(fmt: str | None, path: Path) -> str:
    """The format to write ``path`` in: ``fmt``, else the one its suffix names.

    Example:
        >>> file_format(None, Path("h.parquet")), file_format("json", Path("h.txt"))
        ('parquet', 'json')
        >>> file_format("csv", Path("h.parquet"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        batchlab.errors.BatchlabError: export: format 'csv' does not match ... means parquet; ...
    """
    implied = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        if implied is None:
            raise BatchlabError(
                f"export: cannot tell the format of {str(path)!r} from its suffix; "
                f"give one of {', '.join(FORMATS)}"
            )
        return implied
    if fmt not in FORMATS:
        raise BatchlabError(f"export format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if implied is not None and implied != fmt:
        raise BatchlabError(
            f"export: format {fmt!r} does not match the file name {path.name!r}, whose suffix "
            f"means {implied}; drop the format or name the file {path.with_suffix('.' + fmt).name}"
        )
    return fmt


def _write_json(frame: pd.DataFrame, handle: IO[bytes]) -> None:
    records = []
    columns = list(frame.columns)
    for row in frame.itertuples(index=False, name=None):
        record = {}
        for column, value in zip(columns, row, strict=True):
            if hasattr(value, "item"):  # numpy scalar -> Python
                value = value.item()
            if value is pd.NA or (isinstance(value, float) and not math.isfinite(value)):
                value = None
            record[column] = value
        records.append(record)
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="\n")
    json.dump(records, text, allow_nan=False)
    text.write("\n")
    text.detach()  # flushed into ``handle``, which atomic_write closes
