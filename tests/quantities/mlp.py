"""A small problem for the gradient statistics: a 2-layer tanh MLP with softmax cross-entropy,
and brute-force references (plain loops over examples) for its per-example gradients."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


class Problem(NamedTuple):
    params: dict
    x: jax.Array  # (n, features)
    y: jax.Array  # (n,) int labels
    loss: object  # (params, x_i, y_i) -> ()


def example_loss(params, xi, yi):
    """Softmax cross-entropy of one example under a 2-layer tanh MLP."""
    hidden = jnp.tanh(xi @ params["w1"] + params["b1"])
    logits = hidden @ params["w2"] + params["b2"]
    return jax.nn.logsumexp(logits) - logits[yi]


def make_params(seed: int, features: int = 4, hidden: int = 8, classes: int = 3) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "w1": jnp.asarray(rng.normal(0, 1 / np.sqrt(features), (features, hidden))),
        "b1": jnp.asarray(rng.normal(0, 0.1, hidden)),
        "w2": jnp.asarray(rng.normal(0, 1 / np.sqrt(hidden), (hidden, classes))),
        "b2": jnp.asarray(rng.normal(0, 0.1, classes)),
    }


def make_problem(n: int = 50, seed: int = 0, features: int = 4, classes: int = 3) -> Problem:
    """Three Gaussian blobs in ``features`` dimensions, an MLP at random initial weights."""
    rng = np.random.default_rng(seed + 1000)
    centres = rng.normal(0, 1.5, (classes, features))
    y = rng.integers(0, classes, n)
    x = centres[y] + rng.normal(0, 1, (n, features))
    return Problem(
        make_params(seed, features, classes=classes), jnp.asarray(x), jnp.asarray(y), example_loss
    )


_example_grad = jax.jit(jax.grad(example_loss))


def loop_grads(problem: Problem) -> np.ndarray:
    """(n, n_params) per-example gradients by a plain loop, flattened in pytree-leaf order.

    One example at a time (the per-example gradient itself is jitted only for speed).
    """
    rows = []
    for i in range(problem.x.shape[0]):
        g = _example_grad(problem.params, problem.x[i], problem.y[i])
        rows.append(np.concatenate([np.ravel(leaf) for leaf in jax.tree.leaves(g)]))
    return np.stack(rows)


def loop_moments(grads: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(G, |G|^2, tr(Sigma) unbiased) by plain loops over the examples."""
    n = grads.shape[0]
    total = np.zeros(grads.shape[1])
    for g in grads:
        total += g
    mean = total / n
    scatter = 0.0
    for g in grads:
        scatter += float(np.sum((g - mean) ** 2))
    return mean, float(np.sum(mean**2)), scatter / (n - 1)
