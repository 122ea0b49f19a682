"""Which batch size and learning rate to use for a goal, and why.

:class:`Recommender` turns a study's history into one choice of (batch size, learning rate)
for one of four goals, with the numbers behind it:

- ``"fewest_epochs"``: reach the target test accuracy in the fewest passes over the data;
- ``"fewest_updates"``: in the fewest optimizer steps (what matters when steps run in parallel
  hardware and each step costs the same whatever the batch);
- ``"least_seconds"``: in the least wall-clock time on the machine that ran the study, from
  the throughput measured per batch size (see "Seconds" below);
- ``"best_accuracy"``: the highest mean final test accuracy.

How the choice is made (a pure function of the tables: the same study gives the same answer,
whatever the order of its rows):

1. **Candidates** are the grid points (batch size, learning rate; and momentum when the study
   sweeps it), summarised over seeds by :class:`~batchlab.analysis.Summary`.
2. **Eligible**: no seed diverged, and, for the three speed goals, at least ``min_reached``
   (default: all) of the seeds reached the target. A point that reached it in some seeds only
   would be judged on its lucky seeds. When no point is eligible there is no recommendation
   (``batch_size_`` is None) and the reasons say why.
3. **Ranking** by the mean over seeds of the goal's measure. The leader is the best mean. Its
   Student-t interval at ``confidence`` is compared with every other eligible point's: those
   whose interval overlaps it are *indistinguishable given the seeds* and are named.
4. **Near ties**: among the indistinguishable points whose mean is also within ``tolerance``
   of the leader's (5% of the cost; for accuracy 5% of the leader's error rate, 1 - accuracy),
   the choice goes by a second criterion that the goal's user also cares about --
   fewest epochs: fewer updates; fewest updates: fewer examples (less computation for the same
   steps; this is what keeps the choice out of the plateau where larger batches stop paying);
   least seconds: higher final test accuracy; best accuracy: fewer seconds to the target --
   then the smaller batch size, the smaller learning rate. Points that are indistinguishable
   but clearly worse on average (beyond the tolerance) never win a tie-break: with two or three
   seeds a t-interval is so wide that it would otherwise hand the choice to a point that is
   most likely worse at what the user asked for.

**The rule behind the rate** (``rule_``): ``"linear"`` or ``"sqrt"`` when the study's
``lr_rule`` derived the rate from a base rate at its reference batch size (or, without a spec,
when the rates per batch size follow that law exactly); ``"tuned"`` when the study tried several
rates at the chosen batch size and this one ranked best; ``"fixed"`` when it was the only rate
tried (nothing says a better one does not exist).

**Regime** (``regime_``): the chosen batch size's place on the fitted curve of updates to target
against batch size, ``S(B) = S_min (1 + B_crit / B)`` (:class:`ScalingFit`, McCandlish et al.
2018), fitted to the fewest updates per batch size over the eligible points
(:func:`steps_to_target_table`). It needs three or more batch sizes (a residual degree of
freedom); otherwise it is None and ``regime_reason_`` says why.

**Seconds.** ``wall_seconds`` is the cumulative training time of a trial's *cohort*: the
``K`` trials of one batch size that were trained together as one vectorized program (compile
time excluded; the per-epoch evaluation passes included). The seconds a practitioner pays for
ONE model are not measured. This class uses the amortized cost, cohort seconds / K: what one
model costs when trained as the study trained it, K at a time. A model trained alone would
take somewhere between that and the full cohort seconds: near cohort / K where arithmetic
dominates (large batches), near the full cohort time where the fixed cost of each step
dominates (small batches on a CPU, where vmapping K trials costs little more than one). So
the amortized seconds favour small batches more than a lone run would; the reasons say so,
with K. ``throughput_`` lists, per batch size, the measured seconds per epoch, updates per
second and training examples per second (all the cohort's trials together, which equals the
amortized per-model rate).

Fitted attributes: ``goal_``, ``target_``, ``batch_size_``, ``learning_rate_``,
``momentum_`` (None unless the study sweeps momentum), ``rule_``, ``rule_detail_`` (dict),
``expected_`` (dict), ``distinguishable_`` (the leader's interval is clear of every other
eligible point's), ``indistinguishable_`` (list of (batch size, learning rate) pairs),
``regime_``, ``regime_reason_``, ``scaling_`` (the :class:`ScalingFit` or None),
``throughput_`` (DataFrame), ``alternatives_`` (DataFrame, every candidate ranked),
``reasons_`` (list of plain sentences with numbers).

Example:
    >>> rec = Recommender(goal="fewest_updates").fit(tables.history, tables.spec)
    >>> print(rec.text())
    >>> rec.to_dict()["choice"]
    {'batch_size': 64, 'learning_rate': 0.01}
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from batchlab.analysis._tables import check_confidence, group_ci, require
from batchlab.analysis.scaling import ScalingFit, steps_to_target_table
from batchlab.analysis.summary import HISTORY_NEEDS, Summary
from batchlab.errors import BatchlabError, SpecError

#: the goals a recommendation can serve, in the order the CLI and the report show them
GOALS = ("fewest_epochs", "fewest_updates", "least_seconds", "best_accuracy")

#: other names accepted for the goals (hyphens are read as underscores)
GOAL_ALIASES = {
    "epochs": "fewest_epochs",
    "updates": "fewest_updates",
    "steps": "fewest_updates",
    "fewest_steps": "fewest_updates",
    "seconds": "least_seconds",
    "time": "least_seconds",
    "wall_clock": "least_seconds",
    "fewest_seconds": "least_seconds",
    "accuracy": "best_accuracy",
}

# the per-trial measures (the names used in expected_ and alternatives_)
_MEASURES = {
    "epochs": "epochs_to_target",
    "updates": "updates_to_target",
    "examples": "examples_to_target",
    "seconds": "model_seconds_to_target",  # cohort seconds / trials in the cohort
    "cohort_seconds": "seconds_to_target",
    "final_test_accuracy": "final_test_accuracy",
}

# goal -> (measure, lower is better, tie-break measure, words)
_GOALS = {
    "fewest_epochs": ("epochs", True, "updates", "the fewest epochs"),
    "fewest_updates": ("updates", True, "examples", "the fewest updates"),
    "least_seconds": ("seconds", True, "final_test_accuracy", "the least time"),
    "best_accuracy": ("final_test_accuracy", False, "seconds", "the highest test accuracy"),
}
_TIE_WORDS = {
    "updates": "it needs fewer updates for the same number of epochs",
    "examples": "it needs fewer training examples (less computation) for the same updates",
    "final_test_accuracy": "it ends with a higher test accuracy for the same time",
    "seconds": "it reaches the target in less time for the same accuracy",
}
_TITLES = {
    "fewest_epochs": "Fewest epochs",
    "fewest_updates": "Fewest updates",
    "least_seconds": "Least wall-clock time",
    "best_accuracy": "Best test accuracy",
}


def check_goal(goal: Any, name: str = "goal") -> str:
    """The goal's canonical name (``"fewest-updates"`` and ``"updates"`` -> ``"fewest_updates"``).

    Raises SpecError naming ``name``, the value and the valid goals.
    """
    if isinstance(goal, str):
        key = goal.strip().lower().replace("-", "_")
        if key in GOALS:
            return key
        if key in GOAL_ALIASES:
            return GOAL_ALIASES[key]
    valid = ", ".join(g.replace("_", "-") for g in GOALS)
    close = difflib.get_close_matches(str(goal).lower().replace("_", "-"), valid.split(", "), 1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise SpecError(f"{name}: {goal!r} is not a goal; use one of {valid}{hint}.")


# ----------------------------------------------------------------------------- formatting
def _num(value: float) -> str:
    """A count or cost for text: 1,500 / 12.5 / 0.525."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _pct(value: float) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{100 * value:.1f}%"


def _rate(value: float) -> str:
    return f"{value:g}"


def _who(row: Mapping[str, Any], with_momentum: bool = False) -> str:
    text = f"batch size {int(row['batch_size'])} at learning rate {_rate(row['learning_rate'])}"
    if with_momentum:
        text += f" and momentum {_rate(row['momentum'])}"
    return text


def _seeds(n: int) -> str:
    return f"{n} seed" if n == 1 else f"{n} seeds"


def _plain(value: Any) -> Any:
    """JSON-able: numpy scalars to Python, NaN/inf to None, containers recursively."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def _spec_dict(spec: Any) -> dict[str, Any]:
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        return dict(spec)
    if hasattr(spec, "to_dict"):
        return spec.to_dict()
    raise BatchlabError(
        f"Recommender.fit: spec must be a Study or its to_dict(); got {type(spec).__name__}"
    )


# ----------------------------------------------------------------------------- tables
def _cohort_key(history: pd.DataFrame) -> str:
    """The column naming a trial's cohort (the batch size when the table has no cohort)."""
    return "cohort" if "cohort" in history.columns else "batch_size"


def _cohort_sizes(history: pd.DataFrame) -> pd.DataFrame:
    """Per cohort: batch size, trials trained together (K), cohort seconds and epochs."""
    key = _cohort_key(history)
    g = history.groupby(key, sort=True)
    out = pd.DataFrame(
        {
            "batch_size": g["batch_size"].first().astype("int64"),
            "trials": g["trial"].nunique(),
            "seconds": g["wall_seconds"].max().astype(float),
            "epochs": g["epoch"].max(),
            "updates_per_epoch": (g["updates"].max() / g["epoch"].max()),
            "examples_per_epoch": (g["examples_seen"].max() / g["epoch"].max()),
        }
    )
    if key == "batch_size":
        return out.rename_axis("cohort").reset_index()
    return out.reset_index()


def _throughput(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Per batch size: what the machine measured (all of a batch size's cohorts together)."""
    rows = []
    for b, grp in cohorts.groupby("batch_size", sort=True):
        seconds = float(grp["seconds"].sum())
        model_epochs = float((grp["trials"] * grp["epochs"]).sum())  # trial-epochs trained
        per_epoch = seconds / float(grp["epochs"].max()) if seconds > 0 else math.nan
        per_model = seconds / model_epochs if seconds > 0 else math.nan
        rows.append(
            {
                "batch_size": int(b),
                "cohorts": int(len(grp)),
                "trials": int(grp["trials"].sum()),
                "seconds_per_epoch": per_epoch,
                "seconds_per_epoch_per_model": per_model,
                "updates_per_second": float(grp["updates_per_epoch"].max()) / per_epoch
                if per_epoch > 0
                else math.nan,
                "examples_per_second": float(grp["examples_per_epoch"].max()) / per_model
                if per_model > 0
                else math.nan,
            }
        )
    return pd.DataFrame(rows)


class Recommender:
    """The batch size and learning rate to use for a goal, estimator-style (see the module).

    Args:
        goal: ``"fewest_epochs"``, ``"fewest_updates"``, ``"least_seconds"`` or
            ``"best_accuracy"`` (hyphens and the short names ``epochs``, ``updates``,
            ``seconds``, ``accuracy`` are accepted).
        target: target test accuracy; default the spec's ``analysis.target_accuracy``, else
            :func:`default_target` (95% of the best mean final test accuracy).
        confidence: level of the Student-t intervals over seeds.
        min_reached: the fraction of seeds that must reach the target for a point to count
            for the speed goals (default 1: every seed).
        tolerance: how close (relative) a mean must be to the leader's for a tie-break to
            apply (see the module docstring).
    """

    def __init__(
        self,
        goal: str = "fewest_updates",
        target: float | None = None,
        confidence: float = 0.95,
        min_reached: float = 1.0,
        tolerance: float = 0.05,
    ) -> None:
        self.goal = goal
        self.target = target
        self.confidence = confidence
        self.min_reached = min_reached
        self.tolerance = tolerance

    # ------------------------------------------------------------------------- fit
    def fit(self, history: pd.DataFrame, spec: Any = None) -> Recommender:
        """Recommend from a history table (docs/schema.md) and optionally the study spec
        (a :class:`~batchlab.study.Study` or its ``to_dict()``, e.g. ``load(...).spec``)."""
        goal = check_goal(self.goal)
        confidence = check_confidence(self.confidence)
        if not 0 < self.min_reached <= 1:
            raise BatchlabError(f"min_reached must lie in (0, 1]; got {self.min_reached!r}")
        if not 0 <= self.tolerance < 1:
            raise BatchlabError(f"tolerance must lie in [0, 1); got {self.tolerance!r}")
        require(
            history,
            [*HISTORY_NEEDS, "batch_size", "learning_rate", "momentum"],
            "Recommender",
        )
        if "study" in history.columns and history["study"].nunique() > 1:
            raise BatchlabError(
                "Recommender: the history holds several studies "
                f"({', '.join(map(str, sorted(history['study'].unique())))}); recommend one "
                "study at a time"
            )
        spec_d = _spec_dict(spec)
        keys = [c for c in ("study", "trial") if c in history.columns]
        # row order must not matter: sort once, by the trial key and epoch
        history = history.sort_values([*keys, "epoch"], kind="stable").reset_index(drop=True)
        target = self.target
        if target is None:
            target = (spec_d.get("analysis") or {}).get("target_accuracy")
        sweeps_momentum = history["momentum"].nunique() > 1
        by = ["batch_size", "learning_rate"] + (["momentum"] if sweeps_momentum else [])
        fitted = Summary(target=target, confidence=confidence, by=by).fit(history)
        cohorts = _cohort_sizes(history)
        per = fitted.trials_.copy()
        per["model_seconds_to_target"] = per["seconds_to_target"] / self._trials_in_cohort(
            per, history, cohorts
        )

        self.goal_ = goal
        self.target_ = fitted.target_
        self.by_ = by
        self.throughput_ = _throughput(cohorts)
        self._cohort_trials = cohorts.groupby("batch_size")["trials"].agg(["min", "max"])
        table = self._candidates(fitted.table_, per, by, confidence)
        measure, lower, tie, _ = _GOALS[goal]
        table = self._rank(table, measure, lower, tie)
        self.alternatives_ = table
        self._fit_regime(table)
        eligible = table[table["eligible"]]
        self.n_seeds_ = int(fitted.table_["n_seeds"].max())
        if eligible.empty:
            self.batch_size_ = self.learning_rate_ = self.momentum_ = None
            self.rule_ = None
            self.rule_detail_ = {}
            self.expected_ = {}
            self.distinguishable_ = False
            self.indistinguishable_ = []
            self.regime_chosen_ = None
            self.reasons_ = self._reasons_none(table)
            return self
        chosen = table[table["chosen"]].iloc[0]
        self.batch_size_ = int(chosen["batch_size"])
        self.learning_rate_ = float(chosen["learning_rate"])
        self.momentum_ = float(chosen["momentum"]) if sweeps_momentum else None
        self.rule_, self.rule_detail_ = self._rule(table, chosen, spec_d)
        self.expected_ = {
            name: {
                stat: _plain(chosen[f"{name}_{stat}"])
                for stat in ("mean", "lo", "hi", "std", "min", "max", "n")
            }
            for name in _MEASURES
        }
        self.expected_.update(
            n_seeds=int(chosen["n_seeds"]),
            reached_fraction=float(chosen["reached_fraction"]),
            trials_in_cohort=int(chosen["trials_in_cohort"]),
        )
        leader = eligible.iloc[0]
        same = eligible["indistinguishable"] | (eligible.index == leader.name)
        self.indistinguishable_ = [
            (int(r.batch_size), float(r.learning_rate))
            for r in eligible[same & ~eligible["chosen"]].itertuples()
        ]
        self.distinguishable_ = not bool(eligible["indistinguishable"].any())
        self.regime_chosen_ = (
            None if self.scaling_ is None else str(self.scaling_.regime(self.batch_size_))
        )
        self.reasons_ = self._reasons(table, chosen, measure, lower, tie)
        return self

    @property
    def regime_(self) -> str | None:
        """The regime of the chosen batch size (None when there is no fit or no choice)."""
        self._check_fitted()
        return self.regime_chosen_

    # ------------------------------------------------------------------------- pieces
    @staticmethod
    def _trials_in_cohort(
        per: pd.DataFrame, history: pd.DataFrame, cohorts: pd.DataFrame
    ) -> np.ndarray:
        """K of each trial's cohort, aligned with ``per`` (one study: ``trial`` is the key)."""
        key = _cohort_key(history)
        cohort_of = history.groupby("trial", sort=True)[key].first()
        sizes = cohorts.set_index(key)["trials"]
        return per["trial"].map(cohort_of).map(sizes).astype(float).to_numpy()

    def _candidates(
        self, table: pd.DataFrame, per: pd.DataFrame, by: list[str], confidence: float
    ) -> pd.DataFrame:
        """One row per grid point: every measure's mean, interval, std, min, max, n."""
        out = table[
            [
                *by,
                "n_seeds",
                "reached_fraction",
                "diverged_fraction",
                "final_test_accuracy_seed_std",
            ]
        ].copy()
        out = out.set_index(by)
        # every measure over the seeds that have it (reached the target / did not diverge)
        g = per.groupby(by, sort=True)
        for name, column in _MEASURES.items():
            ci = group_ci(per, by, column, confidence).set_index(by)
            values = per[column].astype(float).where(np.isfinite(per[column].astype(float)))
            grouped = values.groupby([per[c] for c in by], sort=True)
            out[f"{name}_mean"] = ci["mean"]
            out[f"{name}_lo"] = ci["lower"]
            out[f"{name}_hi"] = ci["upper"]
            out[f"{name}_std"] = grouped.std(ddof=1)
            out[f"{name}_min"] = grouped.min()
            out[f"{name}_max"] = grouped.max()
            out[f"{name}_n"] = ci["n"]
        out["trials_in_cohort"] = (
            g["batch_size"].first().map(lambda b: int(self._cohort_trials.loc[b, "max"]))
        )
        out = out.reset_index()
        speed = self.goal_ != "best_accuracy"
        diverged = out["diverged_fraction"] > 0
        missed = out["reached_fraction"] < self.min_reached - 1e-12
        out["eligible"] = ~diverged & (~missed if speed else True)
        notes = []
        for r in out.itertuples():
            n = int(r.n_seeds)
            if r.diverged_fraction > 0:
                k = int(round(r.diverged_fraction * n))
                notes.append(f"diverged in {k} of {_seeds(n)}")
            elif speed and r.reached_fraction < self.min_reached - 1e-12:
                k = int(round(r.reached_fraction * n))
                notes.append(f"reached the target in {k} of {_seeds(n)}")
            else:
                notes.append("")
        out["note"] = notes
        return out

    def _rank(self, table: pd.DataFrame, measure: str, lower: bool, tie: str) -> pd.DataFrame:
        """Sort eligible first by the goal's mean; flag the indistinguishable and the choice."""
        t = table.copy()
        mean = t[f"{measure}_mean"].astype(float)
        score = (mean if lower else -mean).where(np.isfinite(mean), np.inf)
        t["_elig"] = ~t["eligible"]
        t["_score"] = score
        order = ["_elig", "_score", *self.by_]
        t = t.sort_values(order, kind="stable").reset_index(drop=True)
        t["rank"] = np.arange(1, len(t) + 1)
        t["indistinguishable"] = False
        t["chosen"] = False
        elig = t.index[t["eligible"] & np.isfinite(t["_score"])]
        if len(elig):
            lead = t.loc[elig[0]]
            lo, hi = t[f"{measure}_lo"].astype(float), t[f"{measure}_hi"].astype(float)
            overlap = (lo <= lead[f"{measure}_hi"]) & (hi >= lead[f"{measure}_lo"])
            t.loc[elig, "indistinguishable"] = overlap.loc[elig]
            t.loc[elig[0], "indistinguishable"] = False
            m = float(lead[f"{measure}_mean"])
            if lower:
                near = t[f"{measure}_mean"] <= m * (1 + self.tolerance) + 1e-12 * abs(m)
            else:
                near = t[f"{measure}_mean"] >= m - self.tolerance * (1 - m) - 1e-12
            tied = (overlap & near).loc[elig]
            tied.loc[elig[0]] = True
            ties = t.loc[tied[tied].index]
            tie_mean = ties[f"{tie}_mean"].astype(float)
            tie_score = -tie_mean if tie == "final_test_accuracy" else tie_mean
            ties = ties.assign(_tie=tie_score.where(np.isfinite(tie_score), np.inf))
            best = ties.sort_values(["_tie", *self.by_], kind="stable").index[0]
            t.loc[best, "chosen"] = True
            t["near_tie"] = False
            t.loc[ties.index, "near_tie"] = len(ties) > 1
        else:
            t["near_tie"] = False
        t["rank"] = t["rank"].where(t["eligible"])
        return t.drop(columns=["_elig", "_score"])

    def _fit_regime(self, table: pd.DataFrame) -> None:
        self.scaling_ = None
        reached = table["reached_fraction"] >= self.min_reached - 1e-12
        eligible = table[reached & (table["diverged_fraction"] == 0)]
        eligible = eligible.rename(columns={"updates_mean": "updates_to_target_mean"})
        n = eligible["batch_size"].nunique()
        if n < 3:
            share = "every seed" if self.min_reached >= 1 else f"{self.min_reached:.0%} of seeds"
            self.regime_reason_ = (
                "no regime: fitting how the updates to target fall with the batch size needs 3 "
                f"or more batch sizes that reach the target in {share} without diverging; this "
                f"study has {n}"
            )
            self.steps_table_ = None
            return
        steps = steps_to_target_table(eligible, min_reached_fraction=self.min_reached)
        self.steps_table_ = steps
        try:
            fit = ScalingFit().fit(steps["batch_size"], steps["updates_to_target_mean"])
        except BatchlabError as error:
            self.regime_reason_ = f"no regime: the scaling curve could not be fitted ({error})"
            return
        self.scaling_ = fit
        self.regime_reason_ = ""

    def _rule(
        self, table: pd.DataFrame, chosen: pd.Series, spec: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        same = table["batch_size"] == chosen["batch_size"]
        if "momentum" in self.by_:
            same &= table["momentum"] == chosen["momentum"]
        rates = sorted(float(r) for r in table.loc[same, "learning_rate"].unique())
        detail: dict[str, Any] = {
            "rates_tried": rates,
            "tuned": len(rates) > 1,
            "source": "spec" if spec else "data",
        }
        b, lr = int(chosen["batch_size"]), float(chosen["learning_rate"])
        if len(rates) > 1:
            edge = "largest" if lr == rates[-1] else "smallest" if lr == rates[0] else ""
            detail["edge"] = edge
        rule = (spec.get("lr_rule") or {}).get("rule", "none") if spec else None
        if rule in ("linear", "sqrt"):
            ref = int((spec.get("lr_rule") or {}).get("reference_batch_size", 32))
            factor = b / ref if rule == "linear" else math.sqrt(b / ref)
            detail.update(reference_batch_size=ref, base_learning_rate=lr / factor)
            return rule, detail
        if rule is None:
            inferred = self._infer_rule(table)
            if inferred is not None:
                detail["source"] = "inferred from the rates"
                return inferred, detail
        return ("tuned" if len(rates) > 1 else "fixed"), detail

    def _infer_rule(self, table: pd.DataFrame) -> str | None:
        """Without a spec: 'linear' / 'sqrt' when every batch size has one rate and the rates
        follow lr / B (or lr / sqrt B) = constant across three or more batch sizes."""
        per = table.groupby("batch_size")["learning_rate"].unique()
        if len(per) < 3 or any(len(r) != 1 for r in per):
            return None
        b = per.index.to_numpy(dtype=float)
        lr = np.array([r[0] for r in per], dtype=float)
        if np.allclose(lr, lr[0], rtol=1e-9):
            return None
        for name, scale in (("linear", b), ("sqrt", np.sqrt(b))):
            ratio = lr / scale
            if np.allclose(ratio, ratio[0], rtol=1e-6):
                return name
        return None

    # ------------------------------------------------------------------------- words
    def _who(self, row: Mapping[str, Any]) -> str:
        return _who(row, "momentum" in self.by_)

    def _eligibility_sentence(self, table: pd.DataFrame) -> str:
        n_elig = int(table["eligible"].sum())
        n = len(table)
        what = "setting" if n == 1 else "settings"
        if self.goal_ == "best_accuracy":
            text = f"{n_elig} of {n} {what} trained without diverging in any seed"
        else:
            share = "every seed" if self.min_reached >= 1 else f"{self.min_reached:.0%} of seeds"
            text = (
                f"{n_elig} of {n} {what} reached the target test accuracy of "
                f"{_pct(self.target_)} in {share} without diverging"
            )
        left = table[~table["eligible"]]
        if left.empty:
            return text + "."
        parts = [f"{self._who(r)} {r['note']}" for _, r in left.head(4).iterrows()]
        more = f" and {len(left) - 4} more" if len(left) > 4 else ""
        return text + "; left out: " + "; ".join(parts) + more + "."

    def _reasons_none(self, table: pd.DataFrame) -> list[str]:
        reasons = [self._eligibility_sentence(table)]
        if self.goal_ == "best_accuracy":
            reasons.append("Every setting diverged in at least one seed, so none can be trusted.")
            return reasons
        best = table.loc[table["reached_fraction"].astype(float).idxmax()]
        n = int(best["n_seeds"])
        k = int(round(best["reached_fraction"] * n))
        reasons.append(
            f"No setting qualifies for {_GOALS[self.goal_][3]} to {_pct(self.target_)}. The "
            f"closest, {self._who(best)}, reached it in {k} of {_seeds(n)}. Lower the target "
            "(--target), train longer, or allow fewer seeds to reach it (min_reached)."
        )
        return reasons

    def _value(self, measure: str, value: float) -> str:
        if measure == "final_test_accuracy":
            return _pct(value)
        if measure in ("seconds", "cohort_seconds"):
            return f"{_num(value)} seconds"
        return f"{_num(value)} {measure}"

    def _interval(self, row: pd.Series, measure: str) -> str:
        """`` (95% CI lo to hi)``, cut for display at what is possible (costs >= 0,
        epochs >= 1, accuracies in [0, 1]): with few seeds a t-interval runs past it."""
        lo, hi = row[f"{measure}_lo"], row[f"{measure}_hi"]
        if not (np.isfinite(lo) and np.isfinite(hi)) or lo == hi:
            return ""
        level = f"{100 * self.confidence:g}% CI"
        lo = max(lo, 1.0 if measure == "epochs" else 0.0)
        if measure == "final_test_accuracy":
            return f" ({level} {_pct(lo)} to {_pct(min(hi, 1.0))})"
        return f" ({level} {_num(lo)} to {_num(hi)})"

    def _reasons(
        self, table: pd.DataFrame, chosen: pd.Series, measure: str, lower: bool, tie: str
    ) -> list[str]:
        reasons = [self._eligibility_sentence(table)]
        eligible = table[table["eligible"]]
        leader = eligible.iloc[0]
        words = _GOALS[self.goal_][3]
        seeds = _seeds(int(leader["n_seeds"]))
        # -- the leader and the runner-up
        text = (
            f"{self._who(leader).capitalize()} has {words}"
            + (" to the target" if self.goal_ != "best_accuracy" else "")
            + f": {self._value(measure, leader[f'{measure}_mean'])} on average over {seeds}"
            + self._interval(leader, measure)
        )
        if len(eligible) > 1:
            runner = eligible.iloc[1]
            text += (
                f"; the runner-up, {self._who(runner)}, has "
                f"{self._value(measure, runner[f'{measure}_mean'])}"
                + self._interval(runner, measure)
                + "."
            )
            same = eligible[eligible["indistinguishable"]]
            if same.empty:
                text += f" The intervals do not overlap: the lead holds given the {seeds}."
            else:
                names = ", ".join(self._who(r) for _, r in same.head(3).iterrows())
                more = f" and {len(same) - 3} more" if len(same) > 3 else ""
                text += (
                    f" Given the {seeds}, it cannot be told apart from {names}{more} "
                    "(their intervals overlap); more seeds would separate them."
                )
        else:
            text += "; it is the only eligible setting."
        reasons.append(text)
        # -- the tie-break
        if bool(chosen.name != leader.name):
            reasons.append(
                f"{self._who(chosen).capitalize()} is chosen over the leader: its "
                f"{self._value(measure, chosen[f'{measure}_mean'])} is within "
                f"{self.tolerance:.0%} of the leader's and indistinguishable from it, and "
                f"{_TIE_WORDS[tie]} ({self._value(tie, chosen[f'{tie}_mean'])} against "
                f"{self._value(tie, leader[f'{tie}_mean'])})."
            )
        # -- the rate
        reasons.append(self._rule_sentence())
        # -- expected cost and spread
        reasons.append(self._expected_sentence(chosen))
        # -- seconds: what they are
        if self.goal_ == "least_seconds":
            reasons.append(self._seconds_sentence(chosen))
        # -- regime
        reasons.append(self._regime_sentence())
        return reasons

    def _rule_sentence(self) -> str:
        d = self.rule_detail_
        rates = ", ".join(_rate(r) for r in d["rates_tried"])
        b, lr = self.batch_size_, _rate(self.learning_rate_)
        if self.rule_ in ("linear", "sqrt"):
            law = "B" if self.rule_ == "linear" else "sqrt(B)"
            if "base_learning_rate" in d:
                text = (
                    f"The rate follows the study's {self.rule_} rule: {lr} = "
                    f"{_rate(d['base_learning_rate'])} x {'' if self.rule_ == 'linear' else 'sqrt'}"
                    f"({b} / {d['reference_batch_size']}), the base rate at the reference batch "
                    f"size {d['reference_batch_size']} scaled with {law}"
                )
            else:
                text = (
                    f"The rate follows a {self.rule_} rule ({d['source']}): across batch sizes "
                    f"the learning rate is proportional to {law}"
                )
            if d["tuned"]:
                text += f"; the base rate is the best of the {len(d['rates_tried'])} tried"
            return text + "."
        if self.rule_ == "tuned":
            text = (
                f"The rate is tuned: {lr} ranked best for this goal among the "
                f"{len(d['rates_tried'])} rates tried at batch size {b} ({rates})"
            )
            edge = d.get("edge")
            if edge:
                text += (
                    f"; it is the {edge} rate tried, so a "
                    f"{'larger' if edge == 'largest' else 'smaller'} one may be better still"
                )
            return text + "."
        return (
            f"The rate is fixed: {lr} is the only rate the study tried at batch size {b}, so it "
            "was not tuned and a better one may exist."
        )

    def _expected_sentence(self, row: pd.Series) -> str:
        n = int(row["n_seeds"])
        if self.goal_ == "best_accuracy":
            acc = (
                f"Expect a final test accuracy of {_pct(row['final_test_accuracy_mean'])}"
                f"{self._interval(row, 'final_test_accuracy')}"
            )
            std = row["final_test_accuracy_seed_std"]
            if np.isfinite(std):
                acc += f"; from seed to seed it varies by {100 * std:.2g} percentage points (std)"
            k = int(round(row["reached_fraction"] * n))
            if k:
                acc += (
                    f". {k} of {_seeds(n)} reached the target, after "
                    f"{_num(row['epochs_mean'])} epochs, {_num(row['updates_mean'])} updates and "
                    f"{_num(row['seconds_mean'])} seconds per model on average"
                )
            else:
                acc += f". It did not reach the target of {_pct(self.target_)} in any seed"
            return acc + "."
        parts = []
        for name in ("epochs", "updates", "examples"):
            part = f"{_num(row[f'{name}_mean'])} {name}"
            if row[f"{name}_n"] > 1 and row[f"{name}_min"] != row[f"{name}_max"]:
                part += f" (seeds ranged {_num(row[f'{name}_min'])} to {_num(row[f'{name}_max'])})"
            parts.append(part)
        parts.append(f"{_num(row['seconds_mean'])} seconds per model on this machine")
        text = "Expect " + ", ".join(parts[:-1]) + f" and {parts[-1]} to the target"
        text += (
            f", at a final test accuracy of {_pct(row['final_test_accuracy_mean'])}"
            f"{self._interval(row, 'final_test_accuracy')}."
        )
        return text

    def _seconds_sentence(self, row: pd.Series) -> str:
        k = int(row["trials_in_cohort"])
        tp = self.throughput_.set_index("batch_size").loc[int(row["batch_size"])]
        text = (
            f"Time on the machine that ran the study: {_num(row['seconds_mean'])} seconds per "
            f"model to the target{self._interval(row, 'seconds')}, measured at "
            f"{_num(tp['updates_per_second'])} updates and {_num(tp['examples_per_second'])} "
            f"training examples per second at batch size {int(row['batch_size'])}."
        )
        if k > 1:
            text += (
                f" Its {k} trials were trained together as one vectorized program; the seconds "
                f"are the cohort's {_num(row['cohort_seconds_mean'])} divided by {k}. One model "
                "trained alone would take between that and the full cohort time (closer to the "
                "full time where the fixed cost per step dominates: small batches, CPUs), so "
                "this figure flatters small batches."
            )
        return text

    def _regime_sentence(self) -> str:
        fit = self.scaling_
        if fit is None:
            return self.regime_reason_[0].upper() + self.regime_reason_[1:] + "."
        lo, hi = fit.b_crit_ci_
        ci = (
            f" ({100 * fit.level:g}% CI {_num(lo)} to {_num(hi)})"
            if np.isfinite(lo) and np.isfinite(hi)
            else ""
        )
        regime = self.regime_chosen_
        meaning = {
            "perfect scaling": "doubling the batch would nearly halve the updates, so a larger "
            "batch is nearly free in examples",
            "diminishing returns": "a larger batch still cuts the updates, but by less than it "
            "adds examples",
            "no further benefit": "a larger batch would hardly cut the updates; a smaller one "
            "needs fewer examples for nearly the same updates",
        }[regime]
        return (
            f"Batch size {self.batch_size_} sits in the '{regime}' regime: the updates to target "
            f"over {fit.n_points_} batch sizes fit S(B) = S_min (1 + B_crit / B) with a critical "
            f"batch size B_crit of {_num(fit.b_crit_)}{ci} and S_min {_num(fit.s_min_)} "
            f"updates; {meaning}."
        )

    # ------------------------------------------------------------------------- outputs
    def _check_fitted(self) -> None:
        if not hasattr(self, "goal_"):
            raise BatchlabError("this Recommender is not fitted yet: call fit(history, spec)")

    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain JSON-able data (NaN as None); equal for equal studies."""
        self._check_fitted()
        choice = None
        if self.batch_size_ is not None:
            choice = {"batch_size": self.batch_size_, "learning_rate": self.learning_rate_}
            if self.momentum_ is not None:
                choice["momentum"] = self.momentum_
        fit = self.scaling_
        regime: dict[str, Any] = {"name": self.regime_chosen_, "reason": self.regime_reason_}
        if fit is not None:
            regime.update(
                b_crit=fit.b_crit_,
                b_crit_ci=list(fit.b_crit_ci_),
                s_min=fit.s_min_,
                bounds=list(fit.regime_bounds_),
                n_batch_sizes=fit.n_points_,
            )
        columns = [
            c
            for c in self.alternatives_.columns
            if not c.endswith(("_std", "_min", "_max", "_n")) or c == "final_test_accuracy_seed_std"
        ]
        return _plain(
            {
                "goal": self.goal_,
                "target": self.target_,
                "confidence": self.confidence,
                "min_reached": self.min_reached,
                "tolerance": self.tolerance,
                "choice": choice,
                "rule": None if self.rule_ is None else {"name": self.rule_, **self.rule_detail_},
                "expected": self.expected_,
                "distinguishable": self.distinguishable_,
                "indistinguishable": [list(p) for p in self.indistinguishable_],
                "regime": regime,
                "throughput": self.throughput_.to_dict(orient="records"),
                "alternatives": self.alternatives_[columns].to_dict(orient="records"),
                "reasons": list(self.reasons_),
                "text": self.text(),
            }
        )

    def headline(self) -> str:
        """One line: the choice (or that there is none)."""
        self._check_fitted()
        if self.batch_size_ is None:
            return "No recommendation: no setting qualifies."
        text = f"Use batch size {self.batch_size_} with learning rate {_rate(self.learning_rate_)}"
        if self.momentum_ is not None:
            text += f" and momentum {_rate(self.momentum_)}"
        how = {
            "tuned": f"the best of the {len(self.rule_detail_['rates_tried'])} rates tried",
            "fixed": "the only rate tried",
            "linear": "rate by the linear rule",
            "sqrt": "rate by the square-root rule",
        }[self.rule_]
        return text + f" ({how})."

    def text(self) -> str:
        """The recommendation in plain words: the goal, the choice, then the reasons."""
        self._check_fitted()
        goal = _TITLES[self.goal_]
        if self.goal_ == "best_accuracy":
            title = f"{goal} (target for the speeds: {_pct(self.target_)} test accuracy)"
        else:
            title = f"{goal} to {_pct(self.target_)} test accuracy"
        lines = [title, self.headline()]
        lines += [f"- {r}" for r in self.reasons_]
        return "\n".join(lines)
