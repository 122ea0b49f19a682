"""Which settings count: one eligibility rule for the findings, the recommender and the fit.

A setting (a batch size and learning rate: a row of the summary) is **eligible** when no seed
diverged and, for a question of speed, at least ``min_reached`` of its seeds reached the
target (:data:`~batchlab.analysis.reach.RULE`); default :data:`MIN_REACHED`, every seed. A
setting that reached the target in some seeds only would be judged on its lucky seeds, and one
that diverged in a seed cannot be trusted with any number.

The findings ("fastest per update ..."), the :class:`~batchlab.analysis.Recommender` and the
scaling curve (:func:`~batchlab.analysis.scaling.fit_scaling`, which the scaling figure and
the recommender's regime share) all ask :func:`eligible`, so a finding never names a setting
the recommendation refuses.
"""

from __future__ import annotations

import pandas as pd

from batchlab._format import pct

MIN_REACHED = 1.0
"""The default fraction of its seeds in which a setting must reach the target: all."""

EPS = 1e-12
"""Slack on fraction comparisons (2/3 of the seeds against min_reached = 2/3)."""


def reached_enough(fraction: pd.Series, min_reached: float = MIN_REACHED) -> pd.Series:
    """Whether at least ``min_reached`` of the seeds reached the target."""
    return fraction.astype(float) >= min_reached - EPS


def eligible(
    summary: pd.DataFrame, min_reached: float = MIN_REACHED, speed: bool = True
) -> pd.Series:
    """Per row of a summary table: no seed diverged and (``speed``) at least ``min_reached``
    of the seeds reached the target.

    Example:
        >>> table = pd.DataFrame({"reached_fraction": [1.0, 2 / 3, 1.0],
        ...     "diverged_fraction": [0.0, 0.0, 1 / 3]})
        >>> eligible(table).tolist(), eligible(table, 2 / 3).tolist()
        ([True, False, False], [True, True, False])
        >>> eligible(table, speed=False).tolist()
        [True, True, False]
    """
    ok = summary["diverged_fraction"].astype(float) == 0
    if speed:
        ok &= reached_enough(summary["reached_fraction"], min_reached)
    return ok


def share(min_reached: float) -> str:
    """``every seed`` or ``50% of seeds``: the eligibility rule's fraction in words."""
    return "every seed" if min_reached >= 1 else f"{pct(min_reached, 0)} of seeds"


def rule_words(min_reached: float = MIN_REACHED) -> str:
    """The rule in words: ``reached the target in every seed without diverging``."""
    return f"reached the target in {share(min_reached)} without diverging"
