"""Batch-size schedules in the runner: the :class:`~batchlab.engine.PhasedCohort` of a plan.

A step schedule's batch size per epoch is known ahead (:meth:`BatchSchedule.size_at`), so
every trial of a cohort follows it and every batch size's program compiles ahead.
"""

from __future__ import annotations

import dataclasses

from batchlab.engine import PhasedCohort
from batchlab.run.plan import CohortPlan
from batchlab.study import Study
from batchlab.study._schedule import Schedule


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
