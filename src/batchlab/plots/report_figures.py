"""The figures that need more than the history: seed 004's gradients, the distance from the
initial weights, and the steps-to-target scaling curve.

Each builder takes a study's tables -- anything with ``spec`` (dict), ``history`` and
``diagnostics`` attributes, such as :class:`batchlab.store.Tables` -- and returns a Figure:

- ``gradients``: mean |g_B|^2 with error bars against batch size, early and late, with the
  exact finite-pool line ``|G|^2 + (1 - B/n) tr(Sigma)/B``
  (:func:`~batchlab.plots.gradients.draw_grad_norm_vs_batch`);
- ``inverse-batch``: the same against 1/B, a straight line with intercept |G|^2 and slope
  tr(Sigma) (:func:`~batchlab.plots.gradients.draw_grad_norm_vs_inverse_batch`);
- ``distance``: |theta - theta_0| against examples seen, one line per batch size;
- ``scaling``: steps to target per batch size at each one's best learning rate, the fitted
  ``S_min (1 + B_crit/B)``, its regimes (each point labelled) and the B_simple prediction
  (:func:`~batchlab.plots.scaling.draw_scaling`).

:data:`GRADIENT_KINDS` maps the kinds to their builders (``batchlab plot --kind``);
:func:`gradient_figures` returns every one a study's tables can make, for the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from batchlab.analysis.noise_scale import b_simple_near_target, measured_scaling
from batchlab.errors import BatchlabError
from batchlab.plots._style import new_figure
from batchlab.plots.gradients import (
    draw_distance,
    draw_grad_norm_vs_batch,
    draw_grad_norm_vs_inverse_batch,
)
from batchlab.plots.scaling import draw_scaling

#: short names of the regimes, for the point labels
_SHORT = {
    "perfect scaling": "perfect",
    "diminishing returns": "diminishing",
    "no further benefit": "no benefit",
}


def _diagnostics(tables: Any, kind: str) -> pd.DataFrame:
    diagnostics = getattr(tables, "diagnostics", None)
    if diagnostics is None or len(diagnostics) == 0:
        raise BatchlabError(
            f"the {kind!r} figure needs the study's diagnostics, and it recorded none; run it "
            "with [diagnostics] enabled = true (e.g. the builtin study seed004-gradients)"
        )
    return diagnostics


def pool_size(tables: Any) -> int | None:
    """The pool that diagnostics batches were drawn from: ``diagnostics.sample_size`` when the
    spec sets one (at most the training set), else the training-set size (from the history:
    examples seen per epoch). None when neither is known."""
    history = getattr(tables, "history", None)
    n_train = None
    if history is not None and len(history) and {"examples_seen", "epoch"} <= set(history):
        rows = history[history["epoch"] > 0]
        if len(rows):
            n_train = int(round(float((rows["examples_seen"] / rows["epoch"]).iloc[0])))
    spec = getattr(tables, "spec", None) or {}
    sample = (spec.get("diagnostics") or {}).get("sample_size")
    if sample is not None:
        return int(sample) if n_train is None else min(int(sample), n_train)
    return n_train


def gradients_figure(tables: Any, *, epochs=None, **opts: Any) -> Figure:
    """Mean |g_B|^2 (error bars: std over sampled batches) against batch size, early and late,
    with the exact finite-pool line."""
    fig = new_figure(*opts.pop("figsize", (6.4, 4.6)))
    draw_grad_norm_vs_batch(
        _diagnostics(tables, "gradients"), fig.subplots(), epochs, n_examples=pool_size(tables)
    )
    return fig


def inverse_batch_figure(tables: Any, *, epochs=None, **opts: Any) -> Figure:
    """Mean |g_B|^2 against 1/B: the sampled points and the exact line (intercept |G|^2,
    slope tr(Sigma))."""
    fig = new_figure(*opts.pop("figsize", (6.4, 4.6)))
    draw_grad_norm_vs_inverse_batch(
        _diagnostics(tables, "inverse-batch"),
        fig.subplots(),
        epochs,
        n_examples=pool_size(tables),
    )
    return fig


def distance_figure(tables: Any, **opts: Any) -> Figure:
    """Distance from the initial weights against examples seen, one line per batch size."""
    fig = new_figure(*opts.pop("figsize", (6.4, 4.6)))
    draw_distance(_diagnostics(tables, "distance"), fig.subplots(), history=tables.history)
    return fig


def _target(tables: Any, target: float | None) -> float | None:
    if target is not None:
        return target
    spec = getattr(tables, "spec", None) or {}
    return (spec.get("analysis") or {}).get("target_accuracy")


def scaling_figure(tables: Any, *, target: float | None = None, **opts: Any) -> Figure:
    """Steps to target against batch size at each batch size's best learning rate: the
    measured points (labelled with their regime), the fitted curve and the B_simple
    prediction (when the study measured B_simple)."""
    points, fit, used = measured_scaling(tables.history, _target(tables, target))
    diagnostics = getattr(tables, "diagnostics", None)
    b_simple = b_simple_near_target(diagnostics, tables.history, points)
    fig = new_figure(*opts.pop("figsize", (7.2, 4.8)))
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
        ax.set_title(f"Steps to {used:.1%} test accuracy (too few points to fit)")
    return fig


#: figure kind -> builder ``(tables, **opts) -> Figure``, the CLI's gradient ``--kind``s.
GRADIENT_KINDS: dict[str, Callable[..., Figure]] = {
    "gradients": gradients_figure,
    "inverse-batch": inverse_batch_figure,
    "distance": distance_figure,
    "scaling": scaling_figure,
}


def gradient_figure(kind: str, tables: Any, **opts: Any) -> Figure:
    """The figure of ``kind`` (a key of :data:`GRADIENT_KINDS`) for a study's tables."""
    try:
        builder = GRADIENT_KINDS[kind]
    except KeyError:
        raise BatchlabError(
            f"unknown figure kind {kind!r}; choose one of {', '.join(GRADIENT_KINDS)}"
        ) from None
    return builder(tables, **opts)


def _has(diagnostics: pd.DataFrame | None, quantity: str) -> bool:
    if diagnostics is None or len(diagnostics) == 0 or "quantity" not in diagnostics:
        return False
    rows = diagnostics[diagnostics["quantity"] == quantity]
    return bool(np.isfinite(rows["value"].astype(float)).any())


def gradient_figures(tables: Any, *, target: float | None = None) -> list[tuple[str, Figure]]:
    """Every figure of this module that ``tables`` can make, as (title, Figure) pairs.

    ``tables``: anything with ``spec``, ``history`` and ``diagnostics``, e.g.
    ``batchlab.store.load(study)`` or ``Tables(spec, trials, history, diagnostics)``.
    The gradient figures need ``grad_norm_sq`` with ``full_grad_norm_sq`` and ``trace_cov``,
    the distance figure ``distance_from_init``; the scaling figure needs two batch sizes
    that reached ``target`` (default: the spec's, else 95% of the best final accuracy) and
    adds the B_simple prediction when ``b_simple`` was measured. An empty list when nothing
    fits (e.g. no diagnostics and a single batch size).
    """
    diagnostics = getattr(tables, "diagnostics", None)
    out: list[tuple[str, Figure]] = []
    exact = all(_has(diagnostics, q) for q in ("grad_norm_sq", "full_grad_norm_sq", "trace_cov"))
    if exact:
        out.append(("Gradient norm against batch size, early and late", gradients_figure(tables)))
        out.append(("Squared gradient norm against 1/batch size", inverse_batch_figure(tables)))
    if _has(diagnostics, "distance_from_init"):
        out.append(("Distance from the initial weights", distance_figure(tables)))
    history = getattr(tables, "history", None)
    if history is not None and len(history) and history["batch_size"].nunique() >= 2:
        try:
            fig = scaling_figure(tables, target=target)
        except BatchlabError:  # no batch size reached the target: nothing to draw
            fig = None
        if fig is not None:
            out.append(("Steps to target against batch size", fig))
    return out
