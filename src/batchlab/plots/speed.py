"""Cost to reach the target against batch size (log-log): epochs, updates, seconds."""

from __future__ import annotations

from textwrap import fill

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from batchlab import analysis
from batchlab.plots._kind import FigureKind
from batchlab.plots._style import (
    batch_size_axis,
    by_rate,
    color,
    new_figure,
    note,
    plain,
    plain_log_axis,
    require_columns,
    target_of,
)

NAMED = 6
"""The most settings named in a panel's "not reached" note (the rest are counted)."""

#: (summary column stem, axis label)
PANELS = (
    ("epochs_to_target", "epochs to target"),
    ("updates_to_target", "updates (optimizer steps) to target"),
    ("seconds_to_target", "seconds to target (wall clock)"),
)


def _columns() -> list[str]:
    return ["batch_size"] + [f"{s}_{p}" for s, _ in PANELS for p in ("mean", "lo", "hi")]


def draw_speed(
    summary: pd.DataFrame,
    fig: Figure | None = None,
    *,
    title: str | None = None,
    reference: bool = True,
) -> Figure:
    """Three log-log panels: epochs, updates and seconds to target against batch size.

    Each point is the mean over the seeds that reach the target, with its interval as error
    bars (the summary's: a Student-t interval from 5 seeds on, the seeds' range with fewer;
    lower ends at zero are cut at a tenth of the mean, as a log axis cannot show them). One
    series per learning rate, named in one legend below the panels. With ``reference``, the
    updates panel shows perfect scaling from the smallest batch size (updates proportional to
    1 / batch size), dashed grey.
    Batch sizes that never reach the target are named in the panel. Needs ``batch_size`` and
    ``{epochs,updates,seconds}_to_target_{mean,lo,hi}`` (``learning_rate`` optional).
    Returns the figure (3 axes; one errorbar container per series and panel).
    """
    require_columns(summary, _columns(), "speed")
    if fig is None:
        fig = new_figure(13.0, 4.2)
    axes = fig.subplots(1, 3, sharex=True)
    groups = by_rate(summary)
    target = target_of(summary)
    for ax, (stem, label) in zip(axes, PANELS, strict=True):
        plotted = False
        span: list[float] = []  # the y values drawn, bars included
        for i, (rate, rows) in enumerate(groups):
            rows = rows.sort_values("batch_size")
            ok = rows[np.isfinite(rows[f"{stem}_mean"].astype(float))]
            if ok.empty:
                continue
            b = ok["batch_size"].to_numpy(float)
            m = ok[f"{stem}_mean"].to_numpy(float)
            lo = ok[f"{stem}_lo"].to_numpy(float)
            hi = ok[f"{stem}_hi"].to_numpy(float)
            lo = np.where(lo > 0, lo, m / 10)
            span += [*m, *lo[np.isfinite(lo)], *hi[np.isfinite(hi)]]
            ax.errorbar(
                b,
                m,
                yerr=np.clip([m - lo, hi - m], 0, None),  # (2, points)
                color=color(i),
                marker="o",
                ms=5,
                capsize=3,
                lw=1.4,
                label="mean over seeds" if rate is None else f"lr {rate:g}",
            )
            if reference and stem == "updates_to_target" and i == 0 and len(b) > 1:
                ax.plot(
                    b,
                    m[0] * b[0] / b,
                    color="0.5",
                    ls="--",
                    lw=1,
                    label="perfect scaling (∝ 1 / batch size)",
                )
            plotted = True
        never = summary[~np.isfinite(summary[f"{stem}_mean"].astype(float))]
        if not plotted:
            gone = "diverged_fraction" in summary and (summary["diverged_fraction"] >= 1).all()
            note(ax, "every trial\ndiverged" if gone else "no batch size\nreached the target")
        elif len(never):
            with_rate = len(groups) > 1
            names = ", ".join(
                f"{int(r['batch_size'])}" + (f" (lr {r['learning_rate']:g})" if with_rate else "")
                for _, r in never.sort_values("batch_size").head(NAMED).iterrows()
            )
            if len(never) > NAMED:
                names += f" and {len(never) - NAMED} more"
            ax.text(
                0.02,
                0.02,
                fill(f"not reached: {names}", 46),
                transform=ax.transAxes,
                fontsize=8,
                color="0.3",
                va="bottom",
                in_layout=False,  # a note inside the axes: it must not shrink them
            )
        ax.set_xscale("log", base=2)
        batch_size_axis(ax.xaxis, summary["batch_size"])
        if plotted:
            low, high = min(span), max(span)
            if not high > low:  # one value (one point, no spread): a log axis needs a range
                ax.set_ylim(low / 2, high * 2)
            ax.set_yscale("log")
            plain_log_axis(ax.yaxis)
        ax.set_xlabel("batch size (examples per update)")
        ax.set_ylabel(label)
        ax.grid(True, which="major", alpha=0.3)
        if plotted and reference and stem == "updates_to_target":
            # the rates are named once below the panels; here only the reference line
            pairs = zip(*ax.get_legend_handles_labels(), strict=True)
            keep = [(h, t) for h, t in pairs if len(groups) == 1 or t.startswith("perfect")]
            if keep:
                ax.legend(*zip(*keep, strict=True), loc="best", frameon=False, fontsize=8)
    if len(groups) > 1:  # one legend of the rates for the three panels, below them
        handles = [
            Line2D([], [], color=color(i), marker="o", ms=5, lw=1.4, label=f"lr {rate:g}")
            for i, (rate, _) in enumerate(groups)
        ]
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(len(handles), 8),
            frameon=False,
            fontsize=8,
            title="learning rate (mean over seeds, with its interval)",
            title_fontsize=8,
        )
    fig.suptitle(
        plain(
            title
            or "Cost to reach the target"
            + ("" if target is None else f": {100 * target:.1f}% test accuracy")
            + " (mean over seeds, with its interval)"
        ),
        fontsize=12,
    )
    return fig


def speed_figure(
    tables,
    *,
    target: float | None = None,
    confidence: float = 0.95,
    title: str | None = None,
    reference: bool = True,
) -> Figure:
    """Epochs, updates and seconds to ``target`` against batch size."""
    summary = analysis.summary(tables.history, target=target, confidence=confidence)
    return draw_speed(summary, title=title, reference=reference)


KIND = FigureKind(
    "speed",
    "Epochs, updates and seconds to target against batch size",
    ("history",),
    speed_figure,
)
