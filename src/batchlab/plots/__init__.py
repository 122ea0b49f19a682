"""Figures: one kind per module, one registry (:data:`KINDS`) declaring what each needs.

A kind's ``draw_*`` function takes the tables that :mod:`batchlab.analysis` computes and an
``ax`` (or figure), declares the columns it needs, and never computes statistics; its ``make``
goes from a study's tables (:class:`batchlab.store.Tables`) through analysis to that drawing.

- ``curves``: seed 003's panels, one per batch size, train and test with CI bands;
- ``overlay``: every batch size on one axis (the course's history plots, seed 000);
- ``heatmap``: batch size x learning rate, final test accuracy and epochs to target;
- ``speed``: epochs, updates and seconds to target against batch size (log-log);
- ``stability``: spread of test accuracy against batch size;
- ``gradients`` and ``inverse-batch``: seed 004's |g_B|^2 against B and 1/B, early and late,
  with the exact finite-pool law (needs the diagnostics);
- ``distance``: |theta - theta_0| against examples seen (needs the diagnostics);
- ``scaling``: steps to target against batch size, the fitted critical batch size, its
  regimes and the noise-scale prediction.

:func:`figure` makes one kind from a study's tables, :func:`plot` saves it as PNG/SVG,
:func:`available` lists the kinds a study can draw, :func:`figures` draws them.
"""

from batchlab.plots._kind import FigureKind, FigureUnavailable
from batchlab.plots._style import OKABE_ITO, X_LABELS
from batchlab.plots.curves import draw_curves
from batchlab.plots.distance import draw_distance
from batchlab.plots.gradients import draw_grad_norm_vs_batch, draw_grad_norm_vs_inverse_batch
from batchlab.plots.heatmap import draw_heatmap
from batchlab.plots.overlay import draw_overlay
from batchlab.plots.registry import KINDS, available, figure, figures, plot, save
from batchlab.plots.scaling import draw_scaling
from batchlab.plots.speed import draw_speed
from batchlab.plots.stability import draw_stability

__all__ = [
    "KINDS",
    "OKABE_ITO",
    "X_LABELS",
    "FigureKind",
    "FigureUnavailable",
    "available",
    "draw_curves",
    "draw_distance",
    "draw_grad_norm_vs_batch",
    "draw_grad_norm_vs_inverse_batch",
    "draw_heatmap",
    "draw_overlay",
    "draw_scaling",
    "draw_speed",
    "draw_stability",
    "figure",
    "figures",
    "plot",
    "save",
]
