"""How far the weights moved: from the start, |theta - theta_0|, and over the last epoch.

Two meanings, two names (as cockpit's ``distance`` and ``update_size``):
``distance_from_init`` is |theta_e - theta_0|, the distance from the initial weights;
``epoch_distance`` is |theta_e - theta_{e-1}|, the distance moved between the previous
measurement and this one, which the engine takes after every epoch: the distance moved over the
last epoch (not the size of one update). Euclidean norms over all trainable weights, flattened.
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


def epoch_distance(params, params_prev) -> jax.Array:
    """() |theta_e - theta_{e-1}|, with ``params_prev`` the weights an epoch earlier."""
    return distance(params, params_prev)


DISTANCE_FROM_INIT = Quantity(
    name="distance_from_init",
    stats=("value",),
    needs={"params0"},
    schedule="every_epoch",
    compute=lambda inputs: {"value": distance_from_init(inputs.params, inputs.params0)},
)

EPOCH_DISTANCE = Quantity(
    name="epoch_distance",
    stats=("value",),
    needs={"params_prev"},
    schedule="every_epoch",
    compute=lambda inputs: {"value": epoch_distance(inputs.params, inputs.params_prev)},
)
