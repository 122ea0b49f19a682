"""Figures: one kind per module, each a ``draw_K(tables, ax or fig, **opts)`` that declares
the columns it needs and never computes statistics (those come from :mod:`batchlab.analysis`).

- ``curves``: seed 003's panels, one per batch size, train and test with CI bands;
- ``overlay``: every batch size on one axis (the course's history plots, seed 000);
- ``heatmap``: batch size x learning rate, final test accuracy and epochs to target;
- ``speed``: epochs, updates and seconds to target against batch size (log-log);
- ``stability``: spread of test accuracy against batch size.

:func:`plot` goes from a history table to a PNG/SVG file; :data:`KINDS` lists the kinds.
"""

from batchlab.plots._dispatch import KINDS, figure, plot, save
from batchlab.plots._style import OKABE_ITO, X_LABELS
from batchlab.plots.curves import draw_curves
from batchlab.plots.gradients import (
    draw_distance,
    draw_grad_norm_vs_batch,
    draw_grad_norm_vs_inverse_batch,
)
from batchlab.plots.heatmap import draw_heatmap
from batchlab.plots.overlay import draw_overlay
from batchlab.plots.scaling import draw_scaling
from batchlab.plots.speed import draw_speed
from batchlab.plots.stability import draw_stability

__all__ = [
    "draw_distance",
    "draw_grad_norm_vs_batch",
    "draw_grad_norm_vs_inverse_batch",
    "draw_scaling",
    "KINDS",
    "OKABE_ITO",
    "X_LABELS",
    "draw_curves",
    "draw_heatmap",
    "draw_overlay",
    "draw_speed",
    "draw_stability",
    "figure",
    "plot",
    "save",
]
