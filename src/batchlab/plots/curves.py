"""Seed 003's figure: one panel per batch size, train and test curves with bands."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from batchlab import analysis
from batchlab._columns import METRIC_KINDS
from batchlab.errors import BatchlabError
from batchlab.plots._kind import FigureKind, only_rate
from batchlab.plots._style import (
    CURVE_COLUMNS,
    TEST_COLOR,
    TRAIN_COLOR,
    X_LABELS,
    band_label,
    check_x,
    color,
    empty_limits,
    group_label,
    has_data,
    is_accuracy,
    line_with_band,
    new_figure,
    note,
    one_x,
    percent_axis,
    plain,
    plain_log_axis,
    require_columns,
    y_limits,
)


def _panels(series: Mapping[str, pd.DataFrame]) -> tuple[list[tuple[int, float | None]], bool]:
    """The (batch size, rate) pairs present, sorted, and whether they fill a rate x size grid."""
    frames = list(series.values())
    if all("learning_rate" in f for f in frames):
        pairs = {
            (int(b), float(r))
            for f in frames
            for b, r in f[["batch_size", "learning_rate"]].drop_duplicates().itertuples(index=False)
        }
    else:
        pairs = {(int(b), None) for f in frames for b in f["batch_size"].unique()}
    sizes = {b for b, _ in pairs}
    rates = {r for _, r in pairs}
    return sorted(pairs, key=lambda p: (p[0], p[1] or 0.0)), len(pairs) == len(sizes) * len(rates)


def draw_curves(
    series: Mapping[str, pd.DataFrame],
    fig: Figure | None = None,
    *,
    x: str = "epochs",
    ylabel: str = "accuracy",
    confidence: float = 0.95,
    target: float | None = None,
    title: str | None = None,
    ncols: int | None = None,
    xscale: str | None = None,
) -> Figure:
    """Draw one panel per batch size (and learning rate) with a line and band per series.

    Args:
        series: label -> a :func:`batchlab.analysis.curves` table, e.g.
            ``{"train": curves(h, metric="train_accuracy"), "test": curves(h)}``. Each needs
            the columns ``batch_size``, ``x``, ``mean``, ``lower``, ``upper`` (and
            ``learning_rate`` for a panel per rate).
        fig: the figure to draw on (a new one when None).
        x: the x column: ``epochs``, ``updates``, ``examples`` or ``seconds``.
        ylabel: the metric's name, for the axis ("accuracy" shows percentages).
        confidence: the band's level, for the legend only (the band is the curves table's:
            a Student-t interval from 5 seeds on, the seeds' range with fewer).
        target: draws a dashed horizontal line at this value.
        ncols: panels per row (default up to 4). When several learning rates fill a full
            rate x batch size grid, one row per rate and one column per batch size; otherwise
            one panel per (batch size, rate) present, in reading order.
        xscale: "linear" or "log"; default log for updates, linear otherwise.

    All panels share x and y limits. Returns the figure.
    """
    x = check_x(x)
    if not series:
        raise ValueError("draw_curves needs at least one series")
    for name, table in series.items():
        require_columns(table, [*CURVE_COLUMNS, x], f"curves ({name})")
    pairs, full = _panels(series)
    sizes = sorted({b for b, _ in pairs})
    rates = sorted({r for _, r in pairs}, key=lambda r: r or 0.0)
    many_rates = len(rates) > 1
    if many_rates and full:  # a rate x batch size grid: one row per rate
        nrows, ncols = len(rates), len(sizes)
        keys = [(b, r) for r in rates for b in sizes]
    else:  # the pairs present, in reading order
        ncols = ncols or min(4, len(pairs))
        nrows = math.ceil(len(pairs) / ncols)
        keys = pairs
    if fig is None:
        # wide enough for the title and the legend even with one panel
        fig = new_figure(max(6.5, 2.9 * ncols + 0.6), 2.3 * nrows + 1.2)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    flat = list(axes.flat)
    colors = {name: c for name, c in zip(series, (TRAIN_COLOR, TEST_COLOR), strict=False)}
    for i, name in enumerate(series):
        colors.setdefault(name, color(i))
    drawn = False
    for ax, (b, r) in zip(flat, keys, strict=False):
        empty = True
        for name, table in series.items():
            rows = table[table["batch_size"] == b]
            if r is not None:
                rows = rows[rows["learning_rate"] == r]
            line_with_band(ax, rows, x, color=colors[name], lw=1.4, label=name)
            empty &= not has_data(rows[x], rows["mean"])
        if empty:
            note(ax, "every seed diverged")
        drawn |= not empty
        if target is not None:
            ax.axhline(target, color="0.35", lw=0.9, ls="--")
        ax.set_title(group_label(b, r if many_rates else None), fontsize=10)
        ax.grid(True, alpha=0.3)
    for ax in flat[len(keys) :]:
        fig.delaxes(ax)
    used = flat[: len(keys)]
    scale = xscale or ("log" if x == "updates" else "linear")
    if not drawn:  # nothing finite to place on a log axis
        scale = "linear"
    for i, ax in enumerate(used):
        ax.set_xscale(scale)
        if scale == "log":
            plain_log_axis(ax.xaxis)
        elif x == "epochs":
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 0.98
        one_x(ax, [v for t in series.values() for v in t[x]], scale)
        row, col = divmod(i, ncols)
        below = i + ncols >= len(used)
        if below:
            ax.set_xlabel(X_LABELS[x])
            ax.tick_params(labelbottom=True)
        if col == 0:
            ax.set_ylabel(plain(ylabel))
    if is_accuracy(ylabel):
        percent_axis(used[0].yaxis)
    y_limits(used[0], series.values(), ylabel)  # shared by every panel
    if not drawn:
        empty_limits(used[0], [v for t in series.values() for v in t[x]], ylabel)
    handles = [Line2D([], [], color=colors[n], lw=1.6, label=plain(n)) for n in series]
    handles.append(Patch(color="0.5", alpha=0.35, label=band_label(confidence)))
    if target is not None:
        handles.append(Line2D([], [], color="0.35", lw=0.9, ls="--", label="target"))
    wide = fig.get_figwidth() >= 8
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles) if wide else 2,
        frameon=False,
    )
    fig.suptitle(
        plain(title or f"Learning curves by batch size: {ylabel} (mean over seeds)"),
        fontsize=12,
    )
    return fig


def curves_figure(
    tables,
    *,
    x: str = "epochs",
    metric: str = "accuracy",
    end: bool = False,
    confidence: float = 0.95,
    learning_rate: float | None = None,
    target: float | None = None,
    title: str | None = None,
    ncols: int | None = None,
    xscale: str | None = None,
) -> Figure:
    """Seed 003's panels: train and test ``metric`` ("accuracy" or "loss") per batch size.

    The train curve is the running figure Keras ``fit`` reports (``train_accuracy``), as the
    seed plots it; ``end=True`` uses the end-of-epoch pass (``train_accuracy_end``). The
    accuracy panels draw the ``target`` as a dashed line.
    """
    if metric not in METRIC_KINDS:
        raise BatchlabError(
            f"metric must be 'accuracy' or 'loss' for the curves figure; got {metric!r}"
        )
    history = only_rate(tables.history, learning_rate)
    train = f"train_{metric}_end" if end else f"train_{metric}"
    series = {
        "train": analysis.curves(history, x=x, metric=train, confidence=confidence),
        "test": analysis.curves(history, x=x, metric=f"test_{metric}", confidence=confidence),
    }
    return draw_curves(
        series,
        x=x,
        ylabel=metric,
        confidence=confidence,
        target=target if metric == "accuracy" else None,
        title=title,
        ncols=ncols,
        xscale=xscale,
    )


KIND = FigureKind(
    "curves", "Learning curves by batch size, train and test", ("history",), curves_figure
)
