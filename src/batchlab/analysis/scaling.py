"""How steps to a target scale with batch size, and where larger batches stop paying.

McCandlish et al. (2018, "An Empirical Model of Large-Batch Training", eqs. 2.11-2.12) model
the optimizer steps ``S`` and training examples ``E = S * B`` needed to reach a target as

    S(B) = S_min * (1 + B_crit / B),        E(B) = E_min * (1 + B / B_crit),

with ``E_min = S_min * B_crit``: below the critical batch size ``B_crit`` doubling the batch
nearly halves the steps, above it the steps hardly fall while the examples double. Shallue et
al. (2019, "Measuring the Effects of Data Parallelism on Neural Network Training") measured
three regimes of steps-to-target against batch size -- perfect scaling, diminishing returns,
no further benefit -- which :meth:`ScalingFit.regime` names on the fitted curve.

- :class:`ScalingFit` fits the model to (batch size, steps) points, estimator-style.
- :func:`steps_to_target_table` picks, per batch size, the learning rate that reaches the
  target in the fewest updates (the points to fit); :func:`fit_scaling` fits the curve to a
  study's eligible settings when they hold :data:`MIN_BATCH_SIZES` (3) batch sizes or more,
  the one rule the recommender and the scaling figure share.
- :func:`predict_from_noise_scale` turns a measured noise scale B_simple into the predicted
  curve's shape (B_crit ~ B_simple).
- :class:`InverseBatchFit` fits the 1/B law of mean squared batch-gradient norms,
  ``E|g_B|^2 = |G|^2 + tr(Sigma)/B`` (McCandlish et al. appendix A.1), whose slope over
  intercept is another estimate of B_simple.

Nothing here imports the engine or the store.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from batchlab._format import pct
from batchlab._laws import inverse_batch
from batchlab.analysis._tables import require, t_quantile
from batchlab.analysis.eligible import MIN_REACHED, eligible, rule_words
from batchlab.errors import BatchlabError

#: the regime names, from small to large batches
REGIMES = ("perfect scaling", "diminishing returns", "no further benefit")


def _positive_array(values, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise BatchlabError(f"{name} must be numbers; got {values!r}") from None
    if array.ndim > 1:
        raise BatchlabError(f"{name} must be a 1-d sequence; got shape {array.shape}")
    return np.atleast_1d(array)


def _model_log_steps(batch_size: np.ndarray, log_s_min: float, log_b_crit: float) -> np.ndarray:
    # log S = log S_min + log(1 + B_crit / B)
    return log_s_min + np.log1p(np.exp(log_b_crit) / batch_size)


def _exp(x: float) -> float:
    """``exp(x)``, infinite past the floats (an interval as wide as a fit through points that
    hardly bend has an upper end beyond them: unbounded, not an error)."""
    return math.exp(x) if x < 709.0 else math.inf


class ScalingFit:
    """Fit ``S(B) = S_min (1 + B_crit/B)`` to steps-to-target against batch size.

    The fit is least squares on ``log S``, with ``log S_min`` and ``log B_crit`` as the free
    parameters (``scipy.optimize.curve_fit``). Log space because steps-to-target span orders of
    magnitude across batch sizes and their run-to-run noise is multiplicative (a seed that is
    10% slow at B=16 is 10% slow at B=1024): equal weight per point on the relative scale keeps
    the few large-step small-batch points from dominating. The log parameters keep S_min and
    B_crit positive. Points with a non-finite or non-positive step count (target not reached)
    are left out; repeated batch sizes (one point per seed) are fine.

    Uncertainty: the covariance of the log parameters from ``curve_fit`` (residual variance
    estimated from the fit), a Student-t interval with ``n_points - 2`` degrees of freedom, and
    the delta method for ``log E_min = log S_min + log B_crit``; exponentiated, so intervals are
    asymmetric. With only two batch sizes (no residual degrees of freedom) they are NaN.

    Regimes, with ``tolerance`` t (default 0.2), on the fitted curve:

    - ``"perfect scaling"``: ``E(B) <= (1 + t) E_min``, i.e. ``B <= t * B_crit``: the examples
      needed are within 20% of the least possible, so doubling B nearly halves S (exactly:
      S(2B)/S(B) <= (1 + 1/(2t)) / (1 + 1/t) = 0.58 at t = 0.2).
    - ``"no further benefit"``: ``S(B) <= (1 + t) S_min``, i.e. ``B >= B_crit / t``: the steps
      are within 20% of the fewest possible.
    - ``"diminishing returns"``: in between, ``t * B_crit < B < B_crit / t``.

    Fitted attributes: ``s_min_``, ``b_crit_``, ``e_min_`` (= S_min * B_crit), ``*_ci_`` (lower,
    upper) at ``level``, ``cov_`` (2x2, of log S_min and log B_crit), ``n_points_``,
    ``log_residual_std_``, ``batch_sizes_`` and ``steps_`` (the points used).

    Example:
        >>> import numpy as np
        >>> b = np.array([8, 16, 32, 64, 128, 256, 512, 1024])
        >>> fit = ScalingFit().fit(b, 100 * (1 + 64 / b))
        >>> round(fit.b_crit_), round(fit.s_min_), round(fit.e_min_)
        (64, 100, 6400)
        >>> fit.regime([8, 64, 1024]).tolist()
        ['perfect scaling', 'diminishing returns', 'no further benefit']
    """

    def __init__(self, level: float = 0.95, tolerance: float = 0.2) -> None:
        self.level = level
        self.tolerance = tolerance

    @classmethod
    def from_parameters(
        cls, s_min: float | None, b_crit: float, tolerance: float = 0.2
    ) -> ScalingFit:
        """A curve with given ``S_min`` (None: unknown, NaN) and ``B_crit``, no uncertainty."""
        if not (np.isfinite(b_crit) and b_crit > 0):
            raise BatchlabError(f"b_crit must be a positive number; got {b_crit!r}")
        if s_min is not None and not (np.isfinite(s_min) and s_min > 0):
            raise BatchlabError(f"s_min must be a positive number or None; got {s_min!r}")
        fit = cls(tolerance=tolerance)
        fit.s_min_ = math.nan if s_min is None else float(s_min)
        fit.b_crit_ = float(b_crit)
        fit.e_min_ = fit.s_min_ * fit.b_crit_
        fit.s_min_ci_ = fit.b_crit_ci_ = fit.e_min_ci_ = (math.nan, math.nan)
        fit.cov_ = np.full((2, 2), np.nan)
        fit.n_points_ = 0
        fit.log_residual_std_ = math.nan
        fit.batch_sizes_ = np.empty(0)
        fit.steps_ = np.empty(0)
        return fit

    def fit(self, batch_sizes: Sequence[float], steps: Sequence[float]) -> ScalingFit:
        """Fit to points ``(batch_sizes[i], steps[i])``; returns ``self``."""
        if not 0 < self.level < 1:
            raise BatchlabError(f"level must lie strictly between 0 and 1; got {self.level!r}")
        self._check_tolerance()
        b = _positive_array(batch_sizes, "batch_sizes")
        s = _positive_array(steps, "steps")
        if b.shape != s.shape:
            raise BatchlabError(
                f"batch_sizes and steps must have the same length; got {b.size} and {s.size}"
            )
        if np.any(~np.isfinite(b) | (b <= 0)):
            raise BatchlabError(f"batch sizes must be positive numbers; got {b.tolist()}")
        keep = np.isfinite(s) & (s > 0)
        b, s = b[keep], s[keep]
        if np.unique(b).size < 2:
            raise BatchlabError(
                "ScalingFit needs steps-to-target at two or more distinct batch sizes; got "
                f"{np.unique(b).tolist()} (points that never reached the target are left out)"
            )
        log_s = np.log(s)
        start = self._start(b, s)
        from scipy import optimize  # here: importing it takes 0.2 s, and `show` never fits

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optimize.OptimizeWarning)
            try:
                params, cov = optimize.curve_fit(_model_log_steps, b, log_s, p0=start, maxfev=20000)
            except RuntimeError as error:
                raise BatchlabError(
                    f"ScalingFit did not converge on batch sizes {b.tolist()} and steps "
                    f"{s.tolist()}: the points may not bend (all in one regime) ({error})"
                ) from None
        log_s_min, log_b_crit = (float(p) for p in params)
        dof = b.size - 2
        resid = log_s - _model_log_steps(b, log_s_min, log_b_crit)
        self.s_min_ = math.exp(log_s_min)
        self.b_crit_ = math.exp(log_b_crit)
        self.e_min_ = self.s_min_ * self.b_crit_
        self.n_points_ = int(b.size)
        self.log_residual_std_ = float(np.sqrt(np.sum(resid**2) / dof)) if dof > 0 else math.nan
        self.cov_ = np.asarray(cov, dtype=float) if dof > 0 else np.full((2, 2), np.nan)
        # variances of log S_min, log B_crit and log E_min = log S_min + log B_crit
        var = [self.cov_[0, 0], self.cov_[1, 1], self.cov_.sum()]
        q = t_quantile((1 + self.level) / 2, max(dof, 1))
        cis = []
        for centre, v in zip((log_s_min, log_b_crit, log_s_min + log_b_crit), var, strict=True):
            if np.isfinite(v) and v >= 0:
                half = q * math.sqrt(v)
                cis.append((_exp(centre - half), _exp(centre + half)))
            else:
                cis.append((math.nan, math.nan))
        self.s_min_ci_, self.b_crit_ci_, self.e_min_ci_ = cis
        self.batch_sizes_, self.steps_ = b, s
        return self

    @staticmethod
    def _start(b: np.ndarray, s: np.ndarray) -> list[float]:
        # S = S_min + E_min / B is linear in 1/B: ordinary least squares gives a start.
        design = np.column_stack([np.ones_like(b), 1 / b])
        (s_min, e_min), *_ = np.linalg.lstsq(design, s, rcond=None)
        s_min = s_min if s_min > 0 else 0.5 * s.min()
        b_crit = e_min / s_min if e_min > 0 else b.min()
        return [math.log(s_min), math.log(b_crit)]

    def _check_tolerance(self) -> None:
        if not 0 < self.tolerance < 1:
            raise BatchlabError(
                f"tolerance must lie strictly between 0 and 1; got {self.tolerance!r}"
            )

    def _check_fitted(self) -> None:
        if not hasattr(self, "b_crit_"):
            raise BatchlabError("this ScalingFit is not fitted yet: call fit(batch_sizes, steps)")

    def predict_steps(self, batch_size) -> np.ndarray:
        """S(B) = S_min (1 + B_crit / B), elementwise."""
        self._check_fitted()
        b = np.asarray(batch_size, dtype=float)
        return self.s_min_ * (1 + self.b_crit_ / b)

    def predict_examples(self, batch_size) -> np.ndarray:
        """E(B) = S(B) * B = E_min (1 + B / B_crit), elementwise."""
        self._check_fitted()
        b = np.asarray(batch_size, dtype=float)
        return self.e_min_ * (1 + b / self.b_crit_)

    @property
    def regime_bounds_(self) -> tuple[float, float]:
        """(tolerance * B_crit, B_crit / tolerance): where the three regimes meet."""
        self._check_fitted()
        self._check_tolerance()
        return self.tolerance * self.b_crit_, self.b_crit_ / self.tolerance

    def regime(self, batch_size) -> str | np.ndarray:
        """The regime name of each batch size (see the class docstring); str for a scalar."""
        low, high = self.regime_bounds_
        b = np.asarray(batch_size, dtype=float)
        names = np.where(b <= low, REGIMES[0], np.where(b >= high, REGIMES[2], REGIMES[1]))
        return str(names) if names.ndim == 0 else names


def predict_from_noise_scale(
    b_simple: float, s_min: float | None = None, tolerance: float = 0.2
) -> ScalingFit:
    """The curve that the simple noise scale predicts: B_crit ~ B_simple.

    McCandlish et al. (2018, sec. 2.2-2.3) derive ``B_crit ~ B_noise = tr(H Sigma) / (G^T H G)``
    and approximate it by ``B_simple = tr(Sigma) / |G|^2``, which is exact when the Hessian H is
    a multiple of the identity; in their experiments B_crit tracks B_simple up to a roughly
    constant factor of order one (B_simple may over- or under-estimate by a few times), and the
    noise scale grows as training proceeds, so take B_simple measured near the time the target
    is reached. The prediction fixes the curve's shape (where it bends); its height S_min is
    not predicted: pass the fitted ``s_min`` to draw it over measured points, or leave it None
    (``predict_steps`` is then NaN, ``regime`` still works).

    Returns:
        A :class:`ScalingFit` made by :meth:`ScalingFit.from_parameters` with
        ``b_crit_ = b_simple``.
    """
    return ScalingFit.from_parameters(s_min=s_min, b_crit=float(b_simple), tolerance=tolerance)


def steps_to_target_table(summary: pd.DataFrame, min_reached_fraction: float = 1.0) -> pd.DataFrame:
    """Per batch size, the learning rate that reaches the target in the fewest updates.

    Args:
        summary: one row per (batch_size, learning_rate) with ``updates_to_target_mean``
            (and usually ``examples_to_target_mean``, ``reached_fraction``), as
            :func:`batchlab.analysis.summary` makes it; or one row per trial with
            ``updates_to_target`` (and optionally ``examples_to_target``), NaN when the target
            was not reached, which are first averaged per (batch_size, learning_rate).
        min_reached_fraction: a learning rate is eligible only where at least this fraction of
            its seeds reached the target (``reached_fraction``; default 1: every seed), so a
            rate that reached it once by luck does not win. Ignored when the column is absent.

    Returns:
        The chosen rows (all their columns), one per batch size that has an eligible rate,
        sorted by batch size; ties go to the lower learning rate. Batch sizes where no rate
        reached the target are left out. ``ScalingFit().fit(t.batch_size,
        t.updates_to_target_mean)`` fits the scaling curve to it.
    """
    if (
        isinstance(summary, pd.DataFrame)
        and "updates_to_target_mean" not in summary.columns
        and "updates_to_target" in summary.columns
    ):
        summary = _per_grid_point(summary)
    require(
        summary, ["batch_size", "learning_rate", "updates_to_target_mean"], "steps_to_target_table"
    )
    table = summary.copy()
    updates = table["updates_to_target_mean"].astype(float)
    eligible = np.isfinite(updates) & (updates > 0)
    if "reached_fraction" in table.columns:
        eligible &= table["reached_fraction"].astype(float) >= min_reached_fraction - 1e-12
    table = table[eligible]
    if table.empty:
        raise BatchlabError(
            "steps_to_target_table: no (batch size, learning rate) reached the target"
            + (
                f" in at least {pct(min_reached_fraction, 0)} of its seeds"
                if "reached_fraction" in summary.columns
                else ""
            )
        )
    table = table.sort_values(
        ["batch_size", "updates_to_target_mean", "learning_rate"], kind="stable"
    )
    return table.groupby("batch_size", sort=True).head(1).reset_index(drop=True)


def _per_grid_point(trials: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds of per-trial updates (and examples) to target, with reached_fraction."""
    require(trials, ["batch_size", "learning_rate", "updates_to_target"], "steps_to_target_table")
    columns = [c for c in ("updates_to_target", "examples_to_target") if c in trials.columns]
    grouped = trials.groupby(["batch_size", "learning_rate"], sort=True)
    out = grouped[columns].mean().add_suffix("_mean")
    out["n_seeds"] = grouped.size()
    out["reached_fraction"] = grouped["updates_to_target"].count() / out["n_seeds"]
    return out.reset_index()


MIN_BATCH_SIZES = 3
"""The fewest batch sizes the scaling curve is fitted to. The curve has two parameters, so it
passes exactly through any two points: they leave no residual degree of freedom, no interval
for B_crit and no check that the curve fits at all. Three is the least that tests anything."""


def fit_scaling(
    summary: pd.DataFrame,
    min_reached: float = MIN_REACHED,
    tolerance: float = 0.2,
    level: float = 0.95,
) -> tuple[pd.DataFrame, ScalingFit | None, str]:
    """The scaling curve of a study: ``(points, fit, reason)``; one rule for the recommender's
    regime and the scaling figure.

    ``points`` is :func:`steps_to_target_table` of the summary's eligible rows
    (:func:`~batchlab.analysis.eligible.eligible`: no seed diverged and at least
    ``min_reached`` of them reached the target), per batch size the rate with the fewest
    updates, with ``regime`` (None without a fit); empty when no row is eligible. ``fit`` is
    :class:`ScalingFit` on them when they hold :data:`MIN_BATCH_SIZES` or more batch sizes
    and the fit converges, else None, and ``reason`` says why (empty with a fit).

    Example (two batch sizes: points, but no curve):
        >>> table = pd.DataFrame({"batch_size": [8, 64], "learning_rate": 0.1,
        ...     "updates_to_target_mean": [90.0, 20.0], "reached_fraction": 1.0,
        ...     "diverged_fraction": 0.0})
        >>> points, fit, reason = fit_scaling(table)
        >>> points["batch_size"].tolist(), fit, reason[:48]
        ([8, 64], None, 'fitting how the updates to target fall with the ')
    """
    require(summary, ["batch_size", "reached_fraction", "diverged_fraction"], "fit_scaling")
    ok = summary[eligible(summary, min_reached)]
    try:
        points = steps_to_target_table(ok, min_reached_fraction=min_reached)
    except BatchlabError:
        points = ok.iloc[:0].copy()
    n = points["batch_size"].nunique()
    fit, reason = None, ""
    if n < MIN_BATCH_SIZES:
        reason = (
            f"fitting how the updates to target fall with the batch size needs "
            f"{MIN_BATCH_SIZES} or more batch sizes that {rule_words(min_reached)}; this study "
            f"has {n}"
        )
    else:
        try:
            fit = ScalingFit(level=level, tolerance=tolerance).fit(
                points["batch_size"], points["updates_to_target_mean"]
            )
        except BatchlabError as error:
            reason = f"the scaling curve could not be fitted ({error})"
    points["regime"] = fit.regime(points["batch_size"]) if fit is not None else None
    return points, fit, reason


class InverseBatchFit:
    """Fit the 1/B law ``mean |g_B|^2 = |G|^2 + tr(Sigma) * x(B)`` by (weighted) least squares.

    With ``n_examples=None``, ``x(B) = 1/B`` (McCandlish et al. 2018, eq. A.1: independent
    examples). With ``n_examples=n`` (batches of B distinct examples from a pool of n, as
    :mod:`batchlab.quantities.grad_norm` samples them), ``x(B) = 1/B - 1/n``, which makes the
    law exact for the unbiased tr(Sigma): ``E|g_B|^2 = |G|^2 + (1 - B/n) tr(Sigma)/B``.

    Pass ``sem``, the standard errors of the means (``std / sqrt(n_batches)`` of
    ``grad_norm_sq``), to weight each point by ``1/sem^2``: the small-batch means are far
    noisier than the large-batch ones, and weighting halves the error of the slope.

    Fitted: ``intercept_`` (|G|^2), ``slope_`` (tr(Sigma)), their standard errors
    ``intercept_se_`` and ``slope_se_`` (from the weighted residuals), ``r2_`` (coefficient of
    determination, with the same weights), ``b_simple_`` = slope / intercept.
    """

    def __init__(self, n_examples: int | None = None) -> None:
        self.n_examples = n_examples

    def fit(
        self,
        batch_sizes: Sequence[float],
        mean_sq_norms: Sequence[float],
        sem: Sequence[float] | None = None,
    ) -> InverseBatchFit:
        b = _positive_array(batch_sizes, "batch_sizes")
        y = _positive_array(mean_sq_norms, "mean_sq_norms")
        if b.shape != y.shape or np.unique(b).size < 2 or np.any(b <= 0):
            raise BatchlabError(
                "InverseBatchFit needs positive batch sizes (two or more distinct) and one mean "
                f"per batch size; got {b.tolist()} and {y.tolist()}"
            )
        w = np.ones_like(y)
        if sem is not None:
            se = _positive_array(sem, "sem")
            if se.shape != y.shape or np.any(~np.isfinite(se) | (se <= 0)):
                raise BatchlabError(f"sem must be positive, one per mean; got {se.tolist()}")
            w = 1 / se**2
        x = inverse_batch(b, self.n_examples)
        design = np.column_stack([np.ones_like(x), x])
        root = np.sqrt(w)
        coef, *_ = np.linalg.lstsq(design * root[:, None], y * root, rcond=None)
        resid = y - design @ coef
        dof = y.size - 2
        sigma2 = float(w @ resid**2) / dof if dof > 0 else math.nan
        cov = sigma2 * np.linalg.inv(design.T @ (design * w[:, None]))
        centre = float(w @ y / w.sum())
        total = float(w @ (y - centre) ** 2)
        self.intercept_, self.slope_ = float(coef[0]), float(coef[1])
        self.intercept_se_, self.slope_se_ = (float(np.sqrt(v)) for v in np.diag(cov))
        self.r2_ = 1 - float(w @ resid**2) / total if total > 0 else math.nan
        self.b_simple_ = self.slope_ / self.intercept_
        return self

    def predict(self, batch_size) -> np.ndarray:
        """The fitted mean |g_B|^2 at ``batch_size``."""
        return self.intercept_ + self.slope_ * inverse_batch(batch_size, self.n_examples)
