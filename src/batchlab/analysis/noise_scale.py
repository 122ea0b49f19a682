"""Predict steps-to-target against batch size from a short run's gradient noise scale.

McCandlish et al. (2018, "An Empirical Model of Large-Batch Training") model the steps to a
target as ``S(B) = S_min (1 + B_crit / B)`` with ``B_crit`` close to the simple noise scale
``B_simple = tr(Sigma) / |G|^2``. A few epochs at ONE batch size, with ``B_simple`` measured
after every epoch, therefore predict the shape of the whole sweep's curve, and its height when
the short run reached the target (the anchor). :class:`NoiseScalePrediction` does that from the
short run's tables (history and diagnostics, as a study writes them); nothing is trained here.

**Which B_simple.** The noise scale grows as training proceeds (McCandlish et al. sec. 3;
seed 004's early and late gradients), so one number must summarize a path. Two choices:

- ``at="path"`` (default): the average of ``B_simple`` over the run up to the target, each
  stretch weighted by the noise-free progress made in it. In the model, an update at batch
  size B with local noise scale b(t) makes ``1 / (1 + b(t)/B)`` of the progress of a
  noise-free one, so ``S(B) = integral (1 + b(tau)/B) dtau`` over noise-free time tau: the
  curve keeps its form with ``B_crit`` = the tau-average of b and ``S_min`` = the total tau.
  From a run at ``B0``, an epoch of ``s`` updates spans ``dtau = s / (1 + b/B0)``.
- ``at="target"``: ``B_simple`` at the epoch the target was first reached (the last epoch
  when it was not), as :func:`~batchlab.analysis.scaling.predict_from_noise_scale` suggests.

Without a target, both stop at the short run's last epoch (and the curve has no height).

**Finite training sets.** Batches of B distinct examples from a pool of n carry the noise
``(1 - B/n) tr(Sigma)/B`` (``E|g_B|^2 = |G|^2 + (1 - B/n) tr(Sigma)/B``), so with
``n_examples=n`` the prediction is ``S(B) = S_0 (1 + B_simple (1/B - 1/n))`` (``S_0``: the
noise-free steps, reached at B = n). That is the same form ``S_min (1 + B_crit/B)`` with
``B_crit = B_simple / (1 - B_simple/n)`` and ``S_min = S_0 (1 - B_simple/n)``: compare this
``b_crit_`` with a :class:`~batchlab.analysis.scaling.ScalingFit`'s. When ``B_simple >= n`` the
noise dominates up to the full batch: ``b_crit_`` is infinite and every batch size is in the
perfect-scaling regime.

Also here: :func:`noise_scale_trajectory` (B_simple per trial and epoch) and
:func:`measured_scaling` (the fitted curve of a swept study, the points it was fitted to, and
the B_simple its diagnostics measured near the target), which the scaling figure draws.
Nothing here imports the engine or the store.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from batchlab._format import to_json_safe
from batchlab._laws import critical_from_noise_scale, inverse_batch
from batchlab.analysis._tables import require
from batchlab.analysis.eligible import MIN_REACHED, share
from batchlab.analysis.scaling import REGIMES, ScalingFit, fit_scaling, steps_to_target_table
from batchlab.analysis.summary import Summary, trial_summary
from batchlab.errors import BatchlabError

#: the ways :class:`NoiseScalePrediction` summarizes B_simple along the short run
AT = ("path", "target")

DIAGNOSTICS_NEEDS = ("trial", "epoch", "quantity", "stat", "value")
HISTORY_NEEDS = ("trial", "epoch", "batch_size", "learning_rate", "updates", "test_accuracy")


def noise_scale_trajectory(diagnostics: pd.DataFrame) -> pd.DataFrame:
    """B_simple, |G|^2 and tr(Sigma) per (trial, epoch), one row each, sorted.

    Columns: ``trial, epoch, b_simple, full_grad_norm_sq, trace_cov`` (NaN where a quantity
    was not measured), from the diagnostics rows with stat ``value`` (``study`` kept when
    present). Raises BatchlabError when no ``b_simple`` was measured.
    """
    require(diagnostics, DIAGNOSTICS_NEEDS, "noise_scale_trajectory")
    names = ("b_simple", "full_grad_norm_sq", "trace_cov")
    rows = diagnostics[diagnostics["quantity"].isin(names) & (diagnostics["stat"] == "value")]
    if not (rows["quantity"] == "b_simple").any():
        raise BatchlabError(
            "the diagnostics have no b_simple rows (quantity 'b_simple', stat 'value'); "
            "measure it (Cohort.measure, or a study with [diagnostics] enabled = true)"
        )
    keys = [k for k in ("study", "trial", "epoch") if k in rows.columns]
    wide = rows.pivot_table(index=keys, columns="quantity", values="value", aggfunc="mean")
    wide = wide.reindex(columns=list(names)).reset_index()
    wide.columns.name = None
    return wide.sort_values(keys, kind="stable").reset_index(drop=True)


def path_average(
    epochs: Sequence[float], b_simple: Sequence[float], batch_size: float, n_examples=None
) -> float:
    """The noise-free-progress average of B_simple along one run (``at="path"``).

    Between consecutive measured epochs ``e_a < e_b`` the noise scale is taken as the mean of
    its two ends, ``b``, and the stretch weighs ``(e_b - e_a) / (1 + b x)`` with
    ``x = 1/batch_size - 1/n_examples`` (``1/batch_size`` without a pool size): the noise-free
    progress of ``e_b - e_a`` epochs at that batch size (the updates per epoch cancel). One
    measured epoch: its value. Non-finite values are left out.
    """
    e = np.asarray(epochs, dtype=float)
    b = np.asarray(b_simple, dtype=float)
    keep = np.isfinite(e) & np.isfinite(b)
    e, b = e[keep], b[keep]
    if e.size == 0:
        return math.nan
    order = np.argsort(e, kind="stable")
    e, b = e[order], b[order]
    if e.size == 1:
        return float(b[0])
    x = inverse_batch(batch_size, n_examples)
    mid = (b[1:] + b[:-1]) / 2  # (stretches,)
    weight = np.diff(e) / (1 + mid * x)
    if weight.sum() <= 0:
        return float(b[-1])
    return float(weight @ mid / weight.sum())


_FITTED = (
    "target at n_examples tolerance batch_size_ learning_rate_ trials_ reached_ stop_epoch_ "
    "steps_ b_simple_ b_simple_std_ b_simple_path_ b_simple_target_ b_simple_init_ b_crit_ "
    "noise_free_steps_ s_min_ e_min_"
).split()
"""The settings and fitted scalars :meth:`NoiseScalePrediction.to_dict` gives."""


class NoiseScalePrediction:
    """Steps to target against batch size, predicted from one short run's noise scale.

    Args:
        target: the target test accuracy (None: no anchor; the prediction is the curve's
            shape, relative to the short run's batch size, and its regimes).
        at: ``"path"`` (default) or ``"target"``: which B_simple of the run (module docstring).
        n_examples: the pool the batches are drawn from (the training-set size) for the
            finite-pool law; None: McCandlish et al.'s ``S_min (1 + B_simple/B)``.
        tolerance: where the regimes meet, as in :class:`ScalingFit` (default 0.2).

    :meth:`fit` takes the short run's history (one batch size, any learning rates and seeds)
    and diagnostics (``b_simple`` after several epochs, epoch 0 included, as
    ``Cohort.measure`` writes them). The learning rate it reads is the one a sweep would pick
    at that batch size: the fewest updates to the target with every seed reaching it
    (:func:`steps_to_target_table`), else the best mean final test accuracy.

    Fitted attributes: ``batch_size_`` (B0), ``learning_rate_``, ``trials_`` (the trial ids
    read), ``reached_`` (the target was reached by every seed at that rate), ``target_``,
    ``stop_epoch_`` (mean over seeds of the epoch the path ends at: the target's, else the
    last), ``steps_`` (mean updates to target at B0, NaN if not reached), ``b_simple_path_``
    and ``b_simple_target_`` (both summaries, means over seeds), ``b_simple_init_`` (at epoch
    0), ``b_simple_`` (the one ``at`` chose), ``b_simple_std_`` (its std over seeds),
    ``b_crit_`` (the equivalent B_crit, see the module docstring), ``noise_free_steps_``
    (``S_0``: the steps without gradient noise; NaN without an anchor), ``s_min_``, ``e_min_``
    (of the form S_min (1 + B_crit/B); NaN without an anchor or when B_crit is infinite),
    ``trajectory_`` (epoch, mean and std over seeds of B_simple).

    Example (a run at B0 = 32 that reaches the target after 32 updates, B_simple = 64):
        >>> import pandas as pd
        >>> history = pd.DataFrame({"trial": 0, "epoch": [1, 2, 3], "batch_size": 32,
        ...     "learning_rate": 0.1, "updates": [16, 32, 48], "examples_seen": [512, 1024, 1536],
        ...     "wall_seconds": [1.0, 2.0, 3.0], "train_loss_end": 0.3, "train_accuracy_end": 0.9,
        ...     "test_loss": 0.3, "test_accuracy": [0.6, 0.8, 0.85], "diverged": False})
        >>> diagnostics = pd.DataFrame({"trial": 0, "epoch": [0, 1, 2, 3],
        ...     "quantity": "b_simple", "stat": "value", "value": 64.0})
        >>> pred = NoiseScalePrediction(target=0.8).fit(history, diagnostics)
        >>> pred.b_crit_, pred.steps_
        (64.0, 32.0)
        >>> pred.predict([8, 64, 512]).round(1)[["batch_size", "steps", "regime"]]
           batch_size  steps               regime
        0           8   96.0      perfect scaling
        1          64   21.3  diminishing returns
        2         512   12.0   no further benefit
    """

    def __init__(
        self,
        target: float | None = None,
        at: str = "path",
        n_examples: int | None = None,
        tolerance: float = 0.2,
    ) -> None:
        self.target = target
        self.at = at
        self.n_examples = n_examples
        self.tolerance = tolerance

    # -- fitting --------------------------------------------------------------------------
    def _check(self) -> None:
        if self.at not in AT:
            raise BatchlabError(f"at must be one of {', '.join(AT)}; got {self.at!r}")
        if self.target is not None and not (
            isinstance(self.target, int | float) and 0 < self.target <= 1
        ):
            raise BatchlabError(f"target must be an accuracy in (0, 1]; got {self.target!r}")
        if self.n_examples is not None and not (
            isinstance(self.n_examples, int | np.integer) and self.n_examples >= 2
        ):
            raise BatchlabError(f"n_examples must be an integer >= 2; got {self.n_examples!r}")
        if not 0 < self.tolerance < 1:
            raise BatchlabError(f"tolerance must lie in (0, 1); got {self.tolerance!r}")

    def _choose_rate(self, history: pd.DataFrame) -> tuple[float, float]:
        """(learning rate, mean updates to target or NaN)."""
        if self.target is not None:
            table = Summary(target=self.target).fit(history).table_
            try:
                best = steps_to_target_table(table).iloc[0]
                return float(best["learning_rate"]), float(best["updates_to_target_mean"])
            except BatchlabError:
                pass  # not reached by every seed at any rate: fall back to accuracy
        per_trial = trial_summary(history, target=None)
        means = per_trial.groupby("learning_rate", sort=True)["final_test_accuracy"].mean()
        if not np.isfinite(means).any():
            raise BatchlabError("every trial of the short run diverged; lower the learning rate")
        return float(means.idxmax()), math.nan

    def fit(self, history: pd.DataFrame, diagnostics: pd.DataFrame) -> NoiseScalePrediction:
        """Read the short run; returns ``self``."""
        self._check()
        require(history, HISTORY_NEEDS, "NoiseScalePrediction")
        sizes = sorted(int(b) for b in history["batch_size"].unique())
        if len(sizes) != 1:
            raise BatchlabError(
                f"NoiseScalePrediction reads a short run at ONE batch size; the history has "
                f"batch sizes {sizes}"
            )
        b0 = sizes[0]
        rate, steps = self._choose_rate(history)
        per_trial = trial_summary(history, target=self.target)
        chosen = per_trial[(per_trial["learning_rate"] == rate) & ~per_trial["diverged"]]
        trajectory = noise_scale_trajectory(diagnostics)
        trajectory = trajectory[trajectory["trial"].isin(chosen["trial"])]
        if trajectory.empty:
            raise BatchlabError(
                f"the diagnostics have no b_simple rows for the trials at learning rate "
                f"{rate:g} (trials {chosen['trial'].tolist()})"
            )
        path, at_stop, stops, init = [], [], [], []
        for _, row in chosen.iterrows():
            run = trajectory[trajectory["trial"] == row["trial"]]
            stop = row["epochs_to_target"] if row["reached"] else row["n_epochs"]
            run = run[run["epoch"] <= stop]
            if run.empty:
                continue
            stops.append(float(stop))
            path.append(path_average(run["epoch"], run["b_simple"], b0, self.n_examples))
            at_stop.append(float(run["b_simple"].iloc[-1]))
            start = run[run["epoch"] == 0]["b_simple"]
            init.append(float(start.iloc[0]) if len(start) else math.nan)
        if not path:
            raise BatchlabError("no b_simple was measured at or before the epochs read")

        self.batch_size_ = b0
        self.learning_rate_ = rate
        self.trials_ = chosen["trial"].astype(int).tolist()
        self.reached_ = bool(np.isfinite(steps))
        self.target_ = self.target
        self.steps_ = steps
        self.stop_epoch_ = float(np.mean(stops))
        self.b_simple_path_ = float(np.nanmean(path))
        self.b_simple_target_ = float(np.nanmean(at_stop))
        self.b_simple_init_ = float(np.nanmean(init)) if np.isfinite(init).any() else math.nan
        values = path if self.at == "path" else at_stop
        self.b_simple_ = float(np.nanmean(values))
        self.b_simple_std_ = float(np.nanstd(values, ddof=1)) if len(values) > 1 else math.nan
        if not (np.isfinite(self.b_simple_) and self.b_simple_ > 0):
            raise BatchlabError(f"the measured B_simple is {self.b_simple_!r}; it must be > 0")
        self.b_crit_ = critical_from_noise_scale(self.b_simple_, self.n_examples)
        x0 = inverse_batch(b0, self.n_examples)
        self.noise_free_steps_ = steps / (1 + self.b_simple_ * x0) if self.reached_ else math.nan
        if self.reached_ and math.isfinite(self.b_crit_):
            self.s_min_ = steps / (1 + self.b_crit_ / b0)
            self.e_min_ = self.s_min_ * self.b_crit_
        else:
            self.s_min_ = self.e_min_ = math.nan
        grouped = trajectory.groupby("epoch", sort=True)["b_simple"]
        self.trajectory_ = pd.DataFrame(
            {"b_simple_mean": grouped.mean(), "b_simple_std": grouped.std(ddof=1)}
        ).reset_index()
        return self

    # -- predicting -----------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "b_simple_"):
            raise BatchlabError("this NoiseScalePrediction is not fitted: call fit(history, diag)")

    @property
    def curve_(self) -> ScalingFit | None:
        """The predicted curve as a :class:`ScalingFit` (None when B_crit is infinite)."""
        self._check_fitted()
        if not math.isfinite(self.b_crit_):
            return None
        s_min = self.s_min_ if math.isfinite(self.s_min_) else None
        return ScalingFit.from_parameters(s_min, self.b_crit_, tolerance=self.tolerance)

    def relative_steps(self, batch_size) -> np.ndarray:
        """S(B) / S(B0): the predicted steps relative to the short run's batch size."""
        self._check_fitted()
        x, x0 = (inverse_batch(b, self.n_examples) for b in (batch_size, self.batch_size_))
        return (1 + self.b_simple_ * x) / (1 + self.b_simple_ * x0)

    def predict_steps(self, batch_size) -> np.ndarray:
        """S(B) = S_0 (1 + B_simple x(B)); NaN without an anchor."""
        self._check_fitted()
        return self.steps_ * self.relative_steps(batch_size)

    def regime(self, batch_size) -> np.ndarray:
        """The predicted regime of each batch size (:data:`REGIMES`), as ScalingFit names it."""
        self._check_fitted()
        curve = self.curve_
        b = np.atleast_1d(np.asarray(batch_size, dtype=float))
        if curve is None:  # noise dominates up to the full batch
            return np.full(b.shape, REGIMES[0], dtype=object)
        return np.atleast_1d(curve.regime(b))

    def to_dict(self, batch_sizes: Sequence[int] | None = None) -> dict[str, Any]:
        """The prediction as plain JSON data (NaN and infinity as None):

        - ``prediction``: the settings and the fitted scalars, named without the trailing
          underscore (``b_simple``, ``b_crit``, ``steps`` ...);
        - ``b_simple_by_epoch``: ``{"epoch", "mean"}`` per measured epoch (mean over seeds);
        - ``batch_sizes`` (when ``batch_sizes`` is given): :meth:`predict`'s rows.
        """
        self._check_fitted()
        trajectory = self.trajectory_.rename(columns={"b_simple_mean": "mean"})
        data: dict[str, Any] = {
            "prediction": {name.rstrip("_"): getattr(self, name) for name in _FITTED},
            "b_simple_by_epoch": trajectory[["epoch", "mean"]].to_dict(orient="records"),
        }
        if batch_sizes is not None:
            data["batch_sizes"] = self.predict(batch_sizes).to_dict(orient="records")
        return to_json_safe(data)

    def predict(self, batch_sizes: Sequence[int]) -> pd.DataFrame:
        """One row per batch size: ``batch_size``, ``relative_steps`` (S(B)/S(B0)),
        ``steps`` and ``examples`` (= steps x B; NaN without an anchor), ``regime``."""
        self._check_fitted()
        b = np.atleast_1d(np.asarray(batch_sizes, dtype=float))
        if b.size == 0 or np.any(~np.isfinite(b) | (b <= 0)):
            raise BatchlabError(f"batch sizes must be positive numbers; got {b.tolist()}")
        steps = self.predict_steps(b)
        return pd.DataFrame(
            {
                "batch_size": b.astype(int),
                "relative_steps": self.relative_steps(b),
                "steps": steps,
                "examples": steps * b,
                "regime": self.regime(b),
            }
        )


def measured_scaling(
    history: pd.DataFrame,
    target: float | None = None,
    *,
    min_reached_fraction: float = MIN_REACHED,
    tolerance: float = 0.2,
) -> tuple[pd.DataFrame, ScalingFit | None, float, str]:
    """The scaling curve of a swept study: (points, fit, target, reason).

    :func:`~batchlab.analysis.scaling.fit_scaling` of the study's :class:`Summary` at
    ``target`` (None: the summary's default, 95% of the best mean final test accuracy): the
    points are, per batch size whose settings are eligible, the learning rate with the fewest
    updates to the target, with ``regime``; ``fit`` is None (and ``reason`` says why) with
    fewer than 3 such batch sizes or when the fit does not converge, as for the recommender.
    Raises BatchlabError when no batch size reached the target.
    """
    summary = Summary(target=target).fit(history)
    points, fit, reason = fit_scaling(summary.table_, min_reached_fraction, tolerance)
    if summary.target_ is None:
        raise BatchlabError("every trial diverged: there is no target and no step to it")
    if points.empty:
        raise BatchlabError(
            "no (batch size, learning rate) reached the target"
            + f" of {summary.target_:.1%}"
            + f" in {share(min_reached_fraction)} without diverging"
        )
    return points, fit, float(summary.target_), reason


def b_simple_near_target(
    diagnostics: pd.DataFrame, history: pd.DataFrame, points: pd.DataFrame
) -> float | None:
    """The B_simple a study measured near its target, for the chosen grid points.

    For each trial at a (batch_size, learning_rate) of ``points`` (as :func:`measured_scaling`
    returns them, with ``epochs_to_target_mean``), the ``b_simple`` of the measured epoch
    nearest that point's mean epochs to target; the mean over those trials. None when the
    study measured no ``b_simple``.
    """
    require(points, ["batch_size", "learning_rate", "epochs_to_target_mean"], "b_simple")
    require(history, ["trial", "batch_size", "learning_rate"], "b_simple")
    if diagnostics is None or diagnostics.empty:
        return None
    try:
        trajectory = noise_scale_trajectory(diagnostics)
    except BatchlabError:
        return None
    trajectory = trajectory[np.isfinite(trajectory["b_simple"])]
    trials = history.groupby("trial", sort=True)[["batch_size", "learning_rate"]].first()
    values = []
    for _, point in points.iterrows():
        at = trials[
            (trials["batch_size"] == point["batch_size"])
            & (trials["learning_rate"] == point["learning_rate"])
        ].index
        for trial in at:
            run = trajectory[trajectory["trial"] == trial]
            if run.empty:
                continue
            nearest = (run["epoch"] - point["epochs_to_target_mean"]).abs().idxmin()
            values.append(float(run.loc[nearest, "b_simple"]))
    return float(np.mean(values)) if values else None
