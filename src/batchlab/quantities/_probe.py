"""One trial's inputs to the quantities, and the intermediates several of them share.

A :class:`Probe` is built inside the traced function (``measure``) and lives for one trace.
Its cached properties are computed the first time a quantity asks for them, so ``trace_cov``,
``full_grad_norm_sq``, ``b_simple`` and ``grad_snr`` share one pass of per-example gradients,
and ``grad_norm_sq`` and ``grad_norm`` share one set of sampled batches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cached_property
from typing import Any

import jax
import jax.numpy as jnp

from batchlab.quantities import _moments
from batchlab.quantities.grad_norm import batch_grad_norms_sq


@dataclasses.dataclass(eq=False)
class Probe:
    """Everything a quantity may read for one trial (no trials axis: the engine vmaps)."""

    params: Any
    """Pytree of arrays: the trial's current weights."""
    example_loss: Callable
    """``(params, x_i, y_i) -> scalar`` loss of one example."""
    x: jax.Array
    """(n, *input_shape) the example pool (the data, or a random subset of it)."""
    y: jax.Array
    """(n,) or (n, k) the pool's targets."""
    key: jax.Array | None = None
    """PRNG key for sampling batches."""
    params0: Any = None
    """Pytree like ``params``: the trial's initial weights."""
    params_prev: Any = None
    """Pytree like ``params``: the weights at the previous measurement."""
    batch_sizes: tuple[int, ...] = ()
    """Batch sizes that per-batch-size quantities are sampled at."""
    n_batches: int = 100
    """Independent batches sampled at each batch size."""
    chunk_size: int = 256
    """Examples per chunk of per-example gradients (memory: chunk_size * n_params)."""
    batch_chunk: int | None = None
    """Batches whose gradients are computed at once; None: all ``n_batches`` at once."""

    @property
    def n(self) -> int:
        """Examples in the pool."""
        return self.x.shape[0]

    @cached_property
    def moments(self) -> _moments.Moments:
        """Mean and scatter of the pool's per-example gradients (one chunked pass)."""
        return _moments.gradient_moments(
            self.params, self.example_loss, self.x, self.y, chunk_size=self.chunk_size
        )

    @cached_property
    def full_grad_norm_sq(self) -> jax.Array:
        """() |G|^2 of the pool's full-batch gradient."""
        mean = self.moments.mean
        return jnp.sum(mean * mean)

    @cached_property
    def trace_cov(self) -> jax.Array:
        """() tr(Sigma) = sum_i |g_i - G|^2 / (n - 1), the unbiased form."""
        return self.moments.m2 / (self.n - 1)

    @cached_property
    def batch_norms_sq(self) -> jax.Array:
        """(len(batch_sizes), n_batches) |g_B|^2 of sampled batches, one row per batch size."""
        rows = [
            batch_grad_norms_sq(
                self.params,
                self.example_loss,
                self.x,
                self.y,
                jax.random.fold_in(self.key, b),
                batch_size=b,
                n_batches=self.n_batches,
                batch_chunk=self.batch_chunk,
            )
            for b in self.batch_sizes
        ]
        return jnp.stack(rows)
