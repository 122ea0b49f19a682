"""Analysis: pure functions of the store's tables (pandas in, pandas out).

- :func:`curves` — mean learning curve over seeds with a Student-t interval, against epochs,
  updates, examples seen or seconds.
- :class:`Summary` / :func:`summary` — one row per (batch size, learning rate): final metrics,
  generalization gap, stability, cost to reach a target accuracy, reached and diverged
  fractions (and the epochs of the divergence). :func:`default_target` is 95% of the best
  mean final test accuracy; when every trial diverged there is no target, and that is shown.
- The rules every number shares, each written once: when a trial reaches the target
  (:mod:`.reach`: it holds the target to the end of its run), which settings count for a
  speed (:mod:`.eligible`: no seed diverged, every seed reached it), the interval over seeds
  (:func:`._tables.seed_interval`: Student-t from 5 seeds, the seeds' range with 2 to 4, cut
  at what is possible), and the scaling fit (:func:`fit_scaling`: 3 or more batch sizes).
- :func:`best_learning_rates` — the best rate per batch size.
- :func:`findings` — the answers in plain words, as :class:`Finding` records;
  :func:`schedule_findings` those of a study with schedules (:mod:`.schedules`).
- :class:`Recommender` — the batch size and learning rate to use for a goal (:data:`GOALS`),
  with the rule behind the rate, the expected cost, the regime and the reasons.

Nothing here imports the engine or the store.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# The functions named like their modules are imported here: importing a submodule binds its
# name in this package, so a lazy ``summary`` would become the module ``summary``.
from batchlab.analysis.curves import curves
from batchlab.analysis.findings import Finding, findings
from batchlab.analysis.summary import Summary, default_target, summary, trial_summary

# The rest are imported from their modules on first use (PEP 562): a command that needs one
# table (``batchlab show``: the summary) does not import the scaling fit, SciPy or the
# recommender at start-up.
_WHERE = {
    "X_AXES": "batchlab._columns",
    "best_learning_rates": "batchlab.analysis.best",
    "collapse": "batchlab.analysis.ratio",
    "ratio_findings": "batchlab.analysis.ratio",
    "ratio_table": "batchlab.analysis.ratio",
    "GOALS": "batchlab.analysis.recommend",
    "Recommender": "batchlab.analysis.recommend",
    "check_goal": "batchlab.analysis.recommend",
    "REGIMES": "batchlab.analysis.scaling",
    "InverseBatchFit": "batchlab.analysis.scaling",
    "ScalingFit": "batchlab.analysis.scaling",
    "fit_scaling": "batchlab.analysis.scaling",
    "predict_from_noise_scale": "batchlab.analysis.scaling",
    "steps_to_target_table": "batchlab.analysis.scaling",
    "schedule_curves": "batchlab.analysis.schedules",
    "schedule_findings": "batchlab.analysis.schedules",
}


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


if TYPE_CHECKING:
    from batchlab._columns import X_AXES
    from batchlab.analysis.best import best_learning_rates
    from batchlab.analysis.ratio import collapse, ratio_findings, ratio_table
    from batchlab.analysis.recommend import GOALS, Recommender, check_goal
    from batchlab.analysis.scaling import (
        REGIMES,
        InverseBatchFit,
        ScalingFit,
        fit_scaling,
        predict_from_noise_scale,
        steps_to_target_table,
    )
    from batchlab.analysis.schedules import schedule_curves, schedule_findings

__all__ = [
    "GOALS",
    "REGIMES",
    "Recommender",
    "check_goal",
    "InverseBatchFit",
    "ScalingFit",
    "fit_scaling",
    "predict_from_noise_scale",
    "steps_to_target_table",
    "X_AXES",
    "Finding",
    "Summary",
    "best_learning_rates",
    "curves",
    "default_target",
    "findings",
    "collapse",
    "ratio_findings",
    "ratio_table",
    "schedule_curves",
    "schedule_findings",
    "summary",
    "trial_summary",
]
