"""The recommendation in plain words: the sentences of a fitted :class:`.Recommender`.

Every function reads a fitted recommender (its settings and its fitted ``*_`` attributes) and
the ranked table (``alternatives_``); none computes anything the recommender has not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from batchlab._format import amount, num, pct, pts, seeds, spread, spread_kind
from batchlab.analysis.eligible import share
from batchlab.analysis.recommend.goals import GOAL_TABLE, column

if TYPE_CHECKING:
    from batchlab.analysis.recommend.recommender import Recommender

TIE_WORDS = {
    "updates": "it needs fewer updates for the same number of epochs",
    "examples": "it needs fewer training examples (less computation) for the same updates",
    "final_test_accuracy": "it ends with a higher test accuracy for the same time",
    "seconds": "it reaches the target in less time for the same accuracy",
}
"""Why the tie-break measure of a goal decides a near tie."""

REGIME_MEANINGS = {
    "perfect scaling": "doubling the batch would nearly halve the updates, so a larger batch "
    "is nearly free in examples",
    "diminishing returns": "a larger batch still cuts the updates, but by less than it adds "
    "examples",
    "no further benefit": "a larger batch would hardly cut the updates; a smaller one needs "
    "fewer examples for nearly the same updates",
}
"""What each regime of the scaling curve means for the choice of batch size."""


def rate(value: float) -> str:
    """A learning rate or momentum as given: ``0.1``, ``0.0003``."""
    return f"{value:g}"


def who(rec: Recommender, row: Mapping[str, Any]) -> str:
    """``batch size 64 at learning rate 0.1`` (and the momentum when the study sweeps it)."""
    text = f"batch size {int(row['batch_size'])} at learning rate {rate(row['learning_rate'])}"
    if "momentum" in rec.by_:
        text += f" and momentum {rate(row['momentum'])}"
    return text


def notes(table: pd.DataFrame, speed: bool) -> list[str]:
    """Why each row of a candidates table is not eligible (empty when it is)."""
    out = []
    for r in table.itertuples():
        n = int(r.n_seeds)
        if r.diverged_fraction > 0:
            out.append(f"diverged in {int(round(r.diverged_fraction * n))} of {seeds(n)}")
        elif speed and not r.eligible:
            out.append(f"reached the target in {int(round(r.reached_fraction * n))} of {seeds(n)}")
        else:
            out.append("")
    return out


def value(measure: str, v: float) -> str:
    """A measure's value with its unit: ``80.0%``, ``12.5 seconds``, ``1,500 updates``."""
    if measure == "final_test_accuracy":
        return pct(v)
    if measure in ("seconds", "cohort_seconds"):
        return amount(v, "seconds")
    return amount(v, measure)


def ci(rec: Recommender, row: pd.Series, measure: str) -> str:
    """`` (95% CI lo to hi)``, `` (range lo to hi over 3 seeds)`` or `` (1 seed)`` of a
    measure, by the summary's rule for few seeds (:data:`~batchlab._format.SEEDS_FOR_CI`);
    the bounds are the summary's, already cut at what is possible (costs from 0, accuracies
    in [0, 1]); empty when there is no value."""
    show = pct if measure == "final_test_accuracy" else num
    words = spread(
        row[column(measure, "lo")],
        row[column(measure, "hi")],
        row.get(column(measure, "n"), row.get("n_seeds")),
        show,
        rec.confidence,
    )
    return f" ({words})" if words else ""


def eligibility(rec: Recommender, table: pd.DataFrame) -> str:
    """How many settings qualify, and which are left out and why."""
    n_elig, n = int(table["eligible"].sum()), len(table)
    what = "setting" if n == 1 else "settings"
    if rec.goal_ == "best_accuracy":
        text = f"{n_elig} of {n} {what} trained without diverging in any seed"
    else:
        text = (
            f"{n_elig} of {n} {what} reached the target test accuracy of "
            f"{pct(rec.target_)} in {share(rec.min_reached)} without diverging"
        )
    left = table[~table["eligible"]]
    if left.empty:
        return text + "."
    parts = [f"{who(rec, r)} {r['note']}" for _, r in left.head(4).iterrows()]
    more = f" and {len(left) - 4} more" if len(left) > 4 else ""
    return text + "; left out: " + "; ".join(parts) + more + "."


def diverged_everywhere(rec: Recommender, table: pd.DataFrame) -> str:
    """When every trial diverged: which settings, at which epochs, and what to do."""
    parts = []
    for _, r in table.sort_values(rec.by_).iterrows():
        first, last = r["diverged_epoch_min"], r["diverged_epoch_max"]
        when = f"epoch {int(first)}" if first == last else f"epochs {int(first)}-{int(last)}"
        parts.append(f"{who(rec, r)} in {seeds(int(r['n_seeds']))} at {when}")
    return (
        "Every trial diverged (loss became NaN or infinite), so there is no accuracy to "
        f"aim at or compare: {'; '.join(parts)}. Lower the learning rate (or add warmup) and "
        "run again."
    )


def reasons_none(rec: Recommender, table: pd.DataFrame) -> list[str]:
    """The reasons when no setting qualifies."""
    if rec.target_ is None:  # every trial diverged
        return [diverged_everywhere(rec, table)]
    reasons = [eligibility(rec, table)]
    if rec.goal_ == "best_accuracy":
        reasons.append("Every setting diverged in at least one seed, so none can be trusted.")
        return reasons
    best = table.loc[table["reached_fraction"].astype(float).idxmax()]
    n = int(best["n_seeds"])
    k = int(round(best["reached_fraction"] * n))
    reasons.append(
        f"No setting qualifies for {GOAL_TABLE[rec.goal_].words} to {pct(rec.target_)}. The "
        f"closest, {who(rec, best)}, reached it in {k} of {seeds(n)}. Lower the target "
        "(--target), train longer, or allow fewer seeds to reach it (min_reached)."
    )
    return reasons


def reasons(rec: Recommender, table: pd.DataFrame, chosen: pd.Series) -> list[str]:
    """The reasons for a choice: eligibility, the leader and the runner-up, the tie-break, the
    rate's rule, the expected cost, the seconds (for the time goal) and the regime."""
    goal = GOAL_TABLE[rec.goal_]
    measure, tie = goal.measure, goal.tie_break
    eligible = table[table["eligible"]]
    leader = eligible.iloc[0]
    n_seeds = seeds(int(leader["n_seeds"]))
    text = (
        f"{who(rec, leader).capitalize()} has {goal.words}"
        + (" to the target" if goal.speed else "")
        + f": {value(measure, leader[column(measure, 'mean')])}"
        + (f" on average over {n_seeds}" if int(leader["n_seeds"]) > 1 else "")
        + ci(rec, leader, measure)
    )
    if len(eligible) > 1:
        runner = eligible.iloc[1]
        text += (
            f"; the runner-up, {who(rec, runner)}, has "
            f"{value(measure, runner[column(measure, 'mean')])}" + ci(rec, runner, measure) + "."
        )
        same = eligible[eligible["indistinguishable"]]
        kind = spread_kind(leader.get(column(measure, "n"), leader["n_seeds"]))
        what = "intervals" if kind == "ci" else "ranges over seeds"
        if same.empty:
            text += f" The {what} do not overlap: the lead holds given the {n_seeds}."
        else:
            names = ", ".join(who(rec, r) for _, r in same.head(3).iterrows())
            more = f" and {len(same) - 3} more" if len(same) > 3 else ""
            text += (
                f" Given the {n_seeds}, it cannot be told apart from {names}{more} "
                f"(their {what} overlap); more seeds would separate them."
            )
    else:
        text += "; it is the only eligible setting."
    out = [eligibility(rec, table), text]
    if bool(chosen.name != leader.name):
        out.append(
            f"{who(rec, chosen).capitalize()} is chosen over the leader: its "
            f"{value(measure, chosen[column(measure, 'mean')])} is within "
            f"{pct(rec.tolerance, 0)} of the leader's and indistinguishable from it, and "
            f"{TIE_WORDS[tie]} ({value(tie, chosen[column(tie, 'mean')])} against "
            f"{value(tie, leader[column(tie, 'mean')])})."
        )
    out += [rule_sentence(rec), expected_sentence(rec, chosen)]
    if rec.goal_ == "least_seconds":
        out.append(seconds_sentence(rec, chosen))
    out.append(regime_sentence(rec))
    return out


def rule_sentence(rec: Recommender) -> str:
    """Where the chosen rate comes from: the study's rule, tuning, or the only rate tried."""
    d = rec.rule_detail_
    b, lr = rec.batch_size_, rate(rec.learning_rate_)
    if rec.rule_ in ("linear", "sqrt"):
        law = "B" if rec.rule_ == "linear" else "sqrt(B)"
        if "base_learning_rate" in d:
            ref = d["reference_batch_size"]
            text = (
                f"The rate follows the study's {rec.rule_} rule: {lr} = "
                f"{rate(d['base_learning_rate'])} x {'' if rec.rule_ == 'linear' else 'sqrt'}"
                f"({b} / {ref}), the base rate at the reference batch size {ref} scaled with {law}"
            )
        else:
            text = (
                f"The rate follows a {rec.rule_} rule ({d['source']}): across batch sizes "
                f"the learning rate is proportional to {law}"
            )
        if d["tuned"]:
            text += f"; the base rate is the best of the {len(d['rates_tried'])} tried"
        return text + "."
    if rec.rule_ == "tuned":
        rates = ", ".join(rate(r) for r in d["rates_tried"])
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


def expected_sentence(rec: Recommender, row: pd.Series) -> str:
    """What to expect at the choice: the costs to the target and the final accuracy."""
    n = int(row["n_seeds"])
    accuracy = pct(row[column("final_test_accuracy", "mean")]) + ci(rec, row, "final_test_accuracy")
    if rec.goal_ == "best_accuracy":
        text = f"Expect a final test accuracy of {accuracy}"
        std = row[column("final_test_accuracy", "seed_std")]
        if np.isfinite(std):
            text += f"; from seed to seed it varies by {pts(std)} (std)"
        k = int(round(row["reached_fraction"] * n))
        if k:
            text += (
                f". {k} of {seeds(n)} reached the target, after "
                f"{amount(row[column('epochs', 'mean')], 'epochs')}, "
                f"{amount(row[column('updates', 'mean')], 'updates')} and "
                f"{amount(row[column('seconds', 'mean')], 'seconds')} per model on average"
            )
        else:
            text += f". It did not reach the target of {pct(rec.target_)} in any seed"
        return text + "."
    parts = []
    for name in ("epochs", "updates", "examples"):
        part = amount(row[column(name, "mean")], name)
        low, high = row[column(name, "min")], row[column(name, "max")]
        if row["n_reached"] > 1 and low != high:
            part += f" (seeds ranged {num(low)} to {num(high)})"
        parts.append(part)
    parts.append(f"{amount(row[column('seconds', 'mean')], 'seconds')} per model on this machine")
    return (
        "Expect " + ", ".join(parts[:-1]) + f" and {parts[-1]} to the target, at a final test "
        f"accuracy of {accuracy}."
    )


def seconds_sentence(rec: Recommender, row: pd.Series) -> str:
    """What the seconds are: measured on the study's machine, amortized over the cohort."""
    k = int(row["trials_in_cohort"])
    tp = rec.throughput_.set_index("batch_size").loc[int(row["batch_size"])]
    text = (
        f"Time on the machine that ran the study: {num(row[column('seconds', 'mean')])} seconds "
        f"per model to the target{ci(rec, row, 'seconds')}, measured at "
        f"{num(tp['updates_per_second'])} updates and {num(tp['examples_per_second'])} "
        f"training examples per second at batch size {int(row['batch_size'])}."
    )
    if k > 1:
        text += (
            f" Its {k} trials were trained together as one vectorized program; the seconds "
            f"are the cohort's {num(row[column('cohort_seconds', 'mean')])} divided by {k}. One "
            "model trained alone would take between that and the full cohort time (closer to "
            "the full time where the fixed cost per step dominates: small batches, CPUs), so "
            "this figure flatters small batches."
        )
    return text


def regime_sentence(rec: Recommender) -> str:
    """The chosen batch size's regime on the fitted scaling curve, or why there is none."""
    fit = rec.scaling_
    if fit is None:
        return rec.regime_reason_[0].upper() + rec.regime_reason_[1:] + "."
    lo, hi = fit.b_crit_ci_
    finite = np.isfinite(lo) and np.isfinite(hi)
    level = f" ({pct(fit.level, None)} CI {num(lo)} to {num(hi)})" if finite else ""
    return (
        f"Batch size {rec.batch_size_} sits in the '{rec.regime_}' regime: the updates to "
        f"target over {fit.n_points_} batch sizes fit S(B) = S_min (1 + B_crit / B) with a "
        f"critical batch size B_crit of {num(fit.b_crit_)}{level} and S_min {num(fit.s_min_)} "
        f"updates; {REGIME_MEANINGS[rec.regime_]}."
    )


def headline(rec: Recommender) -> str:
    """One line: the choice (or that there is none)."""
    if rec.batch_size_ is None and rec.target_ is None:
        return "No recommendation: every trial diverged."
    if rec.batch_size_ is None:
        return "No recommendation: no setting qualifies."
    text = f"Use batch size {rec.batch_size_} with learning rate {rate(rec.learning_rate_)}"
    if rec.momentum_ is not None:
        text += f" and momentum {rate(rec.momentum_)}"
    how = {
        "tuned": f"the best of the {len(rec.rule_detail_['rates_tried'])} rates tried",
        "fixed": "the only rate tried",
        "linear": "rate by the linear rule",
        "sqrt": "rate by the square-root rule",
    }[rec.rule_]
    return text + f" ({how})."


def text(rec: Recommender) -> str:
    """The goal and target, the headline, then the reasons, one per line."""
    goal = GOAL_TABLE[rec.goal_]
    if rec.target_ is None:
        title = f"{goal.title} (no target: every trial diverged)"
    elif goal.speed:
        title = f"{goal.title} to {pct(rec.target_)} test accuracy"
    else:
        title = f"{goal.title} (target for the speeds: {pct(rec.target_)} test accuracy)"
    return "\n".join([title, headline(rec), *(f"- {r}" for r in rec.reasons_)])
