"""Per-example gradients and their first two moments, in one chunked pass over the data.

The full-batch gradient ``G = (1/n) sum_i g_i`` and the scatter ``M2 = sum_i |g_i - G|^2`` are
accumulated over fixed-size chunks of examples with ``lax.scan``, so the memory is one chunk of
per-example gradients, ``(chunk_size, n_params)``, whatever ``n`` is. The data are padded to a
whole number of chunks by repeating real examples whose weight is then masked to zero (the mask,
not the repetition, decides what counts). Chunks are merged with the pairwise update of Chan,
Golub & LeVeque (1979): each chunk's scatter is taken about its own mean, so ``M2`` has no
catastrophic cancellation even when ``|G|^2`` dwarfs the noise.

State is explicit (STYLE 2): :func:`init` -> :class:`Moments`, :func:`update` folds in a chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree


class Moments(NamedTuple):
    """Running moments of flattened per-example gradients."""

    count: jax.Array
    """() number of examples folded in."""
    mean: jax.Array
    """(n_params,) mean gradient of the examples folded in."""
    m2: jax.Array
    """() scatter ``sum_i |g_i - mean|^2`` of the examples folded in."""


def init(n_params: int, dtype) -> Moments:
    """Moments of no examples."""
    zero = jnp.zeros((), dtype)
    return Moments(count=zero, mean=jnp.zeros((n_params,), dtype), m2=zero)


def update(moments: Moments, grads: jax.Array, mask: jax.Array) -> Moments:
    """Fold in a chunk of flattened gradients ``grads`` (chunk, n_params); ``mask`` (chunk,) 0/1."""
    mask = mask.astype(grads.dtype)
    count_c = jnp.sum(mask)
    weighted = jnp.where(mask[:, None] > 0, grads, 0.0)  # (chunk, n_params); a masked NaN stays out
    mean_c = jnp.sum(weighted, axis=0) / jnp.maximum(count_c, 1.0)
    centred = jnp.where(mask[:, None] > 0, grads - mean_c, 0.0)
    m2_c = jnp.sum(centred * centred)
    total = moments.count + count_c
    delta = mean_c - moments.mean
    share = count_c / jnp.maximum(total, 1.0)
    return Moments(
        count=total,
        mean=moments.mean + delta * share,
        m2=moments.m2 + m2_c + jnp.sum(delta * delta) * moments.count * share,
    )


def example_grads(params, example_loss: Callable, x: jax.Array, y: jax.Array) -> jax.Array:
    """Flattened per-example gradients, (m, n_params), by ``vmap(grad(example_loss))``."""

    def one(xi, yi):
        return ravel_pytree(jax.grad(example_loss)(params, xi, yi))[0]

    return jax.vmap(one)(x, y)


def gradient_moments(
    params, example_loss: Callable, x: jax.Array, y: jax.Array, *, chunk_size: int = 256
) -> Moments:
    """Mean and scatter of the per-example gradients of all ``n = x.shape[0]`` examples.

    Memory: one chunk of per-example gradients, ``min(chunk_size, n) * n_params`` numbers (plus
    the chunk's activations). Compute: ``n`` per-example backward passes, rounded up to a whole
    number of chunks.
    """
    x, y = jnp.asarray(x), jnp.asarray(y)
    n = x.shape[0]
    chunk = max(1, min(int(chunk_size), n))
    n_chunks = -(-n // chunk)
    index = np.arange(n_chunks * chunk)
    mask = (index < n).reshape(n_chunks, chunk)  # (chunks, chunk)
    index = (index % n).reshape(n_chunks, chunk)  # padding repeats real examples, masked out
    flat, _ = ravel_pytree(params)

    def step(moments, chunk_index_mask):
        idx, m = chunk_index_mask
        grads = example_grads(params, example_loss, x[idx], y[idx])  # (chunk, n_params)
        return update(moments, grads, m), None

    start = init(flat.shape[0], flat.dtype)
    moments, _ = jax.lax.scan(step, start, (jnp.asarray(index), jnp.asarray(mask)))
    return moments
