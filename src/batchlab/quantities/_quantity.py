"""The shared base of every gradient statistic: a :class:`Quantity` record.

A quantity is one row family of the diagnostics table (``docs/schema.md``): its ``name`` is the
table's ``quantity`` column, ``stats`` the values of the ``stat`` column it produces. It
declares as data what it reads beyond the weights and the pool (``needs``, from
:data:`~batchlab.quantities.NEEDS`) and when the engine measures it (``schedule``, one of
:data:`SCHEDULES`). ``compute`` is a pure function of :class:`~batchlab.quantities.Inputs` and
returns ``{stat: array}``: a scalar, or, when ``per_batch_size`` is true, an array of shape
``(len(inputs.batch_sizes),)``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping

import jax

from batchlab.quantities._inputs import NEEDS, Inputs

SCHEDULES = ("scheduled", "every_epoch")
"""When the engine measures a quantity: ``"scheduled"``, at the study's diagnostics epochs (the
gradient statistics, a pass over the pool each); ``"every_epoch"``, after every epoch (cheap
statistics of the weights' motion)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Quantity:
    """One gradient statistic: its name, what it yields, what it reads, when, and how.

    Example:
        >>> q = Quantity(name="grad_mean_abs", stats=("value",), needs={"moments"},
        ...              schedule="scheduled",
        ...              compute=lambda inputs: {"value": abs(inputs.moments.mean).mean()})
        >>> sorted(q.needs)
        ['moments']
    """

    name: str
    """The diagnostics table's ``quantity``, e.g. ``"grad_norm_sq"``."""
    stats: tuple[str, ...]
    """The ``stat`` values it yields, e.g. ``("mean", "std")``."""
    needs: frozenset[str]
    """The optional fields of :class:`~batchlab.quantities.Inputs` that ``compute`` reads;
    the others are None when it runs."""
    schedule: str
    """When the engine measures it, one of :data:`SCHEDULES`."""
    compute: Callable[[Inputs], Mapping[str, jax.Array]]
    """``inputs -> {stat: value}``; pure, jit- and vmap-able."""
    per_batch_size: bool = False
    """True when it has one value per batch size of ``inputs.batch_sizes``."""
    default: bool = True
    """Measured when a study's ``[diagnostics] quantities`` is not given; False for a costly
    one that a study asks for by name (``sharpness``: many Hessian-vector products)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "needs", frozenset(self.needs))
        object.__setattr__(self, "stats", tuple(self.stats))
        if not re.fullmatch(r"\w+", self.name) or not self.stats:
            raise ValueError(f"quantity {self.name!r}: a \\w+ name and at least one stat")
        unknown = self.needs.difference(NEEDS)
        if unknown:
            raise ValueError(
                f"quantity {self.name!r}: unknown needs {sorted(unknown)}; needs are {list(NEEDS)}"
            )
        if self.schedule not in SCHEDULES:
            raise ValueError(
                f"quantity {self.name!r}: schedule {self.schedule!r} is not one "
                f"of {list(SCHEDULES)}"
            )
