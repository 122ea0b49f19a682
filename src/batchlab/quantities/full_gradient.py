"""The exact full-batch gradient G = (1/n) sum_i grad loss(x_i, y_i), and |G|^2.

Computed in one pass over fixed-size chunks of examples (``lax.scan``; the ragged tail is
masked), so memory is ``chunk_size * n_params`` whatever ``n`` is (see :mod:`._moments`).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from batchlab.quantities._moments import Moments, gradient_moments
from batchlab.quantities._quantity import Quantity


def full_grad_norm_sq_from_moments(moments: Moments) -> jax.Array:
    """() |G|^2, from the moments of the per-example gradients (G is their mean)."""
    return jnp.sum(moments.mean * moments.mean)


def full_gradient(
    params, example_loss: Callable, x: jax.Array, y: jax.Array, *, chunk_size: int = 256
):
    """G, a pytree like ``params``: the mean of the ``n = x.shape[0]`` per-example gradients."""
    mean = gradient_moments(params, example_loss, x, y, chunk_size=chunk_size).mean
    return ravel_pytree(params)[1](mean)


def full_grad_norm_sq(
    params, example_loss: Callable, x: jax.Array, y: jax.Array, *, chunk_size: int = 256
) -> jax.Array:
    """() |G|^2, the squared norm of the full-batch gradient.

    Example:
        >>> import jax.numpy as jnp
        >>> loss = lambda w, xi, yi: w @ xi  # per-example gradient x_i, G = (1, 2)
        >>> float(full_grad_norm_sq(jnp.zeros(2), loss, jnp.array([[0.0, 2.0], [2.0, 2.0]]),
        ...                         jnp.zeros(2)))
        5.0
    """
    moments = gradient_moments(params, example_loss, x, y, chunk_size=chunk_size)
    return full_grad_norm_sq_from_moments(moments)


FULL_GRAD_NORM_SQ = Quantity(
    name="full_grad_norm_sq",
    stats=("value",),
    needs={"moments"},
    schedule="scheduled",
    compute=lambda inputs: {"value": full_grad_norm_sq_from_moments(inputs.moments)},
)
