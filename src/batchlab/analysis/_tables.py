"""Small helpers shared by the analysis functions: column checks, specs, x-axes, intervals."""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from batchlab._columns import X_AXES
from batchlab._format import SEEDS_FOR_CI
from batchlab.errors import BatchlabError

DEFAULT_BY = ("batch_size", "learning_rate")


def require(table: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise BatchlabError naming the columns of ``columns`` that ``table`` lacks."""
    if not isinstance(table, pd.DataFrame):
        raise BatchlabError(f"{what} needs a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise BatchlabError(
            f"{what} needs the column(s) {', '.join(missing)}; the table has "
            f"{', '.join(map(str, table.columns)) or 'no columns'} (see docs/schema.md)"
        )


def spec_dict(spec: Any, what: str) -> dict[str, Any]:
    """A study spec as a dict: ``{}`` for None, a mapping as it is, a
    :class:`~batchlab.study.Study` as its ``to_dict()``, another dataclass as its fields."""
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        return dict(spec)
    if hasattr(spec, "to_dict"):
        return spec.to_dict()
    if dataclasses.is_dataclass(spec) and not isinstance(spec, type):
        return dataclasses.asdict(spec)
    raise BatchlabError(
        f"{what}: spec must be a Study, its to_dict() or a dataclass; got {type(spec).__name__}"
    )


def as_by(by: str | Sequence[str]) -> list[str]:
    """``by`` as a list of column names."""
    return [by] if isinstance(by, str) else list(by)


def x_column(x: str) -> str:
    """The history column behind an x-axis name."""
    try:
        return X_AXES[x]
    except KeyError:
        raise BatchlabError(f"x must be one of {', '.join(X_AXES)}; got {x!r}") from None


def check_confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise BatchlabError(f"confidence must lie strictly between 0 and 1; got {confidence!r}")
    return float(confidence)


EXACT_DOF = 200
"""Degrees of freedom up to which :func:`t_quantile` inverts the closed form itself."""


@functools.lru_cache(maxsize=256)
def t_quantile(p: float, dof: int) -> float:
    """Student's t quantile: the t with P(T <= t) = ``p`` for ``dof`` degrees of freedom.

    For integer ``dof`` up to :data:`EXACT_DOF` the distribution function has a closed form
    (Abramowitz & Stegun 26.7.3-4: with theta = atan(t / sqrt(dof)), a finite sum in
    cos(theta)), inverted here by bisection in theta to the last bit; it agrees with
    ``scipy.special.stdtrit`` to 1e-12 (tested). SciPy itself is used past that, or for a
    fractional ``dof``: importing ``scipy.special`` costs 0.1-0.2 s, a fifth of the second
    ``batchlab show`` may take to start.

    Example:
        >>> round(t_quantile(0.975, 4), 6), round(t_quantile(0.5, 9), 6)
        (2.776445, 0.0)
    """
    if not 0 < p < 1:
        raise BatchlabError(f"t_quantile: p must lie strictly between 0 and 1; got {p!r}")
    if dof != int(dof) or not 1 <= dof <= EXACT_DOF:
        from scipy import special

        return float(special.stdtrit(dof, p))
    dof = int(dof)
    if p < 0.5:
        return -t_quantile(1 - p, dof)
    inside = 2 * p - 1  # P(|T| <= t)

    def central(theta: float) -> float:  # P(|T| <= sqrt(dof) tan(theta)), rising in theta
        c2, s = math.cos(theta) ** 2, math.sin(theta)
        term, total = 1.0, 1.0
        if dof % 2 == 0:  # sin(theta) (1 + 1/2 c^2 + 1.3/(2.4) c^4 + ... up to c^(dof-2))
            for k in range(1, dof // 2):
                term *= c2 * (2 * k - 1) / (2 * k)
                total += term
            return s * total
        for k in range(1, (dof - 1) // 2):  # 2/pi (theta + s c (1 + 2/3 c^2 + ...))
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        return 2 / math.pi * (theta + (s * math.cos(theta) * total if dof > 1 else 0.0))

    lo, hi = 0.0, math.pi / 2
    while True:
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if central(mid) < inside else (lo, mid)
    return math.sqrt(dof) * math.tan((lo + hi) / 2)


def t_interval(
    mean: np.ndarray, std: np.ndarray, n: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Student-t interval: mean -/+ t_{(1+c)/2, n-1} * std / sqrt(n).

    ``std`` is the sample standard deviation (ddof=1). Where n == 1 the interval is the single
    value (lower = upper = mean); where n == 0 it is NaN.
    """
    mean = np.asarray(mean, dtype=float)
    std = np.asarray(std, dtype=float)
    n = np.asarray(n, dtype=float)
    dof = np.where(n > 1, n - 1, 1).astype(int)
    quantiles = {d: t_quantile((1 + confidence) / 2, d) for d in np.unique(dof).tolist()}
    q = np.vectorize(quantiles.__getitem__, otypes=[float])(dof) if dof.size else dof * 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.where(n > 1, q * std / np.sqrt(np.where(n > 0, n, 1)), 0.0)
    half = np.where(n > 0, half, np.nan)
    return mean - half, mean + half


def possible_range(name: str) -> tuple[float, float]:
    """(floor, ceiling) of what a statistic named ``name`` can be: accuracies in [0, 1], an
    accuracy gap in [-1, 1], losses and costs to target from 0; anything else unbounded.

    Example:
        >>> possible_range("final_test_accuracy"), possible_range("updates_to_target")
        ((0.0, 1.0), (0.0, inf))
    """
    if "to_target" in name:
        return 0.0, math.inf
    if "gap" in name:
        return (-math.inf, math.inf) if "loss" in name else (-1.0, 1.0)
    if "accuracy" in name:
        return 0.0, 1.0
    if "loss" in name:
        return 0.0, math.inf
    return -math.inf, math.inf


def seed_interval(
    mean: np.ndarray,
    std: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    n: np.ndarray,
    confidence: float,
    bounds: tuple[float, float] = (-math.inf, math.inf),
) -> tuple[np.ndarray, np.ndarray]:
    """The interval over the seeds' values, elementwise, by the rule of
    :data:`~batchlab._format.SEEDS_FOR_CI`: a Student-t interval (:func:`t_interval`) from 5
    values on, the values' range (``low``, ``high``: their min and max) for 2 to 4, the value
    itself for 1 (lower = upper = mean), NaN for none; then cut at ``bounds`` (what is
    possible, :func:`possible_range`).

    Example (two seeds 1 point apart: their range, not a t-interval of +/- 6.4 points):
        >>> seed_interval([0.8], [0.00707], [0.795], [0.805], [2], 0.95)
        (array([0.795]), array([0.805]))
    """
    n = np.asarray(n, dtype=float)
    lo, hi = t_interval(mean, std, n, confidence)
    few = (n >= 2) & (n < SEEDS_FOR_CI)
    # the mean of equal values can round one ulp past them: keep lo <= mean <= hi
    mean = np.asarray(mean, dtype=float)
    lo = np.where(few, np.fmin(np.asarray(low, dtype=float), mean), lo)
    hi = np.where(few, np.fmax(np.asarray(high, dtype=float), mean), hi)
    floor, ceiling = bounds
    return np.clip(lo, floor, ceiling), np.clip(hi, floor, ceiling)


def mean_ci(
    values: pd.Series | np.ndarray,
    confidence: float,
    bounds: tuple[float, float] = (-math.inf, math.inf),
) -> tuple[float, float, float, int]:
    """(mean, lower, upper, n) of the finite values, with the interval of
    :func:`seed_interval`."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = v.size
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    m = float(v.mean())
    s = float(v.std(ddof=1)) if n > 1 else 0.0
    lo, hi = seed_interval([m], [s], [v.min()], [v.max()], [n], confidence, bounds)
    return m, float(lo[0]), float(hi[0]), n


def group_ci(
    table: pd.DataFrame,
    by: list[str],
    column: str,
    confidence: float,
    bounds: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Per group of ``by``: mean, lower, upper, n of the finite values of ``column``, with the
    interval of :func:`seed_interval` cut at ``bounds`` (default :func:`possible_range` of
    ``column``).

    Groups with no finite value are kept, with n = 0 and NaN statistics.
    """
    if not by:
        bounds = possible_range(column) if bounds is None else bounds
        values = table[column].astype(float)
        m, lo, hi, n = mean_ci(values.where(np.isfinite(values)), confidence, bounds)
        return pd.DataFrame({"mean": [m], "lower": [lo], "upper": [hi], "n": [n]})
    return group_cis(table, by, [column], confidence, bounds)[column].reset_index()


def group_cis(
    table: pd.DataFrame,
    by: list[str],
    columns: Sequence[str],
    confidence: float,
    bounds: tuple[float, float] | None = None,
) -> dict[str, pd.DataFrame]:
    """:func:`group_ci` of each of ``columns`` (``by`` not empty) from one grouping: per column
    a frame indexed by the groups with mean, lower, upper and n (each column cut at its own
    :func:`possible_range` unless ``bounds`` is given)."""
    values = table[list(columns)].astype(float)
    values = values.where(np.isfinite(values))
    stats = values.groupby([table[c] for c in by], sort=True, dropna=False).agg(
        ["mean", "std", "min", "max", "count"]
    )
    out = {}
    for column in columns:
        s = stats[column]
        lo, hi = seed_interval(
            s["mean"],
            s["std"].fillna(0.0),
            s["min"],
            s["max"],
            s["count"],
            confidence,
            possible_range(column) if bounds is None else bounds,
        )
        out[column] = pd.DataFrame(
            {"mean": s["mean"], "lower": lo, "upper": hi, "n": s["count"].astype("int64")},
            index=stats.index,
        )
    return out
