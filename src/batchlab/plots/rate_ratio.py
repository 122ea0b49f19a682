"""Final test accuracy and loss against the ratio of learning rate to batch size, η/B.

One colour per batch size, a point per (batch size, rate) setting with the seeds' range as
an error bar, the points of one batch size joined. Where the points of every batch size fall
on one curve, η/B alone sets the outcome (Jastrzębski et al. 2017; Smith & Le 2018).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from batchlab import analysis
from batchlab.plots._kind import FigureKind
from batchlab.plots._style import (
    color,
    linestyle,
    new_figure,
    note,
    percent_axis,
    plain,
    plain_log_axis,
    require_columns,
)

COLUMNS = ("batch_size", "learning_rate", "ratio")
MARKERS = ("o", "s", "^", "D", "v", "P")
"""One marker per batch size, so that points of equal η/B that coincide stay visible."""


def draw_rate_ratio(table: pd.DataFrame, ax: Axes, *, metric: str = "accuracy") -> Axes:
    """Final test ``metric`` (mean, seeds' range as error bars) against η/B (log x) of a
    :func:`batchlab.analysis.ratio_table`, one colour per batch size."""
    require_columns(table, COLUMNS, "rate-ratio")
    column = f"test_{metric}"
    drawn = False
    for i, (batch, rows) in enumerate(table.groupby("batch_size", sort=True)):
        rows = rows.sort_values("ratio").dropna(subset=[f"{column}_mean"])
        if rows.empty:
            continue
        x = rows["ratio"].to_numpy(float)
        y = rows[f"{column}_mean"].to_numpy(float)
        err = np.vstack(
            [y - rows[f"{column}_min"].to_numpy(float), rows[f"{column}_max"].to_numpy(float) - y]
        )
        ax.errorbar(
            x,
            y,
            yerr=err,
            color=color(i),
            ls=linestyle(i),
            marker=MARKERS[i % 6],
            ms=7 - i % 4,
            lw=1.4,
            capsize=3,
            alpha=0.85,
            label=f"{int(batch)}",
        )
        drawn = True
    ax.set_xscale("log", base=2)
    ratios = np.unique(table["ratio"].to_numpy(float))
    if 0 < len(ratios) <= 10:  # each η/B of the grid labelled
        ax.set_xticks(ratios, [f"{r:.2g}" for r in ratios], rotation=45)
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        plain_log_axis(ax.xaxis, base=2)
    ax.set_xlabel("learning rate / batch size (η/B)")
    ax.set_ylabel(f"final test {metric}")
    if metric == "accuracy":
        percent_axis(ax.yaxis)
    ax.grid(True, which="both", alpha=0.3)
    if not drawn:
        note(ax, "every trial diverged")
    return ax


def rate_ratio_figure(tables, *, title: str | None = None) -> Figure:
    """Final test accuracy (left) and loss (right) against η/B, one colour per batch size."""
    table = analysis.ratio_table(tables.history)
    fig = new_figure(11, 4.5)
    left, right = fig.subplots(1, 2)
    draw_rate_ratio(table, left, metric="accuracy")
    draw_rate_ratio(table, right, metric="loss")
    handles, labels = left.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside right upper", frameon=False, title="batch size")
    c = analysis.collapse(table)
    fig.suptitle(plain(title or "Final test accuracy and loss against η/B"))
    if c["ratios_compared"]:
        left.set_title(
            f"same η/B: {100 * c['same_ratio_range']:.2g} points apart; "
            f"same η: {100 * c['same_rate_range']:.2g}",
            fontsize="small",
        )
    return fig


KIND = FigureKind(
    "rate-ratio",
    "Final test accuracy and loss against learning rate / batch size (η/B)",
    ("history",),
    rate_ratio_figure,
    batch_sizes=2,
)
