"""Batch-size schedules in the runner: the :class:`~batchlab.engine.PhasedCohort` of a plan.

A step schedule's batch size per epoch is known ahead (:meth:`BatchSchedule.size_at`), so
every trial of a cohort follows it and every batch size's program compiles ahead. An adaptive
schedule's sizes are chosen during the run, per trial (:mod:`batchlab.engine._adaptive`).
"""

from __future__ import annotations

import dataclasses

from batchlab.engine import PhasedCohort
from batchlab.engine._adaptive import AdaptiveCohort
from batchlab.run.plan import CohortPlan
from batchlab.study import Study
from batchlab.study._schedule import Schedule


def adaptive(study: Study, p: CohortPlan, schedule: Schedule, dataset, make) -> AdaptiveCohort:
    """The adaptive cohort of plan ``p``: each trial's batch size from its own B_simple at
    the boundaries ``start, start + every, ...`` (0-based epochs), within ``[min, max]``."""
    policy = schedule.batch_size
    n_train = dataset.n_train
    high = n_train if policy.max is None else min(policy.max, n_train)

    def make_at(batch_size: int, positions: tuple[int, ...]):
        trials = tuple(dataclasses.replace(p.trials[k], batch_size=batch_size) for k in positions)
        return make(batch_size, trials)

    def acts(epoch: int) -> bool:
        return epoch >= policy.start and (epoch - policy.start) % policy.every == 0

    sample = study.diagnostics.sample_size
    return AdaptiveCohort(
        make_at,
        p.batch_size,
        len(p.trials),
        min(policy.min, high),
        high,
        acts,
        sample_size=None if sample is None else min(sample, n_train),
    )


def phased(study: Study, p: CohortPlan, schedule: Schedule, dataset, make) -> PhasedCohort:
    """The phased cohort of plan ``p`` under ``schedule``'s batch sizes; ``make(batch_size,
    trials)`` makes the engine's cohort of one batch size."""
    n_train = dataset.n_train
    batch = schedule.batch_size

    def size_at(epoch: int) -> int:
        return batch.size_at(epoch, p.batch_size, n_train)

    def make_at(batch_size: int):
        trials = tuple(dataclasses.replace(t, batch_size=batch_size) for t in p.trials)
        return make(batch_size, trials)

    sizes = [size_at(e) for e in (0, *batch.epochs) if e < p.epochs]
    return PhasedCohort(make_at, size_at, p.batch_size, sizes)
