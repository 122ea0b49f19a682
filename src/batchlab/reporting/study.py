"""A stored study's full report: the tables, the recommendation, the gradient figures."""

from __future__ import annotations

import os
from pathlib import Path

from batchlab.plots import KINDS, figures
from batchlab.reporting.recommendation import recommendation_section
from batchlab.reporting.render import render_report


def study_report(
    tables, path: str | os.PathLike[str] | None = None, target: float | None = None
) -> Path:
    """Write the report of a study's tables (``batchlab.store.load(study)``); return its path.

    Sections: findings, the summary table, the learning-curve figures (:func:`render_report`),
    then the recommendation for each goal, and the gradient-noise and scaling figures that the
    tables support (gradient norm against batch size, the 1/B law, distance from the initial
    weights, steps to target against batch size with the fitted critical batch size).
    """
    sections = [recommendation_section(tables.history, tables.spec, target)]
    beyond = [name for name, kind in KINDS.items() if kind.needs != ("history",)]
    sections += [(kind.title, fig) for kind, fig in figures(tables, beyond, target=target)]
    return render_report(
        tables.spec,
        tables.trials,
        tables.history,
        tables.diagnostics,
        extra_sections=sections,
        path=path,
        target=target,
    )
