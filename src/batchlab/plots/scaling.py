"""Steps to target against batch size: measured points, the fitted curve, regimes, B_simple.

The figure of McCandlish et al. (2018) and Shallue et al. (2019): log-log, the fitted
``S = S_min (1 + B_crit/B)`` of :class:`batchlab.analysis.scaling.ScalingFit`, its three
regimes shaded, and what the measured noise scale predicts (B_crit ~ B_simple).
"""

from __future__ import annotations

from textwrap import fill
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from batchlab.analysis.noise_scale import b_simple_near_target, measured_scaling
from batchlab.analysis.scaling import REGIMES, ScalingFit, predict_from_noise_scale
from batchlab.errors import BatchlabError
from batchlab.plots._kind import FigureKind, FigureUnavailable
from batchlab.plots._style import (
    OKABE_ITO,
    batch_size_axis,
    new_figure,
    note,
    plain_log_axis,
    require_columns,
)

POINTS = ("batch_size",)
#: regime -> shade (Okabe-Ito sky blue, orange, reddish purple: distinct for colour-blind eyes)
REGIME_COLORS = dict(zip(REGIMES, ("#56B4E9", "#E69F00", "#CC79A7"), strict=True))
_POINT, _FIT, _NOISE = OKABE_ITO[6], OKABE_ITO[0], OKABE_ITO[1]  # black, blue, vermillion
#: short names of the regimes, for the point labels
_SHORT = {
    "perfect scaling": "perfect",
    "diminishing returns": "diminishing",
    "no further benefit": "no benefit",
}


def draw_scaling(
    points_df: pd.DataFrame,
    fit: ScalingFit | None,
    ax: Axes,
    b_simple: float | None = None,
    *,
    steps: str = "updates_to_target_mean",
) -> Axes:
    """Measured steps to target, the fitted scaling curve, regimes and the noise-scale guess.

    Args:
        points_df: one row per batch size with ``batch_size`` and ``steps`` (e.g.
            :func:`~batchlab.analysis.scaling.steps_to_target_table`); NaN rows (target not
            reached) are not drawn.
        fit: a fitted :class:`ScalingFit` (None: points only). Draws its curve (solid) and
            shades the regimes (perfect scaling, diminishing returns, no further benefit) at
            its ``regime_bounds_``.
        ax: the axes to draw on.
        b_simple: a measured noise scale B_simple: a dotted vertical line at it and, when
            ``fit`` is given, the predicted curve ``S_min (1 + B_simple/B)`` with the fitted
            S_min (dashed).
        steps: the column of steps to target.

    Returns:
        ``ax``: log-log, one marker line of points, then the fit, prediction and B_simple lines
        and one shaded span per regime, each labelled in the legend.
    """
    require_columns(points_df, (*POINTS, steps), "steps to target against batch size")
    finite = np.isfinite(points_df[steps].astype(float))
    points = points_df[finite].sort_values("batch_size")
    b = points["batch_size"].to_numpy(float)
    s = points[steps].to_numpy(float)
    ax.plot(b, s, "o", color=_POINT, label="measured (best learning rate)", zorder=3)

    span = [b.min() / 2, b.max() * 2] if b.size else [1.0, 1024.0]
    if b_simple is not None:
        span = [min(span[0], b_simple / 2), max(span[1], b_simple * 2)]
    grid = np.geomspace(*span, 200)
    if fit is not None:
        label = f"fit: $S_{{min}}$ = {fit.s_min_:.3g}, $B_{{crit}}$ = {fit.b_crit_:.3g}"
        ax.plot(grid, fit.predict_steps(grid), "-", color=_FIT, label=label)
    if b_simple is not None:
        ax.axvline(b_simple, linestyle=":", color=_NOISE, label=f"$B_{{simple}}$ = {b_simple:.3g}")
        if fit is not None:
            guess = predict_from_noise_scale(b_simple, s_min=fit.s_min_)
            label = r"predicted: $B_{crit} \approx B_{simple}$"
            ax.plot(grid, guess.predict_steps(grid), "--", color=_NOISE, label=label)
    if fit is not None:
        low, high = fit.regime_bounds_
        edges = [span[0], np.clip(low, *span), np.clip(high, *span), span[1]]
        for name, left, right in zip(REGIMES, edges[:-1], edges[1:], strict=True):
            if right > left:
                ax.axvspan(left, right, color=REGIME_COLORS[name], alpha=0.15, lw=0, label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    plain_log_axis(ax.yaxis)
    if b.size:
        batch_size_axis(ax.xaxis, b)
    else:
        plain_log_axis(ax.xaxis, base=2)
    ax.set_xlim(*span)
    ax.set_xlabel("batch size $B$")
    ax.set_ylabel("steps (updates) to target")
    ax.set_title("Steps to target against batch size")
    ax.legend(fontsize="small")
    return ax


def _spec_target(tables: Any, target: float | None) -> float | None:
    """``target``, else the spec's ``analysis.target_accuracy`` (None: the analysis default)."""
    if target is not None:
        return target
    return ((tables.spec or {}).get("analysis") or {}).get("target_accuracy")


def scaling_figure(tables, *, target: float | None = None) -> Figure:
    """Steps to target against batch size at each batch size's best learning rate: the
    measured points (labelled with their regime), the fitted curve and the B_simple
    prediction (when the study measured B_simple). ``target``: default the spec's, else 95%
    of the best mean final test accuracy. The points and the fit follow the recommender's rule
    (:func:`~batchlab.analysis.scaling.fit_scaling`: settings that reached the target in every
    seed without diverging; a curve only through 3 or more batch sizes), and the figure says
    why when there is no curve. Raises :class:`FigureUnavailable` when no batch size reached
    it."""
    try:
        points, fit, used, reason = measured_scaling(tables.history, _spec_target(tables, target))
    except BatchlabError as err:  # no batch size reached the target: nothing to draw
        raise FigureUnavailable(f"the 'scaling' figure has no points: {err}") from None
    b_simple = b_simple_near_target(tables.diagnostics, tables.history, points)
    fig = new_figure(7.2, 4.8)
    ax = draw_scaling(points, fit, fig.subplots(), b_simple)
    if fit is not None:
        for _, row in points.iterrows():
            ax.annotate(
                _SHORT[row["regime"]],
                (row["batch_size"], row["updates_to_target_mean"]),
                textcoords="offset points",
                xytext=(4, 6),
                fontsize="x-small",
            )
        ax.set_title(
            f"Steps to {used:.1%} test accuracy: $S_{{min}}$ = {fit.s_min_:.3g}, "
            f"$E_{{min}}$ = {fit.e_min_:.3g}, $B_{{crit}}$ = {fit.b_crit_:.3g}"
        )
    else:
        ax.set_title(f"Steps to {used:.1%} test accuracy: no fit")
        note(ax, fill(f"No curve: {reason}.", 60))
    return fig


KIND = FigureKind(
    "scaling",
    "Steps to target against batch size",
    ("history", "spec"),  # the target; B_simple from the diagnostics when measured
    scaling_figure,
    batch_sizes=2,
)
