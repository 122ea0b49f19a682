"""The one registry of quantities, found in the package's modules.

Every public module of :mod:`batchlab.quantities` (a name without a leading underscore) is a
quantity module: the :class:`Quantity` records it holds at module level are registered, in the
order of the modules' names and then of their definitions. Helpers live in ``_private``
modules. So adding a quantity is adding its module (and its test); nothing else lists it.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from batchlab._suggest import did_you_mean
from batchlab.errors import BatchlabError
from batchlab.quantities._quantity import SCHEDULES, Quantity

_PACKAGE = __name__.rpartition(".")[0]


def _discover() -> dict[str, Quantity]:
    found: dict[str, Quantity] = {}
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if module.name.startswith("_"):
            continue
        held = vars(importlib.import_module(f"{_PACKAGE}.{module.name}")).values()
        quantities = [q for q in held if isinstance(q, Quantity)]
        if not quantities:
            raise ImportError(f"{_PACKAGE}.{module.name} holds no Quantity; helpers go in _modules")
        for quantity in quantities:
            if found.setdefault(quantity.name, quantity) is not quantity:
                raise ImportError(f"two quantities are named {quantity.name!r}")
    return found


QUANTITIES: dict[str, Quantity] = _discover()
"""Every quantity by its diagnostics-table name."""


def names(schedule: str | None = None) -> tuple[str, ...]:
    """The registered quantities' names, those measured on ``schedule`` (one of SCHEDULES) or all.

    Example:
        >>> "epoch_distance" in names("every_epoch"), "epoch_distance" in names("scheduled")
        (True, False)
    """
    if schedule is not None and schedule not in SCHEDULES:
        raise BatchlabError(
            f"unknown schedule {schedule!r}; schedules are {list(SCHEDULES)}"
            + did_you_mean(schedule, SCHEDULES)
        )
    return tuple(n for n, q in QUANTITIES.items() if schedule in (None, q.schedule))
