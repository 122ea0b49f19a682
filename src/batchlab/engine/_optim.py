"""Optimizers: Keras's SGD and Adam as optax gradient transformations.

The learning rate and momentum of every trial are traced values (``optax.inject_hyperparams``),
so trials with different rates train inside one compiled cohort. The update rules are those
of ``keras.optimizers.SGD`` and ``keras.optimizers.Adam``, which are the reference:

- SGD: optax ``trace`` + ``scale_by_learning_rate``; with a constant rate this is Keras's
  velocity form ``v = m v - lr g; w += v`` (Nesterov: ``w += m v - lr g``).
- Adam: Keras puts epsilon outside the bias correction,
  ``w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)``, which optax's ``adam``
  does not; :func:`scale_by_keras_adam` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from batchlab.errors import SpecError


@dataclass(frozen=True)
class Optimizer:
    """What fixes an optimizer's state shape; rates and momenta are per trial."""

    name: str = "sgd"
    """``"sgd"`` (with momentum and optional Nesterov) or ``"adam"``."""
    nesterov: bool = False
    """Nesterov momentum (SGD only)."""
    momentum: float = 0.0
    """Default momentum for trials that do not give one (SGD); Adam uses ``beta_1``."""
    beta_1: float = 0.9
    """Adam's first-moment decay (Keras default)."""
    beta_2: float = 0.999
    """Adam's second-moment decay (Keras default)."""
    epsilon: float = 1e-7
    """Adam's epsilon (Keras default, placed as Keras places it)."""

    def __post_init__(self) -> None:
        if self.name not in ("sgd", "adam"):
            raise SpecError(f"optimizer.name: {self.name!r} is not valid; use 'sgd' or 'adam'.")
        for field, value, lo, hi in (
            ("momentum", self.momentum, 0.0, 1.0),
            ("beta_1", self.beta_1, 0.0, 1.0),
            ("beta_2", self.beta_2, 0.0, 1.0),
        ):
            if not (isinstance(value, int | float) and math.isfinite(value) and lo <= value < hi):
                raise SpecError(f"optimizer.{field}: {value!r} is not valid; it must be in [0, 1).")
        if not (isinstance(self.epsilon, int | float) and self.epsilon > 0):
            raise SpecError(f"optimizer.epsilon: {self.epsilon!r} is not valid; it must be > 0.")
        if self.nesterov and self.name != "sgd":
            raise SpecError("optimizer.nesterov: Nesterov momentum applies to 'sgd' only.")

    @property
    def kind(self) -> str:
        """``"sgd"``, ``"nesterov"`` or ``"adam"``: the optimizer column of the trials table."""
        return "nesterov" if self.nesterov else self.name

    @property
    def default_momentum(self) -> float:
        """The momentum column for a trial that gives none (Adam reports beta_1)."""
        return self.beta_1 if self.name == "adam" else self.momentum

    def transform(self, learning_rate, momentum, warmup_steps) -> optax.GradientTransformation:
        """The optax transformation for one trial (values may be traced).

        ``learning_rate`` is the peak rate, reached linearly over ``warmup_steps`` updates
        (0: no warmup); ``momentum`` is SGD's momentum or Adam's beta_1.
        """
        schedule = warmup_schedule(learning_rate, warmup_steps)
        if self.name == "sgd":
            return optax.inject_hyperparams(optax.sgd, static_args=("nesterov",))(
                learning_rate=schedule, momentum=momentum, nesterov=self.nesterov
            )
        return optax.inject_hyperparams(keras_adam)(
            learning_rate=schedule, beta_1=momentum, beta_2=self.beta_2, epsilon=self.epsilon
        )


def sgd(momentum: float = 0.0, nesterov: bool = False) -> Optimizer:
    """Keras's SGD: ``bl.sgd(momentum=0.9)`` is ``keras.optimizers.SGD(lr, momentum=0.9)``."""
    return Optimizer("sgd", nesterov=nesterov, momentum=momentum)


def adam(beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7) -> Optimizer:
    """Keras's Adam, epsilon placed as Keras places it."""
    return Optimizer("adam", beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)


def warmup_schedule(learning_rate, warmup_steps):
    """``count -> rate``: linear warmup to ``learning_rate`` over ``warmup_steps`` updates.

    Update ``t`` (0-based) uses ``lr * min(1, (t + 1) / warmup_steps)``; no warmup when
    ``warmup_steps <= 0``.
    """

    def schedule(count):
        ramp = jnp.minimum(1.0, (count + 1) / jnp.maximum(warmup_steps, 1))
        return learning_rate * jnp.where(warmup_steps > 0, ramp, 1.0)

    return schedule


class KerasAdamState(NamedTuple):
    count: jax.Array  # () int32
    mu: optax.Updates  # first moments, like params
    nu: optax.Updates  # second moments, like params


def scale_by_keras_adam(
    beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7
) -> optax.GradientTransformation:
    """Adam's direction as Keras computes it (before the learning rate).

    ``m += (g - m)(1 - b1)``, ``v += (g^2 - v)(1 - b2)``,
    ``u = sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`` (Kingma & Ba 2015, Algorithm 1
    with epsilon outside the bias correction, as in ``keras.optimizers.Adam``).
    """

    def init(params):
        zeros = jax.tree.map(jnp.zeros_like, params)
        return KerasAdamState(jnp.zeros((), jnp.int32), zeros, jax.tree.map(jnp.zeros_like, params))

    def update(updates, state, params=None):
        del params
        count = state.count + 1
        t = count.astype(jnp.result_type(float))
        mu = jax.tree.map(lambda m, g: m + (g - m) * (1 - beta_1), state.mu, updates)
        nu = jax.tree.map(lambda v, g: v + (g * g - v) * (1 - beta_2), state.nu, updates)
        scale = jnp.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        out = jax.tree.map(lambda m, v: scale * m / (jnp.sqrt(v) + epsilon), mu, nu)
        return out, KerasAdamState(count, mu, nu)

    return optax.GradientTransformation(init, update)


def keras_adam(learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Keras's Adam as an optax chain: Keras's direction, then the (scheduled) rate."""
    return optax.chain(
        scale_by_keras_adam(beta_1, beta_2, epsilon), optax.scale_by_learning_rate(learning_rate)
    )
