"""A cohort's gradient statistics: one ``jit(vmap(measure))`` program over its trials.

The program depends on the model, the dataset and the settings, not on the batch size being
trained, so the cohorts of a study share it (:class:`batchlab.engine.Shared`): a study
compiles it once per set of settings, not once per cohort. Mini-batches are sampled from a key
derived from (seed, epoch), so a resumed study measures exactly what an uninterrupted one does.
Per-example losses are the model's loss at ``training=False`` (no dropout), without
regularization terms.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import pandas as pd

from batchlab._backend import keras
from batchlab._columns import DIAGNOSTICS
from batchlab.engine import _programs

# The diagnostics' random stream: fold_in(key(seed), STREAM) then the epoch. (The shuffling
# stream is Keras's own, on the host: see epoch_order.)
_DIAGNOSTICS_STREAM = 1

DIAGNOSTICS_COLUMNS = tuple(c for c in DIAGNOSTICS if c != "study")
"""The diagnostics columns a cohort's rows carry (the store adds ``study``)."""


def measure(
    cohort,
    state,
    names: Sequence[str],
    *,
    batch_sizes: Sequence[int] = (),
    n_batches: int = 100,
    sample_size: int | None = None,
    prev_state=None,
) -> pd.DataFrame:
    """Gradient statistics of every trial of ``cohort`` at ``state``, as diagnostics rows.

    Args:
        cohort: the :class:`batchlab.engine.Cohort` the state belongs to.
        state: its :class:`batchlab.engine.CohortState`.
        names: quantities (:data:`batchlab.quantities.QUANTITIES`).
        batch_sizes: probe batch sizes of the per-batch-size quantities.
        n_batches: batches sampled per probe batch size.
        sample_size: examples of the pool the statistics are taken over (None: all).
        prev_state: the state one epoch earlier, for the quantities that need the previous
            weights (the epoch's distance); those are left out without it.
    """
    from batchlab.quantities import QUANTITIES, to_rows
    from batchlab.quantities import measure as measure_one

    names = tuple(
        n for n in names if prev_state is not None or "params_prev" not in QUANTITIES[n].needs
    )
    settings = (
        names,
        keras().config.floatx(),
        tuple(int(b) for b in batch_sizes),
        int(n_batches),
        sample_size,
    )
    program = cohort.shared.programs.get(settings)
    if program is None:

        def one(params, non_trainable, params0, params_prev, seed, epoch, x, y):
            def example_loss(p, x1, y1):
                y_pred, _, _ = cohort._forward(p, non_trainable, x1[None], training=False)
                return cohort.head.example_loss(y_pred, y1[None])[0]

            rng = jax.random.fold_in(jax.random.key(seed), _DIAGNOSTICS_STREAM)
            return measure_one(
                names,
                params,
                params0,
                example_loss,
                x,
                y,
                jax.random.fold_in(rng, epoch),
                settings[2],
                settings[3],
                sample_size,
                params_prev=params_prev,
            )

        # kept for the process (the data are arguments, not constants): another study or
        # call with the same model and settings compiles nothing
        key = cohort._model_key and ("measure", cohort._model_key, cohort._fixed[0], settings)
        program = _programs.shared_program(
            key and (*key, _programs.environment()),
            lambda: jax.jit(jax.vmap(one, in_axes=(0, 0, 0, 0, 0, None, None, None))),
        )
        cohort.shared.programs[settings] = program
    prev = prev_state.params if prev_state is not None else state.params
    values = program(
        state.params,
        state.non_trainable,
        state.params0,
        prev,
        cohort.values.seed,
        state.epoch,
        cohort._data[0],
        cohort._data[1],
    )
    rows = to_rows(jax.device_get(values), cohort.trial_ids, int(state.epoch))
    return pd.DataFrame(rows, columns=list(DIAGNOSTICS_COLUMNS))
