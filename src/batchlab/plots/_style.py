"""What every figure shares: palette, axis labels, column checks, a new headless figure, and the
pieces several figures draw alike (a mean line with its band, a series per learning rate)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogFormatter, NullFormatter, PercentFormatter

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


def draw_to(fig: Figure, handle, fmt: str, dpi: int) -> None:
    """Render ``fig`` into the open file ``handle`` as ``fmt`` (png or svg).

    Constrained layout can divide by a zero width while it solves a crowded figure (a legend as
    wide as its axes, an axes with no room); it then lays the figure out as best it can. That
    arithmetic warning, and matplotlib's notice that the layout was not fully applied, are the
    layout engine's business: they do not reach the user's terminal (or fail a run in tests).
    """
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "constrained_layout not applied", UserWarning)
        fig.savefig(handle, format=fmt, dpi=dpi)


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


def plain_number(value: float) -> str:
    """A tick label as a plain number: ``4``, ``1,500``, ``0.25``; ``1e+06`` from a million
    up and ``1e-05`` below a thousandth (never ``6×10¹``)."""
    if value == 0 or not np.isfinite(value):
        return "0" if value == 0 else ""
    size = abs(value)
    if size >= 1e6 or size < 1e-3:
        return f"{value:.0e}"
    if size >= 1 and float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"


class PlainLogFormatter(LogFormatter):
    """matplotlib's choice of which log ticks to label, each label a :func:`plain_number`."""

    def _num_to_string(self, x, vmin, vmax):  # noqa: ARG002 (matplotlib's signature)
        return plain_number(x)


def plain_log_axis(axis, base: float = 10) -> None:
    """Label a log axis with plain numbers (``60``, not ``6×10¹``), majors and minors."""
    axis.set_major_formatter(PlainLogFormatter(base))
    axis.set_minor_formatter(PlainLogFormatter(base, labelOnlyBase=False))


MAX_BATCH_TICKS = 10
"""The most batch sizes labelled on an axis (more would overlap); the others get a minor tick."""


def batch_size_axis(axis, sizes) -> None:
    """A log2 axis whose ticks are the batch sizes themselves (4, 32, 500 — not 2^2). With more
    than :data:`MAX_BATCH_TICKS` sizes, evenly spread ones (on the log axis) are labelled, the
    smallest and largest always, and the rest get an unlabelled minor tick."""
    ticks = sorted({int(b) for b in sizes if np.isfinite(b) and b > 0})
    shown = ticks
    if len(ticks) > MAX_BATCH_TICKS:
        logs = np.log2(ticks)
        wanted = np.linspace(logs[0], logs[-1], MAX_BATCH_TICKS)
        shown = sorted({ticks[int(np.argmin(np.abs(logs - w)))] for w in wanted})
    axis.set_ticks(shown, [plain_number(b) for b in shown])
    axis.set_ticks([b for b in ticks if b not in shown], minor=True)
    axis.set_minor_formatter(NullFormatter())
    if ticks:  # room around the smallest and the largest, drawn or not
        axis.axes.set_xlim(ticks[0] / 1.4, ticks[-1] * 1.4)


def points_axis(axis) -> None:
    """Show differences of fractions as percentage points: 0.05 reads ``5`` (the axis label
    says "percentage points")."""
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{100 * value:g}"))


def band_label(confidence: float) -> str:
    """What a band over seeds is (:func:`batchlab.analysis.curves`' interval), for a legend."""
    return f"{100 * confidence:g}% CI over seeds (5+), else their range"


def one_x(ax, xs, scale: str) -> None:
    """When every point sits at one x (a one-epoch study), centre it with that one tick;
    matplotlib would otherwise spread ticks like 0.98, 1.00, 1.02 around it."""
    xs = np.asarray(xs, dtype=float)
    xs = np.unique(xs[np.isfinite(xs)])
    if xs.size != 1:
        return
    v = float(xs[0])
    if scale == "log":
        if v > 0:
            ax.set_xlim(v / 2, v * 2)
    else:
        ax.set_xlim(v - 0.5, v + 0.5)
    ax.set_xticks([v], [plain_number(v)])
    ax.set_xticks([], minor=True)


def empty_limits(ax, xs, ylabel: str) -> None:
    """Limits for an axes with nothing finite to draw (every trial diverged): the x values
    that were run, and 0-100% for an accuracy, instead of matplotlib's -0.05 to 0.05."""
    xs = np.asarray(xs, dtype=float)
    xs = xs[np.isfinite(xs)]
    if xs.size and xs.min() < xs.max():
        ax.set_xlim(xs.min(), xs.max())
    elif xs.size:
        ax.set_xlim(xs[0] - 0.5, xs[0] + 0.5)
    if is_accuracy(ylabel):
        ax.set_ylim(0.0, 1.01)


def has_data(x, y) -> bool:
    """Whether any (x, y) pair is finite: something to draw (and to scale)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return bool((np.isfinite(x) & np.isfinite(y)).any())


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
    ``upper`` interval shaded in the line's colour; ``line``: the line's matplotlib style.

    A series with a single finite point (a one-epoch study) is a marker, with its interval as
    an error bar: a line or a band through one point would draw nothing."""
    rows = rows.sort_values(x)
    xs = rows[x].to_numpy(float)
    mean = rows["mean"].to_numpy(float)
    finite = np.isfinite(xs) & np.isfinite(mean)
    if finite.sum() == 1:
        one = rows[finite]
        m = one["mean"].to_numpy(float)
        err = None
        if band:
            err = np.abs([m - one["lower"].to_numpy(float), one["upper"].to_numpy(float) - m])
            err = np.nan_to_num(err)
        style = {k: v for k, v in line.items() if k not in ("ls", "linestyle")}
        ax.errorbar(xs[finite], m, yerr=err, marker="o", ms=6, capsize=4, **style)
        return
    ax.plot(xs, mean, **line)
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
