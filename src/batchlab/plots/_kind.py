"""What a figure kind is: a name, what it shows, what it needs, and how it is made.

Every kind's module (``curves``, ``gradients`` ...) declares its :class:`FigureKind` beside its
``make``; :mod:`batchlab.plots.registry` lists them all.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from batchlab.analysis.gradients import measured
from batchlab.errors import BatchlabError

#: a table of :class:`batchlab.store.Tables` -> what produces it (said when it is missing)
TABLES = {
    "history": "training the study (batchlab run STUDY)",
    "diagnostics": "a study run with [diagnostics] enabled = true (e.g. the builtin study "
    "seed004-gradients)",
    "spec": "the study's spec (batchlab.store.load gives it)",
}


class FigureUnavailable(BatchlabError):
    """The tables do not hold what a figure kind draws (a table, a quantity, a reached target)."""


@dataclass(frozen=True)
class FigureKind:
    """One kind of figure: what it needs from a study's tables, and how it is made."""

    name: str
    """Its name: ``batchlab plot --kind NAME``, ``batchlab.plots.figure(NAME, tables)``."""
    title: str
    """What it shows, in a few words (the report's section title)."""
    needs: tuple[str, ...]
    """The tables of :class:`batchlab.store.Tables` it is drawn from (keys of :data:`TABLES`):
    each must be there, with rows (the spec may be empty: it only gives defaults)."""
    make: Callable[..., Figure]
    """``make(tables, **options) -> Figure``: asks :mod:`batchlab.analysis` for the tables it
    draws, then draws them. Its keyword-only parameters are the kind's :attr:`options`."""
    quantities: tuple[str, ...] = ()
    """The diagnostics quantities it draws; each needs at least one finite value."""
    batch_sizes: int = 1
    """The fewest batch sizes the history must hold (a curve across batch sizes needs 2; more
    than 1 needs ``history``)."""
    source: str | None = None
    """Where its data comes from, when not from the usual source of its tables (a quantity
    measured only when a study names it): the error message's hint."""

    @property
    def options(self) -> tuple[str, ...]:
        """The options :attr:`make` takes (its keyword-only parameters), in order."""
        params = inspect.signature(self.make).parameters.values()
        return tuple(p.name for p in params if p.kind is p.KEYWORD_ONLY)

    def taking(self, **opts: Any) -> dict[str, Any]:
        """The options of ``opts`` that this kind takes (for a caller that holds several)."""
        return {name: value for name, value in opts.items() if name in self.options}

    def missing(self, tables: Any) -> str | None:
        """What ``tables`` lack for this figure and what produces it; None when nothing."""
        if isinstance(tables, pd.DataFrame):
            return (
                f"the {self.name!r} figure is made from a study's tables "
                "(batchlab.store.Tables: spec, trials, history, diagnostics), not one DataFrame; "
                "e.g. batchlab.store.load(study), or Tables({}, trials, history, diagnostics)"
            )
        for table in self.needs:
            if not _holds(tables, table):
                origin = self.source if table == "diagnostics" and self.source else TABLES[table]
                return (
                    f"the {self.name!r} figure needs the study's {table}, and the tables have "
                    f"none; it comes from {origin}"
                )
        lacking = [q for q in self.quantities if q not in measured(tables.diagnostics)]
        if lacking:
            return (
                f"the {self.name!r} figure needs the diagnostics quantities "
                f"{', '.join(self.quantities)}, and the study measured no {', '.join(lacking)}; "
                f"they come from {self.source or TABLES['diagnostics']}"
            )
        sizes = tables.history["batch_size"].nunique() if self.batch_sizes > 1 else 1
        if sizes < self.batch_sizes:
            return (
                f"the {self.name!r} figure needs at least {self.batch_sizes} batch sizes, and "
                f"the history has {sizes}; sweep more (sweep.batch_size)"
            )
        return None


def _holds(tables: Any, table: str) -> bool:
    """Whether ``tables`` has ``table``: a spec mapping (maybe empty), a table with rows."""
    value = getattr(tables, table, None)
    if table == "spec":
        return isinstance(value, Mapping)
    return value is not None and len(value) > 0


def only_rate(history: pd.DataFrame, learning_rate: float | None) -> pd.DataFrame:
    """The rows at ``learning_rate`` (all when None); raises naming the rates there are."""
    if learning_rate is None:
        return history
    rows = history[history["learning_rate"] == learning_rate]
    if rows.empty:
        rates = ", ".join(f"{r:g}" for r in sorted(history["learning_rate"].unique()))
        raise BatchlabError(f"learning_rate {learning_rate:g} is not in the study; it has {rates}")
    return rows
