"""All batch sizes on one axis, one line (and band) each — the course's history plots (seed 000)."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from batchlab import analysis
from batchlab.plots._kind import FigureKind, only_rate
from batchlab.plots._style import (
    CURVE_COLUMNS,
    X_LABELS,
    band_label,
    check_x,
    color,
    empty_limits,
    group_label,
    has_data,
    is_accuracy,
    line_with_band,
    linestyle,
    new_figure,
    note,
    one_x,
    percent_axis,
    plain,
    plain_log_axis,
    require_columns,
    y_limits,
)

LEGEND_ROWS = 16
"""The most entries in one column of the legend (more would outgrow a 4.8-inch figure)."""


def draw_overlay(
    table: pd.DataFrame,
    ax: Axes | None = None,
    *,
    x: str = "epochs",
    ylabel: str = "test accuracy",
    confidence: float = 0.95,
    target: float | None = None,
    title: str | None = None,
    xscale: str | None = None,
    bands: bool = True,
) -> Axes:
    """Draw one line per batch size (and learning rate) on one axis, with its band.

    Args:
        table: a :func:`batchlab.analysis.curves` table: ``batch_size``, ``x``, ``mean``,
            ``lower``, ``upper`` (and ``learning_rate``: a line per pair when it varies).
        ax: the axes to draw on (a new figure when None).
        x: ``epochs``, ``updates``, ``examples`` or ``seconds``.
        ylabel: the metric's name ("accuracy" in it shows percentages).
        confidence: the band's level, for the legend title only.
        target: draws a dashed horizontal line at this value.
        xscale: "linear" or "log"; default log for updates, linear otherwise.
        bands: draw the interval bands.

    The legend sits outside the axes, on the right, in as many columns of at most
    :data:`LEGEND_ROWS` entries as it needs (a new figure widens for them). A series with one
    point (one epoch) is a marker. Returns the axes.
    """
    x = check_x(x)
    require_columns(table, [*CURVE_COLUMNS, x], "overlay")
    keys = ["batch_size"]
    many_rates = "learning_rate" in table and table["learning_rate"].nunique() > 1
    if many_rates:
        keys.append("learning_rate")
    n_lines = len(table.groupby(keys, sort=False))
    columns = math.ceil(n_lines / LEGEND_ROWS)  # legend columns: it never outgrows the axes
    if ax is None:
        ax = new_figure(8.5 + 1.9 * (columns - 1), 4.8).add_subplot()
    for i, (key, rows) in enumerate(table.groupby(keys, sort=True)):
        b, r = (key[0], key[1]) if many_rates else (key[0], None)
        label = (
            group_label(b, r).replace("batch size ", "") if not many_rates else group_label(b, r)
        )
        line_with_band(
            ax, rows, x, band=bands, color=color(i), ls=linestyle(i), lw=1.5, label=label
        )
    if target is not None:
        ax.axhline(target, color="0.35", lw=0.9, ls="--", label="target")
    drawn = has_data(table[x], table["mean"])
    scale = xscale or ("log" if x == "updates" else "linear")
    ax.set_xscale(scale if drawn else "linear")  # nothing finite to place on a log axis
    if scale == "log" and drawn:
        plain_log_axis(ax.xaxis)
    elif x == "epochs":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 0.98
    one_x(ax, table[x], scale if drawn else "linear")
    if not drawn:
        note(ax, "every trial diverged: nothing to draw")
    ax.set_xlabel(X_LABELS[x])
    ax.set_ylabel(plain(ylabel))
    if is_accuracy(ylabel):
        percent_axis(ax.yaxis)
    y_limits(ax, [table], ylabel)
    if not drawn:
        empty_limits(ax, table[x], ylabel)
    ax.grid(True, alpha=0.3)
    legend_title = "batch size" if not many_rates else None
    if bands:
        legend_title = (
            legend_title + "\n" if legend_title else ""
        ) + f"(bands: {band_label(confidence)})"
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        title=legend_title,
        ncols=columns,
        fontsize="small" if columns > 1 else None,
    )
    ax.set_title(plain(title or f"{ylabel.capitalize()} by batch size (mean over seeds)"))
    return ax


def overlay_figure(
    tables,
    *,
    x: str = "epochs",
    metric: str = "test_accuracy",
    confidence: float = 0.95,
    learning_rate: float | None = None,
    target: float | None = None,
    title: str | None = None,
    xscale: str | None = None,
    bands: bool = True,
) -> Figure:
    """All batch sizes on one axis: any history ``metric`` against any x.

    ``metric`` is a history column, or ``accuracy`` / ``loss`` for the test set's. An accuracy
    draws the ``target`` as a dashed line.
    """
    history = only_rate(tables.history, learning_rate)
    metric = {"accuracy": "test_accuracy", "loss": "test_loss"}.get(metric, metric)
    table = analysis.curves(history, x=x, metric=metric, confidence=confidence)
    ax = draw_overlay(
        table,
        x=x,
        ylabel=metric.replace("_", " "),
        confidence=confidence,
        target=target if is_accuracy(metric) else None,
        title=title,
        xscale=xscale,
        bands=bands,
    )
    return ax.figure


KIND = FigureKind("overlay", "Every batch size on one axis", ("history",), overlay_figure)
