"""Numbers as text and data as JSON, written once for the analysis, the report and the CLI.

A leaf module (the standard library and NumPy only). Every helper prints :data:`NA` for a
value that is not available (None, NaN, infinity), so a missing number reads the same in a
sentence, a report table and a terminal table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

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


def amount(value: float | None, unit: str) -> str:
    """:func:`num` and its unit, singular for exactly one: ``1 epoch``, ``1.5 epochs``.

    Example:
        >>> amount(1.0, "epochs"), amount(2.5, "epochs"), amount(1500, "updates")
        ('1 epoch', '2.5 epochs', '1,500 updates')
    """
    text = num(value)
    return f"{text} {unit[:-1] if text == '1' and unit.endswith('s') else unit}"


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


SEEDS_FOR_CI = 5
"""The fewest seeds for which an interval over seeds is a Student-t interval.

Below it the seeds' range (lowest to highest) is shown instead, and with one seed the value
alone. Why 5: the expected width of a 95% t-interval over n normal values, against their
expected range, is 12.7 times at n = 2, 2.6 at 3, 1.4 at 4 and 1.0 at 5 (0.8 at 6). Below 5
seeds a t-interval claims a spread far wider than anything the seeds showed (two seeds 1
point apart give +/- 6.4 points); from 5 on it is no wider than their range, and the
t-interval's coverage is the better statement."""

INTERVAL_NOTE = (
    "Intervals over seeds: a {level} Student-t interval from {seeds} seeds on; with 2 to "
    "{fewer} seeds the seeds' range (lowest to highest) instead, as a t-interval from so few is "
    "far wider than anything they showed (more seeds are needed for an interval); with 1 seed "
    "the value alone. Every interval is cut at what is possible: accuracies to 0-100%, costs "
    "and losses at 0."
)
"""The rule for intervals, said once per output (``.format(level=..., seeds=..., fewer=...)``:
see :func:`interval_note`)."""


def spread_kind(n: float | None) -> str:
    """What the interval of ``n`` values is: ``"none"`` (no value), ``"one"`` (the value
    alone), ``"range"`` (2 to :data:`SEEDS_FOR_CI` - 1 values: lowest to highest) or ``"ci"``
    (a Student-t interval).

    Example:
        >>> [spread_kind(n) for n in (0, 1, 2, 4, 5, 10)]
        ['none', 'one', 'range', 'range', 'ci', 'ci']
    """
    if _missing(n) or n < 1:
        return "none"
    if n < 2:
        return "one"
    return "range" if n < SEEDS_FOR_CI else "ci"


def summary_cells(row) -> tuple[str, str, str]:
    """A summary row's final train accuracy, final test accuracy (in %) and epochs to target,
    each with its interval (:func:`ci`): the cells ``batchlab show`` and the notebook print.
    ``row`` is a row of :attr:`batchlab.analysis.Summary.table_` (attribute access)."""

    def cell(stem: str, scale: float = 100.0) -> str:
        return ci(*(getattr(row, f"{stem}_{part}") for part in ("mean", "lo", "hi", "n")), scale)

    train, test, epochs = SUMMARY_CELL_STEMS
    return cell(train), cell(test), cell(epochs, 1.0)


SUMMARY_CELL_STEMS = ("final_train_accuracy", "final_test_accuracy", "epochs_to_target")
"""The summary statistics :func:`summary_cells` prints (each ``<stem>_n`` says over how many
seeds it is, and so which interval rule its cell follows)."""


def interval_note(confidence: float = 0.95) -> str:
    """:data:`INTERVAL_NOTE` at the confidence ``confidence``.

    Example:
        >>> interval_note()[:62]
        'Intervals over seeds: a 95% Student-t interval from 5 seeds on'
    """
    return INTERVAL_NOTE.format(
        level=pct(confidence, None), seeds=SEEDS_FOR_CI, fewer=SEEDS_FOR_CI - 1
    )


def seeds(n: int) -> str:
    """``1 seed``, ``3 seeds``."""
    return f"{n} seed" if n == 1 else f"{n} seeds"


def ci(
    mean: float | None,
    lo: float | None,
    hi: float | None,
    n: float | None,
    scale: float = 100.0,
) -> str:
    """A table cell: the mean of ``n`` seeds with its interval, both times ``scale`` (100:
    accuracies in %), by the rule of :data:`SEEDS_FOR_CI`.

    ``mean ± half-width`` from 5 seeds on, ``mean (lowest-highest)`` for 2 to 4 seeds,
    ``mean (1 seed)`` for one, the mean alone when the interval is not finite.

    Example:
        >>> ci(0.8, 0.78, 0.82, 5), ci(12.0, 10.0, 14.0, 3, scale=1.0), ci(0.8, 0.8, 0.8, 1)
        ('80.0 ± 2.0', '12.0 (10.0–14.0)', '80.0 (1 seed)')
    """
    if _missing(mean):
        return NA
    kind = spread_kind(n)
    main = f"{mean * scale:.1f}"
    if kind == "one":
        return f"{main} (1 seed)"
    if kind == "none" or _missing(lo) or _missing(hi):
        return main
    if kind == "range":
        return f"{main} ({lo * scale:.1f}–{hi * scale:.1f})"
    return f"{main} ± {(hi - lo) / 2 * scale:.1f}"


def spread(
    lo: float | None,
    hi: float | None,
    n: float | None,
    show: Callable[[float], str] = num,
    confidence: float = 0.95,
) -> str:
    """The interval of ``n`` seeds' values in words, by the rule of :data:`SEEDS_FOR_CI`:
    ``95% CI lo to hi``, ``range lo to hi over 3 seeds``, ``1 seed``, ``the same in all 3
    seeds``; empty when there is no value or the bounds are not finite. ``show`` formats a
    bound.

    Example:
        >>> spread(10.0, 14.5, 6), spread(10.0, 14.5, 3), spread(12.0, 12.0, 1)
        ('95% CI 10 to 14.5', 'range 10 to 14.5 over 3 seeds', '1 seed')
    """
    kind = spread_kind(n)
    if kind == "one":
        return "1 seed"
    if kind == "none" or _missing(lo) or _missing(hi):
        return ""
    if lo == hi:
        return "the same in both seeds" if n == 2 else f"the same in all {seeds(int(n))}"
    if kind == "range":
        return f"range {show(lo)} to {show(hi)} over {seeds(int(n))}"
    return f"{pct(confidence, None)} CI {show(lo)} to {show(hi)}"


def interval(
    lo: float | None, hi: float | None, floor: float = -math.inf, ceiling: float = math.inf
) -> tuple[float, float] | None:
    """``(lo, hi)`` cut at what is possible (``floor``, ``ceiling``), for display.

    None when the interval is not finite or is one point (one seed, or seeds that all
    agree): there is then no interval to show.

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
    import numpy as np  # here, not at the top: `batchlab --help` never needs NumPy

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
        >>> import numpy as np
        >>> to_json_safe({"b": np.int64(4), "s": [np.float32(0.5), float("inf")], 1: np.bool_(1)})
        {'b': 4, 's': [0.5, None], '1': True}
    """
    import numpy as np

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
