"""Gradient statistics, one small module each, on the small base in :mod:`._quantity`.

A quantity (:class:`Quantity`) is a name, the stats it yields, what it reads beyond the weights
and the example pool (``needs``: words of :data:`NEEDS`, the optional fields of
:class:`Inputs`), when the engine measures it (``schedule``: ``"scheduled"`` gradient statistics
or ``"every_epoch"`` motion statistics) and ``compute(inputs) -> {stat: array}``. Its module
holds the code that runs, and the standalone function of the same formula (``trace_cov(...)``,
``b_simple(...)``) is that code too. :func:`measure` checks what the requested quantities need,
computes what they share once (the pool's per-example gradient moments, sampled batch-gradient
norms), and the engine vmaps it over a cohort's trials; :func:`to_rows` makes diagnostics rows.

The registry, :data:`QUANTITIES` and :func:`names`, is found in the package's public modules
(:mod:`._registry`). Adding a quantity, say ``sharpness``:

1. ``sharpness.py``: its formula as a function, and ``SHARPNESS = Quantity(name="sharpness",
   stats=("value",), needs={"key"}, schedule="scheduled", compute=...)``; its module docstring
   states the formula and the paper.
2. ``tests/quantities/test_sharpness.py``: it against a brute-force reference.

The engine then measures it with the others of its schedule, and the checks of :func:`measure`
follow from its ``needs``. Only a need that :class:`Inputs` does not have yet (a shared
intermediate of several quantities) is added there, with what ``_inputs.missing`` says it
requires.

Example:
    >>> import jax, jax.numpy as jnp
    >>> from batchlab.quantities import measure, names
    >>> "epoch_distance" in names("every_epoch"), "epoch_distance" in names("scheduled")
    (True, False)
    >>> loss = lambda w, xi, yi: (xi @ w - yi) ** 2
    >>> x, y = jnp.arange(8.0).reshape(4, 2), jnp.arange(4.0)
    >>> w = jnp.zeros(2)
    >>> out = measure(["trace_cov", "grad_norm_sq"], w, None, loss, x, y,
    ...               jax.random.key(0), batch_sizes=(2,), n_batches=10)
    >>> sorted(out)
    ['grad_norm_sq[2].mean', 'grad_norm_sq[2].std', 'trace_cov.value']
"""

from batchlab.quantities._batches import batch_grad_norms_sq, sample_batches
from batchlab.quantities._inputs import NEEDS, Inputs, gather_inputs
from batchlab.quantities._measure import format_key, measure, parse_key, to_rows
from batchlab.quantities._quantity import SCHEDULES, Quantity
from batchlab.quantities._registry import QUANTITIES, names
from batchlab.quantities.b_simple import b_simple
from batchlab.quantities.distance import distance_from_init, epoch_distance
from batchlab.quantities.full_gradient import full_grad_norm_sq, full_gradient
from batchlab.quantities.snr import grad_snr
from batchlab.quantities.trace_cov import trace_cov

__all__ = [
    "NEEDS",
    "QUANTITIES",
    "SCHEDULES",
    "Inputs",
    "Quantity",
    "b_simple",
    "batch_grad_norms_sq",
    "distance_from_init",
    "epoch_distance",
    "format_key",
    "full_grad_norm_sq",
    "full_gradient",
    "gather_inputs",
    "grad_snr",
    "measure",
    "names",
    "parse_key",
    "sample_batches",
    "to_rows",
    "trace_cov",
]
