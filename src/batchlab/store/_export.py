"""Export a study's history as one tidy file: CSV, Parquet or JSON records."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

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
    trial-epoch, NaN and infinities as null); None takes it from the file's suffix. The
    file is written to a temporary file in the same folder and renamed into place, so
    ``path`` is either the complete new file or untouched, and no temporary file is left.
    """
    path = Path(path)
    if fmt is None:
        fmt = _SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise BatchlabError(
                f"export: cannot tell the format of {str(path)!r} from its suffix; "
                f"give one of {', '.join(FORMATS)}"
            )
    if fmt not in FORMATS:
        raise BatchlabError(f"export format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if not path.parent.is_dir():
        raise BatchlabError(f"export: folder {str(path.parent)!r} does not exist")
    with opened(store) as s:
        frame = tidy(s, study)
    writers: dict[str, Callable[[pd.DataFrame, str], None]] = {
        "csv": lambda f, p: f.to_csv(p, index=False),
        "parquet": lambda f, p: f.to_parquet(p, index=False),
        "json": _write_json,
    }
    _atomic_write(path, lambda tmp: writers[fmt](frame, tmp))
    return path


def _write_json(frame: pd.DataFrame, path: str) -> None:
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
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(records, handle, allow_nan=False)
        handle.write("\n")


def _atomic_write(path: Path, write: Callable[[str], None]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
