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
    """() Euclidean distance between two pytrees of the same structure.

    Example:
        >>> float(distance({"w": jnp.array([3.0, 4.0])}, {"w": jnp.zeros(2)}))
        5.0
    """
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
    needs={"params0"},
    schedule="every_epoch",
    compute=lambda inputs: {"value": distance_from_init(inputs.params, inputs.params0)},
)

UPDATE_NORM = Quantity(
    name="update_norm",
    stats=("value",),
    needs={"params_prev"},
    schedule="every_epoch",
    compute=lambda inputs: {"value": update_norm(inputs.params, inputs.params_prev)},
)
