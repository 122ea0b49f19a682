"""Numbers as text and data as JSON, written once for the analysis, the report and the CLI.

A leaf module (the standard library and NumPy only). Every helper prints :data:`NA` for a
value that is not available (None, NaN, infinity), so a missing number reads the same in a
sentence, a report table and a terminal table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

NA = "—"
"""The text of a number that is not available (None, NaN or infinite)."""


def _missing(value: Any) -> bool:
    """Whether ``value`` is None or a number that is not finite."""
    return value is None or not math.isfinite(value)


def plural(n: int, word: str) -> str:
    """``1 epoch``, ``2 epochs``: a count and its noun, singular for one.

    Example:
        >>> plural(1, "epoch"), plural(3, "batch size")
        ('1 epoch', '3 batch sizes')
    """
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def num(value: float | None) -> str:
    """A count or a cost: whole numbers with separators from 100 up, else 3 significant digits.

    Example:
        >>> num(1500), num(12.5), num(0.525), num(float("nan"))
        ('1,500', '12.5', '0.525', '—')
    """
    if _missing(value):
        return NA
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def pct(value: float | None, digits: int | None = 1) -> str:
    """A fraction as a percentage with ``digits`` decimals (None: as few as needed).

    Example:
        >>> pct(0.8012), pct(0.5, 0), pct(0.95, None), pct(None)
        ('80.1%', '50%', '95%', '—')
    """
    if _missing(value):
        return NA
    if digits is None:
        return f"{100 * value:g}%"
    return f"{100 * value:.{digits}f}%"


def pts(value: float | None, spec: str = ".2g", unit: str = " percentage points") -> str:
    """A difference of two fractions in percentage points (``spec``: the number's format).

    Example:
        >>> pts(0.013), pts(0.013, ".2f", unit="")
        ('1.3 percentage points', '1.30')
    """
    if _missing(value):
        return NA
    return f"{100 * value:{spec}}{unit}"


def ci(mean: float | None, lo: float | None, hi: float | None, scale: float = 100.0) -> str:
    """``mean ± half-width`` of an interval, both times ``scale`` (100: accuracies in %).

    Without a finite interval only the mean is shown.

    Example:
        >>> ci(0.8, 0.78, 0.82), ci(12.0, 10.0, 14.0, scale=1.0), ci(0.8, None, None)
        ('80.0 ± 2.0', '12.0 ± 2.0', '80.0')
    """
    if _missing(mean):
        return NA
    if _missing(lo) or _missing(hi):
        return f"{mean * scale:.1f}"
    return f"{mean * scale:.1f} ± {(hi - lo) / 2 * scale:.1f}"


def interval(
    lo: float | None, hi: float | None, floor: float = -math.inf, ceiling: float = math.inf
) -> tuple[float, float] | None:
    """``(lo, hi)`` cut at what is possible (``floor``, ``ceiling``), for display.

    With two or three seeds a Student-t interval easily runs past the possible range (a cost
    below zero, an accuracy above 1). None when the interval is not finite or is one point
    (one seed, or seeds that all agree): there is then no interval to show.

    Example:
        >>> interval(-0.5, 3.0, floor=0.0), interval(2.0, 2.0)
        ((0.0, 3.0), None)
    """
    if _missing(lo) or _missing(hi) or lo == hi:
        return None
    return max(lo, floor), min(hi, ceiling)


def cell(value: Any) -> str:
    """Any value as a table cell: yes/no, whole numbers with separators, 4 significant digits.

    Example:
        >>> cell(True), cell(12000.0), cell(0.0123456), cell(None), cell("sgd")
        ('yes', '12,000', '0.01235', '—', 'sgd')
    """
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if value is None or isinstance(value, (float, np.floating)):
        if _missing(value):
            return NA
        value = float(value)
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"
    return str(value)


def to_json_safe(obj: Any) -> Any:
    """``obj`` as plain JSON data: NumPy scalars and arrays to Python, NaN and infinity to None.

    Mappings become dicts with string keys, tuples and arrays lists, recursively; anything
    else is returned as it is. ``json.dumps(to_json_safe(x), allow_nan=False)`` then succeeds
    for tables of numbers.

    Example:
        >>> to_json_safe({"b": np.int64(4), "s": [np.float32(0.5), float("inf")], 1: np.bool_(1)})
        {'b': 4, 's': [0.5, None], '1': True}
    """
    if isinstance(obj, Mapping):
        return {str(k): to_json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [to_json_safe(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    return obj
