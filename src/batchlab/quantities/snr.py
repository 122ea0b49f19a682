"""Gradient signal-to-noise ratio at batch size B: SNR(B) = |G|^2 / (tr(Sigma) / B) = B / B_simple.

The power of the signal (the full-batch gradient) over the power of the noise of a batch
gradient, ``E|g_B - G|^2 = tr(Sigma)/B`` for B independent examples (McCandlish et al. 2018,
sec. 2.2 and appendix A: the step is nearly as good as a full-batch one when SNR(B) >> 1, i.e.
B >> B_simple). The noise term is the infinite-data one, without the ``1 - B/n`` correction of
sampling from a finite pool (:mod:`._batches`), so SNR(B) is linear in B. We chose this whole-
vector form over the per-parameter GSNR ``mean_j G_j^2 / Var_j`` (Liu et al. 2020) because it
is what the noise scale and the 1/B law of |g_B|^2 are written in.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from batchlab.quantities._inputs import Inputs
from batchlab.quantities._quantity import Quantity
from batchlab.quantities.full_gradient import full_grad_norm_sq_from_moments
from batchlab.quantities.trace_cov import trace_cov_from_moments


def grad_snr(full_grad_norm_sq: jax.Array, trace_cov: jax.Array, batch_size) -> jax.Array:
    """B * |G|^2 / tr(Sigma); broadcasts over ``batch_size``.

    Example:
        >>> grad_snr(2.0, 8.0, batch_size=jax.numpy.array([1, 4])).tolist()
        [0.25, 1.0]
    """
    return jnp.asarray(batch_size) * full_grad_norm_sq / trace_cov


def _compute(inputs: Inputs) -> dict[str, jax.Array]:
    moments = inputs.moments
    sizes = jnp.asarray(inputs.batch_sizes, dtype=moments.m2.dtype)  # (batch sizes,)
    g_sq, trace = full_grad_norm_sq_from_moments(moments), trace_cov_from_moments(moments)
    return {"value": grad_snr(g_sq, trace, sizes)}


GRAD_SNR = Quantity(
    name="grad_snr",
    stats=("value",),
    needs={"moments"},
    schedule="scheduled",
    per_batch_size=True,
    compute=_compute,
)
