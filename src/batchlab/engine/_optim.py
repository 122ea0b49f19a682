"""The optimizers' update rules: Keras's SGD and Adam as optax gradient transformations.

:class:`batchlab.study.Optimizer` says which optimizer a study uses (pure data);
:func:`optimizer_transform` makes its optax transformation for one trial.

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

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from batchlab.study import Optimizer
from batchlab.study._schedule import RateSchedule


def optimizer_transform(
    optimizer: Optimizer, learning_rate, momentum, warmup_steps
) -> optax.GradientTransformation:
    """The optax transformation of one trial of ``optimizer`` (values may be traced).

    ``learning_rate`` is the peak rate, reached linearly over ``warmup_steps`` updates
    (0: no warmup); ``momentum`` is SGD's momentum or Adam's beta_1.
    """
    return scheduled_transform(optimizer, warmup_schedule(learning_rate, warmup_steps), momentum)


def scheduled_transform(optimizer: Optimizer, schedule, momentum) -> optax.GradientTransformation:
    """The optax transformation of one trial with ``schedule`` (``count -> rate``) as its
    learning rate. The engine passes a schedule that returns the rate it computed for the
    update at hand (:func:`rate_multiplier`), so the optimizer state has one structure
    whatever the schedule, and a checkpoint moves between schedules and batch sizes."""
    if optimizer.name == "sgd":
        return optax.inject_hyperparams(optax.sgd, static_args=("nesterov",))(
            learning_rate=schedule, momentum=momentum, nesterov=optimizer.nesterov
        )
    return optax.inject_hyperparams(keras_adam)(
        learning_rate=schedule,
        beta_1=momentum,
        beta_2=optimizer.beta_2,
        epsilon=optimizer.epsilon,
    )


def rate_multiplier(schedule: RateSchedule | None, total_epochs: int):
    """``(epoch, progress) -> multiplier`` of the peak rate, as optax schedules of the epoch.

    ``epoch`` is the 0-based index of the update's epoch (an integer), ``progress`` the
    fractional epoch of the update (``epoch + i / steps_per_epoch`` for its ``i``-th update).
    A step schedule acts on whole epochs (``optax.piecewise_constant_schedule``); cosine
    (``optax.cosine_decay_schedule``) and linear (``optax.linear_schedule``) decay with
    ``progress`` over ``total_epochs``. ``None`` for a constant rate.

    Epochs rather than updates measure the schedule so that it means the same thing at every
    batch size, and under a batch-size schedule, where the updates per epoch change.
    """
    if schedule is None or schedule.kind == "constant":
        return None
    if schedule.kind == "step":
        step = optax.piecewise_constant_schedule(
            1.0, {int(b): float(schedule.factor) for b in schedule.epochs}
        )
        return lambda epoch, progress: step(epoch)
    if schedule.kind == "cosine":
        decay = optax.cosine_decay_schedule(1.0, float(total_epochs), alpha=schedule.floor)
    else:
        decay = optax.linear_schedule(1.0, schedule.floor, float(total_epochs))
    return lambda epoch, progress: decay(progress)


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
