"""The shared base of every gradient statistic: a name, the stats it yields, a compute.

A quantity is one row family of the diagnostics table (``docs/schema.md``): its ``name`` is the
table's ``quantity`` column, ``stats`` the values of the ``stat`` column it produces. ``compute``
is a pure function of a :class:`~batchlab.quantities._probe.Probe` (one trial's inputs and the
intermediates that several quantities share) and returns ``{stat: array}``: a scalar, or, when
``per_batch_size`` is true, an array of shape ``(len(probe.batch_sizes),)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

import jax


class Quantity(NamedTuple):
    """One gradient statistic: what it is called, what it yields, how it is computed."""

    name: str
    """The diagnostics table's ``quantity``, e.g. ``"grad_norm_sq"``."""
    stats: tuple[str, ...]
    """The ``stat`` values it yields, e.g. ``("mean", "std")``."""
    per_batch_size: bool
    """True when it is sampled at each of the probe's batch sizes."""
    compute: Callable[[Any], dict[str, jax.Array]]
    """``probe -> {stat: value}``; pure, jit- and vmap-able."""


_KEY = re.compile(r"^(?P<quantity>\w+)(?:\[(?P<batch_size>\d+)\])?\.(?P<stat>\w+)$")


def format_key(quantity: str, stat: str, batch_size: int | None = None) -> str:
    """The flat key of one measured value: ``"trace_cov.value"``, ``"grad_norm_sq[32].mean"``."""
    where = "" if batch_size is None else f"[{int(batch_size)}]"
    return f"{quantity}{where}.{stat}"


def parse_key(key: str) -> tuple[str, int | None, str]:
    """Invert :func:`format_key`: ``"grad_norm_sq[32].mean" -> ("grad_norm_sq", 32, "mean")``."""
    match = _KEY.match(key)
    if match is None:
        raise ValueError(f"not a diagnostics key: {key!r}")
    batch_size = match["batch_size"]
    return match["quantity"], None if batch_size is None else int(batch_size), match["stat"]
