"""Learning curves over seeds: the mean and a Student-t interval at every epoch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from batchlab.analysis._tables import (
    DEFAULT_BY,
    as_by,
    check_confidence,
    group_ci,
    possible_range,
    require,
    x_column,
)


def curves(
    history: pd.DataFrame,
    x: str = "epochs",
    metric: str = "test_accuracy",
    by: str | Sequence[str] = DEFAULT_BY,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean learning curve of ``metric`` over the seeds of each group, with its interval.

    Args:
        history: the history table (docs/schema.md), one row per (trial, epoch).
        x: ``"epochs"``, ``"updates"``, ``"examples"`` or ``"seconds"`` (history columns
            ``epoch``, ``updates``, ``examples_seen``, ``wall_seconds``).
        metric: a history column, e.g. ``test_accuracy``, ``train_accuracy``, ``test_loss``.
        by: the columns that define a curve (default batch size and learning rate); every
            trial of a group is one sample (usually one seed).
        confidence: level of the two-sided interval.

    Returns:
        One row per (group, epoch), columns ``by + [x, "mean", "lower", "upper", "n"]``,
        sorted by group then epoch. ``x`` holds the x-axis value: trials are aligned by epoch,
        and the x value is the mean over the group's trials at that epoch (epochs, updates and
        examples are equal within a group; ``seconds`` is the cohort's wall clock, averaged
        where a group spans cohorts).

    The interval at each epoch follows :func:`~batchlab.analysis._tables.seed_interval`: from
    5 values on ``mean -/+ t.ppf((1+confidence)/2, n-1) * s / sqrt(n)`` with ``s`` the sample
    std (ddof=1) of the n values; with 2 to 4 values their range (min to max), as a t-interval
    from so few is wider than anything the seeds showed; with n = 1 ``lower == upper ==
    mean``. It is cut at what the metric can be (accuracies in [0, 1], losses from 0).

    Diverged trials: from the epoch at which a trial diverged its metrics are NaN (schema).
    Those epochs are left out of the mean and interval, so ``n`` counts, at each epoch, the
    trials that were still finite there; an epoch at which every trial of the group had
    diverged is kept with ``n == 0`` and NaN statistics. Read ``n`` with the mean: a mean
    late in training over fewer seeds describes the survivors only.

    Example (two seeds of one batch size, two epochs):
        >>> import pandas as pd
        >>> history = pd.DataFrame({"batch_size": 32, "learning_rate": 0.1, "epoch": [1, 2] * 2,
        ...     "updates": [4, 8] * 2, "test_accuracy": [0.5, 0.7, 0.6, 0.8], "diverged": False})
        >>> c = curves(history, x="updates", metric="test_accuracy")
        >>> c.columns.tolist()
        ['batch_size', 'learning_rate', 'updates', 'mean', 'lower', 'upper', 'n']
        >>> c["updates"].tolist(), c["mean"].round(2).tolist(), c["n"].tolist()
        ([4.0, 8.0], [0.55, 0.75], [2, 2])
    """
    confidence = check_confidence(confidence)
    by = as_by(by)
    xcol = x_column(x)
    require(history, [*by, "epoch", xcol, metric, "diverged"], "curves")
    table = history.copy()
    finite = np.isfinite(table[metric].astype(float)) & ~table["diverged"].astype(bool)
    table["_value"] = table[metric].astype(float).where(finite)
    keys = [*by, "epoch"]
    stats_ = group_ci(table, keys, "_value", confidence, possible_range(metric))
    xs = table.groupby(keys, sort=True, dropna=False)[xcol].mean().reset_index(name="_x")
    out = stats_.merge(xs, on=keys, how="left")
    out = out.sort_values(keys, kind="stable")  # by group, then epoch
    out[x] = out.pop("_x")
    return out[[*by, x, "mean", "lower", "upper", "n"]].reset_index(drop=True)
