"""tr(Sigma), the trace of the covariance of per-example gradients.

    tr(Sigma) = 1/(n - 1) * sum_i |g_i - G|^2        (the unbiased, n/(n-1) form)

over the ``n`` examples of the pool, where ``G`` is the full-batch gradient. The unbiased form
estimates the covariance of the distribution the examples were drawn from; the population form
``1/n * sum_i |g_i - G|^2`` is ``(n - 1)/n`` times it. With it, batches of ``B`` distinct
examples satisfy exactly ``E|g_B|^2 = |G|^2 + (1 - B/n) tr(Sigma)/B`` (:mod:`.grad_norm`).
One chunked pass (:mod:`._moments`); chunks are merged about their own means, so there is no
cancellation between |g_i|^2 and |G|^2.
"""

from __future__ import annotations

from collections.abc import Callable

import jax

from batchlab.quantities._moments import gradient_moments
from batchlab.quantities._quantity import Quantity


def trace_cov(
    params, example_loss: Callable, x: jax.Array, y: jax.Array, *, chunk_size: int = 256
) -> jax.Array:
    """() tr(Sigma) of the ``n = x.shape[0] >= 2`` per-example gradients, unbiased form."""
    moments = gradient_moments(params, example_loss, x, y, chunk_size=chunk_size)
    return moments.m2 / (x.shape[0] - 1)


TRACE_COV = Quantity(
    name="trace_cov",
    stats=("value",),
    per_batch_size=False,
    compute=lambda probe: {"value": probe.trace_cov},
)
