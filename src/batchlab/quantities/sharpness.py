"""Sharpness: the top eigenvalue of the Hessian of the training loss, by Lanczos.

    sharpness = lambda_max(H),   H = d^2/dtheta^2 (1/m) sum_{i<m} loss(theta; x_i, y_i)

over the first ``m = min(n, MAX_EXAMPLES)`` examples of the pool (the whole pool, which is the
training set, or its ``sample_size`` subset, when it is no larger): a fixed set for a given
pool, so the value is a deterministic function of the weights, the pool and the key.

Keskar et al. 2017 ("On Large-Batch Training for Deep Learning: Generalization Gap and Sharp
Minima") found that large batches converge to sharper minima (they measure sharpness in a box;
the top Hessian eigenvalue is the standard proxy) that generalize worse. Cohen et al. 2021
("Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability") found that
under full-batch gradient descent at rate eta the sharpness rises until it reaches about
``2/eta`` (for heavy-ball momentum beta, ``(2 + 2 beta)/eta``), where the quadratic model of
the loss stops being stable, and hovers there.

Method: :data:`STEPS` steps of Lanczos with full reorthogonalization on Hessian-vector products
``Hv = jvp(grad L)(v)`` (forward over reverse; the Hessian is never formed), each a chunked
pass over the ``m`` examples (``lax.scan``; memory one chunk of activations), started from a
random unit vector drawn with the quantity's key. The largest eigenvalue of the tridiagonal
Lanczos matrix is the sharpness: the top Ritz value, which converges to lambda_max from below,
fast when it stands apart from the rest of the spectrum (as the top eigenvalue of a trained
network's Hessian does). A Krylov space exhausted early (a Hessian of low rank) is restarted
from a fresh random vector orthogonal to the basis. Memory: ``STEPS * n_params`` numbers per
trial for the basis. Pure, jit- and vmap-able: the engine vmaps it over a cohort's trials.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from batchlab.quantities._quantity import Quantity

STEPS = 20
"""Lanczos steps (Hessian-vector products) per measurement; at most the number of weights."""
MAX_EXAMPLES = 4096
"""The most examples of the pool the training loss is taken over (the first ones)."""


def hessian_vector_product(
    params, example_loss: Callable, x: jax.Array, y: jax.Array, *, chunk_size: int = 256
) -> Callable[[jax.Array], jax.Array]:
    """``v -> H v`` for flat ``v`` (n_params,), H the Hessian of the mean loss over ``x, y``.

    One chunked pass per product (fixed-size chunks, the ragged tail masked), so memory is
    one chunk's activations whatever ``n`` is.

    Example:
        >>> loss = lambda w, xi, yi: 0.5 * (xi @ w) ** 2  # H = mean of x_i x_i^T
        >>> x = jnp.array([[1.0, 0.0], [0.0, 2.0]])
        >>> hessian_vector_product(jnp.zeros(2), loss, x, jnp.zeros(2))(jnp.ones(2)).tolist()
        [0.5, 2.0]
    """
    x, y = jnp.asarray(x), jnp.asarray(y)
    n = x.shape[0]
    chunk = max(1, min(int(chunk_size), n))
    n_chunks = -(-n // chunk)
    index = np.arange(n_chunks * chunk)
    mask = (index < n).reshape(n_chunks, chunk).astype(np.float32)  # (chunks, chunk)
    index = (index % n).reshape(n_chunks, chunk)  # padding repeats real examples, masked out
    flat, unravel = ravel_pytree(params)

    def chunk_grad(theta, idx, m):  # (n_params,) gradient of the chunk's masked loss sum
        def total(t):
            losses = jax.vmap(example_loss, in_axes=(None, 0, 0))(unravel(t), x[idx], y[idx])
            return jnp.sum(losses * m.astype(losses.dtype))

        return jax.grad(total)(theta)

    def product(v: jax.Array) -> jax.Array:
        def step(acc, idx_m):
            idx, m = idx_m
            _, hv = jax.jvp(lambda t: chunk_grad(t, idx, m), (flat,), (v.astype(flat.dtype),))
            return acc + hv, None

        start = jnp.zeros_like(flat)
        total, _ = jax.lax.scan(step, start, (jnp.asarray(index), jnp.asarray(mask)))
        return total / n

    return product


def _orthogonal(v: jax.Array, basis: jax.Array) -> jax.Array:
    """``v`` minus its projection on the rows of ``basis`` (zero rows are inert), twice."""
    for _ in range(2):  # classical Gram-Schmidt, repeated: orthogonal to working precision
        v = v - basis.T @ (basis @ v)
    return v


def lanczos_top_eigenvalue(
    product: Callable[[jax.Array], jax.Array], start: jax.Array, key: jax.Array, steps: int
) -> jax.Array:
    """() The largest eigenvalue of the symmetric operator ``product`` (n,) -> (n,), from
    ``min(steps, n)`` Lanczos steps with full reorthogonalization, started at ``start``.

    On breakdown (the Krylov space is invariant: the next vector vanishes) the basis is
    continued from a random vector (drawn with ``fold_in(key, step)``) orthogonal to it, with a
    zero off-diagonal, so that every Ritz value stays an eigenvalue estimate.

    Example:
        >>> a = jnp.diag(jnp.array([3.0, 1.0, -5.0]))
        >>> round(float(lanczos_top_eigenvalue(lambda v: a @ v, jnp.ones(3),
        ...                                     jax.random.key(0), 3)), 5)
        3.0
    """
    n = start.shape[0]
    k = max(1, min(int(steps), n))
    dtype = start.dtype
    tiny = jnp.finfo(dtype).eps

    def body(carry, i):
        basis, v, scale = carry  # (k, n), (n,), ()
        basis = basis.at[i].set(v)
        w = product(v)
        alpha = jnp.dot(w, v)
        w = _orthogonal(w, basis)
        beta = jnp.sqrt(jnp.dot(w, w))
        scale = jnp.maximum(scale, jnp.abs(alpha) + beta)
        fresh = _orthogonal(jax.random.normal(jax.random.fold_in(key, i), (n,), dtype), basis)
        broke = beta <= 64 * tiny * scale
        fresh = fresh / jnp.sqrt(jnp.dot(fresh, fresh))
        nxt = jnp.where(broke, fresh, w / jnp.where(broke, 1, beta))
        return (basis, nxt, scale), (alpha, jnp.where(broke, 0.0, beta))

    v0 = start / jnp.sqrt(jnp.dot(start, start))
    init = (jnp.zeros((k, n), dtype), v0, jnp.zeros((), dtype))
    _, (alphas, betas) = jax.lax.scan(body, init, jnp.arange(k))
    off = betas[:-1]
    tridiagonal = jnp.diag(alphas) + jnp.diag(off, 1) + jnp.diag(off, -1)  # (k, k)
    return jnp.linalg.eigvalsh(tridiagonal)[-1]


def sharpness(
    params,
    example_loss: Callable,
    x: jax.Array,
    y: jax.Array,
    key: jax.Array,
    *,
    steps: int = STEPS,
    max_examples: int = MAX_EXAMPLES,
    chunk_size: int = 256,
) -> jax.Array:
    """() The top eigenvalue of the Hessian of the mean loss over the first
    ``min(n, max_examples)`` examples, by ``steps`` Lanczos steps from a random start.

    Example:
        >>> loss = lambda w, xi, yi: 0.5 * (xi @ w) ** 2  # H = mean of x_i x_i^T
        >>> x = jnp.array([[1.0, 0.0], [0.0, 2.0]])
        >>> round(float(sharpness(jnp.zeros(2), loss, x, jnp.zeros(2), jax.random.key(0))), 5)
        2.0
    """
    m = min(int(x.shape[0]), int(max_examples))
    flat, _ = ravel_pytree(params)
    product = hessian_vector_product(params, example_loss, x[:m], y[:m], chunk_size=chunk_size)
    start_key, restart_key = jax.random.split(key)
    start = jax.random.normal(start_key, flat.shape, flat.dtype)
    return lanczos_top_eigenvalue(product, start, restart_key, steps)


SHARPNESS = Quantity(
    name="sharpness",
    stats=("value",),
    needs={"key"},
    schedule="scheduled",
    default=False,  # 20 Hessian-vector products per measurement: a study names it to get it
    compute=lambda inputs: {
        "value": sharpness(
            inputs.params,
            inputs.example_loss,
            inputs.x,
            inputs.y,
            inputs.key,
            chunk_size=inputs.chunk_size,
        )
    },
)
