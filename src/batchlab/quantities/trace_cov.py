"""tr(Sigma), the trace of the covariance of per-example gradients.

    tr(Sigma) = 1/(n - 1) * sum_i |g_i - G|^2        (the unbiased, n/(n-1) form)

over the ``n`` examples of the pool, where ``G`` is the full-batch gradient. The unbiased form
estimates the covariance of the distribution the examples were drawn from; the population form
``1/n * sum_i |g_i - G|^2`` is ``(n - 1)/n`` times it. With it, batches of ``B`` distinct
examples satisfy exactly ``E|g_B|^2 = |G|^2 + (1 - B/n) tr(Sigma)/B`` (:mod:`._batches`).
One chunked pass (:mod:`._moments`); chunks are merged about their own means, so there is no
cancellation between |g_i|^2 and |G|^2.
"""

from __future__ import annotations

from collections.abc import Callable

import jax

from batchlab.quantities._moments import Moments, gradient_moments
from batchlab.quantities._quantity import Quantity


def trace_cov_from_moments(moments: Moments) -> jax.Array:
    """() tr(Sigma) = M2 / (n - 1), from the moments of ``n >= 2`` per-example gradients."""
    return moments.m2 / (moments.count - 1)


def trace_cov(
    params, example_loss: Callable, x: jax.Array, y: jax.Array, *, chunk_size: int = 256
) -> jax.Array:
    """() tr(Sigma) of the ``n = x.shape[0] >= 2`` per-example gradients, unbiased form.

    Example:
        >>> import jax.numpy as jnp
        >>> loss = lambda w, xi, yi: w @ xi  # per-example gradient x_i
        >>> float(trace_cov(jnp.zeros(2), loss, jnp.array([[0.0, 0.0], [2.0, 0.0]]), jnp.zeros(2)))
        2.0
    """
    return trace_cov_from_moments(
        gradient_moments(params, example_loss, x, y, chunk_size=chunk_size)
    )


TRACE_COV = Quantity(
    name="trace_cov",
    stats=("value",),
    needs={"moments"},
    schedule="scheduled",
    compute=lambda inputs: {"value": trace_cov_from_moments(inputs.moments)},
)
