"""The :class:`Recommender` estimator: the summary, ranked for a goal, with its reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from batchlab._format import interval_note, spread_kind, to_json_safe
from batchlab.analysis._tables import check_confidence, require, spec_dict
from batchlab.analysis.eligible import MIN_REACHED, rule_words
from batchlab.analysis.reach import RULE
from batchlab.analysis.recommend import explain, ranking
from batchlab.analysis.recommend.goals import GOAL_TABLE, MEASURES, check_goal, column
from batchlab.analysis.scaling import ScalingFit, fit_scaling
from batchlab.analysis.summary import HISTORY_NEEDS, Summary
from batchlab.errors import BatchlabError

SPREAD = ("mean", "lo", "hi", "std", "min", "max", "n")
"""The statistics of each measure in ``expected_``."""


@dataclass(eq=False)
class Recommender:
    """The batch size and learning rate to use for a goal, estimator-style: the settings are
    the fields below, :meth:`fit` sets the fitted attributes (ending in ``_``) and returns
    ``self``.

    Fitted attributes: ``goal_``, ``target_``, ``by_`` (the grid's columns: batch size,
    learning rate, and momentum when the study sweeps it), ``batch_size_``,
    ``learning_rate_``, ``momentum_`` (None unless the study sweeps momentum), ``rule_``,
    ``rule_detail_`` (dict), ``expected_`` (per measure of :data:`MEASURES`: mean, lo, hi,
    std, min, max and n over the seeds, and ``interval``, what lo and hi are: ``"ci"`` a
    Student-t interval, ``"range"`` the seeds' min and max (2 to 4 seeds), ``"one"`` one
    value; and n_seeds, reached_fraction, trials_in_cohort),
    ``distinguishable_`` (the leader's interval is clear of every other eligible point's),
    ``indistinguishable_`` (list of (batch size, learning rate) pairs), ``regime_``,
    ``regime_reason_``, ``scaling_`` (the :class:`ScalingFit` or None), ``throughput_``
    (DataFrame), ``alternatives_`` (the :class:`~batchlab.analysis.Summary` table, every
    candidate ranked), ``reasons_`` (list of plain sentences with numbers). Without an
    eligible candidate the choice (``batch_size_`` ...) is None and the reasons say why.

    Example (two batch sizes, one seed each; 64 reaches 80% in 3 updates, 8 in 16):
        >>> import pandas as pd
        >>> history = pd.DataFrame({"trial": [0, 0, 1, 1], "batch_size": [8, 8, 64, 64],
        ...     "learning_rate": 0.1, "momentum": 0.0, "epoch": [1, 2, 1, 3],
        ...     "updates": [8, 16, 1, 3], "examples_seen": 64, "wall_seconds": 1.0,
        ...     "train_loss_end": 0.4, "train_accuracy_end": 0.9, "test_loss": 0.5,
        ...     "test_accuracy": [0.7, 0.82, 0.6, 0.81], "diverged": False})
        >>> rec = Recommender(goal="fewest_updates", target=0.8).fit(history)
        >>> rec.to_dict()["choice"]
        {'batch_size': 64, 'learning_rate': 0.1}
        >>> print(rec.headline())
        Use batch size 64 with learning rate 0.1 (the only rate tried).
    """

    goal: str = "fewest_updates"
    """``"fewest_epochs"``, ``"fewest_updates"``, ``"least_seconds"`` or ``"best_accuracy"``
    (hyphens and the short names ``epochs``, ``updates``, ``seconds``, ``accuracy`` are
    accepted)."""
    target: float | None = None
    """Target test accuracy; default the spec's ``analysis.target_accuracy``, else
    :func:`~batchlab.analysis.default_target` (95% of the best mean final test accuracy)."""
    confidence: float = 0.95
    """Level of the Student-t intervals over seeds (from 5 seeds on; with fewer the summary
    gives the seeds' range: :data:`~batchlab._format.SEEDS_FOR_CI`)."""
    min_reached: float = MIN_REACHED
    """The fraction of seeds that must reach the target for a point to count for the speed
    goals (default 1: every seed); the findings use the same rule
    (:mod:`batchlab.analysis.eligible`)."""
    tolerance: float = 0.05
    """How close (relative) a mean must be to the leader's for a tie-break to apply (see
    :mod:`~batchlab.analysis.recommend.ranking`)."""

    def fit(self, history: pd.DataFrame, spec: Any = None) -> Recommender:
        """Recommend from a history table (docs/schema.md) and optionally the study spec
        (a :class:`~batchlab.study.Study` or its ``to_dict()``, e.g. ``load(...).spec``)."""
        goal = GOAL_TABLE[check_goal(self.goal)]
        confidence = check_confidence(self.confidence)
        if not 0 < self.min_reached <= 1:
            raise BatchlabError(f"min_reached must lie in (0, 1]; got {self.min_reached!r}")
        if not 0 <= self.tolerance < 1:
            raise BatchlabError(f"tolerance must lie in [0, 1); got {self.tolerance!r}")
        require(history, [*HISTORY_NEEDS, "batch_size", "learning_rate", "momentum"], "Recommender")
        if "study" in history.columns and history["study"].nunique() > 1:
            raise BatchlabError(
                "Recommender: the history holds several studies "
                f"({', '.join(map(str, sorted(history['study'].unique())))}); recommend one "
                "study at a time"
            )
        spec = spec_dict(spec, "Recommender.fit")
        target = self.target
        if target is None:
            target = (spec.get("analysis") or {}).get("target_accuracy")
        by = ["batch_size", "learning_rate"]
        if history["momentum"].nunique() > 1:
            by.append("momentum")
        summary = Summary(target=target, confidence=confidence, by=by).fit(history)
        cohorts = ranking.cohorts(history)
        table = ranking.candidates(summary.table_, cohorts, goal, self.min_reached)
        table["note"] = explain.notes(table, goal.speed)
        table = ranking.rank(table, goal, by, self.tolerance)

        self.goal_ = goal.name
        self.target_ = summary.target_
        self.by_ = by
        self.throughput_ = ranking.throughput(cohorts)
        self.alternatives_ = table
        self.scaling_, self.regime_reason_ = self._fit_regime(table)
        eligible = table[table["eligible"]]
        if eligible.empty:
            self.batch_size_ = self.learning_rate_ = self.momentum_ = None
            self.rule_, self.rule_detail_, self.expected_ = None, {}, {}
            self.distinguishable_, self.indistinguishable_ = False, []
            self.regime_ = None
            self.reasons_ = explain.reasons_none(self, table)
            return self
        chosen = table[table["chosen"]].iloc[0]
        self.batch_size_ = int(chosen["batch_size"])
        self.learning_rate_ = float(chosen["learning_rate"])
        self.momentum_ = float(chosen["momentum"]) if "momentum" in by else None
        self.rule_, self.rule_detail_ = ranking.rate_rule(table, chosen, spec, by)
        self.expected_ = _expected(chosen)
        leader = eligible.iloc[0]
        same = eligible["indistinguishable"] | (eligible.index == leader.name)
        self.indistinguishable_ = [
            (int(r.batch_size), float(r.learning_rate))
            for r in eligible[same & ~eligible["chosen"]].itertuples()
        ]
        self.distinguishable_ = not bool(eligible["indistinguishable"].any())
        fit = self.scaling_
        self.regime_ = None if fit is None else str(fit.regime(self.batch_size_))
        self.reasons_ = explain.reasons(self, table, chosen)
        return self

    def _fit_regime(self, table: pd.DataFrame) -> tuple[ScalingFit | None, str]:
        """The scaling curve over the fewest updates per batch size, or None and why not
        (:func:`~batchlab.analysis.scaling.fit_scaling`, the scaling figure's rule too)."""
        _, fit, reason = fit_scaling(table, self.min_reached)
        return fit, "" if fit is not None else f"no regime: {reason}"

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
        regime: dict[str, Any] = {"name": self.regime_, "reason": self.regime_reason_}
        if fit is not None:
            regime.update(
                b_crit=fit.b_crit_,
                b_crit_ci=list(fit.b_crit_ci_),
                s_min=fit.s_min_,
                bounds=list(fit.regime_bounds_),
                n_batch_sizes=fit.n_points_,
            )
        columns = [
            *self.by_,
            "n_seeds",
            "reached_fraction",
            "diverged_fraction",
            "diverged_epoch_min",
            "diverged_epoch_max",
            "final_test_accuracy_seed_std",
            *(column(name, stat) for name in MEASURES for stat in ("mean", "lo", "hi", "n")),
            "trials_in_cohort",
            "eligible",
            "note",
            "rank",
            "indistinguishable",
            "chosen",
            "near_tie",
        ]
        return to_json_safe(
            {
                "goal": self.goal_,
                "target": self.target_,
                "confidence": self.confidence,
                "min_reached": self.min_reached,
                "tolerance": self.tolerance,
                "reach_rule": RULE,
                "eligibility_rule": rule_words(self.min_reached),
                "interval_rule": interval_note(self.confidence),
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
        return explain.headline(self)

    def text(self) -> str:
        """The recommendation in plain words: the goal, the choice, then the reasons."""
        self._check_fitted()
        return explain.text(self)


def _expected(chosen: pd.Series) -> dict[str, Any]:
    """Per measure, its statistics over the seeds at the chosen point (:data:`SPREAD`), from
    the summary; and the seeds, the fraction that reached the target, the cohort's trials."""
    out: dict[str, Any] = {}
    for name in MEASURES:
        count = "n_finished" if name == "final_test_accuracy" else "n_reached"
        stats = {"std": column(name, "seed_std"), "n": count}
        out[name] = {stat: chosen[stats.get(stat) or column(name, stat)] for stat in SPREAD}
        # what lo and hi are: a t-interval ("ci"), the seeds' range ("range"), one value
        out[name]["interval"] = spread_kind(chosen.get(column(name, "n"), out[name]["n"]))
    out.update(
        n_seeds=int(chosen["n_seeds"]),
        reached_fraction=float(chosen["reached_fraction"]),
        trials_in_cohort=int(chosen["trials_in_cohort"]),
    )
    return to_json_safe(out)
