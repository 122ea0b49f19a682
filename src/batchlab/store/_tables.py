"""``load``: a study's tables from a store, as DataFrames."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import pandas as pd

from batchlab.store._store import Store


class Tables(NamedTuple):
    """A study's tables (docs/schema.md), as pandas DataFrames."""

    spec: dict[str, Any]
    """The study spec (``Study.to_dict()``); ``Study.from_dict(tables.spec)`` rebuilds it."""
    trials: pd.DataFrame
    """One row per trial."""
    history: pd.DataFrame
    """One row per (trial, epoch)."""
    diagnostics: pd.DataFrame
    """Gradient statistics, one row per value (empty when none were recorded)."""


@contextmanager
def opened(store: Store | str | os.PathLike[str] | None) -> Iterator[Store]:
    """``store`` if it is a Store, else the store at that path (or the default), which must
    exist, closed afterwards."""
    if isinstance(store, Store):
        yield store
        return
    own = Store(store, create=False)
    try:
        yield own
    finally:
        own.close()


def load(study: str, store: Store | str | os.PathLike[str] | None = None) -> Tables:
    """The tables of ``study`` from ``store`` (a Store, a path, or None for the default
    ``$BATCHLAB_STORE`` / ``./batchlab.db``).

    Raises StoreError when the store does not exist or holds no such study (listing the
    studies it holds, closest first).

    Example::

        >>> import os, tempfile
        >>> import batchlab as bl
        >>> path = os.path.join(tempfile.mkdtemp(), "doc.db")
        >>> _ = bl.train("blobs", batch_size=[32, 64], epochs=2, name="tiny", store=path)
        >>> tables = load("tiny", store=path)
        >>> tables.history.groupby("batch_size").epoch.max().to_dict()
        {32: 2, 64: 2}
    """
    with opened(store) as s:
        s._require(study)
        return Tables(
            spec=s.get_study(study)["spec"],
            trials=s.trials(study),
            history=s.history(study),
            diagnostics=s.diagnostics(study),
        )
