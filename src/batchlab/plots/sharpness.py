"""Sharpness figures: against epochs with the 2/eta line, and against batch size with the gap.

- ``sharpness`` (:func:`draw_sharpness_vs_epochs`): the top Hessian eigenvalue of the training
  loss against epochs, one line per (batch size, learning rate, momentum) with its band over
  seeds, and that setting's stability threshold ``(2 + 2 beta)/eta`` dashed in its colour
  (Cohen et al. 2021's edge of stability);
- ``sharpness-gap`` (:func:`draw_final_sharpness`, :func:`draw_gap`): the final sharpness and
  the generalization gap against the batch size, one series per learning rate (Keskar et
  al. 2017).

Both draw tables of :mod:`batchlab.analysis.sharpness`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from batchlab.analysis.sharpness import final_sharpness_table, sharpness_table
from batchlab.plots._kind import FigureKind
from batchlab.plots._style import (
    batch_size_axis,
    color,
    line_with_band,
    new_figure,
    points_axis,
    require_columns,
)

CLIP = 3.0
"""The sharpness axis stops at this multiple of the largest threshold when a run goes past it
(a diverging run would otherwise flatten every other line)."""
CURVE = ("batch_size", "learning_rate", "momentum", "epoch", "mean", "lower", "upper", "threshold")
FINAL = (
    "batch_size",
    "learning_rate",
    "momentum",
    "sharpness_mean",
    "sharpness_lower",
    "sharpness_upper",
    "gap_mean",
    "gap_lower",
    "gap_upper",
)


def _who(size: float, rate: float, beta: float, rates: int) -> str:
    text = f"b = {int(size)}"
    if rates > 1:
        text += f", η = {rate:g}"
    return text + (f", β = {beta:g}" if beta else "")


def draw_sharpness_vs_epochs(table: pd.DataFrame, ax: Axes) -> Axes:
    """Sharpness against epochs per (batch size, rate, momentum), bands over seeds, and each
    setting's threshold ``(2 + 2 beta)/eta`` dashed in its colour (one line per distinct
    threshold). ``table``: a :func:`~batchlab.analysis.sharpness.sharpness_table`."""
    require_columns(table, CURVE, "sharpness against epochs")
    rates = table["learning_rate"].nunique()
    drawn: dict[float, str] = {}
    groups = table.groupby(["batch_size", "learning_rate", "momentum"], sort=True)
    for i, ((size, rate, beta), rows) in enumerate(groups):
        c = color(i)
        line_with_band(ax, rows, "epoch", color=c, lw=1.5, label=_who(size, rate, beta, rates))
        threshold = float(rows["threshold"].iloc[0])
        if threshold not in drawn:
            drawn[threshold] = c
            what = "2" if not beta else f"(2+2·{beta:g})"
            label = f"{what}/η = {threshold:.3g}" + (f" (η = {rate:g})" if rates > 1 else "")
            ax.axhline(threshold, color=c, ls="--", lw=1, label=label)
    ax.set_xlabel("epochs")
    ax.set_ylabel("sharpness: top eigenvalue of the Hessian")
    ax.set_title("Sharpness against epochs, with the stability threshold 2/η")
    top = CLIP * float(table["threshold"].max())
    if float(np.nanmax(table["mean"])) > top:  # a run far past its threshold (diverging)
        ax.set_ylim(min(0.0, float(np.nanmin(table["lower"]))), top)
        ax.text(
            0.02,
            0.97,
            f"axis clipped at {CLIP:g}× the largest threshold",
            transform=ax.transAxes,
            va="top",
            fontsize="x-small",
            color="0.3",
        )
    else:
        ax.set_ylim(bottom=min(0.0, float(np.nanmin(table["lower"]))))
    ax.legend(fontsize="x-small")
    return ax


def _by_rate(ax: Axes, table: pd.DataFrame, stem: str) -> None:
    for i, ((rate, beta), rows) in enumerate(table.groupby(["learning_rate", "momentum"])):
        rows = rows.sort_values("batch_size")
        mean = rows[f"{stem}_mean"].to_numpy(float)
        err = np.abs(
            [
                mean - rows[f"{stem}_lower"].to_numpy(float),
                rows[f"{stem}_upper"].to_numpy(float) - mean,
            ]
        )
        label = f"η = {rate:g}" + (f", β = {beta:g}" if beta else "")
        ax.errorbar(
            rows["batch_size"],
            mean,
            yerr=np.nan_to_num(err),
            fmt="o-",
            capsize=3,
            color=color(i),
            label=label,
        )
    ax.set_xscale("log", base=2)
    batch_size_axis(ax.xaxis, table["batch_size"].unique())
    ax.set_xlabel("batch size")
    ax.legend(fontsize="x-small")


def draw_final_sharpness(table: pd.DataFrame, ax: Axes) -> Axes:
    """Final sharpness against batch size, one series per learning rate (and momentum), error
    bars the interval over seeds. ``table``: a ``final_sharpness_table``."""
    require_columns(table, FINAL, "final sharpness against batch size")
    _by_rate(ax, table, "sharpness")
    ax.set_ylabel("final sharpness (top Hessian eigenvalue)")
    ax.set_title("Sharpness at the end of training")
    return ax


def draw_gap(table: pd.DataFrame, ax: Axes) -> Axes:
    """Generalization gap (train minus test accuracy, percentage points) against batch size,
    one series per learning rate. ``table``: a ``final_sharpness_table``."""
    require_columns(table, FINAL, "generalization gap against batch size")
    _by_rate(ax, table, "gap")
    points_axis(ax.yaxis)
    ax.set_ylabel("generalization gap (train − test accuracy, points)")
    ax.set_title("Generalization gap")
    return ax


def sharpness_figure(tables, *, learning_rate: float | None = None) -> Figure:
    """Sharpness against epochs per batch size (and rate), with the 2/η lines."""
    from batchlab.plots._kind import only_rate

    table = only_rate(sharpness_table(tables.diagnostics, tables.history), learning_rate)
    fig = new_figure(7.0, 4.8)
    draw_sharpness_vs_epochs(table, fig.subplots())
    return fig


def sharpness_gap_figure(tables) -> Figure:
    """Final sharpness and generalization gap against batch size, side by side."""
    table = final_sharpness_table(tables.diagnostics, tables.history)
    fig = new_figure(10.0, 4.4)
    left, right = fig.subplots(1, 2)
    draw_final_sharpness(table, left)
    draw_gap(table, right)
    return fig


SOURCE = (
    'a study that measures it: [diagnostics] enabled = true, quantities = ["sharpness", ...] '
    "(it is measured only when named; e.g. the builtin keskar-sharpness or edge-of-stability)"
)

KINDS = (
    FigureKind(
        "sharpness",
        "Sharpness against epochs, with 2/η",
        ("history", "diagnostics"),
        sharpness_figure,
        quantities=("sharpness",),
        source=SOURCE,
    ),
    FigureKind(
        "sharpness-gap",
        "Final sharpness and generalization gap against batch size",
        ("history", "diagnostics"),
        sharpness_gap_figure,
        quantities=("sharpness",),
        batch_sizes=2,
        source=SOURCE,
    ),
)
