"""Small coercion helpers shared by the spec dataclasses.

Each helper takes the raw value and its dotted path (``sweep.learning_rate[2]``) and either
returns the normalized value or raises :class:`~batchlab.errors.SpecError` with a message of
the form ``<path> = <value>: <what is valid>``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from batchlab._suggest import did_you_mean as suggest
from batchlab.errors import SpecError


def show(value: Any) -> str:
    """The value as it appears in an error message (short, repr-like, on one line; an array
    as its shape and dtype, not its numbers).

    Example:
        >>> import numpy as np
        >>> show((np.zeros((100, 3)), [1, 2]))
        '(array of shape (100, 3) and dtype float64, [1, 2])'
    """
    text = " ".join(_brief(value).split())
    return text if len(text) <= 80 else text[:77] + "..."


def _brief(value: Any) -> str:
    if hasattr(value, "shape") and hasattr(value, "dtype"):  # NumPy, JAX, pandas arrays
        return f"array of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, tuple | list) and len(value) <= 8:
        inner = ", ".join(_brief(v) for v in value)
        return (
            f"({inner}{',' if len(value) == 1 else ''})"
            if isinstance(value, tuple)
            else f"[{inner}]"
        )
    return repr(value)


def fail(path: str, value: Any, what: str) -> SpecError:
    """A SpecError naming the field, the value and what would be valid."""
    return SpecError(f"{path} = {show(value)}: {what}")


def check_keys(data: Mapping[str, Any], valid: Iterable[str], section: str) -> None:
    """Raise for the first key of ``data`` that is not in ``valid``.

    ``section`` is the TOML table the keys belong to (``""`` for the top level).
    """
    valid = list(valid)
    for key in data:
        if not isinstance(key, str):
            raise fail(section or "study", key, "keys must be strings")
        if key not in valid:
            where = f"in [{section}]" if section else "at the top level"
            raise SpecError(
                f"unknown key {key!r} {where}{suggest(key, valid)} (valid keys: {', '.join(valid)})"
            )


def table(value: Any, path: str) -> Mapping[str, Any]:
    """A mapping (a TOML table)."""
    if not isinstance(value, Mapping):
        raise fail(path, value, "expected a table (a mapping of keys to values)")
    return value


def choice(value: Any, path: str, valid: Iterable[str]) -> str:
    """One of ``valid`` (case-sensitive)."""
    valid = list(valid)
    if not isinstance(value, str) or value not in valid:
        hint = suggest(value, valid) if isinstance(value, str) else ""
        raise fail(path, value, f"expected one of {', '.join(map(repr, valid))}{hint}")
    return value


def string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise fail(path, value, "expected a string")
    return value


def boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise fail(path, value, "expected true or false")
    return value


def integer(
    value: Any, path: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """An int (never a bool, never a float, even 2.0), in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(path, value, "expected an integer")
    value = int(value)
    if minimum is not None and value < minimum:
        raise fail(path, value, f"must be an integer >= {minimum}")
    if maximum is not None and value > maximum:
        raise fail(path, value, f"must be an integer <= {maximum}")
    return value


def number(value: Any, path: str) -> float:
    """A finite float (ints are accepted and converted)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(path, value, "expected a number")
    value = float(value)
    if not math.isfinite(value):
        raise fail(path, value, "must be a finite number (not NaN or infinity)")
    return value


def items(value: Any, path: str, *, scalar_ok: bool = True) -> list[tuple[str, Any]]:
    """``(path[i], item)`` pairs of a list; a lone scalar counts as a one-item list."""
    if isinstance(value, list | tuple):
        return [(f"{path}[{i}]", item) for i, item in enumerate(value)]
    if scalar_ok and not isinstance(value, Mapping):
        return [(f"{path}[0]", value)]
    raise fail(path, value, "expected a list")


def non_empty(values: tuple, path: str, what: str) -> tuple:
    if not values:
        raise SpecError(f"{path} is empty: give at least one {what}")
    return values


def unique(values: Iterable[Any], path: str) -> None:
    seen: dict[Any, int] = {}
    for i, value in enumerate(values):
        if value in seen:
            raise fail(
                f"{path}[{i}]", value, f"duplicate of {path}[{seen[value]}]; list each value once"
            )
        seen[value] = i


def plain(value: Any, path: str) -> Any:
    """A deep copy of free-form TOML data (model, dataset options) with lists for tuples.

    Rejects what TOML cannot hold (None, NaN, infinity, non-string keys, other objects).
    """
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise fail(path, key, "keys must be strings")
            out[key] = plain(item, f"{path}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return number(value, path)
    raise fail(path, value, "expected a string, number, boolean, list or table")
