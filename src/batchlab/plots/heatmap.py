"""Batch size x learning rate: final test accuracy and epochs to target, cells annotated."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from batchlab import analysis
from batchlab.plots._kind import FigureKind
from batchlab.plots._style import new_figure, percent_axis, plain, require_columns, target_of

COLUMNS = ("batch_size", "learning_rate", "final_test_accuracy_mean", "epochs_to_target_mean")


#: what an empty cell means, and how it looks: a setting that was never tried (hatched white)
#: is not a setting that was tried and failed (grey, named)
NOT_TRIED = "not tried"
HATCH = {"facecolor": "white", "edgecolor": "0.75", "hatch": "///", "lw": 0}


def _grid(summary: pd.DataFrame, column: str) -> tuple[np.ndarray, list[int], list[float]]:
    """(sizes, rates) array of ``column`` (NaN where missing or not tried), sizes, rates."""
    table = summary.pivot_table(
        index="batch_size", columns="learning_rate", values=column, aggfunc="mean", dropna=False
    )
    sizes = sorted(int(b) for b in summary["batch_size"].unique())
    rates = sorted(float(r) for r in summary["learning_rate"].unique())
    table = table.reindex(index=sizes, columns=rates)
    return table.to_numpy(float), sizes, rates


def _panel(ax, values, tried, labels, sizes, rates, cmap_name, fmt, label, fig, percent) -> None:
    """One annotated heatmap: finite cells coloured and labelled; a tried cell without a
    value grey and named by ``labels`` (its reason); an untried cell hatched, "not tried"."""
    cmap = colormaps[cmap_name].with_extremes(bad="#d9d9d9")
    finite = values[np.isfinite(values)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    if lo == hi:
        lo, hi = lo - 0.5 * abs(lo or 1) * 0.01, hi + 0.5 * abs(hi or 1) * 0.01
    norm = Normalize(lo, hi)
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        if not tried[i, j]:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, **HATCH))
            ax.text(
                j,
                i,
                NOT_TRIED,
                ha="center",
                va="center",
                color="0.45",
                fontsize=8,
                style="italic",
                bbox={"facecolor": "white", "lw": 0, "pad": 1},
            )
        elif np.isfinite(v):
            r, g, b, _ = cmap(norm(v))
            ink = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
            ax.text(j, i, fmt(v), ha="center", va="center", color=ink, fontsize=9)
        else:
            ax.text(j, i, labels[i, j], ha="center", va="center", color="0.15", fontsize=8)
    ax.set_xticks(range(len(rates)), [f"{r:g}" for r in rates])
    ax.set_yticks(range(len(sizes)), [str(b) for b in sizes])
    ax.set_xlabel("learning rate")
    ax.set_ylabel("batch size (examples per update)")
    ax.set_title(label, fontsize=11)
    bar = fig.colorbar(image, ax=ax, shrink=0.9)
    if percent:
        percent_axis(bar.ax.yaxis)
    if not finite.size:
        bar.ax.set_visible(False)


def draw_heatmap(
    summary: pd.DataFrame, fig: Figure | None = None, *, title: str | None = None
) -> Figure:
    """Two annotated heatmaps over batch size (rows) x learning rate (columns).

    Left: mean final test accuracy (grey "diverged" where every trial diverged). Right: mean
    epochs to the target test accuracy (grey "not reached", or "diverged"). A batch size and
    rate that the study never tried together (a grid of explicit points) is hatched white and
    labelled "not tried". Needs the summary columns ``batch_size``, ``learning_rate``,
    ``final_test_accuracy_mean``, ``epochs_to_target_mean`` (``diverged_fraction`` tells
    diverged from not reached; ``target`` labels the right panel). Returns the figure (2
    heatmap axes + 2 colour bars).
    """
    require_columns(summary, COLUMNS, "heatmap")
    acc, sizes, rates = _grid(summary, "final_test_accuracy_mean")
    epochs, _, _ = _grid(summary, "epochs_to_target_mean")
    tried = _grid(summary.assign(_tried=1.0), "_tried")[0] == 1  # (sizes, rates)
    if "diverged_fraction" in summary:
        every = _grid(summary, "diverged_fraction")[0] >= 1  # every seed diverged
    else:
        every = np.zeros(acc.shape, dtype=bool)
    if fig is None:
        fig = new_figure(max(9.0, 2.2 + 1.6 * len(rates) * 2), 1.9 + 0.45 * len(sizes))
    left, right = fig.subplots(1, 2)
    diverged = np.full(acc.shape, "diverged", dtype=object)
    if "diverged_epoch_min" in summary:  # and when: "diverged\nepoch 3" or "epochs 2-5"
        first = _grid(summary, "diverged_epoch_min")[0]
        last = _grid(summary, "diverged_epoch_max")[0]
        for (i, j), a in np.ndenumerate(first):
            if np.isfinite(a):
                b = last[i, j]
                when = f"epoch {a:.0f}" if a == b else f"epochs {a:.0f}–{b:.0f}"
                diverged[i, j] = f"diverged\n{when}"
    _panel(
        left,
        acc,
        tried,
        diverged,
        sizes,
        rates,
        "cividis",
        lambda v: f"{100 * v:.1f}%",
        "final test accuracy",
        fig,
        True,
    )
    target = target_of(summary)
    missed = np.where(every, diverged, "not reached")
    _panel(
        right,
        epochs,
        tried,
        missed,
        sizes,
        rates,
        "cividis_r",
        lambda v: f"{v:.3g}",
        "epochs to target"
        + (
            " (no target: every trial diverged)"
            if target is None
            else f" ({100 * target:.1f}% test accuracy)"
        ),
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
