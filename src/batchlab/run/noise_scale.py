"""The short run behind ``batchlab noise-scale``: a few epochs at one batch size, B_simple
measured after every epoch.

:func:`short_study` cuts a study down to one batch size (default the sweep's median), a few
seeds and epochs, with the gradient statistics measured at every epoch (0 = at
initialization); :func:`short_run` runs it like any study (:func:`batchlab.run.run_study`), in
memory or in a store (``{name}-noise-scale``, so its figures can be drawn later), and returns
its history and diagnostics tables, which
:class:`batchlab.analysis.noise_scale.NoiseScalePrediction` reads.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import pandas as pd

from batchlab.errors import SpecError
from batchlab.study import FULL, Study, load_study

#: batches sampled per measurement of |g_B|^2 at the short run's batch size (not used by the
#: prediction, which needs tr(Sigma) and |G|^2 only; a kept short run records it for figures)
N_BATCHES = 16
#: what the short run measures after every epoch: B_simple and its two parts (the prediction
#: reads nothing else)
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

    def to_dict(self) -> dict:
        """What was run, as plain data: batch size, epochs, seeds, rates, pool, seconds."""
        return {
            "batch_size": self.batch_size,
            "epochs": self.study.epochs,
            "seeds": list(self.study.sweep.seed_values),
            "learning_rates": sorted(float(r) for r in self.history.learning_rate.unique()),
            "n_train": self.n_train,
            "seconds": self.seconds,
        }


def sweep_batch_sizes(study: Study, n_train: int) -> tuple[int, ...]:
    """The study's distinct batch sizes, resolved, sorted."""
    return tuple(sorted({study.resolve_batch_size(b, n_train) for b in study.sweep.batch_sizes}))


def short_study(
    study: Study,
    n_train: int,
    *,
    batch_size: int | None = None,
    epochs: int = 5,
    seeds: int = 2,
    quantities: tuple[str, ...] | None = None,
) -> Study:
    """``study`` cut down to a short run at one batch size.

    Args:
        study: the study whose sweep is to be predicted.
        n_train: its training-set size (resolves ``"full"``).
        batch_size: the batch size to train at; default the median of the sweep's batch sizes
            (the lower of the two middle ones for an even count).
        epochs: epochs to train (B_simple is measured after each, and at initialization).
        seeds: the first ``seeds`` of the study's seeds.
        quantities: the statistics to record (default all of them).

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
    if quantities is not None:
        diagnostics["quantities"] = list(quantities)
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

    The short study (:func:`short_study`) runs like any study, through
    :func:`batchlab.run.run_study`: in memory, or in ``store`` when one is given (replacing an
    earlier short run of the same name), so its figures can be drawn later.

    Args:
        source: a :class:`Study`, a builtin study name or a TOML path.
        batch_size, epochs, seeds: see :func:`short_study`.
        store: None (default) to keep nothing; a store (or path) to keep the short study in.

    Returns:
        A :class:`ShortRun` with its history and diagnostics.

    Example:
        >>> run = short_run("seed004-gradients", epochs=1, seeds=1)
        >>> run.batch_size, sorted(run.diagnostics.epoch.unique().tolist())
        (32, [0, 1])
    """
    from batchlab.data import load_dataset
    from batchlab.run._runner import run_study
    from batchlab.store import MEMORY, Store, load

    study = load_study(source)
    dataset = load_dataset(study.dataset, **study.dataset_options)
    short = short_study(
        study,
        dataset.n_train,
        batch_size=batch_size,
        epochs=epochs,
        seeds=seeds,
        quantities=QUANTITIES if store is None else None,  # a kept run can draw every figure
    )
    sizes = sweep_batch_sizes(study, dataset.n_train)
    tic = time.perf_counter()
    with Store(MEMORY if store is None else store) as st:
        run_study(short, store=st, new=True, commit_seconds=math.inf if store is None else 2.0)
        tables = load(short.name, store=st)
    seconds = time.perf_counter() - tic
    return ShortRun(short, sizes, dataset.n_train, tables.history, tables.diagnostics, seconds)
