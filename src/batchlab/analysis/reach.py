"""When a trial reaches the target test accuracy: one rule, used for every cost to target.

**The rule.** A trial reaches the target at the first epoch from which its test accuracy stays
at or above the target for the rest of its run; it has not reached it when its last recorded
epoch is below the target, or when it diverged (its accuracy ends undefined).

Why this rule and not "the first epoch at or above the target": a noisy trial touches a
target it does not hold (seed 003's SGD at batch size 1 and lr 0.01 jumps to the target in
epoch 1 and falls back for good), and the first touch would make it the fastest. Why not a
smoothed curve: a window needs a width, and a lucky spike still lifts its window's mean. This
rule has no setting to tune, and answers the practitioner's question exactly: from that epoch
on, stopping training at any epoch gives a model at the target. Its price: it reads the whole
run, so a trial that dips below the target late reaches it only after the dip, and a trial
that sways across the target to the end never reaches it (it does not hold the target).

:data:`RULE` says it in one sentence for the report, ``batchlab show`` and the
recommendation; :func:`reach_rows` applies it; :func:`~batchlab.analysis.trial_summary` (and
so the summary, the findings, the scaling fit, the recommender and the noise-scale prediction)
reads every cost to target from it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

RULE = (
    "a trial reaches the target at the first epoch from which its test accuracy stays at or "
    "above the target to the end of its run (an epoch that touches the target and falls "
    "back does not count; a diverged trial has not reached it)"
)
"""The rule of :func:`reach_rows`, in words (lower case, no final stop)."""


def reach_rows(history: pd.DataFrame, target: float, keys: Sequence[str]) -> pd.DataFrame:
    """The history row at which each trial reaches ``target`` by :data:`RULE`.

    Args:
        history: one row per (trial, epoch), sorted by ``keys`` then ``epoch``, with
            ``test_accuracy`` (NaN from a divergence on) and ``diverged``.
        target: the target test accuracy.
        keys: the columns naming a trial (``trial``, or ``study`` and ``trial``).

    Returns:
        The rows of ``history`` (all its columns), one per trial that reaches the target,
        indexed by ``keys``.

    Example (trial 0 touches 0.8 at epoch 1 and holds it from epoch 3; trial 1 falls back at
    its last epoch, so it has not reached it):
        >>> history = pd.DataFrame({"trial": [0, 0, 0, 0, 1, 1], "epoch": [1, 2, 3, 4, 1, 2],
        ...     "test_accuracy": [0.81, 0.7, 0.8, 0.9, 0.85, 0.7], "diverged": False})
        >>> reach_rows(history, 0.8, ["trial"])["epoch"].to_dict()
        {0: 3}
    """
    keys = list(keys)
    accuracy = history["test_accuracy"].astype(float)
    held = (accuracy >= target) & ~history["diverged"].astype(bool)  # (rows,) NaN is not held
    # the last epoch below the target (or diverged) per trial; -inf when there is none
    below = history["epoch"].astype(float).where(~held)
    last_below = below.groupby([history[k] for k in keys], sort=False).transform("max")
    stays = held & (history["epoch"].astype(float) > last_below.fillna(-np.inf))
    return history[stays].groupby(keys, sort=True).head(1).set_index(keys)
