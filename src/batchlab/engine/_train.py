"""``bl.train``: batch sizes x learning rates x momenta x seeds, one cohort per batch size."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from batchlab._seeds import check_seed
from batchlab.engine._cohort import Cohort, CohortState, TrialConfig
from batchlab.engine._optim import Optimizer, sgd
from batchlab.errors import SpecError


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` returns: the tables, and the cohorts with their final states."""

    history: pd.DataFrame
    """One row per (trial, epoch); columns in ``docs/schema.md``."""
    trials: pd.DataFrame
    """One row per trial: trial, cohort, seed, batch_size, learning_rate, momentum, ..."""
    cohorts: dict[int, Cohort] = field(repr=False)
    """Batch size -> the cohort that trained it."""
    states: dict[int, CohortState] = field(repr=False)
    """Batch size -> the cohort's final state (weights, optimizer state, epoch)."""

    def final_weights(self, trial: int) -> list[np.ndarray]:
        """The trained weights of one trial, in ``model.trainable_variables`` order."""
        row = self.trials.loc[self.trials.trial == trial]
        if row.empty:
            raise SpecError(f"trial: {trial!r} is not in this result (0..{len(self.trials) - 1}).")
        bs = int(row.batch_size.iloc[0])
        k = int(np.flatnonzero(self.cohorts[bs].trial_ids == trial)[0])
        return [np.asarray(p[k]) for p in self.states[bs].params]

    def final(self) -> pd.DataFrame:
        """The last epoch's row of every trial."""
        last = self.history.groupby("trial").epoch.transform("max")
        return self.history[self.history.epoch == last].reset_index(drop=True)


def _as_list(value, name: str) -> list:
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [value]
    out = list(value)
    if not out:
        raise SpecError(f"{name}: the list is empty; give at least one value.")
    return out


def _seeds(seeds) -> list[int]:
    if isinstance(seeds, bool):
        raise SpecError(f"seeds: {seeds!r} is not valid; give a count (int) or a list of seeds.")
    if isinstance(seeds, int | np.integer):
        if seeds < 1:
            raise SpecError(f"seeds: {seeds!r} is not valid; a count must be >= 1.")
        return list(range(int(seeds)))
    out = _as_list(seeds, "seeds")
    for s in out:
        check_seed(s, "seeds")
    dup = [s for s in set(out) if out.count(s) > 1]
    if dup:
        raise SpecError(f"seeds: {sorted(dup)} appear more than once; seeds must be distinct.")
    return [int(s) for s in out]


def train(
    dataset="blobs",
    model=None,
    optimizer: Optimizer | None = None,
    batch_size: int | str | Sequence[int | str] = 32,
    learning_rates: float | Sequence[float] = 0.01,
    seeds: int | Iterable[int] = 1,
    epochs: int = 200,
    *,
    momentums: float | Sequence[float] | None = None,
    warmup_epochs: float = 0.0,
    loss: str = "auto",
    shuffle: bool = True,
    on_epoch: Callable[[int, int], None] | None = None,
) -> TrainResult:
    """Train every (batch size, learning rate, momentum, seed) combination.

    Each batch size is one cohort: all its trials train as one ``jit(vmap(scan))`` program.

    Args:
        dataset: a builtin name (``"blobs"``, ``"logic"``, ``"moons"``, ``"digits"``,
            ``"mnist1d"``), a ``.csv``/``.npz`` path, or a :class:`batchlab.data.Dataset`.
        model: ``bl.models.mlp(...)``, ``bl.models.cnn1d()``, any callable returning an
            uncompiled ``keras.Model`` (with or without ``(input_shape, n_outputs)``), or an
            import path ``"package.module:function"``. Default: seed 003's MLP.
        optimizer: ``bl.sgd(momentum=..., nesterov=...)`` (default ``bl.sgd()``) or ``bl.adam()``.
        batch_size: an int, ``"full"`` (batch gradient descent), or a list of them.
        learning_rates: one rate or a list.
        seeds: a count ``n`` (seeds ``0..n-1``) or a list of seeds.
        epochs: epochs per trial.
        momentums: momentum values to sweep (default: the optimizer's momentum).
        warmup_epochs: linear learning-rate warmup, in epochs.
        loss: ``"auto"`` (cross-entropy), ``"crossentropy"``, ``"binary_crossentropy"``, ``"mse"``.
        shuffle: reshuffle each epoch (Keras's default).
        on_epoch: ``(batch_size, epoch) -> None``, called after every epoch (progress).

    Returns:
        A :class:`TrainResult`; ``result.history`` has one row per (trial, epoch).

    Example:
        >>> import batchlab as bl
        >>> r = bl.train("blobs", bl.models.mlp([50]), bl.sgd(momentum=0.9),
        ...              batch_size=[32, "full"], learning_rates=[0.01], seeds=2, epochs=3)
        >>> sorted(r.history.batch_size.unique().tolist()), len(r.history)
        ([32, 500], 12)
    """
    from batchlab.data import check_batch_size, load_dataset
    from batchlab.models import mlp, resolve_model

    ds = load_dataset(dataset)
    builder = resolve_model(model if model is not None else mlp())
    optimizer = optimizer if optimizer is not None else sgd()
    if not isinstance(optimizer, Optimizer):
        raise SpecError(
            f"optimizer: {optimizer!r} is not valid; use bl.sgd(momentum=..., nesterov=...) "
            "or bl.adam(...)."
        )
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 1:
        raise SpecError(f"epochs: {epochs!r} is not valid; it must be an integer >= 1.")
    sizes = list(dict.fromkeys(check_batch_size(ds, b) for b in _as_list(batch_size, "batch_size")))
    rates = _as_list(learning_rates, "learning_rates")
    for r in rates:
        if isinstance(r, bool) or not isinstance(r, int | float) or not math.isfinite(r) or r <= 0:
            raise SpecError(f"learning_rates: {r!r} is not valid; rates are finite numbers > 0.")
    moms = _as_list(optimizer.default_momentum if momentums is None else momentums, "momentums")
    seed_list = _seeds(seeds)

    rows, histories, cohorts, states, weights = [], [], {}, {}, {}
    trial = 0
    for bs in sizes:
        configs = []
        for lr, m, s in itertools.product(rates, moms, seed_list):
            configs.append(TrialConfig(s, float(lr), float(m), float(warmup_epochs), trial))
            rows.append(
                dict(
                    trial=trial,
                    cohort=f"bs{bs}",
                    seed=s,
                    batch_size=bs,
                    learning_rate=float(lr),
                    momentum=float(m),
                    optimizer=optimizer.kind,
                    warmup_epochs=float(warmup_epochs),
                    epochs=int(epochs),
                )
            )
            trial += 1
        cohorts[bs] = Cohort(
            ds, builder, optimizer, bs, configs, loss=loss, shuffle=shuffle, weights_cache=weights
        )
    # Compile the next cohorts in the background while this thread trains the current one.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="batchlab-compile") as pool:
        for cohort in cohorts.values():
            cohort.prepare(pool)
        for bs, cohort in cohorts.items():
            callback = None if on_epoch is None else (lambda e, bs=bs: on_epoch(bs, e))
            state, history = cohort.run(cohort.init_state(), int(epochs), on_epoch=callback)
            history.insert(1, "cohort", f"bs{bs}")
            histories.append(history)
            states[bs] = state
    history = pd.concat(histories, ignore_index=True)
    return TrainResult(history, pd.DataFrame(rows), cohorts, states)
