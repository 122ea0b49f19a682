"""Seed 004's figures: gradient norm against batch size early and late, and distance from init.

Read from the diagnostics table (``docs/schema.md``; rows made by
:func:`batchlab.quantities.to_rows`):

- :func:`draw_grad_norm_vs_batch`: mean |g_B|^2 (error bars: std over the sampled batches)
  against batch size for chosen epochs, with the exact curve |G|^2 + tr(Sigma)/B from the
  full-batch quantities measured at the same epoch;
- :func:`draw_grad_norm_vs_inverse_batch`: the same means against 1/B, where the law is a
  straight line with intercept |G|^2 and slope tr(Sigma);
- :func:`draw_distance`: |theta - theta_0| against examples seen, one line per batch size.

Where several trials hold a value for the same (epoch, batch size), the figure shows their
mean (and, for error bars, the root mean square of their stds); pass ``trial`` to show one.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from batchlab.errors import BatchlabError
from batchlab.plots._style import batch_size_axis, color, plain, require_columns

DIAGNOSTICS = ("trial", "epoch", "quantity", "batch_size", "stat", "value")
HISTORY = ("trial", "epoch", "batch_size", "examples_seen")

_G_SQ = r"$|G|^2$"
_TR = r"$\mathrm{tr}(\Sigma)$"


def _rows(diagnostics: pd.DataFrame, quantity: str, stat: str) -> pd.DataFrame:
    rows = diagnostics[(diagnostics["quantity"] == quantity) & (diagnostics["stat"] == stat)]
    return rows[np.isfinite(rows["value"].astype(float))]


def _one_trial(diagnostics: pd.DataFrame, trial: int | None, figure: str) -> pd.DataFrame:
    require_columns(diagnostics, DIAGNOSTICS, figure)
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
    wanted = [int(e) for e in epochs]
    missing = [e for e in wanted if e not in have]
    if missing:
        raise BatchlabError(
            f"epochs {missing} have no grad_norm_sq rows; the table has epochs {have}"
        )
    return wanted


def _sampled(diagnostics: pd.DataFrame, epoch: int) -> pd.DataFrame:
    """Per batch size at ``epoch``: mean |g_B|^2 and std, averaged over trials."""
    at = diagnostics[diagnostics["epoch"] == epoch]
    mean = _rows(at, "grad_norm_sq", "mean").groupby("batch_size")["value"].mean()
    var = _rows(at, "grad_norm_sq", "std").set_index(["trial", "batch_size"])["value"] ** 2
    std = np.sqrt(var.groupby("batch_size").mean()) if not var.empty else None
    table = pd.DataFrame({"mean": mean})
    table["std"] = std.reindex(table.index) if std is not None else np.nan
    table.index = table.index.astype(float)
    return table.sort_index()


def _exact(diagnostics: pd.DataFrame, epoch: int) -> tuple[float, float]:
    """(|G|^2, tr(Sigma)) at ``epoch``, averaged over trials; raises when not measured."""
    at = diagnostics[diagnostics["epoch"] == epoch]
    values = []
    for quantity in ("full_grad_norm_sq", "trace_cov"):
        rows = _rows(at, quantity, "value")
        if rows.empty:
            raise BatchlabError(
                f"the exact line needs the quantity {quantity!r} (stat 'value') at epoch "
                f"{epoch}; measure it, or pass exact=False"
            )
        values.append(float(rows["value"].mean()))
    return values[0], values[1]


def _finite_population(batch_size: np.ndarray, n_examples: int | None) -> np.ndarray:
    # E|g_B|^2 - |G|^2 = c(B) tr(Sigma)/B with c = 1 - B/n for B distinct examples of n.
    return np.ones_like(batch_size) if n_examples is None else 1 - batch_size / n_examples


def _law_label(n_examples: int | None) -> str:
    if n_examples is None:
        return rf"{_G_SQ} + {_TR}$/B$"
    return rf"{_G_SQ} + $(1 - B/{int(n_examples)})\,${_TR}$/B$"


def draw_grad_norm_vs_batch(
    diagnostics: pd.DataFrame,
    ax: Axes,
    epochs: Iterable[int] | None = None,
    *,
    trial: int | None = None,
    n_examples: int | None = None,
    exact: bool = True,
) -> Axes:
    """Mean squared batch-gradient norm against batch size, one colour per epoch (seed 004).

    Points: mean |g_B|^2 over the sampled batches (``grad_norm_sq``, stat ``mean``), error bars
    the std over them (stat ``std``). With ``exact``, a dashed line of the same colour draws
    ``|G|^2 + tr(Sigma)/B`` from ``full_grad_norm_sq`` and ``trace_cov`` at that epoch; with
    ``n_examples`` (the pool the batches were drawn from, without replacement) it draws the
    exact ``|G|^2 + (1 - B/n) tr(Sigma)/B``. Log-log axes.

    Args:
        diagnostics: the diagnostics table (columns ``trial, epoch, quantity, batch_size, stat,
            value``).
        ax: the axes to draw on.
        epochs: the epochs to show; default the first and last measured (early and late).
        trial: show one trial; default all, averaged.
        n_examples: pool size for the finite-population correction of the exact line.
        exact: draw the exact line (needs ``full_grad_norm_sq`` and ``trace_cov``).

    Returns:
        ``ax``, with one errorbar container and (with ``exact``) one line per epoch.
    """
    table = _one_trial(diagnostics, trial, "gradient norm against batch size")
    chosen = _epochs(_rows(table, "grad_norm_sq", "mean"), epochs)
    sizes: set[float] = set()
    for i, epoch in enumerate(chosen):
        points = _sampled(table, epoch)
        b = points.index.to_numpy(float)
        sizes.update(b)
        ax.errorbar(
            b,
            points["mean"],
            yerr=points["std"],
            fmt="o",
            color=color(i),
            capsize=3,
            label=f"epoch {epoch}: sampled batches",
        )
        if exact:
            g_sq, tr = _exact(table, epoch)
            grid = np.geomspace(b.min(), b.max(), 200)
            ax.plot(
                grid,
                g_sq + _finite_population(grid, n_examples) * tr / grid,
                "--",
                color=color(i),
                label=f"epoch {epoch}: {_law_label(n_examples)}",
            )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    batch_size_axis(ax.xaxis, sizes)
    ax.set_xlabel("batch size $B$")
    ax.set_ylabel(r"mean squared gradient norm $|g_B|^2$")
    ax.set_title("Gradient norm against batch size")
    ax.legend(fontsize="small")
    return ax


def draw_grad_norm_vs_inverse_batch(
    diagnostics: pd.DataFrame,
    ax: Axes,
    epochs: Iterable[int] | None = None,
    *,
    trial: int | None = None,
    n_examples: int | None = None,
) -> Axes:
    """Mean |g_B|^2 against 1/B: the law ``|G|^2 + tr(Sigma)/B`` is a straight line.

    Points as in :func:`draw_grad_norm_vs_batch`, at x = 1/B; the line (dashed, same colour)
    has intercept |G|^2 and slope tr(Sigma) from ``full_grad_norm_sq`` and ``trace_cov``, drawn
    from 1/B = 0 (its intercept, the full-batch limit) to the smallest batch. With
    ``n_examples`` it is ``|G|^2 + tr(Sigma) (1/B - 1/n)``, exact for batches of B distinct
    examples from n, which meets 1/B = 1/n at |G|^2. Linear axes.

    Returns:
        ``ax``, with one errorbar container and one line per epoch.
    """
    table = _one_trial(diagnostics, trial, "gradient norm against 1/batch size")
    chosen = _epochs(_rows(table, "grad_norm_sq", "mean"), epochs)
    for i, epoch in enumerate(chosen):
        points = _sampled(table, epoch)
        inv = 1 / points.index.to_numpy(float)
        ax.errorbar(
            inv,
            points["mean"],
            yerr=points["std"],
            fmt="o",
            color=color(i),
            capsize=3,
            label=f"epoch {epoch}: sampled batches",
        )
        g_sq, tr = _exact(table, epoch)
        grid = np.linspace(0.0, inv.max(), 50)
        shift = 0.0 if n_examples is None else 1 / n_examples
        ax.plot(
            grid,
            g_sq + tr * (grid - shift),
            "--",
            color=color(i),
            label=f"epoch {epoch}: {_G_SQ} = {g_sq:.3g}, {_TR} = {tr:.3g}",
        )
    ax.set_xlim(left=0.0)
    ax.set_xlabel("1 / batch size")
    ax.set_ylabel(r"mean squared gradient norm $|g_B|^2$")
    ax.set_title(r"$|g_B|^2$ against $1/B$: intercept $|G|^2$, slope tr$(\Sigma)$")
    ax.legend(fontsize="small")
    return ax


def _distance_table(table: pd.DataFrame, history: pd.DataFrame | None) -> pd.DataFrame:
    """(batch_size, examples_seen, distance_from_init) rows from a wide or long table."""
    if "distance_from_init" in table.columns:
        require_columns(
            table,
            ("batch_size", "examples_seen", "distance_from_init"),
            "distance from initial weights",
        )
        return table[["batch_size", "examples_seen", "distance_from_init"]]
    require_columns(table, DIAGNOSTICS, "distance from initial weights")
    if history is None:
        raise BatchlabError(
            "the distance figure needs history= (columns trial, epoch, batch_size, "
            "examples_seen) to place diagnostics rows at their examples seen and batch size"
        )
    require_columns(history, HISTORY, "distance from initial weights (history)")
    rows = _rows(table, "distance_from_init", "value")
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
    return pd.DataFrame(
        {
            "batch_size": rows["batch_size"],
            "examples_seen": rows["epoch"] * rows["per_epoch"],
            "distance_from_init": rows["value"],
        }
    )


def draw_distance(table: pd.DataFrame, ax: Axes, *, history: pd.DataFrame | None = None) -> Axes:
    """Distance of the weights from their initial values against examples seen (seed 004).

    One line per batch size (the mean over its trials at each point). ``table`` is either
    wide, with columns ``batch_size, examples_seen, distance_from_init`` (e.g. the history
    joined with the distances), or the diagnostics table (quantity ``distance_from_init``),
    placed by ``history`` (``trial, epoch, batch_size, examples_seen``): examples seen at epoch
    e are e * n_train, so a measurement at initialization (epoch 0) sits at 0.

    Returns:
        ``ax``, with one line per batch size.
    """
    data = _distance_table(table, history)
    data = data[np.isfinite(data["distance_from_init"].astype(float))]
    grouped = data.groupby(["batch_size", "examples_seen"], sort=True)["distance_from_init"]
    curves = grouped.mean().reset_index()
    for i, (size, rows) in enumerate(curves.groupby("batch_size", sort=True)):
        ax.plot(
            rows["examples_seen"],
            rows["distance_from_init"],
            "o-",
            color=color(i),
            markersize=3,
            label=plain(f"batch size {int(size)}"),
        )
    ax.set_xlabel("examples seen")
    ax.set_ylabel(r"distance from initial weights $|\theta - \theta_0|$")
    ax.set_title("Distance from initial weights")
    ax.legend(fontsize="small")
    return ax
