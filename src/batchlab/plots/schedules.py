"""Test accuracy per epoch and per update under each schedule (Smith et al. 2018's figure).

Left: against epochs, where a batch-size schedule and the rate schedule it mirrors should
coincide; right: against updates, where the batch-size schedule ends far to the left. One
colour per schedule (and setting), the mean over seeds with the seeds' range as a band; the
epochs at which a schedule's batch size changes are marked on its line.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from batchlab import analysis
from batchlab.plots._kind import FigureKind, FigureUnavailable
from batchlab.plots._style import (
    color,
    line_with_band,
    linestyle,
    new_figure,
    percent_axis,
    plain,
)


def draw_schedules(curves: pd.DataFrame, fig: Figure) -> Figure:
    """Draw :func:`batchlab.analysis.schedule_curves` rows into ``fig`` (two panels)."""
    by_epoch, by_update = fig.subplots(1, 2, sharey=True)
    settings = curves.groupby(analysis.schedules.SETTING, sort=True)
    several = settings.ngroups > 1
    i = 0
    for setting, block in settings:
        for name, rows in block.groupby("schedule", sort=False):
            rows = rows.sort_values("epoch")
            label = name or "none"
            if several:
                label = f"{label} (batch {int(setting[0])}, lr {setting[1]:g})"
            style = dict(color=color(i), ls=linestyle(i), lw=1.6)
            band = rows.rename(columns={"min": "lower", "max": "upper"})  # the seeds' range
            for ax, x in ((by_epoch, "epoch"), (by_update, "updates")):
                line_with_band(ax, band, x, label=label, **style)
            changed = rows[rows["epoch_batch_size"].diff().fillna(0) != 0]
            if len(changed):
                by_epoch.plot(changed["epoch"], changed["mean"], "o", color=style["color"], ms=5)
            i += 1
    by_epoch.set_xlabel("epoch")
    by_update.set_xlabel("updates")
    by_epoch.set_ylabel("test accuracy")
    percent_axis(by_epoch.yaxis)
    for ax in (by_epoch, by_update):
        ax.grid(True, alpha=0.3)
    handles, labels = by_epoch.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", frameon=False, title="schedule")
    return fig


def schedules_figure(tables, *, title: str | None = None) -> Figure:
    """Test accuracy per epoch and per update, one line per schedule (a study with 2+)."""
    trials = getattr(tables, "trials", None)
    if (
        not isinstance(trials, pd.DataFrame)
        or "schedule" not in trials.columns
        or (trials["schedule"].nunique() < 2)
    ):
        raise FigureUnavailable(
            "the 'schedules' figure needs a study whose trials follow two or more schedules "
            "(the sweep's schedule axis, e.g. the builtin smith2018-increase-batch), with its "
            "trials table"
        )
    curves = analysis.schedule_curves(trials, tables.history)
    fig = new_figure(11, 4.5)
    draw_schedules(curves, fig)
    fig.suptitle(plain(title or "Test accuracy under each schedule: per epoch and per update"))
    return fig


KIND = FigureKind(
    "schedules",
    "Test accuracy per epoch and per update under each schedule",
    ("history",),
    schedules_figure,
)
