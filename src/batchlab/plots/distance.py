"""Seed 004's distance of the weights from their initial values, against examples seen."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from batchlab.analysis.gradients import distance_table
from batchlab.errors import BatchlabError
from batchlab.plots._kind import FigureKind
from batchlab.plots._style import color, new_figure, plain, require_columns

COLUMNS = ("batch_size", "examples_seen", "distance_from_init")


def draw_distance(table: pd.DataFrame, ax: Axes) -> Axes:
    """|theta - theta_0| against examples seen, one line per batch size (seed 004).

    ``table``: one row per (batch_size, examples_seen) with ``distance_from_init``, as
    :func:`~batchlab.analysis.gradients.distance_table` pools the trials of a batch size.

    Returns:
        ``ax``, with one line per batch size.
    """
    require_columns(table, COLUMNS, "distance from initial weights")
    if table.duplicated(["batch_size", "examples_seen"]).any():
        raise BatchlabError(
            "the distance figure draws one row per (batch_size, examples_seen); pool the "
            "trials first (batchlab.analysis.gradients.distance_table)"
        )
    for i, (size, rows) in enumerate(table.groupby("batch_size", sort=True)):
        rows = rows.sort_values("examples_seen")
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


def distance_figure(tables) -> Figure:
    """Distance from the initial weights against examples seen, one line per batch size."""
    fig = new_figure(6.4, 4.6)
    draw_distance(distance_table(tables.diagnostics, tables.history), fig.subplots())
    return fig


KIND = FigureKind(
    "distance",
    "Distance from the initial weights",
    ("history", "diagnostics"),
    distance_figure,
    quantities=("distance_from_init",),
)
