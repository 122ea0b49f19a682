"""Batch size x learning rate: final test accuracy and epochs to target, cells annotated."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from batchlab import analysis
from batchlab.plots._kind import FigureKind
from batchlab.plots._style import new_figure, percent_axis, plain, require_columns, target_of

COLUMNS = ("batch_size", "learning_rate", "final_test_accuracy_mean", "epochs_to_target_mean")


def _grid(summary: pd.DataFrame, column: str) -> tuple[np.ndarray, list[int], list[float]]:
    table = summary.pivot_table(
        index="batch_size", columns="learning_rate", values=column, aggfunc="mean", dropna=False
    )
    table = table.sort_index().sort_index(axis=1)
    return table.to_numpy(float), [int(b) for b in table.index], [float(r) for r in table.columns]


def _panel(ax, values, sizes, rates, cmap_name, fmt, empty, label, fig, percent) -> None:
    cmap = colormaps[cmap_name].with_extremes(bad="#e6e6e6")
    finite = values[np.isfinite(values)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    if lo == hi:
        lo, hi = lo - 0.5 * abs(lo or 1) * 0.01, hi + 0.5 * abs(hi or 1) * 0.01
    norm = Normalize(lo, hi)
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            r, g, b, _ = cmap(norm(v))
            ink = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
            ax.text(j, i, fmt(v), ha="center", va="center", color=ink, fontsize=9)
        else:
            ax.text(j, i, empty, ha="center", va="center", color="0.3", fontsize=8)
    ax.set_xticks(range(len(rates)), [f"{r:g}" for r in rates])
    ax.set_yticks(range(len(sizes)), [str(b) for b in sizes])
    ax.set_xlabel("learning rate")
    ax.set_ylabel("batch size (examples per update)")
    ax.set_title(label, fontsize=11)
    bar = fig.colorbar(image, ax=ax, shrink=0.9)
    if percent:
        percent_axis(bar.ax.yaxis)


def draw_heatmap(
    summary: pd.DataFrame, fig: Figure | None = None, *, title: str | None = None
) -> Figure:
    """Two annotated heatmaps over batch size (rows) x learning rate (columns).

    Left: mean final test accuracy (grey "diverged" where no trial finished). Right: mean epochs
    to the target test accuracy (grey "not reached"). Needs the summary columns
    ``batch_size``, ``learning_rate``, ``final_test_accuracy_mean``, ``epochs_to_target_mean``
    (and ``target`` for the label). Returns the figure (2 heatmap axes + 2 colour bars).
    """
    require_columns(summary, COLUMNS, "heatmap")
    acc, sizes, rates = _grid(summary, "final_test_accuracy_mean")
    epochs, _, _ = _grid(summary, "epochs_to_target_mean")
    if fig is None:
        fig = new_figure(max(9.0, 2.2 + 1.6 * len(rates) * 2), 1.6 + 0.45 * len(sizes))
    left, right = fig.subplots(1, 2)
    _panel(
        left,
        acc,
        sizes,
        rates,
        "cividis",
        lambda v: f"{100 * v:.1f}%",
        "diverged",
        "final test accuracy",
        fig,
        True,
    )
    target = target_of(summary)
    _panel(
        right,
        epochs,
        sizes,
        rates,
        "cividis_r",
        lambda v: f"{v:.3g}",
        "not reached",
        "epochs to target" + ("" if target is None else f" ({100 * target:.1f}% test accuracy)"),
        fig,
        False,
    )
    fig.suptitle(
        plain(title or "Batch size x learning rate (mean over seeds; brighter is better)"),
        fontsize=12,
    )
    return fig


def heatmap_figure(
    tables, *, target: float | None = None, confidence: float = 0.95, title: str | None = None
) -> Figure:
    """Final test accuracy and epochs to ``target`` over batch size x learning rate."""
    summary = analysis.summary(tables.history, target=target, confidence=confidence)
    return draw_heatmap(summary, title=title)


KIND = FigureKind(
    "heatmap",
    "Batch size x learning rate: final accuracy and epochs to target",
    ("history",),
    heatmap_figure,
)
