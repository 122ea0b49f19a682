"""The planner: a study's grid expanded into trials, and trials grouped into cohorts.

A **trial** is one training run with every value resolved (``"full"`` -> the training-set
size, the learning rate after the study's ``lr_rule``). A **cohort** is the trials whose
arrays have the same shapes -- same batch size, same optimizer kind, same epochs -- so the
engine can train them as one ``jit(vmap(scan(step)))`` program; they differ only in values
(seed, learning rate, momentum).

Example::

    >>> from batchlab.study import load_study
    >>> study = load_study("seed003-flavors")
    >>> [(c.cohort, len(c.trials)) for c in plan(study, n_train=500)]
    [('bs500-sgd', 5), ('bs1-sgd', 10), ('bs32-sgd', 5)]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from batchlab.errors import SpecError
from batchlab.store.schema import TRIALS, conform
from batchlab.study import Study, Trial

MAX_TRIALS = 10_000
"""Largest grid :func:`expand` accepts unless told otherwise."""


@dataclass(frozen=True, kw_only=True)
class CohortPlan:
    """Trials trained together as one vectorized program."""

    cohort: str
    """Stable id: ``bs{batch_size}-{optimizer}``, with ``-{part}`` when a group is split."""
    batch_size: int
    """The batch size every trial of the cohort uses."""
    optimizer: str
    """The optimizer kind every trial of the cohort uses."""
    epochs: int
    """The epochs every trial of the cohort trains for."""
    trials: tuple[Trial, ...]
    """The trials, in grid order."""
    schedule: str = ""
    """The schedule every trial of the cohort follows (``""``: none)."""

    @property
    def size(self) -> int:
        """Number of trials (the length of the vmapped axis)."""
        return len(self.trials)

    @property
    def trial_ids(self) -> tuple[int, ...]:
        """The trials' ids, in order."""
        return tuple(t.trial for t in self.trials)


def expand(study: Study, n_train: int, max_trials: int = MAX_TRIALS) -> list[Trial]:
    """The study's trials, in grid order.

    The order is fixed: batch size, then learning rate, then schedule (when the sweep names
    schedules), then momentum, then seed (the seed varies fastest), following the sweep's
    lists as written. With ``[[sweep.points]]`` the
    points, as listed, take the place of the batch size x learning rate product.

    Raises SpecError when a batch size exceeds ``n_train`` or the grid holds more than
    ``max_trials`` trials.
    """
    check_size(study, max_trials)
    study.validate_against(n_train)
    sweep = study.sweep
    optimizer = study.optimizer.kind
    warmup = study.lr_rule.warmup_epochs
    trials = []
    for batch, base_rate in sweep.pairs:
        batch_size = study.resolve_batch_size(batch, n_train)
        rate = study.lr_rule.rate(base_rate, batch_size)
        for schedule in sweep.schedule or ("",):
            for momentum in study.momenta:
                for seed in sweep.seed_values:
                    trials.append(
                        Trial(
                            trial=len(trials),
                            seed=seed,
                            batch_size=batch_size,
                            learning_rate=rate,
                            base_learning_rate=base_rate,
                            momentum=momentum,
                            warmup_epochs=warmup,
                            optimizer=optimizer,
                            epochs=study.epochs,
                            schedule=schedule,
                        )
                    )
    return trials


def check_size(study: Study, max_trials: int = MAX_TRIALS) -> None:
    """Refuse a grid of more than ``max_trials`` trials, counted by arithmetic before any
    list is built (``seeds = 10**9`` is refused at once, in constant memory); the message
    names the sizes of the axes."""
    n = study.n_trials
    if n > max_trials:
        raise SpecError(
            f"sweep: the grid has {n} trials ({study.grid_shape}), more than max_trials = "
            f"{max_trials}; shrink an axis (--seeds, the sweep's lists) or raise max_trials "
            "(--max-trials)"
        )


def cohort_id(batch_size: int, optimizer: str, part: int | None = None, schedule: str = "") -> str:
    """``bs32-sgd``, or ``bs32-sgd-1`` for the second part of a split cohort;
    ``bs32-sgd-decay-rate`` for the trials of schedule ``decay-rate``."""
    base = f"bs{batch_size}-{optimizer}" + (f"-{schedule}" if schedule else "")
    return base if part is None else f"{base}-{part}"


def plan(
    study: Study,
    n_train: int,
    max_cohort_size: int | None = None,
    max_trials: int = MAX_TRIALS,
) -> list[CohortPlan]:
    """The study's trials grouped into cohorts, in order of each cohort's first trial.

    Trials with the same :attr:`Trial.cohort_key` form one cohort. With ``max_cohort_size``
    a larger group is split into the fewest parts of at most that many trials, of sizes as
    equal as possible (consecutive trials in grid order), ids suffixed ``-0``, ``-1`` ...
    """
    if max_cohort_size is not None:
        if isinstance(max_cohort_size, bool) or not isinstance(max_cohort_size, int):
            raise SpecError(f"max_cohort_size = {max_cohort_size!r}: expected a positive integer")
        if max_cohort_size < 1:
            raise SpecError(f"max_cohort_size = {max_cohort_size!r}: must be >= 1")
    groups: dict[tuple[int, str, int, str], list[Trial]] = {}
    for trial in expand(study, n_train, max_trials=max_trials):
        groups.setdefault(trial.cohort_key, []).append(trial)
    plans = []
    for (batch_size, optimizer, epochs, schedule), trials in groups.items():
        parts = _split(trials, max_cohort_size)
        for i, part in enumerate(parts):
            plans.append(
                CohortPlan(
                    cohort=cohort_id(
                        batch_size, optimizer, i if len(parts) > 1 else None, schedule
                    ),
                    batch_size=batch_size,
                    optimizer=optimizer,
                    epochs=epochs,
                    trials=tuple(part),
                    schedule=schedule,
                )
            )
    return plans


def _split(trials: Sequence[Trial], max_size: int | None) -> list[Sequence[Trial]]:
    if max_size is None or len(trials) <= max_size:
        return [trials]
    n_parts = math.ceil(len(trials) / max_size)
    small, extra = divmod(len(trials), n_parts)  # the first `extra` parts get one more
    parts, start = [], 0
    for i in range(n_parts):
        stop = start + small + (1 if i < extra else 0)
        parts.append(trials[start:stop])
        start = stop
    return parts


def trials_frame(items: Iterable[Trial] | Iterable[CohortPlan], study_name: str) -> pd.DataFrame:
    """The trials table of docs/schema.md (status ``pending``), one row per trial.

    ``items`` is the output of :func:`plan` (the cohort column holds each plan's id) or of
    :func:`expand` (the cohort column holds the unsplit id, ``bs32-sgd``).
    """
    rows = []
    for item in items:
        if isinstance(item, CohortPlan):
            pairs = [(item.cohort, t) for t in item.trials]
        else:
            pairs = [(cohort_id(item.batch_size, item.optimizer, None, item.schedule), item)]
        for cohort, t in pairs:
            rows.append(
                {
                    "study": study_name,
                    "trial": t.trial,
                    "cohort": cohort,
                    "seed": t.seed,
                    "batch_size": t.batch_size,
                    "learning_rate": t.learning_rate,
                    "momentum": t.momentum,
                    "optimizer": t.optimizer,
                    "warmup_epochs": t.warmup_epochs,
                    "schedule": t.schedule,
                    "epochs": t.epochs,
                    "status": "pending",
                }
            )
    frame = pd.DataFrame(rows, columns=list(TRIALS))
    return conform(frame, TRIALS, "trials").sort_values("trial", ignore_index=True)
