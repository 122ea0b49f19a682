"""What every figure shares: palette, axis labels, column checks, a new headless figure, and the
pieces several figures draw alike (a mean line with its band, a series per learning rate)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from batchlab.errors import BatchlabError

#: Okabe & Ito's colour-blind-safe palette, strongest contrasts first (yellow last).
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
LINESTYLES = ("-", "--", ":", "-.")
TRAIN_COLOR = OKABE_ITO[0]
TEST_COLOR = OKABE_ITO[1]
BAND_ALPHA = 0.2
#: the columns of a :func:`batchlab.analysis.curves` table that a curve with its band draws
CURVE_COLUMNS = ("batch_size", "mean", "lower", "upper")

#: x-axis name -> axis label with its unit
X_LABELS = {
    "epochs": "epochs",
    "updates": "updates (optimizer steps)",
    "examples": "examples seen",
    "seconds": "seconds (training wall clock)",
}


def color(i: int) -> str:
    return OKABE_ITO[i % len(OKABE_ITO)]


def linestyle(i: int) -> str:
    """Solid for the first 8 series, then dashed, dotted ... so that colours never repeat alone."""
    return LINESTYLES[(i // len(OKABE_ITO)) % len(LINESTYLES)]


def require_columns(table: pd.DataFrame, columns: Iterable[str], figure: str) -> None:
    """Raise BatchlabError naming the columns the ``figure`` needs and ``table`` lacks."""
    if not isinstance(table, pd.DataFrame):
        raise BatchlabError(
            f"the {figure} figure needs a pandas DataFrame, got {type(table).__name__}"
        )
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise BatchlabError(
            f"the {figure} figure needs the column(s) {', '.join(missing)}; the table has "
            f"{', '.join(map(str, table.columns)) or 'no columns'}"
        )


def plain(text: object) -> str:
    """User text for a figure, never read as mathtext (a ``$`` in a name stays a ``$``)."""
    return str(text).replace("$", r"\$")


def new_figure(width: float, height: float) -> Figure:
    """A figure outside pyplot (no global state, no GUI), laid out with constrained layout."""
    return Figure(figsize=(width, height), layout="constrained")


def percent_axis(axis, decimals: int | None = None) -> None:
    """Show fractions in [0, 1] as percentages (``decimals=None``: as many as the ticks need)."""
    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=decimals))


def check_x(x: str) -> str:
    if x not in X_LABELS:
        raise BatchlabError(f"x must be one of {', '.join(X_LABELS)}; got {x!r}")
    return x


def is_accuracy(label: str) -> bool:
    return "accuracy" in label


def group_label(batch_size: float, learning_rate: float | None = None) -> str:
    text = f"batch size {int(batch_size)}"
    if learning_rate is not None:
        text += f", lr {learning_rate:g}"
    return text


def batch_size_axis(axis, sizes) -> None:
    """A log2 axis whose ticks are the batch sizes themselves (4, 32, 500 — not 2^2)."""
    ticks = sorted({int(b) for b in sizes})
    axis.set_ticks(ticks, [str(b) for b in ticks])
    axis.set_ticks([], minor=True)


def y_limits(ax, tables, ylabel: str) -> None:
    """Limits that follow the data, cut at the possible range.

    Accuracy: the bands' lowest point (at least 0) to 100%. Loss: 0 (when a band runs below
    it) to the bands' top, but no more than 1.5 x the highest mean — a band that runs past is
    cut. Others: matplotlib's own limits.
    """
    frames = [t for t in tables if len(t)]
    if not frames:
        return
    lower = np.concatenate([t["lower"].to_numpy(float) for t in frames])
    upper = np.concatenate([t["upper"].to_numpy(float) for t in frames])
    mean = np.concatenate([t["mean"].to_numpy(float) for t in frames])
    if not np.isfinite(mean).any():
        return
    if is_accuracy(ylabel):
        low = np.nanmin(np.concatenate([lower, mean]))
        ax.set_ylim(max(0.0, low - 0.03), 1.01)
    elif "loss" in ylabel:
        top = min(np.nanmax(np.concatenate([upper, mean])), 1.5 * np.nanmax(mean))
        bottom = 0.0 if np.nanmin(np.concatenate([lower, mean])) < 0 else None
        ax.set_ylim(bottom, top * 1.02 if top > 0 else None)


def line_with_band(ax, rows: pd.DataFrame, x: str, *, band: bool = True, **line) -> None:
    """The ``mean`` of a curves table against ``x``, and (with ``band``) its ``lower`` to
    ``upper`` interval shaded in the line's colour; ``line``: the line's matplotlib style."""
    rows = rows.sort_values(x)
    xs = rows[x].to_numpy(float)
    ax.plot(xs, rows["mean"].to_numpy(float), **line)
    if band:
        ax.fill_between(
            xs,
            rows["lower"].to_numpy(float),
            rows["upper"].to_numpy(float),
            color=line["color"],
            alpha=BAND_ALPHA,
            lw=0,
        )


def by_rate(summary: pd.DataFrame) -> list[tuple[float | None, pd.DataFrame]]:
    """(learning rate, rows) per rate when the summary holds several, else [(None, summary)]."""
    if "learning_rate" in summary and summary["learning_rate"].nunique() > 1:
        return list(summary.groupby("learning_rate", sort=True))
    return [(None, summary)]


def target_of(summary: pd.DataFrame) -> float | None:
    """The target accuracy a summary table was computed at (its ``target`` column), or None."""
    if "target" in summary and summary["target"].notna().any():
        return float(summary["target"].iloc[0])
    return None


def note(ax, text: str) -> None:
    """Grey text in the middle of ``ax``: why it shows nothing."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="0.3")
