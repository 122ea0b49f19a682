"""Measure a chosen set of quantities for one trial, and turn a cohort's results into rows."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import numpy as np

from batchlab._suggest import did_you_mean
from batchlab.errors import BatchlabError
from batchlab.quantities._batches import sample_batches
from batchlab.quantities._inputs import NEEDS, gather_inputs, missing
from batchlab.quantities._registry import QUANTITIES

_KEY = re.compile(r"^(?P<quantity>\w+)(?:\[(?P<batch_size>\d+)\])?\.(?P<stat>\w+)$")


def format_key(quantity: str, stat: str, batch_size: int | None = None) -> str:
    """The flat key of one measured value: ``"trace_cov.value"``, ``"grad_norm_sq[32].mean"``."""
    where = "" if batch_size is None else f"[{int(batch_size)}]"
    return f"{quantity}{where}.{stat}"


def parse_key(key: str) -> tuple[str, int | None, str]:
    """Invert :func:`format_key`: ``"grad_norm_sq[32].mean" -> ("grad_norm_sq", 32, "mean")``."""
    match = _KEY.match(key)
    if match is None:
        raise ValueError(f"not a diagnostics key: {key!r}")
    batch_size = match["batch_size"]
    return match["quantity"], None if batch_size is None else int(batch_size), match["stat"]


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
        names: quantity names, keys of :data:`QUANTITIES`. What each declares in
            ``Quantity.needs`` is checked here and computed once for all of them.
        params: pytree, the trial's weights.
        params0: pytree, its initial weights (for quantities that need ``params0``; else None).
        example_loss: ``(params, x_i, y_i) -> ()``, the loss of one example.
        x: (n, *input_shape) examples; y: (n,) or (n, k) targets.
        key: PRNG key (needed by ``sample_size < n`` and by quantities that need ``key`` or
            ``batch_norms_sq``); None if nothing is drawn.
        batch_sizes: the batch sizes of per-batch-size quantities, each at most the pool size.
        n_batches: batches sampled per batch size.
        sample_size: examples in the pool that every quantity is measured on: a random subset of
            that many distinct examples (drawn once, shared by all quantities, so the identity
            ``E|g_B|^2 = |G|^2 + (1 - B/n) tr(Sigma)/B`` holds with n = pool size), or None for
            all ``n`` examples.
        params_prev: pytree, the weights at the previous measurement (for quantities that need
            ``params_prev``: ``epoch_distance``, when measured after every epoch).
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
            f"unknown quantities {unknown}; valid quantities are {list(QUANTITIES)}"
            + did_you_mean(unknown[0], QUANTITIES)
        )
    n = x.shape[0]
    if y.shape[0] != n:
        raise BatchlabError(f"x has {n} examples but y has {y.shape[0]}; they must match")
    batch_sizes = tuple(int(b) for b in batch_sizes)
    pool = n if sample_size is None else min(int(sample_size), n)
    if pool < n and key is None:
        raise BatchlabError(f"sample_size={sample_size} < n={n}: drawing the pool needs a PRNG key")
    for name in names:  # what each quantity declares, checked the same way for all
        quantity = QUANTITIES[name]
        for need in sorted(quantity.needs):
            lacking = missing(need, key=key, params0=params0, params_prev=params_prev, pool=pool)
            if lacking:
                raise BatchlabError(f"{name} needs {lacking}")
        if quantity.per_batch_size and (
            not batch_sizes or not 1 <= min(batch_sizes) <= max(batch_sizes) <= pool
        ):
            raise BatchlabError(
                f"batch_sizes={list(batch_sizes)}: {name} needs at least one batch size, each "
                f"from 1 to the pool size {pool}"
            )

    if key is not None:
        pool_key, key = jax.random.split(key)
        if pool < n:
            idx = sample_batches(pool_key, n, pool, 1)[0]  # (pool,) distinct examples
            x, y = x[idx], y[idx]
    inputs = gather_inputs(
        frozenset().union(*(QUANTITIES[name].needs for name in names)),
        params,
        example_loss,
        x,
        y,
        key=key,
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
        # It reads what it declares, and nothing else: its undeclared needs are None.
        values = quantity.compute(inputs._replace(**dict.fromkeys(set(NEEDS) - quantity.needs)))
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
