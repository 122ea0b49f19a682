"""What a summary says, in plain words with its numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from batchlab.analysis._tables import require
from batchlab.analysis.best import best_learning_rates


@dataclass(frozen=True)
class Finding:
    """One answer to a practitioner's question about the batch size."""

    key: str
    """Stable identifier, e.g. ``fastest_epochs``, ``most_stable``, ``target_not_reached``."""
    title: str
    """A short heading."""
    text: str
    """The answer in plain words, numbers included."""
    numbers: Mapping[str, float | int] = field(default_factory=dict, hash=False)
    """The numbers behind the text (accuracies as fractions, costs in their units)."""


_SPEED = (
    # key, column stem, per-what, unit words
    ("epochs", "epochs_to_target", "epoch", "epochs"),
    ("updates", "updates_to_target", "update", "updates"),
    ("examples", "examples_to_target", "example", "examples"),
    ("seconds", "seconds_to_target", "second", "seconds"),
)


def _num(value: float) -> str:
    """A count or cost for text: 1,500 / 12.5 / 0.525."""
    if not np.isfinite(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _share(value: float) -> str:
    return f"{100 * value:g}%"


def _pts(value: float) -> str:
    return f"{100 * value:.2g} percentage points"


def _py(value: object) -> float | int:
    """A plain Python number (JSON-friendly) from numpy/pandas scalars."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    return float(value)  # type: ignore[arg-type]


def _who(row: pd.Series, with_rate: bool) -> str:
    name = f"batch size {int(row['batch_size'])}"
    if with_rate:
        name += f" (learning rate {row['learning_rate']:g})"
    return name


def _ids(row: pd.Series, with_rate: bool, prefix: str = "") -> dict[str, float | int]:
    out: dict[str, float | int] = {f"{prefix}batch_size": int(row["batch_size"])}
    if with_rate:
        out[f"{prefix}learning_rate"] = float(row["learning_rate"])
    return out


def findings(
    summary: pd.DataFrame,
    min_reached: float = 0.5,
    last_fraction: float = 0.1,
) -> list[Finding]:
    """The answers a summary table gives, each a :class:`Finding` with its numbers.

    Args:
        summary: a :func:`~batchlab.analysis.summary` table. When it has several learning
            rates per batch size, each batch size is judged at its best rate
            (:func:`best_learning_rates`, by final test accuracy) and the text says so.
        min_reached: a batch size counts as reaching the target when at least this fraction
            of its seeds reach it; its time to target is the mean over those seeds.
        last_fraction: the late-training window the summary used (for the wording only).

    Returns, in this order (those that apply):

    - ``best_accuracy``: highest mean final test accuracy;
    - ``fastest_epochs``, ``fastest_updates``, ``fastest_examples``, ``fastest_seconds``: the
      batch size that reaches the target test accuracy in the fewest epochs, updates, examples
      seen, seconds; or one ``target_not_reached`` when no batch size reaches it;
    - ``most_stable``: smallest std of test accuracy over the last epochs;
    - ``best_generalization``: smallest generalization gap (train - test accuracy) among the
      batch sizes whose final test accuracy reaches the target (if none does, among those
      within 95% of the best);
    - ``diverged``: which grid points had diverging trials (only when some did).

    Example:
        >>> for f in findings(summary(history)):
        ...     print(f.title, "-", f.text)
    """
    require(
        summary,
        [
            "batch_size",
            "learning_rate",
            "n_seeds",
            "target",
            "final_test_accuracy_mean",
            "generalization_gap_mean",
            "test_accuracy_late_std",
            "reached_fraction",
            "diverged_fraction",
        ],
        "findings",
    )
    target = float(summary["target"].iloc[0])
    level = float(summary["confidence"].iloc[0]) if "confidence" in summary else 0.95
    ci = f"{100 * level:g}% CI"
    per_bs = summary.groupby("batch_size")["learning_rate"].nunique().max() > 1
    with_rate = summary["learning_rate"].nunique() > 1
    if per_bs and summary["final_test_accuracy_mean"].notna().any():
        rows = best_learning_rates(summary, "final_test_accuracy_mean")
        note = " (each batch size at its best learning rate)"
    else:
        rows = summary.sort_values("batch_size").reset_index(drop=True)
        note = ""
    out: list[Finding] = []

    # -- best final accuracy
    acc = rows[np.isfinite(rows["final_test_accuracy_mean"].astype(float))]
    if not acc.empty:
        top = acc.loc[acc["final_test_accuracy_mean"].idxmax()]
        low = acc.loc[acc["final_test_accuracy_mean"].idxmin()]
        text = f"{_who(top, with_rate).capitalize()} ends with the highest test accuracy{note}: "
        text += f"{_pct(top['final_test_accuracy_mean'])}"
        if "final_test_accuracy_lo" in top:
            text += (
                f" ({ci} {_pct(top['final_test_accuracy_lo'])}"
                f" to {_pct(top['final_test_accuracy_hi'])})"
            )
        nums = {**_ids(top, with_rate), "final_test_accuracy": _py(top["final_test_accuracy_mean"])}
        if len(acc) > 1:
            lowest = _pct(low["final_test_accuracy_mean"])
            text += f"; the lowest is {lowest} at {_who(low, with_rate)}."
            nums.update(_ids(low, with_rate, "lowest_"))
            nums["lowest_final_test_accuracy"] = _py(low["final_test_accuracy_mean"])
        else:
            text += "."
        out.append(Finding("best_accuracy", "Highest final test accuracy", text, nums))

    # -- speed to target
    reached = rows[rows["reached_fraction"].astype(float) >= min_reached]
    missed = rows[rows["reached_fraction"].astype(float) < min_reached]
    missed_text = ""
    if not missed.empty:
        names = [str(int(b)) for b in missed["batch_size"]]
        if len(names) == 1:
            who, its = f"Batch size {names[0]}", "its"
        else:
            who, its = f"Batch sizes {', '.join(names[:-1])} and {names[-1]}", "their"
        missed_text = f" {who} did not reach it in at least {_share(min_reached)} of {its} seeds."
    if reached.empty:
        best = acc.loc[acc["final_test_accuracy_mean"].idxmax()] if not acc.empty else None
        text = (
            f"No batch size reached the target test accuracy of {_pct(target)} in at least "
            f"{_share(min_reached)} of its seeds, so none can be called fastest."
        )
        nums: dict[str, float | int] = {
            "target": target,
            "max_reached_fraction": _py(rows["reached_fraction"].max()),
        }
        if best is not None:
            text += (
                f" The best final test accuracy was {_pct(best['final_test_accuracy_mean'])}"
                f" at {_who(best, with_rate)}; a lower target would make the speeds comparable."
            )
            nums.update(_ids(best, with_rate, "best_"))
            nums["best_final_test_accuracy"] = _py(best["final_test_accuracy_mean"])
        out.append(Finding("target_not_reached", "Target not reached", text, nums))
    else:
        for key, stem, per, unit in _SPEED:
            col = f"{stem}_mean"
            if col not in reached:
                continue
            ok = reached[np.isfinite(reached[col].astype(float))]
            if ok.empty:
                continue
            fast = ok.loc[ok[col].idxmin()]
            slow = ok.loc[ok[col].idxmax()]
            text = (
                f"{_who(fast, with_rate).capitalize()} reaches {_pct(target)} test accuracy in "
                f"the fewest {unit}{note}: {_num(fast[col])} {unit}"
            )
            nums = {
                **_ids(fast, with_rate),
                stem: _py(fast[col]),
                "target": target,
                "reached_fraction": _py(fast["reached_fraction"]),
            }
            if f"{stem}_lo" in fast:
                text += f" ({ci} {_num(fast[f'{stem}_lo'])} to {_num(fast[f'{stem}_hi'])})"
                nums[f"{stem}_lo"] = _py(fast[f"{stem}_lo"])
                nums[f"{stem}_hi"] = _py(fast[f"{stem}_hi"])
            n = int(round(fast["reached_fraction"] * fast["n_seeds"]))
            text += f", with {n} of {int(fast['n_seeds'])} seeds reaching it."
            if len(ok) > 1 and slow[col] > fast[col]:
                ratio = slow[col] / fast[col]
                text += (
                    f" The slowest, {_who(slow, with_rate)}, needs {_num(slow[col])} {unit}"
                    f" ({ratio:.3g} times as many)."
                )
                nums.update(_ids(slow, with_rate, "slowest_"))
                nums[f"slowest_{stem}"] = _py(slow[col])
                nums["ratio"] = _py(ratio)
            text += missed_text
            title = f"Fastest to target per {per}"
            out.append(Finding(f"fastest_{key}", title, text, nums))

    # -- stability
    stab = rows[np.isfinite(rows["test_accuracy_late_std"].astype(float))]
    if not stab.empty:
        calm = stab.loc[stab["test_accuracy_late_std"].idxmin()]
        wild = stab.loc[stab["test_accuracy_late_std"].idxmax()]
        window = f"the last {_share(last_fraction)} of epochs"
        text = (
            f"{_who(calm, with_rate).capitalize()} trains most stably{note}: its test accuracy "
            f"moves by {_pts(calm['test_accuracy_late_std'])} (std over {window}, mean over "
            "seeds)"
        )
        nums = {
            **_ids(calm, with_rate),
            "test_accuracy_late_std": _py(calm["test_accuracy_late_std"]),
        }
        if len(stab) > 1 and wild["test_accuracy_late_std"] > calm["test_accuracy_late_std"]:
            text += (
                f", against {_pts(wild['test_accuracy_late_std'])} for {_who(wild, with_rate)},"
                " the least stable"
            )
            nums.update(_ids(wild, with_rate, "least_stable_"))
            nums["least_stable_test_accuracy_late_std"] = _py(wild["test_accuracy_late_std"])
        text += "."
        seed_std = calm.get("final_test_accuracy_seed_std", np.nan)
        if np.isfinite(seed_std):
            text += f" From seed to seed its final test accuracy varies by {_pts(seed_std)} (std)."
            nums["final_test_accuracy_seed_std"] = _py(seed_std)
        out.append(Finding("most_stable", "Most stable training", text, nums))

    # -- generalization
    if not acc.empty:
        good = acc[acc["final_test_accuracy_mean"] >= target]
        bar = f"reach the target of {_pct(target)}"
        if good.empty:
            floor = 0.95 * acc["final_test_accuracy_mean"].max()
            good = acc[acc["final_test_accuracy_mean"] >= floor]
            bar = f"end within 95% of the best test accuracy (at least {_pct(floor)})"
        good = good[np.isfinite(good["generalization_gap_mean"].astype(float))]
        if not good.empty:
            best = good.loc[good["generalization_gap_mean"].idxmin()]
            gap = float(best["generalization_gap_mean"])
            if gap >= 0:
                how = f"its training accuracy exceeds its test accuracy by {_pts(gap)}"
            else:
                how = f"its test accuracy exceeds its training accuracy by {_pts(-gap)}"
            text = (
                f"Among the batch sizes that {bar}, {_who(best, with_rate)} generalizes best"
                f"{note}: {how}, at a final test accuracy of "
                f"{_pct(best['final_test_accuracy_mean'])}."
            )
            nums = {
                **_ids(best, with_rate),
                "generalization_gap": _py(gap),
                "final_test_accuracy": _py(best["final_test_accuracy_mean"]),
            }
            if "loss_gap_mean" in best and np.isfinite(best["loss_gap_mean"]):
                nums["loss_gap"] = _py(best["loss_gap_mean"])
            worst = acc.loc[acc["generalization_gap_mean"].idxmax()]
            if worst["generalization_gap_mean"] > gap:
                text += (
                    f" The largest gap is {_pts(worst['generalization_gap_mean'])} at "
                    f"{_who(worst, with_rate)}."
                )
                nums.update(_ids(worst, with_rate, "largest_gap_"))
                nums["largest_generalization_gap"] = _py(worst["generalization_gap_mean"])
            out.append(Finding("best_generalization", "Best generalization", text, nums))

    # -- divergence (over the whole grid, every learning rate)
    bad = summary[summary["diverged_fraction"].astype(float) > 0].sort_values(
        ["batch_size", "learning_rate"]
    )
    if not bad.empty:
        many = summary["learning_rate"].nunique() > 1
        parts = []
        for _, r in bad.iterrows():
            n = int(round(r["diverged_fraction"] * r["n_seeds"]))
            parts.append(f"{_who(r, many)}: {n} of {int(r['n_seeds'])} seeds")
        total = int(round((summary["diverged_fraction"] * summary["n_seeds"]).sum()))
        text = (
            f"{total} of {int(summary['n_seeds'].sum())} trials diverged (loss became NaN or "
            f"infinite): {'; '.join(parts)}. Their metrics after divergence are left out of "
            "the means."
        )
        nums = {"n_diverged": total, "n_trials": int(summary["n_seeds"].sum())}
        out.append(Finding("diverged", "Diverged trials", text, nums))
    return out
