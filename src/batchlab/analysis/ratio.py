"""The ratio of learning rate to batch size: do runs with the same η/B end alike?

Jastrzębski et al. 2017 ("Three Factors Influencing Minima in SGD") and Smith & Le 2018 (SGD's
noise scale g ≈ εN/B): the rate-to-batch ratio, not either alone, sets the noise of SGD, so
final accuracy across a batch size x rate grid should collapse onto one curve of η/B. Pure
functions of the history table: the final metrics of each (batch size, rate) setting against
its η/B, and a measure of the collapse -- how far apart settings of the same η/B end, against
how far apart settings of the same η end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from batchlab._format import num, pct, pts
from batchlab.analysis._tables import require
from batchlab.analysis.findings import Finding


def ratio_table(history: pd.DataFrame) -> pd.DataFrame:
    """One row per (batch size, learning rate): ``ratio`` (η/B), the final test accuracy and
    loss (mean, lowest, highest over seeds that did not diverge), ``n_seeds``, ``diverged``
    (seeds that did)."""
    require(
        history,
        ["trial", "batch_size", "learning_rate", "epoch", "test_accuracy", "test_loss", "diverged"],
        "rate-ratio",
    )
    last = history.sort_values(["trial", "epoch"]).groupby("trial", sort=False).tail(1)
    bad = last["diverged"].astype(bool)
    ok = last[~bad]
    keys = ["batch_size", "learning_rate"]
    g = ok.groupby(keys, sort=True)
    out = pd.DataFrame(
        {
            "test_accuracy_mean": g["test_accuracy"].mean(),
            "test_accuracy_min": g["test_accuracy"].min(),
            "test_accuracy_max": g["test_accuracy"].max(),
            "test_loss_mean": g["test_loss"].mean(),
            "test_loss_min": g["test_loss"].min(),
            "test_loss_max": g["test_loss"].max(),
            "n_seeds": g["trial"].nunique(),
        }
    )
    all_keys = last.groupby(keys, sort=True)["trial"].nunique().index
    out = out.reindex(all_keys)
    out["diverged"] = bad.groupby([last[k] for k in keys]).sum().reindex(all_keys).fillna(0)
    out["n_seeds"] = out["n_seeds"].fillna(0).astype(int)
    out = out.reset_index()
    out["ratio"] = out["learning_rate"] / out["batch_size"]
    return out


def collapse(table: pd.DataFrame, metric: str = "test_accuracy_mean") -> dict[str, float]:
    """How far apart settings end at the same η/B and at the same η (mean over the ratios,
    resp. rates, held by 2+ batch sizes of the largest minus smallest ``metric``); with the
    number of such groups. NaN where no group has two settings."""
    t = table.dropna(subset=[metric]).copy()
    t["ratio_key"] = np.round(np.log2(t["ratio"]), 6)  # equal ratios made by doubling grids

    def mean_range(by: str) -> tuple[float, int]:
        groups = [g[metric] for _, g in t.groupby(by) if g["batch_size"].nunique() >= 2]
        if not groups:
            return float("nan"), 0
        return float(np.mean([g.max() - g.min() for g in groups])), len(groups)

    same_ratio, n_ratio = mean_range("ratio_key")
    same_rate, n_rate = mean_range("learning_rate")
    return {
        "same_ratio_range": same_ratio,
        "ratios_compared": n_ratio,
        "same_rate_range": same_rate,
        "rates_compared": n_rate,
    }


def ratio_findings(history: pd.DataFrame) -> list[Finding]:
    """``rate_ratio``, for a grid of 2+ batch sizes x 2+ rates in which some η/B is held by
    two or more batch sizes: whether final test accuracy collapses on η/B (settings of the
    same η/B end closer together than settings of the same η), with the numbers."""
    if history is None or history.empty:
        return []
    if (
        "epoch_batch_size" in history.columns
        and (history["epoch_batch_size"] != history["batch_size"]).any()
    ):
        return []  # a batch-size schedule: η/B changes during training
    if history["batch_size"].nunique() < 2 or history["learning_rate"].nunique() < 2:
        return []
    table = ratio_table(history)
    c = collapse(table)
    if c["ratios_compared"] == 0 or c["rates_compared"] == 0:
        return []
    best = (
        table.loc[table["test_accuracy_mean"].idxmax()]
        if table["test_accuracy_mean"].notna().any()
        else None
    )
    closer = c["same_ratio_range"] < c["same_rate_range"]
    text = (
        f"Across {table['batch_size'].nunique()} batch sizes x "
        f"{table['learning_rate'].nunique()} learning rates, settings with the same η/B end "
        f"{pts(c['same_ratio_range'])} apart in final test accuracy (mean over "
        f"{c['ratios_compared']} ratios held by two or more batch sizes, largest minus "
        f"smallest), settings with the same η {pts(c['same_rate_range'])} apart (over "
        f"{c['rates_compared']} rates). "
        + (
            "Accuracy follows η/B more closely than η: the points collapse towards one curve "
            "of η/B."
            if closer
            else "Accuracy does not follow η/B more closely than η: the points do not "
            "collapse on η/B."
        )
    )
    if best is not None:
        text += (
            f" The best setting, batch size {int(best['batch_size'])} at rate "
            f"{best['learning_rate']:g} (η/B = {num(best['ratio'])}), reaches "
            f"{pct(best['test_accuracy_mean'])}."
        )
    numbers = dict(c)
    if best is not None:
        numbers["best_ratio"] = float(best["ratio"])
        numbers["best_test_accuracy"] = float(best["test_accuracy_mean"])
    return [Finding("rate_ratio", "Learning rate over batch size (η/B)", text, numbers)]
