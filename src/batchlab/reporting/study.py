"""A stored study's full report: the tables, the recommendation, the gradient figures."""

from __future__ import annotations

import os
from pathlib import Path

from batchlab.plots import KINDS, figures
from batchlab.reporting.recommendation import recommendation_section
from batchlab.reporting.render import render_report

LEAD = {
    "trained-gradients": "Seed 004's figure: the gradient norm of the model trained at batch "
    "size b, against b (top; filled circles the full-batch |G|, open squares the mean "
    "mini-batch |g_b| at b), one colour per measured epoch, and |G| against examples seen "
    "(bottom), one line per b; mean over seeds, error bars the interval over seeds.",
    "sharpness": "Sharpness (the top eigenvalue of the training loss's Hessian) against "
    "epochs, one line per batch size and learning rate (mean over seeds), with the stability "
    "threshold 2/η (heavy-ball momentum β: (2 + 2β)/η) dashed in the same colour.",
    "sharpness-gap": "Final sharpness (left) and generalization gap, train minus test "
    "accuracy (right), against the batch size, per learning rate; mean over seeds with the "
    "interval over seeds.",
}
"""The figure kinds a report leads with when the study can draw them, with their captions."""


def study_report(
    tables, path: str | os.PathLike[str] | None = None, target: float | None = None
) -> Path:
    """Write the report of a study's tables (``batchlab.store.load(study)``); return its path.

    Sections: findings (the summary's, then those of the diagnostics:
    :func:`~batchlab.analysis.diagnostic_findings.diagnostic_findings`), the summary table,
    the figures led by the study's own (:data:`LEAD`: seed 004's gradient norm against the
    training batch size, sharpness), the learning-curve figures (:func:`render_report`), then
    the recommendation for each goal, and the gradient-noise and scaling figures that the
    tables support (gradient norm against batch size, the 1/B law, distance from the initial
    weights, steps to target against batch size with the fitted critical batch size).
    """
    from batchlab.analysis.diagnostic_findings import diagnostic_findings

    lead = [(kind.name, LEAD[kind.name], fig) for kind, fig in figures(tables, list(LEAD))]
    sections = [recommendation_section(tables.history, tables.spec, target)]
    beyond = [
        name for name, kind in KINDS.items() if kind.needs != ("history",) and name not in LEAD
    ]
    sections += [(kind.title, fig) for kind, fig in figures(tables, beyond, target=target)]
    return render_report(
        tables.spec,
        tables.trials,
        tables.history,
        tables.diagnostics,
        extra_sections=sections,
        path=path,
        target=target,
        lead_figures=lead,
        extra_findings=diagnostic_findings(tables),
    )
