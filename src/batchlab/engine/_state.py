"""A cohort's state, and its checkpoint as plain named arrays."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from batchlab.errors import SpecError


class TrialValues(NamedTuple):
    """Per-trial traced values, each of shape (trials,)."""

    seed: jax.Array
    learning_rate: jax.Array
    momentum: jax.Array
    warmup_steps: jax.Array


class CohortState(NamedTuple):
    """Everything needed to continue a cohort; every leaf has a leading trials axis."""

    params: list  # trainable variables, each (trials, *shape)
    non_trainable: list  # non-trainable variables (BatchNorm statistics, dropout RNG state)
    opt_state: Any  # optax state, leaves (trials, ...)
    params0: list  # initial trainable variables (distance from init)
    diverged: jax.Array  # (trials,) bool
    epoch: jax.Array  # () int32: epochs completed
    wall_seconds: jax.Array  # () float32: training seconds so far


def to_arrays(state: CohortState) -> dict[str, np.ndarray]:
    """The state as named plain arrays (a checkpoint); :func:`from_arrays` inverts it.

    Names are the leaves' paths in the state (``".params[0]"``, ``".epoch"``, ...).
    """
    leaves = jax.tree_util.tree_flatten_with_path(state)[0]
    return {jax.tree_util.keystr(path): np.asarray(leaf) for path, leaf in leaves}


def from_arrays(arrays: dict[str, np.ndarray], template) -> CohortState:
    """Rebuild a state from :func:`to_arrays` against ``template`` (``jax.eval_shape`` of the
    cohort's initial state), checking names, shapes and dtypes."""
    paths, treedef = jax.tree_util.tree_flatten_with_path(template)
    leaves = []
    for path, spec in paths:
        name = jax.tree_util.keystr(path)
        if name not in arrays:
            raise SpecError(f"checkpoint: array {name!r} is missing; it is not this cohort's.")
        a = np.asarray(arrays[name])
        if a.shape != spec.shape or a.dtype != spec.dtype:
            raise SpecError(
                f"checkpoint: array {name!r} has shape {a.shape} {a.dtype}, expected "
                f"{spec.shape} {spec.dtype}; it is not this cohort's."
            )
        leaves.append(jnp.asarray(a))
    return jax.tree_util.tree_unflatten(treedef, leaves)


def trial_params(
    arrays: dict[str, np.ndarray], position: int, initial: bool = False
) -> list[np.ndarray]:
    """One trial's trainable weights from a checkpoint's arrays, in
    ``model.trainable_variables`` order; ``position`` is the trial's index in its cohort.
    ``initial``: the weights it started from instead."""
    field = "params0" if initial else "params"
    out, i = [], 0
    while (name := f".{field}[{i}]") in arrays:
        out.append(np.asarray(arrays[name][position]))
        i += 1
    return out
