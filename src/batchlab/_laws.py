"""Small formulas several layers share: the finite-pool term and the learning-rate rules.

A leaf module (NumPy only), so the study, the analysis and the figures use one definition.
"""

from __future__ import annotations

import math

import numpy as np

LR_RULES = ("none", "linear", "sqrt")
"""How a trial's learning rate follows its batch size (see :func:`lr_factor`)."""


def inverse_batch(batch_size, n_examples: int | None = None):
    """``1/B - 1/n``: the noise term of a mean over ``B`` distinct examples of ``n``.

    For batches drawn without replacement from a pool of ``n``,
    ``E|g_B|^2 = |G|^2 + (1/B - 1/n) n/(n-1) tr(Sigma)`` with the population covariance, i.e.
    ``|G|^2 + (1 - B/n) tr(Sigma)/B`` with the unbiased one (Cochran 1977, thm 2.2); with
    ``n_examples=None`` (an infinite pool) it is ``1/B`` (McCandlish et al. 2018, eq. A.1).
    Broadcasts over arrays of batch sizes.

    Example:
        >>> float(inverse_batch(4, 8))
        0.125
    """
    b = np.asarray(batch_size, dtype=float)
    out = 1.0 / b - (0.0 if n_examples is None else 1.0 / float(n_examples))
    return float(out) if out.ndim == 0 else out


def critical_from_noise_scale(b_simple: float, n_examples: int | None = None) -> float:
    """``B_crit`` of ``S(B) = S_min (1 + B_crit / B)`` implied by a noise scale ``B_simple``.

    ``S(B) = S_0 (1 + B_simple (1/B - 1/n))`` rewritten in that form; infinite when the noise
    dominates up to the whole pool (``B_simple >= n``).
    """
    if n_examples is None:
        return b_simple
    return b_simple / (1 - b_simple / n_examples) if b_simple < n_examples else math.inf


def lr_factor(rule: str, batch_size: float, reference_batch_size: float) -> float:
    """The multiplier a learning-rate ``rule`` applies to a base rate at ``batch_size``.

    ``"linear"``: ``B / B_ref`` (Goyal et al. 2017); ``"sqrt"``: ``sqrt(B / B_ref)``
    (Krizhevsky 2014; Hoffer et al. 2017); ``"none"``: 1.

    Example:
        >>> lr_factor("sqrt", 128, 32)
        2.0
    """
    ratio = batch_size / reference_batch_size
    if rule == "linear":
        return ratio
    if rule == "sqrt":
        return math.sqrt(ratio)
    if rule == "none":
        return 1.0
    raise ValueError(f"unknown learning-rate rule {rule!r}; use one of {', '.join(LR_RULES)}")
