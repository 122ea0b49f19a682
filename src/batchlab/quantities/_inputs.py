"""What a quantity reads: one trial's :class:`Inputs`, and the intermediates they share.

Every quantity gets the weights and the example pool. Everything else is one of :data:`NEEDS`,
an optional field of :class:`Inputs` that is None unless the quantity declares it in
``Quantity.needs``. :func:`gather_inputs` fills each needed field once per measurement, so
``trace_cov``, ``full_grad_norm_sq``, ``b_simple`` and ``grad_snr`` share one pass of
per-example gradients (``moments``), and ``grad_norm_sq`` and ``grad_norm`` share one set of
sampled batches (``batch_norms_sq``). :func:`missing` says what a measurement lacks for a need,
so that ``measure`` checks its input from the declarations alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from batchlab.quantities import _moments
from batchlab.quantities._batches import batch_grad_norms_sq


class Inputs(NamedTuple):
    """Everything a quantity may read for one trial (no trials axis: the engine vmaps)."""

    params: Any
    """Pytree of arrays: the trial's current weights."""
    example_loss: Callable
    """``(params, x_i, y_i) -> ()`` loss of one example."""
    x: jax.Array
    """(n, *input_shape) the example pool (the data, or a random subset of it)."""
    y: jax.Array
    """(n,) or (n, k) the pool's targets."""
    batch_sizes: tuple[int, ...] = ()
    """Batch sizes of per-batch-size quantities, each from 1 to ``n``."""
    chunk_size: int = 256
    """Examples per chunk of a pass over the pool (memory: chunk_size * n_params)."""
    # The needs: None unless a quantity declares them.
    key: jax.Array | None = None
    """PRNG key of the quantities' own draws (independent of the batches of ``batch_norms_sq``)."""
    params0: Any = None
    """Pytree like ``params``: the trial's initial weights."""
    params_prev: Any = None
    """Pytree like ``params``: the weights at the previous measurement."""
    moments: _moments.Moments | None = None
    """Mean and scatter of the pool's per-example gradients (:mod:`._moments`)."""
    batch_norms_sq: jax.Array | None = None
    """(len(batch_sizes), n_batches) |g_B|^2 of random batches, one row per batch size."""


NEEDS = ("key", "params0", "params_prev", "moments", "batch_norms_sq")
"""What a quantity may declare in ``Quantity.needs``: the optional fields of :class:`Inputs`."""


_REQUIRES = {  # need -> what the measurement must give for it
    "key": ("key",),
    "params0": ("params0",),
    "params_prev": ("params_prev",),
    "moments": ("pool",),
    "batch_norms_sq": ("key", "pool"),  # drawn with the key, from the pool
}


def missing(need: str, *, key: Any, params0: Any, params_prev: Any, pool: int) -> str | None:
    """What a measurement lacks to provide ``need`` (one of :data:`NEEDS`), or None.

    Example:
        >>> missing("params_prev", key=None, params0=None, params_prev=None, pool=10)
        'params_prev, the weights at the previous measurement'
        >>> missing("moments", key=None, params0=None, params_prev=None, pool=10) is None
        True
    """
    previous = "params_prev, the weights at the previous measurement"
    lacking = {
        "key": "a PRNG key" if key is None else "",
        "params0": "params0, the initial weights" if params0 is None else "",
        "params_prev": previous if params_prev is None else "",
        "pool": f"a pool of at least 2 examples, not {pool}" if pool < 2 else "",
    }
    return " and ".join(lacking[r] for r in _REQUIRES[need] if lacking[r]) or None


def gather_inputs(
    needs: Iterable[str],
    params: Any,
    example_loss: Callable,
    x: jax.Array,
    y: jax.Array,
    *,
    key: jax.Array | None = None,
    params0: Any = None,
    params_prev: Any = None,
    batch_sizes: tuple[int, ...] = (),
    n_batches: int = 100,
    chunk_size: int = 256,
    batch_chunk: int | None = None,
) -> Inputs:
    """:class:`Inputs` with exactly the ``needs`` filled in, each shared intermediate computed once.

    ``moments``: one chunked pass of per-example gradients over the pool
    (:func:`._moments.gradient_moments`). ``batch_norms_sq``: ``n_batches`` random batches at
    each batch size ``B``, drawn with ``fold_in(key, B)`` (:func:`.batch_grad_norms_sq`; at most
    ``batch_chunk`` batches at once). ``key``: ``fold_in(key, 0)``, a stream of its own. Pure and
    jit-able; the arguments are not checked here (``measure`` checks them with :func:`missing`).

    Example:
        >>> import jax.numpy as jnp
        >>> loss = lambda w, xi, yi: (xi @ w - yi) ** 2
        >>> x, y = jnp.arange(8.0).reshape(4, 2), jnp.arange(4.0)
        >>> inputs = gather_inputs({"moments"}, jnp.zeros(2), loss, x, y)
        >>> inputs.moments.mean.shape, inputs.batch_norms_sq is None
        ((2,), True)
    """
    needs = frozenset(needs)
    unknown = needs.difference(NEEDS)
    if unknown:
        raise ValueError(f"unknown needs {sorted(unknown)}; needs are {list(NEEDS)}")
    batch_sizes = tuple(int(b) for b in batch_sizes)
    moments = norms = None
    if "moments" in needs:
        moments = _moments.gradient_moments(params, example_loss, x, y, chunk_size=chunk_size)
    if "batch_norms_sq" in needs:
        norms = jnp.stack(  # (batch sizes, n_batches)
            [
                batch_grad_norms_sq(
                    params,
                    example_loss,
                    x,
                    y,
                    jax.random.fold_in(key, b),
                    batch_size=b,
                    n_batches=int(n_batches),
                    batch_chunk=batch_chunk,
                )
                for b in batch_sizes
            ]
        )
    own_key = None if key is None else jax.random.fold_in(key, 0)  # batch sizes are >= 1
    given = {"key": own_key, "params0": params0, "params_prev": params_prev}
    return Inputs(
        params=params,
        example_loss=example_loss,
        x=x,
        y=y,
        batch_sizes=batch_sizes,
        chunk_size=int(chunk_size),
        **{need: value for need, value in given.items() if need in needs},
        moments=moments,
        batch_norms_sq=norms,
    )
