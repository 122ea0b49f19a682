"""The building blocks of a study's sections: one base class and the shared field checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

from batchlab.study import _check as c

FULL = "full"
BATCH_FLAVORS: dict[str, int | str] = {
    "full": FULL,
    "batch": FULL,
    "stochastic": 1,
    "minibatch": 32,
}
"""Names accepted for a batch size: batch gradient descent (the whole training set),
stochastic gradient descent (one example) and Keras's default mini-batch (32)."""


def set_field(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def batch_size_value(value: Any, path: str) -> int | str:
    if isinstance(value, str):
        if value not in BATCH_FLAVORS:
            raise c.fail(
                path,
                value,
                "expected a positive integer or one of "
                f"{', '.join(map(repr, BATCH_FLAVORS))}{c.suggest(value, BATCH_FLAVORS)}",
            )
        return BATCH_FLAVORS[value]
    if isinstance(value, bool) or not isinstance(value, int):
        raise c.fail(path, value, "expected a positive integer or 'full'")
    if value <= 0:
        raise c.fail(path, value, "batch sizes must be >= 1 (or 'full' for the whole set)")
    return int(value)


def learning_rate_value(value: Any, path: str) -> float:
    value = c.number(value, path)
    if value <= 0:
        raise c.fail(path, value, "learning rates must be > 0")
    return value


def momentum_value(value: Any, path: str) -> float:
    value = c.number(value, path)
    if not 0.0 <= value < 1.0:
        raise c.fail(path, value, "momentum must be in [0, 1)")
    return value


def axis(value: Any, path: str, item, what: str) -> tuple:
    values = tuple(item(v, p) for p, v in c.items(value, path))
    c.non_empty(values, path, what)
    c.unique(values, path)
    return values


def section_value(cls: type, value: Any, path: str) -> Any:
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        return cls.from_dict(value)
    raise c.fail(path, value, f"expected a table or a {cls.__name__}")


class Section:
    """from_dict / to_dict shared by the sections of a study (``[sweep]``, ``[optimizer]`` ...)."""

    SECTION: ClassVar[str] = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """Build from a TOML table; unknown keys are errors (with the closest valid key)."""
        data = c.table(data, cls.SECTION)
        c.check_keys(data, [f.name for f in dataclasses.fields(cls)], cls.SECTION)
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON/TOML data; ``None`` fields are left out; tuples become lists."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out
