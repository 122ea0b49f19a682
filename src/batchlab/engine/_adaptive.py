"""A cohort whose trials each choose their batch size at epoch boundaries: the adaptive policy.

At each boundary where the policy acts, every trial's own simple gradient noise scale
B_simple = tr(Sigma) / |G|^2 (McCandlish et al. 2018; :mod:`batchlab.quantities.b_simple`) is
measured at its current weights, and its batch size becomes the power of 2 nearest to it,
clipped to ``[min, max]`` (and to the training set), never smaller than before. The
measurement samples from a key derived from (seed, epoch), so a resumed run makes the same
choices. Trials that have chosen the same batch size train together (one compiled program per
batch size and set of trials); their states are split and merged along the trials axis. The
batch size and updates of each trial travel in the checkpoint (``schedule.batch_size``,
``schedule.updates``) beside the state, and the history's ``epoch_batch_size`` records every
choice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor

import jax
import numpy as np
import pandas as pd

from batchlab.engine._cohort import Cohort
from batchlab.engine._state import CohortState


def nearest_power_of_2(value: float) -> int | None:
    """The power of 2 nearest to ``value`` on a log scale (None when not finite and > 0)."""
    if not (math.isfinite(value) and value > 0):
        return None
    return 2 ** max(0, round(math.log2(value)))


def choose(current: int, b_simple: float, low: int, high: int) -> int:
    """The policy: ``clip(nearest power of 2 of b_simple, low, high)``, never below
    ``current``; ``current`` when B_simple could not be measured (a diverged trial)."""
    b = nearest_power_of_2(b_simple)
    if b is None:
        return current
    return max(current, min(max(b, low), high))


def _take(state: CohortState, idx) -> CohortState:
    pick = lambda a: a[idx]  # noqa: E731
    return state._replace(
        params=[pick(a) for a in state.params],
        non_trainable=[pick(a) for a in state.non_trainable],
        opt_state=jax.tree.map(pick, state.opt_state),
        params0=[pick(a) for a in state.params0],
        diverged=pick(state.diverged),
    )


def _put(state: CohortState, idx, sub: CohortState) -> CohortState:
    put = lambda a, b: a.at[idx].set(b)  # noqa: E731
    return state._replace(
        params=[put(a, b) for a, b in zip(state.params, sub.params, strict=True)],
        non_trainable=[
            put(a, b) for a, b in zip(state.non_trainable, sub.non_trainable, strict=True)
        ],
        opt_state=jax.tree.map(put, state.opt_state, sub.opt_state),
        params0=[put(a, b) for a, b in zip(state.params0, sub.params0, strict=True)],
        diverged=put(state.diverged, sub.diverged),
        epoch=sub.epoch,
        wall_seconds=sub.wall_seconds,
    )


class AdaptiveCohort:
    """Trials whose batch sizes follow the adaptive policy.

    Args:
        make: ``(batch_size, positions) -> Cohort`` of the trials at those positions (of the
            full cohort) at that batch size.
        initial: the trials' batch size until the policy first acts.
        n_trials: how many trials.
        low, high: the policy's bounds (``high`` at most the training-set size).
        acts: ``epoch -> bool``, whether the policy acts before 0-based ``epoch``.
        sample_size: examples B_simple is measured over (None: the training set).
    """

    def __init__(
        self,
        make: Callable[[int, tuple[int, ...]], Cohort],
        initial: int,
        n_trials: int,
        low: int,
        high: int,
        acts: Callable[[int], bool],
        sample_size: int | None = None,
    ):
        self._make = make
        self._cohorts: dict[tuple[int, tuple[int, ...]], Cohort] = {}
        self.initial = int(initial)
        self.low, self.high, self.acts = int(low), int(high), acts
        self.sample_size = sample_size
        self._all = tuple(range(n_trials))
        self.current = np.full(n_trials, self.initial, np.int64)
        """Each trial's batch size now."""
        self.updates = np.zeros(n_trials, np.int64)
        """Each trial's updates so far."""
        full = self.cohort(self.initial, self._all)
        self.dataset, self.trials, self.n_trials = full.dataset, full.trials, full.n_trials
        self.batch_size = self.initial

    def cohort(self, batch_size: int, positions: tuple[int, ...]) -> Cohort:
        key = (int(batch_size), tuple(positions))
        if key not in self._cohorts:
            self._cohorts[key] = self._make(*key)
        return self._cohorts[key]

    @property
    def _full(self) -> Cohort:
        return self.cohort(self.initial, self._all)

    @property
    def compile_seconds(self) -> float:
        return sum(c.compile_seconds for c in self._cohorts.values())

    def init_state(self) -> CohortState:
        self.current[:] = self.initial
        self.updates[:] = 0
        return self._full.init_state()

    def state_arrays(self, state: CohortState) -> dict[str, np.ndarray]:
        arrays = self._full.state_arrays(state)
        arrays["schedule.batch_size"] = self.current.copy()
        arrays["schedule.updates"] = self.updates.copy()
        return arrays

    def load_state(self, arrays: dict[str, np.ndarray]) -> CohortState:
        state = self._full.load_state(arrays)
        self.current[:] = np.asarray(arrays["schedule.batch_size"], np.int64)
        self.updates[:] = np.asarray(arrays["schedule.updates"], np.int64)
        return state

    def prepare(self, executor: Executor | None = None) -> None:
        self._full.prepare(executor)

    def measure(self, state: CohortState, names: Sequence[str], **settings) -> pd.DataFrame:
        return self._full.measure(state, names, **settings)

    def b_simple(self, state: CohortState) -> np.ndarray:
        """Each trial's B_simple at ``state`` (NaN where it cannot be measured)."""
        rows = self._full.measure(state, ["b_simple"], sample_size=self.sample_size)
        value = rows[rows["stat"] == "value"].set_index("trial")["value"]
        ids = [int(t.trial) for t in self.trials]
        return value.reindex(ids).to_numpy(float)

    def run(
        self,
        state: CohortState,
        epochs: int,
        on_epoch: Callable[[int], None] | None = None,
    ) -> tuple[CohortState, pd.DataFrame]:
        frames = []
        n = self.dataset.n_train
        for _ in range(epochs):
            epoch = int(state.epoch)
            start = state.epoch  # every group trains this epoch from here
            if self.acts(epoch):
                measured = self.b_simple(state)
                for k, value in enumerate(measured):
                    self.current[k] = choose(int(self.current[k]), value, self.low, self.high)
            groups: dict[int, list[int]] = {}
            for k, b in enumerate(self.current):
                groups.setdefault(int(b), []).append(k)
            for size, positions in sorted(groups.items()):
                positions = tuple(positions)
                cohort = self.cohort(size, positions)
                whole = positions == self._all
                sub = state if whole else _take(state, np.asarray(positions))
                sub = sub._replace(epoch=start)
                sub, rows = cohort.run(sub, 1)
                state = sub if whole else _put(state, np.asarray(positions), sub)
                steps = -(-n // size)
                self.updates[list(positions)] += steps
                rows["updates"] = self.updates[list(positions)]
                rows["batch_size"] = self.initial
                frames.append(rows)
            if on_epoch is not None:
                on_epoch(epoch + 1)
        if not frames:
            return state, self._full._rows(0, [], [], [])
        rows = pd.concat(frames, ignore_index=True).sort_values(["epoch", "trial"])
        return state, rows.reset_index(drop=True)
