"""The ``[sweep]`` section: the (batch size, learning rate) combinations x momentum x seeds."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from batchlab._seeds import MAX_SEED
from batchlab.errors import SpecError
from batchlab.study import _check as c
from batchlab.study._fields import (
    Section,
    axis,
    batch_size_value,
    learning_rate_value,
    momentum_value,
    set_field,
)


@dataclass(frozen=True, kw_only=True)
class Point(Section):
    """One explicit (batch size, learning rate) combination of a sweep."""

    SECTION: ClassVar[str] = "sweep.points"

    batch_size: int | str
    """Examples per update: a positive integer, ``"full"``, or a flavor name
    (``"batch"`` = full, ``"stochastic"`` = 1, ``"minibatch"`` = 32)."""
    learning_rate: float
    """The (base) learning rate, > 0."""

    def __post_init__(self) -> None:
        self._normalize("point")

    def _normalize(self, path: str) -> Point:
        set_field(self, "batch_size", batch_size_value(self.batch_size, f"{path}.batch_size"))
        set_field(
            self, "learning_rate", learning_rate_value(self.learning_rate, f"{path}.learning_rate")
        )
        return self


@dataclass(frozen=True, kw_only=True)
class Sweep(Section):
    """The trials of a study: (batch size, learning rate) combinations x momentum x seeds.

    The (batch size, learning rate) combinations come in one of two forms, never both:

    * a **grid**: ``batch_size`` and ``learning_rate`` axes, all of their combinations
      (``batch_size = [16, 32]``, ``learning_rate = [0.01, 0.1]`` -> 4 combinations);
    * explicit **points**: a list of ``[[sweep.points]]`` tables, each one (batch_size,
      learning_rate) pair, for experiments that are not a full product (seed 003 compares
      batch GD at 0.01, SGD at 0.01 and 0.001, and mini-batch 32 at 0.01).

    Either way, every combination is crossed with every ``momentum`` and every seed. The
    points form was chosen over "several sweeps per study" because a study stays one table
    of trials with one set of seeds and one momentum axis, and overrides such as
    ``--seeds`` still mean one thing.
    """

    SECTION: ClassVar[str] = "sweep"

    batch_size: tuple[int | str, ...] = ()
    """Batch-size axis: positive integers, ``"full"`` (the whole training set, resolved when
    the dataset is loaded), or a flavor name (``"batch"`` = full, ``"stochastic"`` = 1,
    ``"minibatch"`` = 32). Empty when ``points`` is used."""
    learning_rate: tuple[float, ...] = ()
    """Learning-rate axis (> 0). With an ``lr_rule`` other than ``"none"`` these are the rates
    at the rule's reference batch size. Empty when ``points`` is used."""
    momentum: tuple[float, ...] | None = None
    """Momentum axis, each in [0, 1). ``None`` (the default) means the optimizer's own: 0 for
    SGD, ``optimizer.beta_1`` for Adam. For Adam the values are beta_1."""
    seeds: int | tuple[int, ...] = 1
    """An int N (seeds 0..N-1) or an explicit list of distinct non-negative seeds."""
    points: tuple[Point, ...] = ()
    """Explicit (batch_size, learning_rate) combinations, instead of the two axes."""
    schedule: tuple[str, ...] | None = None
    """Schedule axis: names of the study's ``[schedules.NAME]`` tables, each crossed with
    every combination (``None``: no schedule, a constant rate after warmup and batch size)."""

    def __post_init__(self) -> None:
        if self.points:
            points = []
            for path, raw in c.items(self.points, "sweep.points", scalar_ok=False):
                if isinstance(raw, Point):
                    batch, rate = raw.batch_size, raw.learning_rate
                elif isinstance(raw, Mapping):
                    c.check_keys(raw, ["batch_size", "learning_rate"], "sweep.points")
                    for key in ("batch_size", "learning_rate"):
                        if key not in raw:
                            raise SpecError(f"{path} has no {key!r}")
                    batch, rate = raw["batch_size"], raw["learning_rate"]
                else:
                    raise c.fail(path, raw, "expected a table with batch_size and learning_rate")
                point = object.__new__(Point)
                set_field(point, "batch_size", batch)
                set_field(point, "learning_rate", rate)
                points.append(point._normalize(path))
            set_field(self, "points", tuple(points))
            for name in ("batch_size", "learning_rate"):
                if getattr(self, name) not in ((), []):
                    raise c.fail(
                        f"sweep.{name}",
                        getattr(self, name),
                        "give either the batch_size and learning_rate axes or [[sweep.points]], "
                        "not both",
                    )
            set_field(self, "batch_size", ())
            set_field(self, "learning_rate", ())
            c.unique(self.pairs, "sweep.points")
        else:
            set_field(self, "points", ())
            hint = "(or list explicit [[sweep.points]])"
            set_field(
                self,
                "batch_size",
                axis(self.batch_size, "sweep.batch_size", batch_size_value, f"batch size {hint}"),
            )
            set_field(
                self,
                "learning_rate",
                axis(
                    self.learning_rate,
                    "sweep.learning_rate",
                    learning_rate_value,
                    f"learning rate {hint}",
                ),
            )
        if self.schedule is not None:
            set_field(
                self,
                "schedule",
                axis(self.schedule, "sweep.schedule", c.string, "schedule name"),
            )
        if self.momentum is not None:
            set_field(
                self,
                "momentum",
                axis(self.momentum, "sweep.momentum", momentum_value, "momentum value"),
            )
        if isinstance(self.seeds, int) and not isinstance(self.seeds, bool):
            set_field(
                self, "seeds", c.integer(self.seeds, "sweep.seeds", minimum=1, maximum=MAX_SEED)
            )
        else:
            seeds = axis(
                self.seeds,
                "sweep.seeds",
                lambda v, p: c.integer(v, p, minimum=0, maximum=MAX_SEED),
                "seed",
            )
            set_field(self, "seeds", seeds)

    @property
    def seed_values(self) -> tuple[int, ...]:
        """The seeds, explicit: ``seeds = 3`` -> ``(0, 1, 2)``. Builds the whole tuple: check
        :attr:`n_seeds` first where the count may be huge."""
        if isinstance(self.seeds, int):
            return tuple(range(self.seeds))
        return self.seeds

    @property
    def n_seeds(self) -> int:
        """How many seeds, by arithmetic (``seeds = 10**9`` builds nothing)."""
        return self.seeds if isinstance(self.seeds, int) else len(self.seeds)

    @property
    def n_schedules(self) -> int:
        """How many schedules each combination runs under (1 without a schedule axis)."""
        return len(self.schedule) if self.schedule else 1

    @property
    def n_pairs(self) -> int:
        """How many (batch size, learning rate) combinations, by arithmetic."""
        if self.points:
            return len(self.points)
        return len(self.batch_size) * len(self.learning_rate)

    @property
    def pairs(self) -> tuple[tuple[int | str, float], ...]:
        """(batch_size, learning_rate) combinations in trial order: the points as listed, or
        the grid with the batch size varying slowest."""
        if self.points:
            return tuple((p.batch_size, p.learning_rate) for p in self.points)
        return tuple(itertools.product(self.batch_size, self.learning_rate))

    @property
    def batch_sizes(self) -> tuple[int | str, ...]:
        """The distinct batch sizes, in order of first appearance."""
        return tuple(dict.fromkeys(b for b, _ in self.pairs))

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.points:
            del out["batch_size"], out["learning_rate"]
            out["points"] = [p.to_dict() for p in self.points]
        else:
            del out["points"]
        return out
