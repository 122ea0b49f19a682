"""Seed 004's own view: the gradient norm of the model TRAINED at batch size b, against b.

The gradient figures of :mod:`.gradients` hold the weights fixed and vary the probe batch
size B: there ``E|g_B|^2 = |G|^2 + (1/B - 1/n) tr(Sigma)`` falls with B. Seed 004 plots
something else: after the same number of epochs, the gradient norm of the models trained at
each batch size b. Those are different weights, and a model trained at a larger b has made
fewer updates by the same epoch (``epoch * ceil(n/b)``) and sits where the loss is steeper,
so its gradient is larger: "the mean gradient norm increases with batch size".

- :func:`trained_grad_norms`: one row per (trial, measured epoch): the full-batch ``|G|``
  (the square root of ``full_grad_norm_sq``) and the mean mini-batch norm ``|g_b|`` at the
  trial's own batch size b (``grad_norm`` stat ``mean`` at probe size b; NaN when b was not
  probed), with the updates and examples seen by then.
- :func:`trained_grad_norm_table`: their mean over seeds with the interval over seeds
  (:func:`._tables.group_ci`), per (learning rate, epoch, batch size).
- :func:`trained_gradients_finding`: the two views reconciled in words, with the numbers.

Nothing here draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from batchlab._format import num, plural, spread
from batchlab.analysis._tables import group_ci, require
from batchlab.analysis.findings import Finding
from batchlab.analysis.gradients import DIAGNOSTICS, measured
from batchlab.errors import BatchlabError

HISTORY = ("trial", "epoch", "batch_size", "learning_rate", "updates", "examples_seen")
"""The history columns read (where each trial's settings and counts come from)."""
QUANTITIES = ("full_grad_norm_sq", "grad_norm")
"""What the figure draws: |G|^2 (its root is |G|) and the mean |g_b| at probe sizes b."""
VALUES = ("full_grad_norm", "batch_grad_norm")
"""The per-trial values: |G| and the mean |g_b| at the trial's own b."""


def trained_grad_norms(diagnostics: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """|G| and the mean |g_b| at the trial's own batch size b, per trial and measured epoch.

    Args:
        diagnostics: the diagnostics table: its ``full_grad_norm_sq`` (stat ``value``) and
            ``grad_norm`` (stat ``mean``, per probe batch size) rows.
        history: the history table (``trial, epoch, batch_size, learning_rate, updates,
            examples_seen``): the trial's batch size and rate, and its counts per epoch.

    Returns:
        One row per (trial, epoch) with ``|G|`` measured, sorted: ``trial, learning_rate,
        batch_size, epoch, updates, examples_seen`` (0 at epoch 0), ``full_grad_norm``
        (``sqrt(full_grad_norm_sq)``) and ``batch_grad_norm`` (``grad_norm[b].mean``, NaN when
        the trial's b was not among the probe batch sizes).

    Example:
        >>> diagnostics = pd.DataFrame({"trial": 0, "epoch": [2, 2, 2],
        ...     "quantity": ["full_grad_norm_sq", "grad_norm", "grad_norm"],
        ...     "batch_size": [None, 8, 16], "stat": ["value", "mean", "mean"],
        ...     "value": [0.25, 0.9, 0.7]})
        >>> history = pd.DataFrame({"trial": 0, "epoch": [1, 2], "batch_size": 8,
        ...     "learning_rate": 0.1, "updates": [4, 8], "examples_seen": [32, 64]})
        >>> trained_grad_norms(diagnostics, history)[["epoch", "updates", "full_grad_norm",
        ...     "batch_grad_norm"]]
           epoch  updates  full_grad_norm  batch_grad_norm
        0      2      8.0             0.5              0.9
    """
    require(diagnostics, DIAGNOSTICS, "the trained-model gradient norms")
    require(history, HISTORY, "the trained-model gradient norms (history)")
    value = diagnostics["value"].astype(float)
    finite = diagnostics[np.isfinite(value)]
    full = finite[(finite["quantity"] == "full_grad_norm_sq") & (finite["stat"] == "value")]
    if full.empty:
        raise BatchlabError(
            "the diagnostics table has no full_grad_norm_sq rows; the trained-model gradient "
            "norms need it (a study with [diagnostics] enabled = true)"
        )
    settings = history.groupby("trial", sort=True)[["batch_size", "learning_rate"]].first()
    counts = history[["trial", "epoch", "updates", "examples_seen"]]
    out = full[["trial", "epoch"]].assign(full_grad_norm=np.sqrt(full["value"].astype(float)))
    out = out.join(settings, on="trial", how="inner")
    out = out.merge(counts, on=["trial", "epoch"], how="left")
    at_start = out["epoch"] == 0
    out.loc[at_start, ["updates", "examples_seen"]] = 0
    own = finite[(finite["quantity"] == "grad_norm") & (finite["stat"] == "mean")]
    own = own.assign(batch_size=own["batch_size"].astype(float))
    own = own.rename(columns={"value": "batch_grad_norm"})
    out = out.assign(batch_size=out["batch_size"].astype(float)).merge(
        own[["trial", "epoch", "batch_size", "batch_grad_norm"]],
        on=["trial", "epoch", "batch_size"],
        how="left",
    )
    out = out.astype({"trial": "int64", "epoch": "int64", "updates": float})
    columns = ["trial", "learning_rate", "batch_size", "epoch", "updates", "examples_seen"]
    return out[[*columns, *VALUES]].sort_values(["trial", "epoch"]).reset_index(drop=True)


def trained_grad_norm_table(
    diagnostics: pd.DataFrame, history: pd.DataFrame, confidence: float = 0.95
) -> pd.DataFrame:
    """Mean over seeds of |G| and |g_b| per (learning rate, epoch, training batch size b).

    Returns:
        One row per (learning_rate, epoch, batch_size), sorted, with ``updates`` and
        ``examples_seen`` (their mean over the seeds: every seed makes the same),
        ``n`` (seeds), and for each of :data:`VALUES` its ``_mean``, ``_lower`` and ``_upper``:
        the interval over seeds of :func:`batchlab.analysis._tables.seed_interval` (a
        Student-t interval from 5 seeds, the seeds' range with 2 to 4).
    """
    per_trial = trained_grad_norms(diagnostics, history)
    keys = ["learning_rate", "epoch", "batch_size"]
    out = per_trial.groupby(keys, sort=True)[["updates", "examples_seen"]].mean()
    out["n"] = per_trial.groupby(keys, sort=True)["trial"].nunique()
    for column in VALUES:
        stats = group_ci(per_trial, keys, column, confidence, (0.0, np.inf)).set_index(keys)
        for stat in ("mean", "lower", "upper"):
            out[f"{column}_{stat}"] = stats[stat]
    return out.reset_index()


def _early_late(table: pd.DataFrame) -> tuple[int, int] | None:
    """(early, late): the first epoch after 0 and the last one measured; None with one."""
    epochs = sorted(int(e) for e in table["epoch"].unique())
    trained = [e for e in epochs if e > 0]
    if len(trained) < 1:
        return None
    return (trained[0], trained[-1])


def _probe_at_fixed_weights(
    diagnostics: pd.DataFrame, trials: list[int], epoch: int
) -> tuple[float, float, float, float] | None:
    """(B_small, mean |g_B| there, B_large, mean |g_B| there) over ``trials`` at ``epoch``:
    the mean over the trials of ``grad_norm`` stat ``mean`` at the smallest and the largest
    probe batch size."""
    rows = diagnostics[
        (diagnostics["quantity"] == "grad_norm")
        & (diagnostics["stat"] == "mean")
        & diagnostics["trial"].isin(trials)
        & (diagnostics["epoch"] == epoch)
    ]
    rows = rows[np.isfinite(rows["value"].astype(float))]
    if rows["batch_size"].nunique() < 2:
        return None
    per_b = rows.groupby(rows["batch_size"].astype(float))["value"].mean().sort_index()
    first, last = per_b.index[0], per_b.index[-1]
    return float(first), float(per_b[first]), float(last), float(per_b[last])


def trained_gradients_finding(
    diagnostics: pd.DataFrame | None, history: pd.DataFrame | None, confidence: float = 0.95
) -> Finding | None:
    """Seed 004's "the gradient norm increases with batch size", reconciled with the 1/B law.

    Per learning rate, at the last measured epoch ("late"): |G| of the model trained at the
    smallest and at the largest batch size, the updates each made by then, and whether their
    intervals over seeds separate; at the first measured epoch after 0 ("early"): at how many
    (rate, batch size) the early |G| lies above the late one. At fixed weights (the models
    trained at the smallest b, at the largest rate, late): the mean |g_B| at the smallest and
    the largest probe batch size B. None when the tables lack |G| at two batch sizes.
    """
    if diagnostics is None or history is None or len(diagnostics) == 0 or len(history) == 0:
        return None
    if "full_grad_norm_sq" not in measured(diagnostics):
        return None
    table = trained_grad_norm_table(diagnostics, history, confidence)
    if table["batch_size"].nunique() < 2:
        return None
    epochs = _early_late(table)
    if epochs is None:
        return None
    early, late = epochs
    parts, rising, nums = [], [], {"early_epoch": early, "late_epoch": late}
    rates = sorted(table["learning_rate"].unique(), reverse=True)
    for rate in rates:
        rows = table[(table["learning_rate"] == rate) & (table["epoch"] == late)]
        rows = rows.sort_values("batch_size")
        if len(rows) < 2:
            continue
        small, large = rows.iloc[0], rows.iloc[-1]
        rises = large["full_grad_norm_mean"] > small["full_grad_norm_mean"]
        rising.append(bool(rises))
        apart = (
            large["full_grad_norm_lower"] > small["full_grad_norm_upper"]
            or small["full_grad_norm_lower"] > large["full_grad_norm_upper"]
        )
        word = spread(
            small["full_grad_norm_lower"],
            small["full_grad_norm_upper"],
            small["n"],
            num,
            confidence,
        )
        parts.append(
            f"at learning rate {rate:g} it {'rises' if rises else 'falls'} from "
            f"{num(small['full_grad_norm_mean'])} at b = {int(small['batch_size'])}"
            f"{f' ({word})' if word else ''} to {num(large['full_grad_norm_mean'])} at "
            f"b = {int(large['batch_size'])} (the intervals over seeds "
            f"{'do not overlap' if apart else 'overlap'}); by then the first made "
            f"{num(small['updates'])} updates and the second {num(large['updates'])}"
        )
        tag = f"lr_{rate:g}_"
        nums |= {
            f"{tag}small_batch_size": int(small["batch_size"]),
            f"{tag}large_batch_size": int(large["batch_size"]),
            f"{tag}small_full_grad_norm": small["full_grad_norm_mean"],
            f"{tag}large_full_grad_norm": large["full_grad_norm_mean"],
            f"{tag}small_updates": small["updates"],
            f"{tag}large_updates": large["updates"],
            f"{tag}intervals_apart": bool(apart),
        }
    if not parts:
        return None
    text = (
        f"Seed 004's view: after {plural(int(late), 'epoch')} the full-batch gradient norm |G| of "
        "the model trained at batch size b: " + "; ".join(parts) + "."
    )
    if early != late:
        pivot = table[table["epoch"].isin([early, late])].pivot_table(
            index=["learning_rate", "batch_size"], columns="epoch", values="full_grad_norm_mean"
        )
        pivot = pivot.dropna()
        above = int((pivot[early] > pivot[late]).sum())
        text += (
            f" The early points (epoch {early}) lie above the late ones (epoch {late}) at "
            f"{above} of {len(pivot)} (learning rate, batch size) settings."
        )
        nums |= {"early_above_late": above, "settings": len(pivot)}
    top = rates[0]
    smallest = table.loc[table["learning_rate"] == top, "batch_size"].min()
    trials = history.loc[
        (history["learning_rate"] == top) & (history["batch_size"] == smallest), "trial"
    ].unique()
    probe = _probe_at_fixed_weights(diagnostics, list(trials), late)
    if probe is not None:
        b_lo, g_lo, b_hi, g_hi = probe
        text += (
            f" Both views hold. At fixed weights (the models trained at b = {int(smallest)}, "
            f"learning rate {top:g}, after {plural(int(late), 'epoch')}) the mean mini-batch norm "
            f"|g_B| falls with the probe batch size B, from {num(g_lo)} at B = {int(b_lo)} to "
            f"{num(g_hi)} at B = {int(b_hi)}: the 1/B law, E|g_B|² = |G|² + (1/B − 1/n) tr Σ. "
            "Across trained models the weights differ: by the same epoch a larger batch has made "
            "fewer updates, "
            + (
                "so its model sits where the loss is steeper and its gradient is larger."
                if all(rising)
                else "yet here its gradient is not larger at every learning rate, so the "
                "seed's observation holds only in part."
            )
        )
        nums |= {
            "probe_small_batch_size": int(b_lo),
            "probe_small_grad_norm": g_lo,
            "probe_large_batch_size": int(b_hi),
            "probe_large_grad_norm": g_hi,
        }
    return Finding("trained_gradients", "Gradient norm against the training batch size", text, nums)
