"""The last two steps of the workflow, named as a user says them: recommend, report.

Each takes a :class:`batchlab.Results` (from ``bl.train`` or ``bl.load``) or a study name in a
store, and calls the analysis or the report.
"""

from __future__ import annotations

import os
from pathlib import Path

from batchlab._results import Results


def _results(study, store) -> Results:
    if isinstance(study, Results):
        return study
    return Results.load(study, store=store)


def recommend(
    study,
    goal: str | None = None,
    *,
    store=None,
    target: float | None = None,
    min_reached: float = 1.0,
):
    """The batch size and learning rate to use for ``goal``, with the reasons.

    Args:
        study: a :class:`batchlab.Results`, or the name of a study in ``store``.
        goal: ``"fewest_epochs"``, ``"fewest_updates"``, ``"least_seconds"`` or
            ``"best_accuracy"``; None for all four (a list).
        store: the store that holds ``study`` when it is a name.
        target: the test accuracy that counts as reached (default the study's).
        min_reached: fraction of seeds that must reach the target (speed goals).

    Returns:
        A fitted :class:`batchlab.analysis.Recommender` (``.text()``, ``.to_dict()``), or a
        list of them when ``goal`` is None.
    """
    from batchlab.analysis import GOALS, Recommender, check_goal

    r = _results(study, store)
    goals = GOALS if goal is None else (check_goal(goal),)
    recs = [
        Recommender(goal=g, target=target, min_reached=min_reached).fit(r.history, r.spec)
        for g in goals
    ]
    return recs if goal is None else recs[0]


def report(
    study,
    path: str | os.PathLike[str] | None = None,
    *,
    store=None,
    target: float | None = None,
) -> Path:
    """Write the self-contained HTML report of a study; return its path.

    Args:
        study: a :class:`batchlab.Results`, or the name of a study in ``store``.
        path: the HTML file (default ``reports/<study>.html``).
        store: the store that holds ``study`` when it is a name.
        target: the test accuracy that counts as reached (default the study's).
    """
    from batchlab.reporting import study_report

    return study_report(_results(study, store).tables, path=path, target=target)
