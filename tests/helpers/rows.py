"""A study's history rows as compared between runs: everything but ``wall_seconds``."""

from __future__ import annotations

import pandas as pd

from batchlab._columns import EPOCH_METRICS
from batchlab.store import Store

KEY = ["trial", "epoch"]
COMPARED = [
    "trial",
    "cohort",
    "seed",
    "batch_size",
    "learning_rate",
    "momentum",
    "epoch",
    "updates",
    "examples_seen",
    "epoch_batch_size",
    *EPOCH_METRICS,
    "diverged",
]
"""The history columns two runs of one study must agree on (wall_seconds measures the
machine)."""


def rows(store, study: str) -> pd.DataFrame:
    """The study's history in ``store`` (a path), sorted by (trial, epoch)."""
    with Store(store, create=False) as st:
        h = st.history(study)
    return h.sort_values(KEY).reset_index(drop=True)
