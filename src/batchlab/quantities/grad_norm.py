"""|g_B|^2 and |g_B|, the norms of mini-batch gradients, over random batches of size B.

The batches are ``n_batches`` independent draws of ``B`` distinct examples from the pool
(:mod:`._batches`), shared by both quantities; for them, exactly
``E|g_B|^2 = |G|^2 + (1 - B/n) tr(Sigma)/B`` (McCandlish et al. 2018 for ``B << n``, with the
finite-population correction of Cochran 1977). Stats: ``mean`` and ``std`` (``ddof=1``) over
the batches, of |g_B|^2 (``grad_norm_sq``) and of |g_B| (``grad_norm``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from batchlab.quantities._quantity import Quantity


def batch_stats(values: jax.Array) -> dict[str, jax.Array]:
    """``mean`` and ``std`` (``ddof=1``) over the batches, (batch sizes, n_batches) -> (sizes,).

    Example:
        >>> {k: v.tolist() for k, v in batch_stats(jax.numpy.array([[1.0, 3.0]])).items()}
        {'mean': [2.0], 'std': [1.4142135381698608]}
    """
    return {"mean": jnp.mean(values, axis=-1), "std": jnp.std(values, axis=-1, ddof=1)}


GRAD_NORM_SQ = Quantity(
    name="grad_norm_sq",
    stats=("mean", "std"),
    needs={"batch_norms_sq"},
    schedule="scheduled",
    per_batch_size=True,
    compute=lambda inputs: batch_stats(inputs.batch_norms_sq),
)

GRAD_NORM = Quantity(
    name="grad_norm",
    stats=("mean", "std"),
    needs={"batch_norms_sq"},
    schedule="scheduled",
    per_batch_size=True,
    compute=lambda inputs: batch_stats(jnp.sqrt(inputs.batch_norms_sq)),
)
