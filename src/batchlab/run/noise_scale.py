"""The short run behind ``batchlab noise-scale``: a few epochs at one batch size, B_simple
measured after every epoch.

:func:`short_study` cuts a study down to one batch size (default the sweep's median), a few
seeds and epochs, with the gradient statistics measured at every epoch (0 = at
initialization); :func:`short_run` trains it -- directly with a :class:`batchlab.Cohort`, or,
given a store, as a study in it (``{name}-noise-scale``, so its figures can be drawn later) --
and returns its history and diagnostics tables, which
:class:`batchlab.analysis.noise_scale.NoiseScalePrediction` reads.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from batchlab.errors import SpecError
from batchlab.study import FULL, Study, load_study

#: batches sampled per measurement of |g_B|^2 at the short run's batch size (not used by the
#: prediction, which needs tr(Sigma) and |G|^2 only; kept so the stored study is complete)
N_BATCHES = 16
#: what the in-memory short run measures after every epoch: B_simple and its two parts
QUANTITIES = ("full_grad_norm_sq", "trace_cov", "b_simple")


@dataclass(frozen=True)
class ShortRun:
    """What :func:`short_run` trained and measured."""

    study: Study
    """The short study (one batch size, few seeds and epochs, diagnostics every epoch)."""
    sweep_batch_sizes: tuple[int, ...]
    """The original study's batch sizes, resolved (``"full"`` -> n_train), sorted."""
    n_train: int
    """Training-set size: the pool that training batches are drawn from."""
    history: pd.DataFrame
    """One row per (trial, epoch), docs/schema.md."""
    diagnostics: pd.DataFrame
    """Gradient statistics after every epoch, docs/schema.md."""
    seconds: float
    """Wall clock of the short run: building, compiling, training and measuring."""

    @property
    def batch_size(self) -> int:
        """The batch size the short run trained at."""
        return int(self.history["batch_size"].iloc[0])


def sweep_batch_sizes(study: Study, n_train: int) -> tuple[int, ...]:
    """The study's distinct batch sizes, resolved, sorted."""
    return tuple(sorted({study.resolve_batch_size(b, n_train) for b in study.sweep.batch_sizes}))


def short_study(
    study: Study, n_train: int, *, batch_size: int | None = None, epochs: int = 5, seeds: int = 2
) -> Study:
    """``study`` cut down to a short run at one batch size.

    Args:
        study: the study whose sweep is to be predicted.
        n_train: its training-set size (resolves ``"full"``).
        batch_size: the batch size to train at; default the median of the sweep's batch sizes
            (the lower of the two middle ones for an even count).
        epochs: epochs to train (B_simple is measured after each, and at initialization).
        seeds: the first ``seeds`` of the study's seeds.

    Every learning rate (and momentum) the sweep gives that batch size is kept; the short
    study is named ``{study.name}-noise-scale``.
    """
    sizes = sweep_batch_sizes(study, n_train)
    if batch_size is None:
        batch_size = sizes[(len(sizes) - 1) // 2]
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise SpecError(f"--batch-size: {batch_size!r} is not valid; it must be an integer >= 1.")
    if batch_size > n_train:
        raise SpecError(
            f"--batch-size: {batch_size} is larger than the training set ({n_train} examples)."
        )
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise SpecError(f"--epochs: {epochs!r} is not valid; it must be an integer >= 1.")
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise SpecError(f"--seeds: {seeds!r} is not valid; it must be an integer >= 1.")
    pairs = study.sweep.pairs
    rates = [r for b, r in pairs if study.resolve_batch_size(b, n_train) == batch_size]
    if not rates:  # a batch size outside the sweep: every rate the sweep has
        rates = list(dict.fromkeys(r for _, r in pairs))
    point = FULL if batch_size == n_train else batch_size
    diagnostics = {
        "enabled": True,
        "epochs": list(range(epochs + 1)),
        "batch_sizes": [batch_size],
        "n_batches": N_BATCHES,
    }
    if study.diagnostics.sample_size is not None:
        diagnostics["sample_size"] = study.diagnostics.sample_size
    return study.replace(
        name=f"{study.name}-noise-scale",
        description=f"noise-scale short run of {study.name}: batch size {batch_size}, "
        f"{epochs} epochs",
        epochs=epochs,
        points=[{"batch_size": point, "learning_rate": r} for r in dict.fromkeys(rates)],
        seeds=list(study.sweep.seed_values[:seeds]),
        diagnostics=diagnostics,
    )


def short_run(
    source,
    *,
    batch_size: int | None = None,
    epochs: int = 5,
    seeds: int = 2,
    store=None,
) -> ShortRun:
    """Train the short run of a study and measure B_simple after every epoch.

    Args:
        source: a :class:`Study`, a builtin study name or a TOML path.
        batch_size, epochs, seeds: see :func:`short_study`.
        store: None (default) to train in memory with :class:`batchlab.Cohort`; a store (or
            path) to run the short study into it with :func:`batchlab.run.run_study`
            (replacing an earlier short run of the same name).

    Returns:
        A :class:`ShortRun` with its history and diagnostics.

    Example:
        >>> run = short_run("seed004-gradients", epochs=2)  # doctest: +SKIP
        >>> run.batch_size, sorted(run.diagnostics.epoch.unique())  # doctest: +SKIP
        (32, [0, 1, 2])
    """
    from batchlab.data import load_dataset

    study = load_study(source)
    dataset = load_dataset(study.dataset, **study.dataset_options)
    short = short_study(study, dataset.n_train, batch_size=batch_size, epochs=epochs, seeds=seeds)
    sizes = sweep_batch_sizes(study, dataset.n_train)
    tic = time.perf_counter()
    if store is None:
        history, diagnostics = _train(short, dataset)
    else:
        from batchlab.run._runner import run_study
        from batchlab.store import load

        run_study(short, store=store, new=True)
        tables = load(short.name, store=store)
        history, diagnostics = tables.history, tables.diagnostics
    seconds = time.perf_counter() - tic
    return ShortRun(short, sizes, dataset.n_train, history, diagnostics, seconds)


def _train(short: Study, dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train the short study in memory, measuring :data:`QUANTITIES` after every epoch.

    Only what the prediction reads: the runner (the ``store`` path) measures every gradient
    statistic and the weights' motion, whose compilation costs a few seconds more.
    """
    from batchlab.engine import Cohort
    from batchlab.engine import Optimizer as EngineOptimizer
    from batchlab.models import resolve_model
    from batchlab.run.plan import plan

    o = short.optimizer
    optimizer = EngineOptimizer(
        o.name, nesterov=o.nesterov, beta_1=o.beta_1, beta_2=o.beta_2, epsilon=o.epsilon
    )
    builder = resolve_model(short.model)
    sample_size = short.diagnostics.sample_size
    history, diagnostics = [], []
    for p in plan(short, dataset.n_train):
        cohort = Cohort(dataset, builder, optimizer, p.batch_size, p.trials, loss=short.loss)
        state = cohort.init_state()
        diagnostics.append(cohort.measure(state, QUANTITIES, sample_size=sample_size))
        for _ in range(p.epochs):
            state, rows = cohort.run(state, 1)
            history.append(rows)
            diagnostics.append(cohort.measure(state, QUANTITIES, sample_size=sample_size))
    return pd.concat(history, ignore_index=True), pd.concat(diagnostics, ignore_index=True)
