"""Seed 004's figures: the squared gradient norm against batch size, early and late.

Both draw a :func:`batchlab.analysis.gradients.grad_norm_table` (one row per epoch and probe
batch size: mean |g_B|^2 over the sampled batches and its spread, with |G|^2 and tr(Sigma)
at that epoch), one colour per epoch:

- :func:`draw_grad_norm_vs_batch`: the means (error bars: the std over the sampled batches)
  against batch size, with the exact curve ``|G|^2 + (1/B - 1/n) tr(Sigma)``;
- :func:`draw_grad_norm_vs_inverse_batch`: the same means against 1/B, where the law is a
  straight line with intercept |G|^2 and slope tr(Sigma).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from batchlab.analysis.gradients import (
    EXACT,
    expected_grad_norm_sq,
    grad_norm_table,
    pool_size,
)
from batchlab.errors import BatchlabError
from batchlab.plots._kind import FigureKind
from batchlab.plots._style import (
    batch_size_axis,
    color,
    new_figure,
    plain_log_axis,
    require_columns,
)

POINTS = ("epoch", "batch_size", "mean", "std")
"""The columns of a gradient norm table that the points need (the lines add :data:`EXACT`)."""

_G_SQ = r"$|G|^2$"
_TR = r"$\mathrm{tr}(\Sigma)$"
_Y_LABEL = r"mean squared gradient norm $|g_B|^2$"


def _law_label(n_examples: int | None) -> str:
    if n_examples is None:
        return rf"{_G_SQ} + {_TR}$/B$"
    return rf"{_G_SQ} + $(1 - B/{int(n_examples)})\,${_TR}$/B$"


def _epochs(table: pd.DataFrame, figure: str, exact: bool) -> Iterator[tuple[int, pd.DataFrame]]:
    """Check the columns, then (epoch, its rows) in the table's order."""
    require_columns(table, [*POINTS, *(EXACT if exact else ())], figure)
    yield from table.groupby("epoch", sort=False)


def _points(ax: Axes, x: np.ndarray, rows: pd.DataFrame, i: int, epoch: int) -> None:
    """The epoch's mean |g_B|^2 at ``x``, with the std over sampled batches as error bars."""
    ax.errorbar(
        x,
        rows["mean"],
        yerr=rows["std"],
        fmt="o",
        color=color(i),
        capsize=3,
        label=f"epoch {epoch}: sampled batches",
    )


def _exact(rows: pd.DataFrame, epoch: int) -> tuple[float, float]:
    """(|G|^2, tr(Sigma)) of the epoch; raises naming the quantity that was not measured."""
    first = rows.iloc[0]
    for quantity in EXACT:
        if not np.isfinite(float(first[quantity])):
            raise BatchlabError(
                f"the exact line needs the quantity {quantity!r} (stat 'value') at epoch "
                f"{epoch}; measure it, or pass exact=False"
            )
    return float(first[EXACT[0]]), float(first[EXACT[1]])


def _law(ax: Axes, x, batch_size, exact, n_examples: int | None, i: int, label: str) -> None:
    """The law ``E|g_B|^2`` of the epoch's ``exact`` (|G|^2, tr(Sigma)) at ``batch_size``,
    drawn dashed at ``x``."""
    line = expected_grad_norm_sq(batch_size, *exact, n_examples)
    ax.plot(x, line, "--", color=color(i), label=label)


def draw_grad_norm_vs_batch(
    table: pd.DataFrame, ax: Axes, *, n_examples: int | None = None, exact: bool = True
) -> Axes:
    """Mean squared batch-gradient norm against batch size, one colour per epoch (seed 004).

    Points: mean |g_B|^2 over the sampled batches, error bars the std over them. With
    ``exact``, a dashed line of the same colour draws ``|G|^2 + tr(Sigma)/B`` from the epoch's
    ``full_grad_norm_sq`` and ``trace_cov``; with ``n_examples`` (the pool the batches were
    drawn from, without replacement) the exact ``|G|^2 + (1 - B/n) tr(Sigma)/B``
    (:func:`~batchlab.analysis.gradients.expected_grad_norm_sq`). Log-log axes.

    Args:
        table: a :func:`~batchlab.analysis.gradients.grad_norm_table` (columns ``epoch,
            batch_size, mean, std``, and ``full_grad_norm_sq, trace_cov`` for the lines).
        ax: the axes to draw on.
        n_examples: pool size for the finite-population correction of the exact line.
        exact: draw the exact line.

    Returns:
        ``ax``, with one errorbar container and (with ``exact``) one line per epoch.
    """
    sizes: set[float] = set()
    for i, (epoch, rows) in enumerate(_epochs(table, "gradient norm against batch size", exact)):
        b = rows["batch_size"].to_numpy(float)
        sizes.update(b)
        _points(ax, b, rows, i, epoch)
        if exact:
            grid = np.geomspace(b.min(), b.max(), 200)
            label = f"epoch {epoch}: {_law_label(n_examples)}"
            _law(ax, grid, grid, _exact(rows, epoch), n_examples, i, label)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    plain_log_axis(ax.yaxis)
    batch_size_axis(ax.xaxis, sizes)
    ax.set_xlabel("batch size $B$")
    ax.set_ylabel(_Y_LABEL)
    ax.set_title("Gradient norm against batch size")
    ax.legend(fontsize="small")
    return ax


def draw_grad_norm_vs_inverse_batch(
    table: pd.DataFrame, ax: Axes, *, n_examples: int | None = None
) -> Axes:
    """Mean |g_B|^2 against 1/B: the law ``|G|^2 + tr(Sigma)/B`` is a straight line.

    Points as in :func:`draw_grad_norm_vs_batch`, at x = 1/B; the line (dashed, same colour)
    has intercept |G|^2 and slope tr(Sigma), drawn from 1/B = 0 (its intercept, the
    full-batch limit) to the smallest batch. With ``n_examples`` it is
    ``|G|^2 + tr(Sigma) (1/B - 1/n)``, exact for batches of B distinct examples from n, which
    meets 1/B = 1/n at |G|^2. Linear axes. ``table`` as for :func:`draw_grad_norm_vs_batch`.

    Returns:
        ``ax``, with one errorbar container and one line per epoch.
    """
    for i, (epoch, rows) in enumerate(_epochs(table, "gradient norm against 1/batch size", True)):
        inv = 1 / rows["batch_size"].to_numpy(float)
        _points(ax, inv, rows, i, epoch)
        g_sq, tr = _exact(rows, epoch)
        grid = np.linspace(0.0, inv.max(), 50)  # 1/B, from the full-batch limit 0
        batch = np.divide(1.0, grid, out=np.full_like(grid, np.inf), where=grid > 0)
        label = f"epoch {epoch}: {_G_SQ} = {g_sq:.3g}, {_TR} = {tr:.3g}"
        _law(ax, grid, batch, (g_sq, tr), n_examples, i, label)
    ax.set_xlim(left=0.0)
    ax.set_xlabel("1 / batch size")
    ax.set_ylabel(_Y_LABEL)
    ax.set_title(r"$|g_B|^2$ against $1/B$: intercept $|G|^2$, slope tr$(\Sigma)$")
    ax.legend(fontsize="small")
    return ax


def _figure(draw, tables, epochs: Iterable[int] | None, trial: int | None) -> Figure:
    """``draw`` on a new figure: the study's gradient norm table, with its pool size."""
    fig = new_figure(6.4, 4.6)
    table = grad_norm_table(tables.diagnostics, epochs, trial=trial)
    draw(table, fig.subplots(), n_examples=pool_size(tables.spec, tables.history))
    return fig


def gradients_figure(
    tables, *, epochs: Iterable[int] | None = None, trial: int | None = None
) -> Figure:
    """Mean |g_B|^2 (error bars: std over sampled batches) against batch size at ``epochs``
    (default early and late), with the exact finite-pool line; all trials pooled, or one."""
    return _figure(draw_grad_norm_vs_batch, tables, epochs, trial)


def inverse_batch_figure(
    tables, *, epochs: Iterable[int] | None = None, trial: int | None = None
) -> Figure:
    """Mean |g_B|^2 against 1/B: the sampled points and the exact line (intercept |G|^2,
    slope tr(Sigma))."""
    return _figure(draw_grad_norm_vs_inverse_batch, tables, epochs, trial)


_NEEDS = ("history", "diagnostics", "spec")  # the pool size: spec's sample size, else n_train
_QUANTITIES = ("grad_norm_sq", *EXACT)
KINDS = (
    FigureKind(
        "gradients",
        "Gradient norm against batch size, early and late",
        _NEEDS,
        gradients_figure,
        quantities=_QUANTITIES,
    ),
    FigureKind(
        "inverse-batch",
        "Squared gradient norm against 1/batch size",
        _NEEDS,
        inverse_batch_figure,
        quantities=_QUANTITIES,
    ),
)
