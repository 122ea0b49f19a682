"""The best learning rate for each batch size, from a summary table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from batchlab.analysis._tables import require
from batchlab.errors import BatchlabError

_LOWER_IS_BETTER = ("loss", "to_target", "gap", "std", "diverged")


def lower_is_better(column: str) -> bool:
    """Whether a smaller value of a summary column is better (losses, costs, gaps, spreads)."""
    return any(word in column for word in _LOWER_IS_BETTER)


def best_learning_rates(
    summary: pd.DataFrame,
    by: str = "final_test_accuracy_mean",
    maximize: bool | None = None,
) -> pd.DataFrame:
    """The summary row of the best learning rate for each batch size.

    Args:
        summary: a :func:`~batchlab.analysis.summary` table with ``batch_size`` and
            ``learning_rate`` columns (one row per pair).
        by: the summary column to rank rates by.
        maximize: whether larger ``by`` is better; default: False for columns about losses,
            costs to target, gaps, spreads and divergence, True otherwise.

    Returns:
        The chosen rows of ``summary`` (all its columns), one per batch size that has a finite
        ``by`` value (a batch size whose every rate diverged has no best rate and is left out),
        sorted by batch size. Ties are broken by the lower ``epochs_to_target_mean`` (not
        reaching counts as slowest), then by the lower learning rate.
    """
    require(summary, ["batch_size", "learning_rate", by], "best_learning_rates")
    if maximize is None:
        maximize = not lower_is_better(by)
    table = summary[np.isfinite(summary[by].astype(float))].copy()
    if table.empty:
        raise BatchlabError(f"best_learning_rates: no row has a finite {by}")
    table["_score"] = -table[by] if maximize else table[by]
    if "epochs_to_target_mean" in table:
        table["_tie"] = table["epochs_to_target_mean"].fillna(np.inf)
    else:
        table["_tie"] = 0.0
    table = table.sort_values(["batch_size", "_score", "_tie", "learning_rate"], kind="stable")
    best = table.groupby("batch_size", sort=True).head(1)
    return best.drop(columns=["_score", "_tie"]).reset_index(drop=True)
