"""Sharpness (the top Hessian eigenvalue of the training loss) from the diagnostics table.

- :func:`stability_threshold`: ``(2 + 2 beta)/eta``, the largest sharpness at which gradient
  descent with rate eta (heavy-ball momentum beta) is stable on the quadratic model of the
  loss; Cohen et al. 2021 found full-batch GD's sharpness rises to it and hovers there.
- :func:`sharpness_table`: per (batch size, learning rate, momentum, epoch), the mean over
  seeds of the ``sharpness`` quantity with its interval over seeds, and the threshold.
- :func:`final_sharpness_table`: per (batch size, learning rate, momentum), the sharpness at
  the last measured epoch beside the generalization gap (final train_accuracy_end minus
  test_accuracy), both with their intervals over seeds (Keskar et al. 2017's two axes).
- :func:`sharpness_gap_finding`, :func:`edge_of_stability_finding`: what they show in words.

Nothing here draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from batchlab._format import num, pct, pts
from batchlab.analysis._tables import group_ci, require
from batchlab.analysis.findings import Finding
from batchlab.analysis.gradients import DIAGNOSTICS, measured
from batchlab.analysis.summary import trial_summary
from batchlab.errors import BatchlabError

QUANTITY = "sharpness"
"""The diagnostics quantity (stat ``value``) read here."""
HISTORY = ("trial", "epoch", "batch_size", "learning_rate", "updates")
"""The history columns read (``momentum`` too when present)."""
SETTING = ["batch_size", "learning_rate", "momentum"]
"""What a group of seeds shares."""


def stability_threshold(learning_rate, momentum=0.0):
    """``(2 + 2 momentum) / learning_rate``: GD on a quadratic of curvature above it diverges.

    Example:
        >>> float(stability_threshold(0.1)), round(float(stability_threshold(0.1, 0.9)), 9)
        (20.0, 38.0)
    """
    return (2.0 + 2.0 * np.asarray(momentum, float)) / np.asarray(learning_rate, float)


def _per_trial(diagnostics: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """One row per (trial, measured epoch): the trial's setting, updates and sharpness."""
    require(diagnostics, DIAGNOSTICS, "the sharpness table")
    require(history, HISTORY, "the sharpness table (history)")
    rows = diagnostics[(diagnostics["quantity"] == QUANTITY) & (diagnostics["stat"] == "value")]
    rows = rows[np.isfinite(rows["value"].astype(float))]
    if rows.empty:
        raise BatchlabError(
            "the diagnostics table has no sharpness rows; measure it with [diagnostics] "
            'enabled = true and quantities = ["sharpness"] (e.g. the builtin study '
            "keskar-sharpness or edge-of-stability)"
        )
    h = history if "momentum" in history else history.assign(momentum=0.0)
    settings = h.groupby("trial", sort=True)[SETTING].first()
    out = rows[["trial", "epoch", "value"]].rename(columns={"value": QUANTITY})
    out = out.join(settings, on="trial", how="inner")
    out = out.merge(h[["trial", "epoch", "updates"]], on=["trial", "epoch"], how="left")
    out.loc[out["epoch"] == 0, "updates"] = 0
    return out.astype({"momentum": float}).reset_index(drop=True)


def sharpness_table(
    diagnostics: pd.DataFrame, history: pd.DataFrame, confidence: float = 0.95
) -> pd.DataFrame:
    """Sharpness per (batch size, learning rate, momentum, epoch), mean over seeds.

    Returns:
        One row per group, sorted, with ``updates`` (mean over seeds), ``n`` (seeds),
        ``mean``, ``lower``, ``upper`` (the interval over seeds of
        :func:`~batchlab.analysis._tables.seed_interval`) and ``threshold``
        (:func:`stability_threshold` of the group's rate and momentum).

    Example:
        >>> diagnostics = pd.DataFrame({"trial": [0, 0], "epoch": [0, 1],
        ...     "quantity": "sharpness", "batch_size": None, "stat": "value",
        ...     "value": [3.0, 5.0]})
        >>> history = pd.DataFrame({"trial": 0, "epoch": [1], "batch_size": 10,
        ...     "learning_rate": 0.5, "updates": [1]})
        >>> sharpness_table(diagnostics, history)[["epoch", "updates", "mean", "threshold"]]
           epoch  updates  mean  threshold
        0      0      0.0   3.0        4.0
        1      1      1.0   5.0        4.0
    """
    per = _per_trial(diagnostics, history)
    keys = [*SETTING, "epoch"]
    ci = group_ci(per, keys, QUANTITY, confidence, (-np.inf, np.inf)).set_index(keys)
    out = per.groupby(keys, sort=True)[["updates"]].mean().astype(float)
    out = out.join(ci).reset_index()
    out["threshold"] = stability_threshold(out["learning_rate"], out["momentum"])
    return out


def final_sharpness_table(
    diagnostics: pd.DataFrame, history: pd.DataFrame, confidence: float = 0.95
) -> pd.DataFrame:
    """Final sharpness and generalization gap per (batch size, learning rate, momentum).

    The sharpness of each trial at its last measured epoch and its generalization gap
    (``final train_accuracy_end - test_accuracy``, :func:`~batchlab.analysis.trial_summary`;
    NaN for a diverged trial), pooled over seeds.

    Returns:
        One row per setting, sorted: ``epoch`` (the last measured), ``n`` (seeds with a
        sharpness), ``sharpness_mean``, ``sharpness_lower``, ``sharpness_upper``,
        ``gap_mean``, ``gap_lower``, ``gap_upper``, ``train_accuracy_mean`` (the final
        train_accuracy_end), ``threshold``.
    """
    per = _per_trial(diagnostics, history)
    last = per.sort_values("epoch").groupby("trial", sort=True).tail(1).set_index("trial")
    gaps = trial_summary(history, None, by=["batch_size", "learning_rate"])
    gap = gaps.drop_duplicates("trial").set_index("trial")["generalization_gap"]
    last["gap"] = gap.reindex(last.index)
    train = gaps.drop_duplicates("trial").set_index("trial")["final_train_accuracy"]
    last["train"] = train.reindex(last.index)
    last = last.reset_index()
    out = last.groupby(SETTING, sort=True).agg(epoch=("epoch", "max"))
    s = group_ci(last, SETTING, QUANTITY, confidence, (-np.inf, np.inf)).set_index(SETTING)
    g = group_ci(last, SETTING, "gap", confidence, (-1.0, 1.0)).set_index(SETTING)
    out["n"] = s["n"]
    out["train_accuracy_mean"] = last.groupby(SETTING, sort=True)["train"].mean()
    for stat in ("mean", "lower", "upper"):
        out[f"sharpness_{stat}"] = s[stat]
        out[f"gap_{stat}"] = g[stat]
    out = out.reset_index()
    out["threshold"] = stability_threshold(out["learning_rate"], out["momentum"])
    return out


def _has_sharpness(tables: Any) -> bool:
    history = getattr(tables, "history", None)
    return (
        history is not None
        and len(history) > 0
        and QUANTITY in measured(getattr(tables, "diagnostics", None))
    )


def sharpness_gap_finding(tables: Any) -> Finding | None:
    """Keskar et al.'s claim in this study: does the final sharpness, and the generalization
    gap, grow with the batch size? Per learning rate (and momentum) with 2 or more batch sizes:
    both at the smallest and the largest batch size, and the rank correlation (Spearman) of
    each with the batch size over all batch sizes. None without sharpness at 2 batch sizes."""
    if not _has_sharpness(tables):
        return None
    table = final_sharpness_table(tables.diagnostics, tables.history)
    parts, nums = [], {}
    for (rate, beta), rows in table.groupby(["learning_rate", "momentum"], sort=True):
        rows = rows.sort_values("batch_size")
        if len(rows) < 2:
            continue
        small, large = rows.iloc[0], rows.iloc[-1]
        rho_s = _spearman(rows["batch_size"], rows["sharpness_mean"])
        rho_g = _spearman(rows["batch_size"], rows["gap_mean"])
        who = f"learning rate {rate:g}" + (f", momentum {beta:g}" if beta else "")
        parts.append(
            f"At {who}, the final sharpness goes from {num(small['sharpness_mean'])} at batch "
            f"size {int(small['batch_size'])} to {num(large['sharpness_mean'])} at "
            f"{int(large['batch_size'])} (rank correlation with the batch size "
            f"{rho_s:+.2f}; the stability threshold {_th(beta)}/η is "
            f"{num(small['threshold'])}), and the generalization gap from "
            f"{pts(small['gap_mean'], '.2f')} to {pts(large['gap_mean'], '.2f')} "
            f"(rank correlation {rho_g:+.2f}); the final train accuracy was "
            f"{pct(small['train_accuracy_mean'])} and {pct(large['train_accuracy_mean'])}."
        )
        tag = f"lr_{rate:g}_" + (f"m_{beta:g}_" if beta else "")
        nums |= {
            f"{tag}small_batch_size": int(small["batch_size"]),
            f"{tag}large_batch_size": int(large["batch_size"]),
            f"{tag}small_sharpness": small["sharpness_mean"],
            f"{tag}large_sharpness": large["sharpness_mean"],
            f"{tag}small_gap": small["gap_mean"],
            f"{tag}large_gap": large["gap_mean"],
            f"{tag}sharpness_rank_correlation": rho_s,
            f"{tag}gap_rank_correlation": rho_g,
            f"{tag}small_train_accuracy": small["train_accuracy_mean"],
            f"{tag}large_train_accuracy": large["train_accuracy_mean"],
        }
    if not parts:
        return None
    rho = [v for k, v in nums.items() if k.endswith("sharpness_rank_correlation")]
    rho_gap = [v for k, v in nums.items() if k.endswith("gap_rank_correlation")]
    verdict = (
        "Larger batches ended at sharper minima here, as Keskar et al. 2017 report"
        if all(r > 0 for r in rho)
        else "Larger batches did not end at sharper minima at every rate here, unlike "
        "Keskar et al. 2017's report"
    )
    verdict += (
        ", and with a larger generalization gap, as they report."
        if all(r > 0 for r in rho_gap)
        else "; but the generalization gap did not grow with the batch size, unlike their "
        "report (they compared minima of similar training accuracy; here every batch size "
        "trained the same epochs)."
    )
    text = " ".join(parts) + " " + verdict
    return Finding(
        "sharpness_gap", "Sharpness and generalization gap against batch size", text, nums
    )


def _th(beta: float) -> str:
    return "2" if not beta else f"(2 + 2·{beta:g})"


def _spearman(x: pd.Series, y: pd.Series) -> float:
    """Spearman's rank correlation of two series (NaN pairs dropped; NaN with < 2 pairs)."""
    both = pd.DataFrame({"x": x.astype(float), "y": y.astype(float)}).dropna()
    if len(both) < 2:
        return float("nan")
    return float(both["x"].rank().corr(both["y"].rank()))


def full_batch_trials(history: pd.DataFrame) -> pd.Series:
    """The trials that made one update per epoch (full-batch gradient descent)."""
    rows = history[history["epoch"] > 0]
    per = (rows["updates"] / rows["epoch"]).groupby(rows["trial"]).max()
    return per.index[per <= 1].to_series()


def edge_of_stability_finding(tables: Any, band: float = 0.2) -> Finding | None:
    """Cohen et al. 2021's edge of stability in this study's full-batch runs, per rate (and
    momentum): the sharpness at the start against the threshold ``(2 + 2 beta)/eta``, its
    lowest and highest value after the start, and, over the second half of the run (the
    measurements from half the last measured epoch on), its mean, lowest and highest as a ratio
    to the threshold; "at the edge" when that mean lies within ``band`` (20%) of 1. A rate at
    which a seed diverged says so. None without full-batch runs with sharpness."""
    if not _has_sharpness(tables):
        return None
    history = tables.history
    full = full_batch_trials(history)
    if full.empty:
        return None
    rows = tables.diagnostics[tables.diagnostics["trial"].isin(full)]
    if QUANTITY not in measured(rows):
        return None
    full_history = history[history["trial"].isin(full)]
    table = sharpness_table(rows, full_history)
    h = full_history if "momentum" in full_history else full_history.assign(momentum=0.0)
    diverged = h[h["diverged"].astype(bool)] if "diverged" in h else h.iloc[:0]
    parts, nums, at_edge = [], {}, 0
    for (rate, beta), r in table.groupby(["learning_rate", "momentum"], sort=True):
        r = r.sort_values("epoch")
        threshold = float(r["threshold"].iloc[0])
        start = float(r["mean"].iloc[0])
        who = f"η = {rate:g}" + (f", β = {beta:g}" if beta else "")
        tag = f"lr_{rate:g}_" + (f"m_{beta:g}_" if beta else "")
        text = (
            f"At {who} (threshold {_th(beta)}/η = {num(threshold)}) the sharpness starts at "
            f"{num(start)} ({pct(start / threshold, 0)} of the threshold)"
        )
        nums |= {f"{tag}threshold": threshold, f"{tag}initial_sharpness": start}
        gone = diverged[(diverged["learning_rate"] == rate) & (diverged["momentum"] == beta)]
        later = r[r["epoch"] > r["epoch"].iloc[0]]
        if not gone.empty:
            peak = later.loc[later["mean"].idxmax()] if len(later) else r.iloc[0]
            text += (
                f", reaches {num(peak['mean'])} ({pct(peak['mean'] / threshold, 0)}) at epoch "
                f"{int(peak['epoch'])}, and the run diverges at epoch "
                f"{int(gone['epoch'].min())}."
            )
            nums |= {f"{tag}diverged_epoch": int(gone["epoch"].min())}
            parts.append(text)
            continue
        if len(later):
            low = later.loc[later["mean"].idxmin()]
            high = later.loc[later["mean"].idxmax()]
            text += (
                f"; afterwards it ranges from {num(low['mean'])} (epoch {int(low['epoch'])}) to "
                f"{num(high['mean'])} (epoch {int(high['epoch'])})"
            )
        last = int(r["epoch"].max())
        second = r[r["epoch"] >= last / 2]
        late = second["mean"] / threshold
        edge = abs(late.mean() - 1) <= band
        at_edge += bool(edge)
        text += (
            f"; over the second half of the run (epochs {int(second['epoch'].min())} to {last})"
            f" it averages {pct(late.mean(), 0)} of the threshold (from "
            f"{pct(late.min(), 0)} to {pct(late.max(), 0)}): "
            + ("at the edge of stability." if edge else "not at the edge.")
        )
        nums |= {
            f"{tag}late_mean_ratio": late.mean(),
            f"{tag}late_min_ratio": late.min(),
            f"{tag}late_max_ratio": late.max(),
            f"{tag}at_edge": bool(edge),
        }
        parts.append(text)
    rates = table.groupby(["learning_rate", "momentum"]).ngroups
    verdict = (
        f" At {at_edge} of {rates} rates the sharpness ended within {pct(band, 0)} of the "
        "threshold, where Cohen et al. 2021 report that full-batch gradient descent hovers "
        "once progressive sharpening has brought it there."
    )
    nums |= {"rates_at_edge": at_edge, "rates": rates}
    return Finding(
        "edge_of_stability",
        "Sharpness against 2/η (edge of stability)",
        " ".join(parts) + verdict,
        nums,
    )
