"""What a live view shows of a study: a pure function of the store's tables.

:func:`live_view` turns a study's tables (its spec, trials, history and cohorts) into a
:class:`LiveView`: each cohort's progress, per batch size the curve of the mean test accuracy
over seeds and its best so far, the divergences, and the time left. ``batchlab watch`` draws
it in the terminal and ``batchlab serve`` sends it to the page as JSON; :func:`read_view`
reads the tables from a store (the only function here that does).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from batchlab._format import to_json_safe

SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class CohortProgress:
    """One cohort's progress."""

    cohort: str
    batch_size: int
    trials: int
    epochs_done: int
    """Epochs committed to the store."""
    epochs: int
    """Epochs it trains in all."""
    status: str
    """``pending``, ``running`` or ``done``."""


@dataclass(frozen=True)
class BatchCurve:
    """One batch size's learning so far: its best learning rate's mean test accuracy."""

    batch_size: int
    learning_rate: float
    """The rate whose mean curve holds the best test accuracy (the only one, mostly)."""
    seeds: int
    epochs: tuple[int, ...]
    """The epochs every seed of that rate has reached, 1, 2, ..."""
    test_accuracy: tuple[float, ...]
    """Mean test accuracy over the seeds at each of ``epochs`` (NaN where one diverged)."""
    best: float
    """The best of ``test_accuracy`` (NaN when there is none yet)."""
    best_epoch: int | None
    last: float
    """The latest of ``test_accuracy``."""
    diverged: int
    """Trials of this batch size (any rate) that diverged."""


@dataclass(frozen=True)
class Divergence:
    """A trial that diverged, and the epoch it did."""

    trial: int
    batch_size: int
    learning_rate: float
    seed: int
    epoch: int


@dataclass(frozen=True)
class LiveView:
    """A study as the live views show it (:func:`live_view`)."""

    study: str
    description: str
    dataset: str
    status: str
    """The study's status in the store: ``pending``, ``running`` or ``done``."""
    trials: int
    epochs: int
    """Epochs per trial."""
    trial_epochs_done: int
    trial_epochs: int
    cohorts: tuple[CohortProgress, ...]
    curves: tuple[BatchCurve, ...]
    """One per batch size, in increasing order."""
    divergences: tuple[Divergence, ...]
    """In the order they happened (epoch, then trial)."""
    eta_seconds: float | None
    """Training time left, from the seconds per epoch so far; None before any epoch."""

    @property
    def done(self) -> bool:
        """Whether the study has finished."""
        return self.status == "done"

    @property
    def fraction(self) -> float:
        """Trial-epochs done / planned."""
        return self.trial_epochs_done / self.trial_epochs if self.trial_epochs else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (NaN and infinities as None), for the live page."""
        out = to_json_safe(asdict(self))
        out["done"] = self.done
        out["fraction"] = self.fraction
        return out


def live_view(
    spec: dict[str, Any],
    trials: pd.DataFrame,
    history: pd.DataFrame,
    cohorts: pd.DataFrame,
    status: str,
) -> LiveView:
    """The :class:`LiveView` of a study's tables.

    Args:
        spec: the study spec (``Study.to_dict()``).
        trials: the trials table (docs/schema.md).
        history: the history table so far.
        cohorts: one row per cohort: ``cohort``, ``epochs_done``, ``status``
            (``Store.cohorts``).
        status: the study's status.

    The time left is the epochs still to train, cohort by cohort, times the seconds an
    epoch has taken so far (each cohort's ``wall_seconds`` at its last epoch over its epochs
    done, pooled over the cohorts that started); compilation of the cohorts not yet started
    is not in it.

    Example:
        >>> trials = pd.DataFrame({"trial": [0, 1], "cohort": ["bs8", "bs8"], "seed": [0, 1],
        ...     "batch_size": 8, "learning_rate": 0.1, "epochs": 4})
        >>> history = pd.DataFrame({"trial": [0, 0, 1, 1], "epoch": [1, 2, 1, 2],
        ...     "test_accuracy": [0.5, 0.7, 0.6, 0.8], "wall_seconds": [1.0, 2.0, 1.0, 2.0],
        ...     "diverged": False})
        >>> cohorts = pd.DataFrame({"cohort": ["bs8"], "epochs_done": [2], "status": ["running"]})
        >>> v = live_view({"name": "s"}, trials, history, cohorts, "running")
        >>> v.curves[0].test_accuracy, v.curves[0].best, v.eta_seconds, v.fraction
        ((0.55, 0.75), 0.75, 2.0, 0.5)
    """
    members = trials.groupby("cohort", sort=False)
    progress = []
    for row in cohorts.itertuples(index=False):
        group = members.get_group(row.cohort)
        progress.append(
            CohortProgress(
                cohort=str(row.cohort),
                batch_size=int(group.batch_size.iloc[0]),
                trials=len(group),
                epochs_done=int(row.epochs_done),
                epochs=int(group.epochs.max()),
                status=str(row.status),
            )
        )
    done_per_trial = history.groupby("trial").epoch.max() if len(history) else pd.Series()
    return LiveView(
        study=str(spec.get("name", "")),
        description=str(spec.get("description", "")),
        dataset=str(spec.get("dataset", "")),
        status=status,
        trials=len(trials),
        epochs=int(trials.epochs.max()) if len(trials) else 0,
        trial_epochs_done=int(done_per_trial.sum()),
        trial_epochs=int(trials.epochs.sum()),
        cohorts=tuple(progress),
        curves=_curves(trials, history),
        divergences=_divergences(history, trials),
        eta_seconds=_eta(progress, history, trials),
    )


def _curves(trials: pd.DataFrame, history: pd.DataFrame) -> tuple[BatchCurve, ...]:
    out = []
    frame = history.merge(
        trials[["trial", "batch_size", "learning_rate"]], on="trial", suffixes=("_h", "")
    )
    for batch_size, group in trials.groupby("batch_size"):
        runs = frame[frame.batch_size == batch_size]
        diverged = int(runs[runs.diverged.astype(bool)].trial.nunique()) if len(runs) else 0
        best: tuple[float, BatchCurve] | None = None
        for rate, seeds in group.groupby("learning_rate"):
            rows = runs[runs.learning_rate == rate]
            # the epochs every seed has reached: a mean over the seeds that are ahead would jump
            reached = int(rows.groupby("trial").epoch.max().min()) if len(rows) else 0
            if rows.trial.nunique() < len(seeds):
                reached = 0
            mean = rows[rows.epoch <= reached].groupby("epoch").test_accuracy.mean()
            values = tuple(float(v) for v in mean.to_numpy())
            finite = [v for v in values if math.isfinite(v)]
            top = max(finite) if finite else math.nan
            curve = BatchCurve(
                batch_size=int(batch_size),
                learning_rate=float(rate),
                seeds=len(seeds),
                epochs=tuple(int(e) for e in mean.index),
                test_accuracy=values,
                best=top,
                best_epoch=int(mean.index[values.index(top)]) if finite else None,
                last=values[-1] if values else math.nan,
                diverged=diverged,
            )
            score = top if finite else -math.inf
            if best is None or score > best[0]:
                best = (score, curve)
        if best is not None:
            out.append(best[1])
    return tuple(out)


def _divergences(history: pd.DataFrame, trials: pd.DataFrame) -> tuple[Divergence, ...]:
    if not len(history):
        return ()
    bad = history[history.diverged.astype(bool)]
    first = bad.sort_values(["epoch", "trial"]).drop_duplicates("trial")
    info = trials.set_index("trial")
    return tuple(
        Divergence(
            trial=int(t),
            batch_size=int(info.at[t, "batch_size"]),
            learning_rate=float(info.at[t, "learning_rate"]),
            seed=int(info.at[t, "seed"]),
            epoch=int(e),
        )
        for t, e in zip(first.trial, first.epoch, strict=True)
    )


def _eta(progress: list[CohortProgress], history: pd.DataFrame, trials: pd.DataFrame):
    left = sum(c.epochs - c.epochs_done for c in progress if c.status != "done")
    if left == 0:
        return 0.0
    if not len(history):
        return None
    cohort_of = trials.set_index("trial").cohort
    rows = history.assign(cohort=history.trial.map(cohort_of))
    last = rows.sort_values("epoch").groupby("cohort").tail(1)
    epochs, seconds = int(last.epoch.sum()), float(last.wall_seconds.sum())
    if epochs == 0 or not math.isfinite(seconds):
        return None
    return left * seconds / epochs


def sparkline(values, width: int = 24) -> str:
    """The curve of ``values`` in at most ``width`` block characters, scaled between its own
    minimum and maximum (NaN as a space). A longer curve is cut into ``width`` stretches of
    consecutive points, each drawn as its mean, so the whole run shows.

    Example:
        >>> sparkline([0.1, 0.5, 0.9, float("nan"), 0.9])
        '▁▅█ █'
        >>> sparkline([0.1, 0.2, 0.8, 0.9], width=2), sparkline([0.5, 0.5]), sparkline([])
        ('▁█', '▄▄', '')
    """
    values = [math.nan if v is None else float(v) for v in values]
    if len(values) > width:
        edges = [round(i * len(values) / width) for i in range(width + 1)]
        values = [_mean(values[a:b]) for a, b in zip(edges, edges[1:], strict=False)]
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return " " * len(values)
    low, high = min(finite), max(finite)
    out = []
    for v in values:
        if not math.isfinite(v):
            out.append(" ")
        elif high == low:
            out.append(SPARKS[len(SPARKS) // 2 - 1])
        else:
            out.append(SPARKS[round((v - low) / (high - low) * (len(SPARKS) - 1))])
    return "".join(out)


def _mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else math.nan


def read_view(store, study: str) -> LiveView:
    """The :class:`LiveView` of ``study`` as ``store`` (an open
    :class:`batchlab.store.Store`) holds it now.

    The cohorts and the study's status are read before the history, so a view never says
    more epochs are done than its curves show (a commit in between adds rows, never
    removes them). Raises StoreError when there is no such study.
    """
    store._require(study)
    cohorts = store.cohorts(study)
    found = store.get_study(study)
    trials = store.trials(study)
    history = store.history(study)
    return live_view(found["spec"], trials, history, cohorts, found["status"])
