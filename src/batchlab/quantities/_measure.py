"""Measure a chosen set of quantities for one trial, and turn a cohort's results into rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import numpy as np

from batchlab.errors import BatchlabError
from batchlab.quantities._probe import Probe
from batchlab.quantities._quantity import Quantity, format_key, parse_key
from batchlab.quantities.b_simple import B_SIMPLE
from batchlab.quantities.distance import DISTANCE_FROM_INIT, UPDATE_NORM
from batchlab.quantities.full_gradient import FULL_GRAD_NORM_SQ
from batchlab.quantities.grad_norm import GRAD_NORM, GRAD_NORM_SQ, sample_batches
from batchlab.quantities.snr import GRAD_SNR
from batchlab.quantities.trace_cov import TRACE_COV

QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        GRAD_NORM_SQ,
        GRAD_NORM,
        FULL_GRAD_NORM_SQ,
        TRACE_COV,
        B_SIMPLE,
        GRAD_SNR,
        DISTANCE_FROM_INIT,
        UPDATE_NORM,
    )
}
"""Every quantity by its diagnostics-table name."""

_SCHEDULES = {"distance_from_init": "every_epoch", "update_norm": "every_epoch"}


def names(schedule: str | None = None) -> tuple[str, ...]:
    """Quantity names, all or those of one schedule ("scheduled" or "every_epoch")."""
    return tuple(
        n for n in QUANTITIES if schedule is None or _SCHEDULES.get(n, "scheduled") == schedule
    )


_SAMPLED = {"grad_norm_sq", "grad_norm"}  # need a key and batch sizes
_FULL = {"full_grad_norm_sq", "trace_cov", "b_simple", "grad_snr"}  # need n >= 2


def measure(
    names: str | Sequence[str],
    params: Any,
    params0: Any,
    example_loss: Callable,
    x: jax.Array,
    y: jax.Array,
    key: jax.Array | None,
    batch_sizes: Sequence[int] = (),
    n_batches: int = 100,
    sample_size: int | None = None,
    *,
    params_prev: Any = None,
    chunk_size: int = 256,
    batch_chunk: int | None = None,
) -> dict[str, jax.Array]:
    """Compute the quantities ``names`` for ONE trial; a flat ``{key: scalar array}``.

    Pure and jit-able with everything but ``params``, ``params0``, ``params_prev``, ``x``, ``y``
    and ``key`` static (names, sizes and ``example_loss`` are Python values); vmap it over a
    leading trials axis of the weights and keys, e.g.
    ``jax.vmap(lambda p, p0, k: measure(names, p, p0, loss, x, y, k, (32, 128)))``.

    Args:
        names: quantity names, keys of :data:`QUANTITIES`.
        params: pytree, the trial's weights.
        params0: pytree, its initial weights (for ``distance_from_init``; else may be None).
        example_loss: ``(params, x_i, y_i) -> ()``, the loss of one example.
        x: (n, *input_shape) examples; y: (n,) or (n, k) targets.
        key: PRNG key (needed by ``sample_size < n`` and ``grad_norm_sq``/``grad_norm``).
        batch_sizes: the batch sizes of per-batch-size quantities, each at most the pool size.
        n_batches: batches sampled per batch size.
        sample_size: examples in the pool that every quantity is measured on: a random subset of
            that many distinct examples (drawn once, shared by all quantities, so the identity
            ``E|g_B|^2 = |G|^2 + (1 - B/n) tr(Sigma)/B`` holds with n = pool size), or None for
            all ``n`` examples.
        params_prev: pytree, the weights at the previous measurement (for ``update_norm``).
        chunk_size: examples per chunk of per-example gradients.
        batch_chunk: batches whose gradients are computed at once (None: all).

    Returns:
        ``{format_key(quantity, stat, batch_size): ()}``, e.g. ``"grad_norm_sq[32].mean"``,
        ``"trace_cov.value"``; :func:`to_rows` turns the vmapped dict into table rows.
    """
    names = (names,) if isinstance(names, str) else tuple(names)
    unknown = [n for n in names if n not in QUANTITIES]
    if unknown:
        raise BatchlabError(
            f"unknown quantities {unknown}; valid quantities are {sorted(QUANTITIES)}"
        )
    n = x.shape[0]
    if y.shape[0] != n:
        raise BatchlabError(f"x has {n} examples but y has {y.shape[0]}; they must match")
    batch_sizes = tuple(int(b) for b in batch_sizes)
    pool = n if sample_size is None else min(int(sample_size), n)
    sampled = _SAMPLED.intersection(names)
    if (pool < n or sampled) and key is None:
        raise BatchlabError(f"measuring {sorted(sampled) or 'a subsample'} needs a PRNG key")
    if _FULL.union(_SAMPLED).intersection(names) and pool < 2:
        raise BatchlabError(f"sample_size={sample_size} with n={n}: need a pool of at least 2")
    if any(QUANTITIES[q].per_batch_size for q in names):
        bad = [b for b in batch_sizes if not 1 <= b <= pool]
        if not batch_sizes or bad:
            raise BatchlabError(
                f"batch_sizes={list(batch_sizes)}: per-batch-size quantities need at least one "
                f"batch size, each from 1 to the pool size {pool}"
            )
    if "distance_from_init" in names and params0 is None:
        raise BatchlabError("distance_from_init needs params0, the initial weights")
    if "update_norm" in names and params_prev is None:
        raise BatchlabError("update_norm needs params_prev, the weights at the last measurement")

    if key is not None:
        pool_key, batch_key = jax.random.split(key)
        if pool < n:
            idx = sample_batches(pool_key, n, pool, 1)[0]  # (pool,) distinct examples
            x, y = x[idx], y[idx]
    else:
        batch_key = None
    probe = Probe(
        params=params,
        example_loss=example_loss,
        x=x,
        y=y,
        key=batch_key,
        params0=params0,
        params_prev=params_prev,
        batch_sizes=batch_sizes,
        n_batches=int(n_batches),
        chunk_size=int(chunk_size),
        batch_chunk=batch_chunk,
    )
    out: dict[str, jax.Array] = {}
    for name in names:
        quantity = QUANTITIES[name]
        values = quantity.compute(probe)
        for stat in quantity.stats:
            if quantity.per_batch_size:
                for j, b in enumerate(batch_sizes):
                    out[format_key(name, stat, b)] = values[stat][j]
            else:
                out[format_key(name, stat)] = values[stat]
    return out


def to_rows(
    results_for_cohort: Mapping[str, Any], trial_ids: Sequence[int], epoch: int
) -> list[dict[str, Any]]:
    """Diagnostics rows (``docs/schema.md``, without ``study``) from a vmapped :func:`measure`.

    ``results_for_cohort`` maps each key to an array of shape (trials,), in the order of
    ``trial_ids``. Returns one dict per (trial, key): ``trial, epoch, quantity, batch_size
    (int or None), stat, value``.
    """
    trial_ids = [int(t) for t in trial_ids]
    columns = {}
    for key, values in results_for_cohort.items():
        values = np.asarray(values, dtype=float)
        if values.shape != (len(trial_ids),):
            raise BatchlabError(
                f"result {key!r} has shape {values.shape}; expected ({len(trial_ids)},), "
                "one value per trial id"
            )
        columns[parse_key(key)] = values
    return [
        {
            "trial": trial,
            "epoch": int(epoch),
            "quantity": quantity,
            "batch_size": batch_size,
            "stat": stat,
            "value": float(values[i]),
        }
        for i, trial in enumerate(trial_ids)
        for (quantity, batch_size, stat), values in columns.items()
    ]
