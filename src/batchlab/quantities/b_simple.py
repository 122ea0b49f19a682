"""The simple gradient noise scale B_simple = tr(Sigma) / |G|^2 (McCandlish et al. 2018, eq. 2.9).

The batch size at which the noise of a batch gradient, tr(Sigma)/B, equals the signal |G|^2.
McCandlish et al. find the critical batch size B_crit close to it (see
:func:`batchlab.analysis.scaling.predict_from_noise_scale`). tr(Sigma) is the unbiased form of
:mod:`.trace_cov`; |G|^2 that of :mod:`.full_gradient`, both from one pass over the pool.
"""

from __future__ import annotations

from collections.abc import Callable

import jax

from batchlab.quantities._moments import Moments, gradient_moments
from batchlab.quantities._quantity import Quantity
from batchlab.quantities.full_gradient import full_grad_norm_sq_from_moments
from batchlab.quantities.trace_cov import trace_cov_from_moments


def b_simple_from_moments(moments: Moments) -> jax.Array:
    """() tr(Sigma) / |G|^2, from the moments of ``n >= 2`` per-example gradients."""
    return trace_cov_from_moments(moments) / full_grad_norm_sq_from_moments(moments)


def b_simple(
    params, example_loss: Callable, x: jax.Array, y: jax.Array, *, chunk_size: int = 256
) -> jax.Array:
    """() tr(Sigma) / |G|^2 over the ``n = x.shape[0] >= 2`` examples.

    Example:
        >>> import jax.numpy as jnp
        >>> loss = lambda w, xi, yi: w @ xi  # per-example gradient x_i: G = (1, 1), tr = 2
        >>> float(b_simple(jnp.zeros(2), loss, jnp.array([[0.0, 1.0], [2.0, 1.0]]), jnp.zeros(2)))
        1.0
    """
    return b_simple_from_moments(
        gradient_moments(params, example_loss, x, y, chunk_size=chunk_size)
    )


B_SIMPLE = Quantity(
    name="b_simple",
    stats=("value",),
    needs={"moments"},
    schedule="scheduled",
    compute=lambda inputs: {"value": b_simple_from_moments(inputs.moments)},
)
