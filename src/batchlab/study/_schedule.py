"""Schedules: how a trial's learning rate and batch size change over its epochs.

A study names its schedules in ``[schedules.NAME]`` tables and sweeps over them with the
sweep's ``schedule`` axis (every (batch size, rate) combination x schedule x momentum x
seed). A schedule has a ``learning_rate`` part and a ``batch_size`` part, each an inline
table with a ``kind``::

    [schedules.decay-rate]
    learning_rate = {kind = "step", epochs = [10, 20], factor = 0.2}

    [schedules.increase-batch]
    batch_size = {kind = "step", epochs = [10, 20], factor = 5}

    [schedules.adaptive]
    batch_size = {kind = "adaptive", min = 16, max = 512}

    [sweep]
    schedule = ["decay-rate", "increase-batch"]

Epochs are 0-based boundaries: ``epochs = [10]`` changes the value for the updates of the
11th epoch on (after 10 epochs have been trained). Learning-rate kinds (each a multiplier of
the trial's peak rate, times the ``lr_rule`` warmup ramp):

- ``constant`` (the default): 1.
- ``step``: times ``factor`` at each of ``epochs`` (Goyal et al. 2017; He et al. 2016).
- ``cosine``: ``floor + (1 - floor) (1 + cos(pi t / E)) / 2`` over the study's ``E`` epochs,
  ``t`` the epoch of the update, fractional (Loshchilov & Hutter 2017).
- ``linear``: from 1 to ``floor`` linearly over the ``E`` epochs.

Batch-size kinds:

- ``constant`` (the default): the trial's batch size throughout.
- ``step``: times ``factor`` (rounded, at most the training-set size) at each of ``epochs``
  (Smith, Kindermans, Ying & Le 2018, "Don't Decay the Learning Rate, Increase the Batch
  Size"); or explicit ``sizes``, one per boundary.
- ``adaptive``: at each epoch boundary (every ``every`` epochs) the trial's own measured
  B_simple (the gradient noise scale, McCandlish et al. 2018) sets the batch size: the power
  of 2 nearest to it, clipped to [``min``, ``max``], never decreasing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from batchlab.study import _check as c

RATE_KINDS = ("constant", "step", "cosine", "linear")
"""Learning-rate schedule kinds."""
BATCH_KINDS = ("constant", "step", "adaptive")
"""Batch-size schedule kinds."""

_RATE_KEYS = {
    "constant": ("kind",),
    "step": ("kind", "epochs", "factor"),
    "cosine": ("kind", "floor"),
    "linear": ("kind", "floor"),
}
_BATCH_KEYS = {
    "constant": ("kind",),
    "step": ("kind", "epochs", "factor", "sizes"),
    "adaptive": ("kind", "min", "max", "every", "start"),
}


def _boundaries(value: Any, path: str) -> tuple[int, ...]:
    epochs = tuple(c.integer(v, p, minimum=1) for p, v in c.items(value, path))
    c.non_empty(epochs, path, "epoch")
    if list(epochs) != sorted(set(epochs)):
        raise c.fail(path, list(epochs), "epochs must be increasing, each once")
    return epochs


def _kind_table(value: Any, path: str, kinds: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    if isinstance(value, str):
        value = {"kind": value}
    data = dict(c.table(value, path))
    if "kind" not in data:
        raise c.fail(path, data, f"needs a 'kind', one of {', '.join(map(repr, kinds))}")
    kind = c.choice(data["kind"], f"{path}.kind", kinds)
    c.check_keys(data, kinds[kind], path)
    return data


@dataclass(frozen=True)
class RateSchedule:
    """The learning-rate part of a schedule: a multiplier of the peak rate per epoch."""

    kind: str = "constant"
    epochs: tuple[int, ...] = ()
    factor: float = 1.0
    floor: float = 0.0

    @classmethod
    def parse(cls, value: Any, path: str) -> RateSchedule:
        data = _kind_table(value, path, _RATE_KEYS)
        kind = data["kind"]
        if kind == "step":
            for key in ("epochs", "factor"):
                if key not in data:
                    raise c.fail(path, data, f"a 'step' schedule needs {key!r}")
            factor = c.number(data["factor"], f"{path}.factor")
            if factor <= 0:
                raise c.fail(f"{path}.factor", factor, "must be > 0 (0.1 divides the rate by 10)")
            return cls("step", _boundaries(data["epochs"], f"{path}.epochs"), factor)
        if kind in ("cosine", "linear"):
            floor = c.number(data.get("floor", 0.0), f"{path}.floor")
            if not 0.0 <= floor <= 1.0:
                raise c.fail(f"{path}.floor", floor, "a fraction of the peak rate, in [0, 1]")
            return cls(kind, floor=floor)
        return cls()

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "step":
            return {"kind": "step", "epochs": list(self.epochs), "factor": self.factor}
        if self.kind in ("cosine", "linear"):
            return {"kind": self.kind, "floor": self.floor}
        return {"kind": "constant"}

    def multiplier(self, epoch: float, total_epochs: int) -> float:
        """The multiplier at (fractional, 0-based) ``epoch`` of ``total_epochs``, in plain
        Python: the reference the engine's optax schedule is tested against."""
        if self.kind == "step":
            return self.factor ** sum(epoch >= b for b in self.epochs)
        t = min(max(epoch / total_epochs, 0.0), 1.0)
        if self.kind == "cosine":
            return self.floor + (1.0 - self.floor) * 0.5 * (1.0 + math.cos(math.pi * t))
        if self.kind == "linear":
            return 1.0 + (self.floor - 1.0) * t
        return 1.0


@dataclass(frozen=True)
class BatchSchedule:
    """The batch-size part of a schedule."""

    kind: str = "constant"
    epochs: tuple[int, ...] = ()
    factor: float | None = None
    sizes: tuple[int, ...] = ()
    min: int = 1
    max: int | None = None
    every: int = 1
    start: int = 1

    @classmethod
    def parse(cls, value: Any, path: str) -> BatchSchedule:
        data = _kind_table(value, path, _BATCH_KEYS)
        kind = data["kind"]
        if kind == "step":
            if "epochs" not in data:
                raise c.fail(path, data, "a 'step' schedule needs 'epochs'")
            epochs = _boundaries(data["epochs"], f"{path}.epochs")
            if ("factor" in data) == ("sizes" in data):
                raise c.fail(
                    path,
                    data,
                    "give either 'factor' (B times factor at each epoch) "
                    "or 'sizes' (the batch size from each epoch on), not both",
                )
            if "factor" in data:
                factor = c.number(data["factor"], f"{path}.factor")
                if factor < 1:
                    raise c.fail(
                        f"{path}.factor",
                        factor,
                        "must be >= 1 (a batch-size schedule grows the batch)",
                    )
                return cls("step", epochs, factor=factor)
            sizes = tuple(
                c.integer(v, p, minimum=1) for p, v in c.items(data["sizes"], f"{path}.sizes")
            )
            if len(sizes) != len(epochs):
                raise c.fail(
                    f"{path}.sizes", list(sizes), f"one size per epoch in 'epochs' ({len(epochs)})"
                )
            return cls("step", epochs, sizes=sizes)
        if kind == "adaptive":
            low = c.integer(data.get("min", 1), f"{path}.min", minimum=1)
            high = data.get("max")
            if high is not None:
                high = c.integer(high, f"{path}.max", minimum=low)
            every = c.integer(data.get("every", 1), f"{path}.every", minimum=1)
            start = c.integer(data.get("start", 1), f"{path}.start", minimum=1)
            return cls("adaptive", min=low, max=high, every=every, start=start)
        return cls()

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "step":
            out: dict[str, Any] = {"kind": "step", "epochs": list(self.epochs)}
            if self.sizes:
                out["sizes"] = list(self.sizes)
            else:
                out["factor"] = self.factor
            return out
        if self.kind == "adaptive":
            out = {"kind": "adaptive", "min": self.min, "every": self.every, "start": self.start}
            if self.max is not None:
                out["max"] = self.max
            return out
        return {"kind": "constant"}

    def size_at(self, epoch: int, initial: int, n_train: int) -> int:
        """The batch size of 0-based ``epoch`` for a trial that starts at ``initial``
        (``step`` and ``constant``; an adaptive size depends on the run)."""
        k = sum(epoch >= b for b in self.epochs) if self.kind == "step" else 0
        if k == 0:
            return initial
        size = self.sizes[k - 1] if self.sizes else round(initial * self.factor**k)
        return max(1, min(int(size), n_train))

    @property
    def changes(self) -> bool:
        """Whether the batch size may change during training."""
        return self.kind != "constant"


@dataclass(frozen=True)
class Schedule:
    """A named schedule: a learning-rate part and a batch-size part."""

    name: str
    learning_rate: RateSchedule = RateSchedule()
    batch_size: BatchSchedule = BatchSchedule()

    def to_dict(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate.to_dict(),
            "batch_size": self.batch_size.to_dict(),
        }


CONSTANT = Schedule("")
"""A trial without a schedule: constant rate (after warmup) and batch size."""


def parse_schedules(value: Any) -> dict[str, dict[str, Any]]:
    """A study's ``schedules`` table, checked, in canonical plain form (name -> table)."""
    data = c.table(value, "schedules")
    out: dict[str, dict[str, Any]] = {}
    for name, table in data.items():
        if (
            not isinstance(name, str)
            or not name
            or not all(ch.isalnum() or ch in "._-" for ch in name)
        ):
            raise c.fail("schedules", name, "a schedule's name uses letters, digits, '.', '_', '-'")
        out[name] = schedule(name, table).to_dict()
    return out


def schedule(name: str, table: Any) -> Schedule:
    """A :class:`Schedule` from its table (``{"learning_rate": ..., "batch_size": ...}``)."""
    path = f"schedules.{name}"
    if isinstance(table, Schedule):
        return Schedule(name, table.learning_rate, table.batch_size)
    data = c.table(table, path)
    c.check_keys(data, ["learning_rate", "batch_size"], path)
    return Schedule(
        name,
        RateSchedule.parse(data.get("learning_rate", "constant"), f"{path}.learning_rate"),
        BatchSchedule.parse(data.get("batch_size", "constant"), f"{path}.batch_size"),
    )
