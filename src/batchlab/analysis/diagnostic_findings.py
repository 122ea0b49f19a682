"""Findings read from a study's gradient statistics (the diagnostics table), beside the
summary's :func:`~batchlab.analysis.findings`.

Each is a function of a study's tables (:class:`batchlab.store.Tables`: ``spec, trials,
history, diagnostics``) that returns a :class:`~batchlab.analysis.Finding`, or None when the
study did not measure what it reads; :data:`DIAGNOSTIC_FINDINGS` lists them in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from batchlab.analysis.findings import Finding
from batchlab.analysis.sharpness import edge_of_stability_finding, sharpness_gap_finding
from batchlab.analysis.trained_gradients import trained_gradients_finding


def _trained_gradients(tables: Any) -> Finding | None:
    return trained_gradients_finding(tables.diagnostics, tables.history)


DIAGNOSTIC_FINDINGS: tuple[Callable[[Any], Finding | None], ...] = (
    _trained_gradients,
    sharpness_gap_finding,
    edge_of_stability_finding,
)
"""The findings of the diagnostics, in the order the report gives them."""


def diagnostic_findings(tables: Any) -> list[Finding]:
    """The :data:`DIAGNOSTIC_FINDINGS` that apply to ``tables``, in order."""
    found = (finding(tables) for finding in DIAGNOSTIC_FINDINGS)
    return [f for f in found if f is not None]
