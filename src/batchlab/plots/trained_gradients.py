"""Seed 004's own figure: the gradient norm of the model trained at batch size b, against b.

Draws a :func:`batchlab.analysis.trained_gradients.trained_grad_norm_table` (mean over seeds
of |G| and of the mean |g_b| at the trial's own b, with intervals over seeds), one column of
panels per learning rate:

- top, :func:`draw_trained_vs_batch`: against the training batch size b, one colour per
  measured epoch (seed 004: 2 "early", 30 "late"); filled circles |G|, open squares |g_b|;
- bottom, :func:`draw_trained_vs_examples`: |G| against examples seen, one line per training
  batch size ("for the same number of samples seen").
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from batchlab.analysis.trained_gradients import trained_grad_norm_table
from batchlab.plots._kind import FigureKind, FigureUnavailable, only_rate
from batchlab.plots._style import batch_size_axis, color, new_figure, plain_log_axis
from batchlab.plots._style import require_columns as _require

COLUMNS = (
    "learning_rate",
    "epoch",
    "batch_size",
    "examples_seen",
    "full_grad_norm_mean",
    "full_grad_norm_lower",
    "full_grad_norm_upper",
)
"""The table columns the figure needs (``batch_grad_norm_*`` are drawn when present)."""


def _epoch_label(epoch: int, epochs: list[int]) -> str:
    trained = [e for e in epochs if e > 0]
    if epoch == 0:
        return "epoch 0 (initial)"
    if len(trained) > 1 and epoch == trained[0]:
        return f"epoch {epoch} (early)"
    if len(trained) > 1 and epoch == trained[-1]:
        return f"epoch {epoch} (late)"
    return f"epoch {epoch}"


def _errorbar(ax: Axes, rows: pd.DataFrame, x, stem: str, **style) -> None:
    mean = rows[f"{stem}_mean"].to_numpy(float)
    err = np.abs(
        [mean - rows[f"{stem}_lower"].to_numpy(float), rows[f"{stem}_upper"].to_numpy(float) - mean]
    )
    ax.errorbar(x, mean, yerr=np.nan_to_num(err), capsize=3, **style)


def draw_trained_vs_batch(table: pd.DataFrame, ax: Axes) -> Axes:
    """|G| (filled circles) and mean |g_b| (open squares, dashed) of the models trained at
    batch size b, against b, one colour per epoch; error bars: the interval over seeds.

    ``table``: the rows of ONE learning rate of a ``trained_grad_norm_table``.

    Returns:
        ``ax``, with one errorbar container per (epoch, norm) drawn.
    """
    _require(table, COLUMNS, "gradient norm against the training batch size")
    epochs = sorted(int(e) for e in table["epoch"].unique())
    for i, epoch in enumerate(epochs):
        rows = table[table["epoch"] == epoch].sort_values("batch_size")
        b = rows["batch_size"].to_numpy(float)
        label = _epoch_label(epoch, epochs)
        _errorbar(
            ax,
            rows,
            b,
            "full_grad_norm",
            fmt="o-",
            color=color(i),
            label=f"{label}: full batch |G|",
        )
        if "batch_grad_norm_mean" in rows and rows["batch_grad_norm_mean"].notna().any():
            _errorbar(
                ax,
                rows,
                b,
                "batch_grad_norm",
                fmt="s--",
                color=color(i),
                mfc="none",
                label=f"{label}: mini-batch |g_b|",
            )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    plain_log_axis(ax.yaxis)
    batch_size_axis(ax.xaxis, table["batch_size"].unique())
    ax.set_xlabel("training batch size b")
    ax.set_ylabel("gradient norm of the trained model")
    ax.legend(fontsize="x-small")
    return ax


def draw_trained_vs_examples(table: pd.DataFrame, ax: Axes) -> Axes:
    """|G| against examples seen, one line per training batch size, error bars over seeds.

    ``table``: the rows of ONE learning rate of a ``trained_grad_norm_table``.
    """
    _require(table, COLUMNS, "gradient norm against examples seen")
    for i, (size, rows) in enumerate(table.groupby("batch_size", sort=True)):
        rows = rows.sort_values("examples_seen")
        _errorbar(
            ax,
            rows,
            rows["examples_seen"].to_numpy(float),
            "full_grad_norm",
            fmt="o-",
            color=color(i),
            markersize=4,
            label=f"b = {int(size)}",
        )
    ax.set_yscale("log")
    plain_log_axis(ax.yaxis)
    ax.set_xlabel("examples seen")
    ax.set_ylabel("full-batch gradient norm |G|")
    ax.legend(fontsize="x-small", title="training batch size", title_fontsize="x-small")
    return ax


def trained_gradients_figure(
    tables, *, learning_rate: float | None = None, epochs: Iterable[int] | None = None
) -> Figure:
    """Seed 004's figure: per learning rate (or the one given), |G| and |g_b| of the model
    trained at b against b, one series per measured epoch (or ``epochs``), and |G| against
    examples seen per b; means over seeds with their intervals."""
    table = trained_grad_norm_table(tables.diagnostics, tables.history)
    table = only_rate(table, learning_rate)
    if epochs is not None:
        wanted = [int(e) for e in epochs]
        have = sorted(int(e) for e in table["epoch"].unique())
        missing = [e for e in wanted if e not in have]
        if missing:
            raise FigureUnavailable(f"epochs {missing} were not measured; the study has {have}")
        top = table[table["epoch"].isin(wanted)]
    else:
        top = table
    rates = sorted(table["learning_rate"].unique())
    fig = new_figure(5.2 * len(rates), 8.0)
    axes = fig.subplots(2, len(rates), squeeze=False)
    for j, rate in enumerate(rates):
        draw_trained_vs_batch(top[top["learning_rate"] == rate], axes[0, j])
        axes[0, j].set_title(f"learning rate {rate:g}: against the training batch size")
        draw_trained_vs_examples(table[table["learning_rate"] == rate], axes[1, j])
        axes[1, j].set_title(f"learning rate {rate:g}: against examples seen")
    return fig


KIND = FigureKind(
    "trained-gradients",
    "Gradient norm against the training batch size (seed 004's figure)",
    ("history", "diagnostics"),
    trained_gradients_figure,
    quantities=("full_grad_norm_sq",),
    batch_sizes=2,
)
