"""Gradient statistics, one per module, on the small base in :mod:`._quantity`.

Each quantity is a pure function of one trial's weights, a per-example loss and the data; the
engine vmaps :func:`measure` over the trials of a cohort and stores :func:`to_rows` of the
result in the diagnostics table.

========================  ==============  ===========================================
quantity                  stats           meaning
========================  ==============  ===========================================
``grad_norm_sq``          mean, std       |g_B|^2 over random batches of size B
``grad_norm``             mean, std       |g_B| over the same batches
``full_grad_norm_sq``     value           |G|^2 of the full-batch gradient
``trace_cov``             value           tr(Sigma), unbiased, of per-example gradients
``b_simple``              value           tr(Sigma) / |G|^2 (McCandlish et al. 2018)
``grad_snr``              value (per B)   B |G|^2 / tr(Sigma)
``distance_from_init``    value           |theta - theta_0|
``update_norm``           value           |theta_t - theta_{t-1}|
========================  ==============  ===========================================

Example:
    >>> import jax, jax.numpy as jnp
    >>> from batchlab.quantities import measure
    >>> loss = lambda w, xi, yi: (xi @ w - yi) ** 2
    >>> x, y = jnp.arange(8.0).reshape(4, 2), jnp.arange(4.0)
    >>> w = jnp.zeros(2)
    >>> out = measure(["trace_cov", "grad_norm_sq"], w, None, loss, x, y,
    ...               jax.random.key(0), batch_sizes=(2,), n_batches=10)
    >>> sorted(out)
    ['grad_norm_sq[2].mean', 'grad_norm_sq[2].std', 'trace_cov.value']
"""

from batchlab.quantities._measure import QUANTITIES, measure, names, to_rows
from batchlab.quantities._quantity import Quantity, format_key, parse_key
from batchlab.quantities.b_simple import b_simple
from batchlab.quantities.distance import distance_from_init, update_norm
from batchlab.quantities.full_gradient import full_grad_norm_sq, full_gradient
from batchlab.quantities.grad_norm import batch_grad_norms_sq, sample_batches
from batchlab.quantities.snr import grad_snr
from batchlab.quantities.trace_cov import trace_cov

__all__ = [
    "QUANTITIES",
    "Quantity",
    "b_simple",
    "batch_grad_norms_sq",
    "distance_from_init",
    "format_key",
    "full_grad_norm_sq",
    "full_gradient",
    "grad_snr",
    "measure",
    "names",
    "parse_key",
    "sample_batches",
    "to_rows",
    "trace_cov",
    "update_norm",
]
