"""The store: an embedded SQLite file of studies, trials, history, diagnostics, checkpoints.

:class:`Store` reads and writes it (WAL mode, one transaction per chunk, safe to kill and
to share between processes writing different studies); :func:`load` returns a study's
tables as DataFrames; :func:`export` writes a tidy CSV, Parquet or JSON file;
:func:`export_mlflow` and :func:`export_tensorboard` send a study to those trackers (optional
extras). The tables' columns and dtypes are those of docs/schema.md
(:mod:`batchlab.store.schema`).
"""

from batchlab.store._export import FORMATS, export, tidy
from batchlab.store._mlflow import MlflowExport, export_mlflow
from batchlab.store._sql import SCHEMA_VERSION
from batchlab.store._store import MEMORY, Store, default_store_path
from batchlab.store._tables import Tables, load
from batchlab.store._tensorboard import export_tensorboard

__all__ = [
    "FORMATS",
    "MEMORY",
    "MlflowExport",
    "SCHEMA_VERSION",
    "Store",
    "Tables",
    "default_store_path",
    "export",
    "export_mlflow",
    "export_tensorboard",
    "load",
    "tidy",
]
