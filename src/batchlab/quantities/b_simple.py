"""The simple gradient noise scale B_simple = tr(Sigma) / |G|^2 (McCandlish et al. 2018, eq. 2.9).

The batch size at which the noise of a batch gradient, tr(Sigma)/B, equals the signal |G|^2.
McCandlish et al. find the critical batch size B_crit close to it (see
:func:`batchlab.analysis.scaling.predict_from_noise_scale`). tr(Sigma) is the unbiased form of
:mod:`.trace_cov`; |G|^2 that of :mod:`.full_gradient`, both from one pass over the pool.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from batchlab.quantities._moments import gradient_moments
from batchlab.quantities._quantity import Quantity


def b_simple(
    params, example_loss: Callable, x: jax.Array, y: jax.Array, *, chunk_size: int = 256
) -> jax.Array:
    """() tr(Sigma) / |G|^2 over the ``n = x.shape[0] >= 2`` examples."""
    moments = gradient_moments(params, example_loss, x, y, chunk_size=chunk_size)
    return moments.m2 / (x.shape[0] - 1) / jnp.sum(moments.mean * moments.mean)


B_SIMPLE = Quantity(
    name="b_simple",
    stats=("value",),
    per_batch_size=False,
    compute=lambda probe: {"value": probe.trace_cov / probe.full_grad_norm_sq},
)
