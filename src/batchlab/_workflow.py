"""The last two steps of the workflow, named as a user says them: recommend, report.

Each takes a :class:`batchlab.Results` (from ``bl.train`` or ``bl.load``) or a study name in a
store, and calls the analysis or the report.
"""

from __future__ import annotations

import os
from pathlib import Path

from batchlab._results import Results


def default_report_path(study: str, store=None) -> Path:
    """Where a study's report goes when no path is given: ``reports/<study>.html`` for the
    default store (``./batchlab.db``), ``reports/<store stem>-<study>.html`` for any other,
    so that the reports of two stores never overwrite each other.

    Example:
        >>> default_report_path("seed003-grid").name
        'seed003-grid.html'
        >>> default_report_path("seed003-grid", "runs/laptop.db").name
        'laptop-seed003-grid.html'
    """
    import re

    from batchlab.store._store import DEFAULT_NAME, MEMORY

    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", study).strip("._") or "study"
    path = getattr(store, "path", store)  # a Store, a path, or None (the default store)
    if path is None:
        path = os.environ.get("BATCHLAB_STORE") or DEFAULT_NAME
    path = Path(path)
    default = Path(DEFAULT_NAME).resolve()
    if str(path) == MEMORY or path.resolve() == default:
        return Path.cwd() / "reports" / f"{slug}.html"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", path.stem).strip("._") or "store"
    return Path.cwd() / "reports" / f"{stem}-{slug}.html"


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
        path: the HTML file (default ``reports/<study>.html`` for the default store,
            ``reports/<store stem>-<study>.html`` for another: :func:`default_report_path`).
        store: the store that holds ``study`` when it is a name.
        target: the test accuracy that counts as reached (default the study's).
    """
    from batchlab.reporting import study_report

    if path is None and not isinstance(study, Results):
        path = default_report_path(study, store)
    return study_report(_results(study, store).tables, path=path, target=target)
