"""One row per grid point: final metrics, generalization gap, stability, time to target."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from batchlab._columns import X_AXES
from batchlab._target import check_target
from batchlab.analysis._tables import (
    DEFAULT_BY,
    as_by,
    check_confidence,
    group_cis,
    require,
)
from batchlab.analysis.reach import reach_rows
from batchlab.errors import BatchlabError

#: (summary name, history column) of the final metrics
FINALS = (
    ("final_test_accuracy", "test_accuracy"),
    ("final_train_accuracy", "train_accuracy_end"),
    ("final_test_loss", "test_loss"),
    ("final_train_loss", "train_loss_end"),
)
#: (summary name, history column) of the costs to reach the target, one per x-axis:
#: epochs_to_target (epoch), updates_to_target, examples_to_target, seconds_to_target
TO_TARGET = tuple((f"{x}_to_target", column) for x, column in X_AXES.items())
#: the seconds to target of one model: its cohort's seconds / the trials trained together
MODEL_SECONDS = "model_seconds_to_target"
#: the costs to target, as the summary names them
COSTS = (*(name for name, _ in TO_TARGET), MODEL_SECONDS)
#: the per-trial values whose spread over seeds the summary also gives (seed std, min, max)
SPREAD = ("final_test_accuracy", *COSTS)
HISTORY_NEEDS = (
    "trial",
    "epoch",
    "updates",
    "examples_seen",
    "wall_seconds",
    "train_loss_end",
    "train_accuracy_end",
    "test_loss",
    "test_accuracy",
    "diverged",
)


def _trial_keys(history: pd.DataFrame) -> list[str]:
    return ["study", "trial"] if "study" in history.columns else ["trial"]


def cohort_keys(history: pd.DataFrame) -> list[str]:
    """The columns naming a trial's cohort (the trials trained together as one program):
    ``cohort``, else ``batch_size`` when the table has no cohort column; within the study."""
    key = next(c for c in ("cohort", "batch_size", "trial") if c in history.columns)
    return [c for c in ("study",) if c in history.columns] + [key]


def final_test_accuracy_by(history: pd.DataFrame, by: Sequence[str] = DEFAULT_BY) -> pd.Series:
    """Mean final test accuracy per group (diverged trials left out)."""
    per = trial_summary(history, target=None, by=by)
    return per.groupby(as_by(by), sort=True)["final_test_accuracy"].mean()


DEFAULT_FRACTION = 0.95
"""The default target: this fraction of the best mean final test accuracy of the study."""


def default_target(
    history: pd.DataFrame, fraction: float = DEFAULT_FRACTION, by: str | Sequence[str] = DEFAULT_BY
) -> float:
    """``fraction`` (95%) of the best mean final test accuracy of any group in the study.

    The mean is over the group's trials that did not diverge. Raises BatchlabError when every
    trial diverged (there is then no accuracy to aim at: pass a target).
    """
    best = final_test_accuracy_by(history, as_by(by)).max()
    if not np.isfinite(best):
        raise BatchlabError(
            "default_target: no trial has a final test accuracy (all diverged or empty "
            "history); pass target= explicitly"
        )
    return float(fraction * best)


def trial_summary(
    history: pd.DataFrame,
    target: float | None,
    last_fraction: float = 0.1,
    by: str | Sequence[str] = DEFAULT_BY,
) -> pd.DataFrame:
    """One row per trial: its final metrics, gaps, late spread and cost to reach ``target``.

    Columns: the trial key (``study`` if present, ``trial``), ``by``, ``seed`` (if present),
    ``n_epochs``, ``diverged``, ``final_test_accuracy``, ``final_train_accuracy``
    (= train_accuracy_end), ``final_test_loss``, ``final_train_loss`` (= train_loss_end),
    ``generalization_gap`` (final train_accuracy_end - test_accuracy), ``loss_gap``
    (final test_loss - train_loss_end), ``test_accuracy_late_std`` (sample std, ddof=1, of
    test accuracy over the last ceil(last_fraction * epochs) epochs, at least 2), ``reached``,
    and ``epochs_to_target``, ``updates_to_target``, ``examples_to_target``,
    ``seconds_to_target`` (the epoch, updates, examples_seen and wall_seconds of the epoch at
    which the trial reaches the target by :data:`~batchlab.analysis.reach.RULE`: the first
    epoch from which its test accuracy stays >= target to the end of the run; NaN when never),
    ``diverged_epoch`` (the first epoch whose loss was NaN/inf; NaN when it did not diverge),
    ``trials_in_cohort`` (K: the trials of its
    cohort, trained together as one vectorized program; the cohort is the ``cohort`` column,
    else the batch size) and ``model_seconds_to_target`` (= seconds_to_target / K: the
    wall-clock seconds of one model, amortized over its cohort). A diverged trial has NaN final
    metrics and late spread, and has not reached the target (it did not hold it to the end).
    ``target=None`` leaves the time-to-target columns NaN and ``reached`` False.
    """
    by = as_by(by)
    keys = _trial_keys(history)
    require(history, [*HISTORY_NEEDS, *by], "summary")
    if not 0 < last_fraction <= 1:
        raise BatchlabError(f"last_fraction must lie in (0, 1]; got {last_fraction!r}")
    if history.empty:
        raise BatchlabError("summary: the history table has no rows")
    extra = [c for c in ("seed",) if c in history.columns and c not in by]
    h = history.sort_values([*keys, "epoch"], kind="stable").reset_index(drop=True)
    diverged = h["diverged"].astype(bool)
    for _, col in FINALS:
        h[col] = h[col].astype(float).where(~diverged)

    g = h.groupby(keys, sort=True)
    last = g.tail(1).set_index(keys, drop=False)
    out = last[list(dict.fromkeys([*keys, *by, *extra]))].copy()
    out["n_epochs"] = g["epoch"].max()
    out["diverged"] = g["diverged"].any()
    out["diverged_epoch"] = (
        h["epoch"].astype(float).where(diverged).groupby([h[k] for k in keys], sort=True).min()
    )
    for name, col in FINALS:
        out[name] = last[col].where(np.isfinite(last[col]))
    out["generalization_gap"] = out["final_train_accuracy"] - out["final_test_accuracy"]
    out["loss_gap"] = out["final_test_loss"] - out["final_train_loss"]

    # late spread: the last ceil(last_fraction * epochs) epochs of each trial (at least 2, at
    # most all); NaN if any of them is NaN
    from_end = g.cumcount(ascending=False).to_numpy()  # (rows,) 0 = the trial's last row
    rows = g["epoch"].transform("size").to_numpy()  # (rows,) rows of the row's trial
    window = np.minimum(rows, np.maximum(2, np.ceil(last_fraction * rows - 1e-9)))  # (rows,)
    late = h.loc[from_end < window, [*keys, "test_accuracy"]]
    lg = late.groupby(keys, sort=True)["test_accuracy"]
    spread = lg.std(ddof=1).where(lg.count() == lg.size())
    out["test_accuracy_late_std"] = spread.where(g["epoch"].size() >= 2)

    if target is None:
        out["reached"] = False
        for name, _ in TO_TARGET:
            out[name] = np.nan
    else:
        first = reach_rows(h, target, keys)
        out["reached"] = out.index.isin(first.index)
        for name, col in TO_TARGET:
            out[name] = first[col].astype(float).reindex(out.index)
    in_cohort = h.groupby(cohort_keys(h), sort=False)["trial"].transform("nunique")  # (rows,)
    out["trials_in_cohort"] = in_cohort.groupby([h[k] for k in keys], sort=True).first()
    out[MODEL_SECONDS] = out["seconds_to_target"] / out["trials_in_cohort"]
    return out.reset_index(drop=True)


class Summary:
    """Per grid point statistics of a study, estimator-style.

    Settings go to ``__init__``; :meth:`fit` takes the history table and sets

    - ``target_``: the target test accuracy used (given, or :func:`default_target`); None when
      it was not given and every trial diverged (no accuracy to aim at: nothing is reached);
    - ``trials_``: :func:`trial_summary`, one row per trial;
    - ``table_``: one row per group of ``by`` (default (batch_size, learning_rate)).

    Columns of ``table_`` (``_mean``, ``_lo``, ``_hi``, ``_n`` are the mean over the group's
    trials, the interval over them at ``confidence`` and the number of values: a Student-t
    interval from :data:`~batchlab._format.SEEDS_FOR_CI` (5) values on, their range (min to
    max) for 2 to 4, lo = hi = mean for one; cut at what is possible, accuracies to [0, 1],
    losses and costs at 0: :func:`~batchlab.analysis._tables.seed_interval`):

    - ``by`` columns, ``n_seeds`` (trials in the group), ``n_epochs`` (max epochs);
    - ``final_test_accuracy_*``, ``final_train_accuracy_*`` (train_accuracy_end, the exact
      accuracy on the training set after the last epoch), ``final_test_loss_*``,
      ``final_train_loss_*`` (train_loss_end): at each trial's last epoch, over the trials that
      did not diverge (``n_finished`` of them);
    - ``generalization_gap_*``: final train_accuracy_end - test_accuracy per trial (positive:
      better on the training set); ``loss_gap_*``: final test_loss - train_loss_end;
    - ``test_accuracy_late_std``: the std (ddof=1) of test accuracy over the last
      ``last_fraction`` of epochs (at least 2 epochs) of each trial, averaged over the trials
      that did not diverge — noise during training; ``final_test_accuracy_seed_std``: the std
      (ddof=1) of final test accuracy across trials — run-to-run spread;
    - ``target``, ``confidence`` (the settings used; target NaN when there is none);
      ``epochs_to_target_*``, ``updates_to_target_*``, ``examples_to_target_*``,
      ``seconds_to_target_*``: the epoch at which a trial reaches the target by
      :data:`~batchlab.analysis.reach.RULE` (the first epoch from which its test accuracy
      stays >= target to the end; and the updates, examples seen and cohort wall seconds at
      that epoch), averaged over the trials that reach it (``n_reached``);
      ``model_seconds_to_target_*``: the seconds per model, the cohort's seconds divided by
      the trials it trained together (see :func:`trial_summary`); ``reached_fraction`` =
      n_reached / n_seeds;
    - the spread over seeds of the final test accuracy and of each cost to target:
      ``*_seed_std`` (ddof=1), ``*_min``, ``*_max`` (``final_test_accuracy_seed_std`` is the
      run-to-run spread above);
    - ``diverged_fraction`` = ``n_diverged`` / n_seeds (trials whose loss became NaN/inf), and
      ``diverged_epoch_min``, ``diverged_epoch_max``: the earliest and latest epoch at which
      they diverged (NaN when none did).

    Example (two batch sizes, one seed each, three epochs):
        >>> import pandas as pd
        >>> history = pd.DataFrame({"trial": [0] * 3 + [1] * 3, "epoch": [1, 2, 3] * 2,
        ...     "batch_size": [8] * 3 + [64] * 3, "learning_rate": 0.1, "diverged": False,
        ...     "updates": [8, 16, 24, 1, 2, 3], "examples_seen": [64, 128, 192] * 2,
        ...     "wall_seconds": [1.0, 2.0, 3.0, 0.2, 0.4, 0.6], "train_loss_end": 0.4,
        ...     "train_accuracy_end": 0.9, "test_loss": 0.5,
        ...     "test_accuracy": [0.7, 0.82, 0.85, 0.5, 0.6, 0.81]})
        >>> s = Summary(target=0.8).fit(history)
        >>> s.table_[["batch_size", "epochs_to_target_mean", "updates_to_target_mean"]]
           batch_size  epochs_to_target_mean  updates_to_target_mean
        0           8                    2.0                    16.0
        1          64                    3.0                     3.0
    """

    def __init__(
        self,
        target: float | None = None,
        confidence: float = 0.95,
        last_fraction: float = 0.1,
        by: str | Sequence[str] = DEFAULT_BY,
    ) -> None:
        self.target = target
        self.confidence = confidence
        self.last_fraction = last_fraction
        self.by = by

    def fit(self, history: pd.DataFrame) -> Summary:
        confidence = check_confidence(self.confidence)
        by = as_by(self.by)
        if not by:
            raise BatchlabError("Summary needs at least one column in by")
        target = self.target
        if target is None:
            require(history, [*HISTORY_NEEDS, *by], "summary")
            best = final_test_accuracy_by(history, by).max()
            # every trial diverged: no accuracy to aim at, and nothing reached
            target = float(DEFAULT_FRACTION * best) if np.isfinite(best) else None
        else:
            target = check_target(target)
        per = trial_summary(history, target, self.last_fraction, by)
        g = per.groupby(by, sort=True)
        cols: dict[str, object] = {"n_seeds": g.size(), "n_epochs": g["n_epochs"].max()}
        intervals = group_cis(
            per, by, [*(n for n, _ in FINALS), "generalization_gap", "loss_gap", *COSTS],
            confidence,
        )  # fmt: skip

        def with_interval(name: str) -> None:  # name_mean, name_lo, name_hi, name_n
            ci = intervals[name]
            for suffix, stat in (("mean", "mean"), ("lo", "lower"), ("hi", "upper"), ("n", "n")):
                cols[f"{name}_{suffix}"] = ci[stat]

        for name in [n for n, _ in FINALS] + ["generalization_gap", "loss_gap"]:
            with_interval(name)
        cols["test_accuracy_late_std"] = g["test_accuracy_late_std"].mean()
        cols["target"] = np.nan if target is None else target
        cols["confidence"] = confidence
        for name in COSTS:
            with_interval(name)
        spread = g[list(SPREAD)].agg(["std", "min", "max"])
        for name in SPREAD:
            cols[f"{name}_seed_std"] = spread[(name, "std")]
            cols[f"{name}_min"] = spread[(name, "min")]
            cols[f"{name}_max"] = spread[(name, "max")]
        counts = g[["reached", "diverged"]].sum().astype("int64")
        cols["n_reached"] = counts["reached"]
        cols["reached_fraction"] = counts["reached"] / cols["n_seeds"]
        cols["n_diverged"] = counts["diverged"]
        cols["diverged_fraction"] = counts["diverged"] / cols["n_seeds"]
        cols["n_finished"] = g["final_test_accuracy"].count().astype("int64")
        cols["diverged_epoch_min"] = g["diverged_epoch"].min()
        cols["diverged_epoch_max"] = g["diverged_epoch"].max()
        table = pd.DataFrame(cols, index=cols["n_seeds"].index)
        self.target_ = target
        self.trials_ = per
        self.table_ = table.reset_index()
        return self


def summary(
    history: pd.DataFrame,
    target: float | None = None,
    confidence: float = 0.95,
    last_fraction: float = 0.1,
    by: str | Sequence[str] = DEFAULT_BY,
) -> pd.DataFrame:
    """``Summary(target, confidence, last_fraction, by).fit(history).table_`` — see Summary.

    ``target=None`` uses :func:`default_target`: 95% of the best mean final test accuracy of
    any group in the study (none when every trial diverged).
    """
    return Summary(target, confidence, last_fraction, by).fit(history).table_
