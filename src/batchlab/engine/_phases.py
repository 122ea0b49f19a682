"""A cohort whose batch size changes at epoch boundaries: one compiled program per batch size.

The weights and the optimizer state do not depend on the batch size (the optimizer's rate is
computed per update from the epoch, :meth:`Cohort._rate`), so the trials carry their state
from one batch size's program to the next. Each epoch runs in the :class:`Cohort` of the
batch size in force, made (and compiled) once per batch size; the history rows say which
(``epoch_batch_size``) and count the updates as they happened (``updates`` is cumulative over
the phases). The state is that of a plain cohort, so checkpoints and resume work unchanged:
the epoch a resumed run starts at fixes the batch size in force.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor

import numpy as np
import pandas as pd

from batchlab.engine._cohort import Cohort
from batchlab.engine._state import CohortState


class PhasedCohort:
    """Trials whose batch size is ``size_at(epoch)`` (0-based) during each epoch.

    Args:
        make: ``batch_size -> Cohort`` of the same trials at that batch size.
        size_at: the batch size of each 0-based epoch.
        initial: the trials' own (initial) batch size, kept in the ``batch_size`` column.
        sizes: the batch sizes the schedule will use, to compile ahead (optional).
    """

    def __init__(
        self,
        make: Callable[[int], Cohort],
        size_at: Callable[[int], int],
        initial: int,
        sizes: Iterable[int] = (),
    ):
        self._make = make
        self.size_at = size_at
        self.initial = int(initial)
        self._cohorts: dict[int, Cohort] = {}
        first = self.cohort(int(size_at(0)))
        self.dataset = first.dataset
        self.trials = first.trials
        self.n_trials = first.n_trials
        self._ahead = tuple(dict.fromkeys(int(b) for b in sizes))

    def cohort(self, batch_size: int) -> Cohort:
        """The cohort of these trials at ``batch_size`` (made once)."""
        if batch_size not in self._cohorts:
            self._cohorts[batch_size] = self._make(batch_size)
        return self._cohorts[batch_size]

    @property
    def batch_size(self) -> int:
        return self.initial

    @property
    def compile_seconds(self) -> float:
        return sum(c.compile_seconds for c in self._cohorts.values())

    def updates_before(self, epoch: int) -> int:
        """Updates made before 0-based ``epoch`` (the batch sizes of the epochs before)."""
        n = self.dataset.n_train
        return sum(-(-n // int(self.size_at(e))) for e in range(epoch))

    # -- state: that of any of its cohorts (it does not depend on the batch size) ----------
    def init_state(self) -> CohortState:
        return self.cohort(int(self.size_at(0))).init_state()

    def state_arrays(self, state: CohortState) -> dict[str, np.ndarray]:
        return self.cohort(int(self.size_at(0))).state_arrays(state)

    def load_state(self, arrays: dict[str, np.ndarray]) -> CohortState:
        return self.cohort(int(self.size_at(0))).load_state(arrays)

    def prepare(self, executor: Executor | None = None) -> None:
        """Compile the program of every batch size known ahead (in ``executor``)."""
        for b in self._ahead or (int(self.size_at(0)),):
            self.cohort(b).prepare(executor)

    def measure(self, state: CohortState, names: Sequence[str], **settings) -> pd.DataFrame:
        """Gradient statistics at ``state``, by the cohort of the batch size in force next."""
        return self.cohort(int(self.size_at(int(state.epoch)))).measure(state, names, **settings)

    def run(
        self,
        state: CohortState,
        epochs: int,
        on_epoch: Callable[[int], None] | None = None,
    ) -> tuple[CohortState, pd.DataFrame]:
        """Train ``epochs`` more epochs, each at its batch size; the new state and its rows."""
        frames = []
        for _ in range(epochs):
            epoch = int(state.epoch)
            size = int(self.size_at(epoch))
            cohort = self.cohort(size)
            state, rows = cohort.run(state, 1, on_epoch=on_epoch)
            rows["updates"] = self.updates_before(epoch) + cohort.steps_per_epoch
            rows["batch_size"] = self.initial
            frames.append(rows)
        if not frames:
            return state, self.cohort(int(self.size_at(0)))._rows(0, [], [], [])
        return state, pd.concat(frames, ignore_index=True)
