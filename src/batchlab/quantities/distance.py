"""How far the weights moved: |theta - theta_0| from the start, |theta_t - theta_{t-1}| per step.

Euclidean norms over all trainable weights, flattened. ``update_norm`` is measured between two
measurements (the engine passes the weights of the previous one, e.g. the previous epoch).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from batchlab.quantities._quantity import Quantity


def distance(params, other) -> jax.Array:
    """() Euclidean distance between two pytrees of the same structure."""
    diff = ravel_pytree(params)[0] - ravel_pytree(other)[0]
    return jnp.sqrt(jnp.sum(diff * diff))


def distance_from_init(params, params0) -> jax.Array:
    """() |theta - theta_0|."""
    return distance(params, params0)


def update_norm(params, params_prev) -> jax.Array:
    """() |theta_t - theta_{t-1}|."""
    return distance(params, params_prev)


DISTANCE_FROM_INIT = Quantity(
    name="distance_from_init",
    stats=("value",),
    per_batch_size=False,
    compute=lambda probe: {"value": distance_from_init(probe.params, probe.params0)},
)

UPDATE_NORM = Quantity(
    name="update_norm",
    stats=("value",),
    per_batch_size=False,
    compute=lambda probe: {"value": update_norm(probe.params, probe.params_prev)},
)
