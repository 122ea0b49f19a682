"""Spread of test accuracy against batch size: late in training, and from seed to seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from batchlab import analysis
from batchlab.plots._kind import FigureKind
from batchlab.plots._style import (
    batch_size_axis,
    by_rate,
    color,
    new_figure,
    note,
    plain,
    points_axis,
    require_columns,
)

COLUMNS = ("batch_size", "test_accuracy_late_std", "final_test_accuracy_seed_std")


def draw_stability(
    summary: pd.DataFrame,
    ax: Axes | None = None,
    *,
    last_fraction: float = 0.1,
    title: str | None = None,
) -> Axes:
    """Std of test accuracy against batch size (log x), two lines per learning rate.

    Solid circles: std over the last ``last_fraction`` of epochs, mean over seeds
    (``test_accuracy_late_std``) — how much the curve still moves. Dashed squares: std of the
    final test accuracy across seeds (``final_test_accuracy_seed_std``). Needs ``batch_size``
    and those two columns (``learning_rate`` optional). Returns the axes.
    """
    require_columns(summary, COLUMNS, "stability")
    if ax is None:
        ax = new_figure(8.5, 4.5).add_subplot()
    groups = by_rate(summary)
    window = f"{100 * last_fraction:g}%"
    for i, (rate, rows) in enumerate(groups):
        rows = rows.sort_values("batch_size")
        suffix = "" if rate is None else f", lr {rate:g}"
        b = rows["batch_size"].to_numpy(float)
        ax.plot(
            b,
            rows["test_accuracy_late_std"].to_numpy(float),
            color=color(i),
            marker="o",
            lw=1.5,
            label=f"over the last {window} of epochs{suffix}",
        )
        ax.plot(
            b,
            rows["final_test_accuracy_seed_std"].to_numpy(float),
            color=color(i),
            marker="s",
            ls="--",
            lw=1.2,
            label=f"final, across seeds{suffix}",
        )
    ax.set_xscale("log", base=2)
    batch_size_axis(ax.xaxis, summary["batch_size"])
    ax.set_xlabel("batch size (examples per update)")
    ax.set_ylabel("std of test accuracy (percentage points)")
    points_axis(ax.yaxis)  # 0.05 reads 5: points, as the label says
    ax.set_ylim(bottom=0)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title="spread")
    ax.set_title(plain(title or "Stability: spread of test accuracy by batch size"))
    if not np.isfinite(summary["test_accuracy_late_std"].astype(float)).any():
        if "diverged_fraction" in summary and (summary["diverged_fraction"] >= 1).all():
            note(ax, "every trial diverged")
        elif "n_epochs" in summary and (summary["n_epochs"] < 2).all():
            note(ax, "one epoch: no spread over the last epochs")
        else:
            note(ax, "no trial finished without diverging")
    return ax


def stability_figure(tables, *, last_fraction: float = 0.1, title: str | None = None) -> Figure:
    """Spread of test accuracy against batch size (late in training, and across seeds)."""
    summary = analysis.summary(tables.history, last_fraction=last_fraction)
    return draw_stability(summary, last_fraction=last_fraction, title=title).figure


KIND = FigureKind(
    "stability", "Spread of test accuracy against batch size", ("history",), stability_figure
)
