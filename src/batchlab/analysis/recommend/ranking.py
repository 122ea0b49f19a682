"""The choice itself, as pure functions of the summary table: candidates, ranking, rules.

1. **Candidates** (:func:`candidates`) are the grid points (batch size, learning rate; and
   momentum when the study sweeps it): the rows of the :class:`~batchlab.analysis.Summary`
   table, with its means and intervals over seeds.
2. **Eligible** (:mod:`batchlab.analysis.eligible`, the rule the findings and the scaling fit
   share): no seed diverged, and, for the three speed goals, at least ``min_reached``
   (default: all) of the seeds reached the target. A point that reached it in some seeds only
   would be judged on its lucky seeds. When no point is eligible there is no recommendation
   (``batch_size_`` is None) and the reasons say why.
3. **Ranking** (:func:`rank`) by the mean over seeds of the goal's measure. The leader is the
   best mean. Its interval over seeds (the summary's: a Student-t interval at ``confidence``
   from 5 seeds on, the seeds' range for 2 to 4) is compared with every other eligible
   point's: those whose interval overlaps it are *indistinguishable given the seeds* and are
   named.
4. **Near ties**: among the indistinguishable points whose mean is also within ``tolerance``
   of the leader's (5% of the cost; for accuracy 5% of the leader's error rate, 1 - accuracy),
   the choice goes by a second criterion that the goal's user also cares about --
   fewest epochs: fewer updates; fewest updates: fewer examples (less computation for the same
   steps; this is what keeps the choice out of the plateau where larger batches stop paying);
   least seconds: higher final test accuracy; best accuracy: fewer seconds to the target --
   then the smaller batch size, the smaller learning rate. Points that are indistinguishable
   but clearly worse on average (beyond the tolerance) never win a tie-break: with few seeds an
   interval is so wide that it would otherwise hand the choice to a point that is most likely
   worse at what the user asked for.

Also here: the cohorts and the throughput the machine measured (:func:`cohorts`,
:func:`throughput`) and the rule behind the rate (:func:`rate_rule`, :func:`infer_rule`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from batchlab._laws import lr_factor
from batchlab.analysis.eligible import EPS, eligible
from batchlab.analysis.recommend.goals import Goal, column, lower_is_better
from batchlab.analysis.summary import cohort_keys
from batchlab.study import LRRule


def cohorts(history: pd.DataFrame) -> pd.DataFrame:
    """Per cohort: batch size, ``trials`` trained together (K), cohort ``seconds``, ``epochs``,
    ``updates_per_epoch`` and ``examples_per_epoch``."""
    keys = cohort_keys(history)
    g = history.groupby(keys, sort=True)
    epochs = g["epoch"].max()
    out = pd.DataFrame(
        {
            "batch_size": g["batch_size"].first().astype("int64"),
            "trials": g["trial"].nunique(),
            "seconds": g["wall_seconds"].max().astype(float),
            "epochs": epochs,
            "updates_per_epoch": g["updates"].max() / epochs,
            "examples_per_epoch": g["examples_seen"].max() / epochs,
        }
    )
    return out.rename_axis(index={"batch_size": "cohort"}).reset_index()


def throughput(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Per batch size: what the machine measured (all of a batch size's cohorts together):
    ``seconds_per_epoch``, ``seconds_per_epoch_per_model``, ``updates_per_second`` and
    ``examples_per_second`` (all the cohorts' trials together: the amortized per-model rate)."""
    rows = []
    for b, grp in cohorts.groupby("batch_size", sort=True):
        seconds = float(grp["seconds"].sum())
        model_epochs = float((grp["trials"] * grp["epochs"]).sum())  # trial-epochs trained
        per_epoch = seconds / float(grp["epochs"].max()) if seconds > 0 else math.nan
        per_model = seconds / model_epochs if seconds > 0 else math.nan
        rows.append(
            {
                "batch_size": int(b),
                "cohorts": int(len(grp)),
                "trials": int(grp["trials"].sum()),
                "seconds_per_epoch": per_epoch,
                "seconds_per_epoch_per_model": per_model,
                "updates_per_second": float(grp["updates_per_epoch"].max()) / per_epoch
                if per_epoch > 0
                else math.nan,
                "examples_per_second": float(grp["examples_per_epoch"].max()) / per_model
                if per_model > 0
                else math.nan,
            }
        )
    return pd.DataFrame(rows)


def candidates(
    summary: pd.DataFrame, cohorts: pd.DataFrame, goal: Goal, min_reached: float
) -> pd.DataFrame:
    """The summary's rows with ``trials_in_cohort`` (the most trials a cohort of the batch size
    trained together) and ``eligible`` (:func:`~batchlab.analysis.eligible.eligible`: no seed
    diverged; for a speed goal, at least ``min_reached`` of the seeds reached the target)."""
    out = summary.copy()
    most = cohorts.groupby("batch_size")["trials"].max()
    out["trials_in_cohort"] = out["batch_size"].map(most).astype("int64")
    out["eligible"] = eligible(out, min_reached, speed=goal.speed)
    return out


def _score(table: pd.DataFrame, measure: str) -> pd.Series:
    """The measure's mean, lower is better (accuracy negated); infinite where it is missing."""
    mean = table[column(measure, "mean")].astype(float)
    return (mean if lower_is_better(measure) else -mean).where(np.isfinite(mean), np.inf)


def rank(table: pd.DataFrame, goal: Goal, by: Sequence[str], tolerance: float) -> pd.DataFrame:
    """Eligible first, by the goal's mean; adds ``rank`` (NaN when not eligible),
    ``indistinguishable`` (the interval overlaps the leader's), ``near_tie`` and ``chosen``.
    """
    measure, by = goal.measure, list(by)
    t = table.assign(_elig=~table["eligible"], _score=_score(table, measure))
    t = t.sort_values(["_elig", "_score", *by], kind="stable").reset_index(drop=True)
    t["rank"] = np.arange(1, len(t) + 1)
    t["indistinguishable"] = False
    t["chosen"] = False
    t["near_tie"] = False
    elig = t.index[t["eligible"] & np.isfinite(t["_score"])]
    if len(elig):
        lead = t.loc[elig[0]]
        lo, hi = t[column(measure, "lo")].astype(float), t[column(measure, "hi")].astype(float)
        overlap = (lo <= lead[column(measure, "hi")]) & (hi >= lead[column(measure, "lo")])
        t.loc[elig, "indistinguishable"] = overlap.loc[elig]
        t.loc[elig[0], "indistinguishable"] = False
        m = float(lead[column(measure, "mean")])
        if lower_is_better(measure):
            near = t[column(measure, "mean")] <= m * (1 + tolerance) + EPS * abs(m)
        else:
            near = t[column(measure, "mean")] >= m - tolerance * (1 - m) - EPS
        tied = (overlap & near).loc[elig]
        tied.loc[elig[0]] = True
        ties = t.loc[tied[tied].index]
        ties = ties.assign(_tie=_score(ties, goal.tie_break))
        best = ties.sort_values(["_tie", *by], kind="stable").index[0]
        t.loc[best, "chosen"] = True
        t.loc[ties.index, "near_tie"] = len(ties) > 1
    t["rank"] = t["rank"].where(t["eligible"])
    return t.drop(columns=["_elig", "_score"])


def rate_rule(
    table: pd.DataFrame, chosen: pd.Series, spec: Mapping[str, Any], by: Sequence[str]
) -> tuple[str, dict[str, Any]]:
    """The rule behind the chosen rate, and its details.

    ``"linear"`` or ``"sqrt"`` when the spec's ``lr_rule`` derived the rate from a base rate
    at its reference batch size (without a spec: when the rates per batch size follow that law,
    :func:`infer_rule`); else ``"tuned"`` when several rates were tried at the chosen batch
    size, ``"fixed"`` when one was. The details: ``rates_tried``, ``tuned``, ``source``
    (``spec``, ``data`` or ``inferred from the rates``), ``edge`` (``largest``/``smallest``
    when the chosen rate is at the edge of those tried, else empty), and for a rule from the
    spec ``reference_batch_size`` and ``base_learning_rate``.
    """
    same = table["batch_size"] == chosen["batch_size"]
    if "momentum" in by:
        same &= table["momentum"] == chosen["momentum"]
    rates = sorted(float(r) for r in table.loc[same, "learning_rate"].unique())
    detail: dict[str, Any] = {
        "rates_tried": rates,
        "tuned": len(rates) > 1,
        "source": "spec" if spec else "data",
    }
    b, lr = int(chosen["batch_size"]), float(chosen["learning_rate"])
    if len(rates) > 1:
        detail["edge"] = "largest" if lr == rates[-1] else "smallest" if lr == rates[0] else ""
    if spec:
        rule = LRRule.from_dict(spec.get("lr_rule") or {})
        if rule.rule in ("linear", "sqrt"):
            ref = rule.reference_batch_size
            base = lr / lr_factor(rule.rule, b, ref)
            detail.update(reference_batch_size=ref, base_learning_rate=base)
            return rule.rule, detail
    else:
        inferred = infer_rule(table)
        if inferred is not None:
            detail["source"] = "inferred from the rates"
            return inferred, detail
    return ("tuned" if len(rates) > 1 else "fixed"), detail


def infer_rule(table: pd.DataFrame) -> str | None:
    """Without a spec: ``"linear"`` / ``"sqrt"`` when every batch size has one rate and the
    rates follow lr / B (or lr / sqrt B) = constant across three or more batch sizes."""
    per = table.groupby("batch_size")["learning_rate"].unique()
    if len(per) < 3 or any(len(r) != 1 for r in per):
        return None
    b = per.index.to_numpy(dtype=float)
    lr = np.array([r[0] for r in per], dtype=float)
    if np.allclose(lr, lr[0], rtol=1e-9):
        return None
    for name in ("linear", "sqrt"):
        ratio = lr / np.array([lr_factor(name, x, 1.0) for x in b])
        if np.allclose(ratio, ratio[0], rtol=1e-6):
            return name
    return None
