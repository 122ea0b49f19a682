"""Seed 004's gradient statistics, from the diagnostics table (pandas in, pandas out).

The diagnostics table (``docs/schema.md``; rows made by :func:`batchlab.quantities.to_rows`)
holds one value per (trial, epoch, quantity, probe batch size, stat). These functions pool it
over trials into what the gradient figures draw:

- :func:`grad_norm_table`: per epoch and probe batch size B, the mean squared batch-gradient
  norm ``|g_B|^2`` over the sampled batches and its spread, beside the full-batch ``|G|^2``
  and ``tr(Sigma)`` measured at that epoch;
- :func:`expected_grad_norm_sq`: the law those should follow,
  ``E|g_B|^2 = |G|^2 + (1/B - 1/n) tr(Sigma)`` (:func:`batchlab._laws.inverse_batch`);
- :func:`distance_table`: the distance of the weights from their initial values against
  examples seen, per batch size;
- :func:`pool_size`: the pool ``n`` the probe batches were drawn from;
- :func:`measured`: the quantities a diagnostics table holds values of.

Where several trials hold a value for the same (epoch, batch size), the tables hold their mean
(and, for the spread, the root mean square of their stds). Nothing here draws.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from batchlab._laws import inverse_batch
from batchlab.analysis._tables import require
from batchlab.errors import BatchlabError

DIAGNOSTICS = ("trial", "epoch", "quantity", "batch_size", "stat", "value")
"""The diagnostics columns these functions read."""
HISTORY = ("trial", "epoch", "batch_size", "examples_seen")
"""The history columns :func:`distance_table` reads."""
EXACT = ("full_grad_norm_sq", "trace_cov")
"""The full-batch quantities of the law: ``|G|^2`` and ``tr(Sigma)`` (stat ``value``)."""


def _values(diagnostics: pd.DataFrame, quantity: str, stat: str) -> pd.DataFrame:
    """The rows of ``quantity`` and ``stat`` with a finite value."""
    rows = diagnostics[(diagnostics["quantity"] == quantity) & (diagnostics["stat"] == stat)]
    return rows[np.isfinite(rows["value"].astype(float))]


def measured(diagnostics: pd.DataFrame | None) -> frozenset[str]:
    """The quantities with at least one finite value in ``diagnostics`` (empty when None).

    Example:
        >>> rows = pd.DataFrame({"quantity": ["trace_cov", "b_simple"], "value": [2.0, np.nan]})
        >>> sorted(measured(rows))
        ['trace_cov']
    """
    if diagnostics is None or not {"quantity", "value"} <= set(diagnostics.columns):
        return frozenset()
    finite = np.isfinite(diagnostics["value"].astype(float))
    return frozenset(diagnostics.loc[finite, "quantity"].astype(str))


def _one_trial(diagnostics: pd.DataFrame, trial: int | None) -> pd.DataFrame:
    if trial is None:
        return diagnostics
    rows = diagnostics[diagnostics["trial"] == trial]
    if rows.empty:
        trials = ", ".join(str(t) for t in sorted(diagnostics["trial"].unique()))
        raise BatchlabError(f"trial {trial} has no diagnostics; the table has trials {trials}")
    return rows


def _epochs(sampled: pd.DataFrame, epochs: Iterable[int] | None) -> list[int]:
    have = sorted(int(e) for e in sampled["epoch"].unique())
    if not have:
        raise BatchlabError(
            "the diagnostics table has no grad_norm_sq rows (quantity 'grad_norm_sq', stat "
            "'mean'); measure it with batchlab.quantities.measure"
        )
    if epochs is None:
        return sorted({have[0], have[-1]})  # early and late, as in seed 004
    wanted = list(dict.fromkeys(int(e) for e in epochs))
    missing = [e for e in wanted if e not in have]
    if missing:
        raise BatchlabError(
            f"epochs {missing} have no grad_norm_sq rows; the table has epochs {have}"
        )
    return wanted


def grad_norm_table(
    diagnostics: pd.DataFrame, epochs: Iterable[int] | None = None, *, trial: int | None = None
) -> pd.DataFrame:
    """Mean squared batch-gradient norm per (epoch, probe batch size), pooled over trials.

    Args:
        diagnostics: the diagnostics table (columns ``trial, epoch, quantity, batch_size,
            stat, value``).
        epochs: the epochs to keep; default the first and the last at which ``grad_norm_sq``
            was measured (early and late, as in seed 004).
        trial: keep one trial; default all, pooled.

    Returns:
        One row per (epoch, batch size), epochs in the order chosen and batch sizes ascending,
        with the columns ``epoch``, ``batch_size`` (float), ``mean`` (the mean over trials of
        ``grad_norm_sq`` stat ``mean``: the mean of |g_B|^2 over the sampled batches),
        ``std`` (the root mean square over trials of stat ``std``; NaN when not recorded),
        ``full_grad_norm_sq`` and ``trace_cov`` (|G|^2 and tr(Sigma) at that epoch, the mean
        over trials of stat ``value``; NaN when not measured).

    Raises BatchlabError naming a missing column, a trial without rows, or epochs without
    ``grad_norm_sq``.

    Example:
        >>> rows = [(0, 1, "grad_norm_sq", b, "mean", 1 + 8 / b) for b in (1, 4)]
        >>> rows += [(0, 1, "full_grad_norm_sq", None, "value", 1.0)]
        >>> rows += [(0, 1, "trace_cov", None, "value", 8.0)]
        >>> grad_norm_table(pd.DataFrame(rows, columns=list(DIAGNOSTICS)))
           epoch  batch_size  mean  std  full_grad_norm_sq  trace_cov
        0      1         1.0   9.0  NaN                1.0        8.0
        1      1         4.0   3.0  NaN                1.0        8.0
    """
    require(diagnostics, DIAGNOSTICS, "the gradient norm table")
    table = _one_trial(diagnostics, trial)
    chosen = _epochs(_values(table, "grad_norm_sq", "mean"), epochs)
    table = table[table["epoch"].isin(chosen)]
    keys = ["epoch", "batch_size"]
    mean = _values(table, "grad_norm_sq", "mean").groupby(keys)["value"].mean()
    var = _values(table, "grad_norm_sq", "std").assign(value=lambda t: t["value"] ** 2)
    out = pd.DataFrame({"mean": mean})
    out["std"] = np.sqrt(var.groupby(keys)["value"].mean()).reindex(out.index)
    out = out.reset_index()
    exact = pd.concat([_values(table, quantity, "value") for quantity in EXACT])
    per_epoch = exact.pivot_table(index="epoch", columns="quantity", values="value")
    out = out.join(per_epoch.reindex(columns=list(EXACT)), on="epoch")
    out["epoch"] = out["epoch"].astype(int)
    out["batch_size"] = out["batch_size"].astype(float)
    out = out.sort_values("batch_size", kind="stable")
    order = {epoch: i for i, epoch in enumerate(chosen)}
    out = out.sort_values("epoch", key=lambda e: e.map(order), kind="stable")
    out.columns.name = None
    return out.reset_index(drop=True)[[*keys, "mean", "std", *EXACT]]


def expected_grad_norm_sq(
    batch_size, full_grad_norm_sq: float, trace_cov: float, n_examples: int | None = None
):
    """``E|g_B|^2 = |G|^2 + (1/B - 1/n) tr(Sigma)``: the mean squared norm of a batch gradient.

    Exact for batches of ``B`` distinct examples drawn from a pool of ``n``
    (:func:`batchlab._laws.inverse_batch`); ``n_examples=None`` (an infinite pool) gives
    McCandlish et al.'s ``|G|^2 + tr(Sigma)/B``. ``batch_size`` may be an array (and
    ``inf``: the full-batch limit). Returns a float or an array like ``batch_size``.

    Example:
        >>> expected_grad_norm_sq(4, 1.0, 8.0), expected_grad_norm_sq(4, 1.0, 8.0, 8)
        (3.0, 2.0)
    """
    return full_grad_norm_sq + inverse_batch(batch_size, n_examples) * trace_cov


def distance_table(diagnostics: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Distance of the weights from their initial values against examples seen, per batch size.

    Args:
        diagnostics: the diagnostics table; its ``distance_from_init`` rows (stat ``value``).
        history: the history table (``trial, epoch, batch_size, examples_seen``), which places
            each row at its trial's batch size and examples seen: a measurement after epoch e
            sits at e * n_train (``examples_seen / epoch`` of the trial's last epoch), so one
            at initialization (epoch 0) sits at 0.

    Returns:
        One row per (batch_size, examples_seen), sorted, with ``distance_from_init`` the mean
        over the batch size's trials.

    Example:
        >>> diagnostics = pd.DataFrame(
        ...     {"trial": [0, 0, 1], "epoch": [0, 2, 2], "quantity": "distance_from_init",
        ...      "batch_size": None, "stat": "value", "value": [0.0, 1.0, 3.0]})
        >>> history = pd.DataFrame({"trial": [0, 0, 1, 1], "epoch": [1, 2, 1, 2],
        ...     "batch_size": 8, "examples_seen": [100, 200, 100, 200]})
        >>> distance_table(diagnostics, history)
           batch_size  examples_seen  distance_from_init
        0           8            0.0                 0.0
        1           8          200.0                 2.0
    """
    require(diagnostics, DIAGNOSTICS, "the distance table")
    require(history, HISTORY, "the distance table (history)")
    rows = _values(diagnostics, "distance_from_init", "value")
    if rows.empty:
        raise BatchlabError("the diagnostics table has no distance_from_init rows")
    keys = ["study", "trial"] if "study" in rows and "study" in history else ["trial"]
    per_trial = history.groupby(keys, sort=False).agg(
        batch_size=("batch_size", "first"),
        per_epoch=("examples_seen", lambda s: float(s.max())),
        last_epoch=("epoch", "max"),
    )
    per_trial["per_epoch"] /= per_trial["last_epoch"]  # examples_seen = epoch * n_train
    rows = rows.drop(columns=["batch_size"]).join(per_trial, on=keys, how="inner")
    points = pd.DataFrame(
        {
            "batch_size": rows["batch_size"],
            "examples_seen": rows["epoch"] * rows["per_epoch"],
            "distance_from_init": rows["value"],
        }
    )
    grouped = points.groupby(["batch_size", "examples_seen"], sort=True)["distance_from_init"]
    return grouped.mean().reset_index()


def pool_size(spec: Mapping[str, Any] | None, history: pd.DataFrame | None) -> int | None:
    """The pool ``n`` that the diagnostics' probe batches were drawn from.

    ``diagnostics.sample_size`` of the ``spec`` when it sets one (at most the training set),
    else the training-set size, read from the ``history`` as examples seen per epoch. None when
    neither is known.

    Example:
        >>> history = pd.DataFrame({"epoch": [1, 2], "examples_seen": [1000, 2000]})
        >>> pool_size({}, history), pool_size({"diagnostics": {"sample_size": 200}}, history)
        (1000, 200)
    """
    n_train = None
    if history is not None and len(history) and {"examples_seen", "epoch"} <= set(history):
        rows = history[history["epoch"] > 0]
        if len(rows):
            n_train = int(round(float((rows["examples_seen"] / rows["epoch"]).iloc[0])))
    sample = ((spec or {}).get("diagnostics") or {}).get("sample_size")
    if sample is not None:
        return int(sample) if n_train is None else min(int(sample), n_train)
    return n_train
