"""What a summary says, in plain words with its numbers: one small function per finding.

Each finding is a function of a :class:`Grid` (the summary table and how to name its rows) that
returns a :class:`Finding`, or None when it does not apply; :data:`FINDINGS` lists them in the
order :func:`findings` returns them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from batchlab._format import num, pct, pts, spread, to_json_safe
from batchlab.analysis._tables import require
from batchlab.analysis.best import best_learning_rates
from batchlab.analysis.eligible import MIN_REACHED, eligible, rule_words, share

NEEDS = (
    "batch_size",
    "learning_rate",
    "n_seeds",
    "target",
    "final_test_accuracy_mean",
    "generalization_gap_mean",
    "test_accuracy_late_std",
    "reached_fraction",
    "diverged_fraction",
)
"""The summary columns :func:`findings` reads (the intervals and time to target when present)."""


@dataclass(frozen=True)
class Finding:
    """One answer to a practitioner's question about the batch size."""

    key: str
    """Stable identifier, e.g. ``fastest_epochs``, ``most_stable``, ``target_not_reached``."""
    title: str
    """A short heading."""
    text: str
    """The answer in plain words, numbers included."""
    numbers: Mapping[str, float | int | None] = field(default_factory=dict, hash=False)
    """The numbers behind the text (accuracies as fractions, costs in their units), as plain
    JSON data (None where not available)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "numbers", to_json_safe(self.numbers))


@dataclass(frozen=True)
class Grid:
    """What every finding reads: the summary and the rows it judges."""

    summary: pd.DataFrame
    """Every grid point (a :func:`~batchlab.analysis.summary` table)."""
    rows: pd.DataFrame
    """The rows judged for accuracy and generalization: each batch size at its best learning
    rate when the summary has several rates per batch size, else every row; sorted by batch
    size."""
    note: str
    """`` (each batch size at its best learning rate)`` when that is so, else empty."""
    with_rate: bool
    """Whether the study has several learning rates (the text then names them)."""
    min_reached: float
    """The fraction of its seeds a setting must reach the target in to count as reaching it
    (the recommender's :func:`~batchlab.analysis.eligible.eligible`)."""
    last_fraction: float
    """The late-training window the summary used (for the wording)."""

    @classmethod
    def of(cls, summary: pd.DataFrame, min_reached: float, last_fraction: float) -> Grid:
        per_bs = summary.groupby("batch_size")["learning_rate"].nunique().max() > 1
        if per_bs and summary["final_test_accuracy_mean"].notna().any():
            rows = best_learning_rates(summary, "final_test_accuracy_mean")
            note = " (each batch size at its best learning rate)"
        else:
            rows, note = summary.sort_values("batch_size").reset_index(drop=True), ""
        with_rate = summary["learning_rate"].nunique() > 1
        return cls(summary, rows, note, with_rate, min_reached, last_fraction)

    @property
    def target(self) -> float:
        """The target test accuracy (NaN when there is none: every trial diverged)."""
        return float(self.summary["target"].iloc[0])

    @property
    def ci(self) -> float:
        """The confidence level of the summary's intervals."""
        return float(self.summary["confidence"].iloc[0]) if "confidence" in self.summary else 0.95

    @property
    def finished(self) -> pd.DataFrame:
        """The rows with a final test accuracy (not every trial diverged)."""
        return self.rows[np.isfinite(self.rows["final_test_accuracy_mean"].astype(float))]

    @property
    def eligible(self) -> pd.DataFrame:
        """Every setting that counts for a speed: no seed diverged and at least
        ``min_reached`` of its seeds reached the target (the recommender's rule)."""
        return self.summary[eligible(self.summary, self.min_reached)]

    @property
    def per_rate(self) -> bool:
        """Whether some batch size was tried at several learning rates."""
        return bool(self.summary.groupby("batch_size")["learning_rate"].nunique().max() > 1)

    def fastest_rows(self, column: str) -> pd.DataFrame:
        """Per batch size, its eligible setting with the lowest finite ``column``; sorted by
        batch size (ties to the lower learning rate)."""
        ok = self.eligible
        ok = ok[np.isfinite(ok[column].astype(float))]
        ok = ok.sort_values(["batch_size", column, "learning_rate"], kind="stable")
        return ok.groupby("batch_size", sort=True).head(1).reset_index(drop=True)

    def who(self, row: pd.Series) -> str:
        """``batch size 32``, with ``(learning rate 0.1)`` when the study has several."""
        name = f"batch size {int(row['batch_size'])}"
        if self.with_rate:
            name += f" (learning rate {row['learning_rate']:g})"
        return name

    def ids(self, row: pd.Series, prefix: str = "", **numbers: float) -> dict[str, float]:
        """The row's batch size (and learning rate) under ``prefix``, then ``numbers``."""
        out = {f"{prefix}batch_size": int(row["batch_size"])}
        if self.with_rate:
            out[f"{prefix}learning_rate"] = float(row["learning_rate"])
        return out | {f"{prefix}{name}": value for name, value in numbers.items()}

    def spread(self, row: pd.Series, stem: str, show=num) -> str:
        """`` (95% CI a to b)``, `` (range a to b over 3 seeds)``, `` (1 seed)`` of ``stem``
        at ``row`` (:func:`~batchlab._format.spread`); empty without its interval columns."""
        if f"{stem}_lo" not in row:
            return ""
        n = row.get(f"{stem}_n", row.get("n_seeds"))
        words = spread(row[f"{stem}_lo"], row[f"{stem}_hi"], n, show, self.ci)
        return f" ({words})" if words else ""


def best_accuracy(grid: Grid) -> Finding | None:
    """The highest mean final test accuracy, and the lowest."""
    acc = grid.finished
    if acc.empty:
        return None
    top = acc.loc[acc["final_test_accuracy_mean"].idxmax()]
    low = acc.loc[acc["final_test_accuracy_mean"].idxmin()]
    text = f"{grid.who(top).capitalize()} ends with the highest test accuracy{grid.note}: "
    text += pct(top["final_test_accuracy_mean"]) + grid.spread(top, "final_test_accuracy", pct)
    nums = grid.ids(top, final_test_accuracy=top["final_test_accuracy_mean"])
    if "final_test_accuracy_lo" in top:
        nums |= {
            "final_test_accuracy_lo": top["final_test_accuracy_lo"],
            "final_test_accuracy_hi": top["final_test_accuracy_hi"],
        }
    if len(acc) > 1:
        text += f"; the lowest is {pct(low['final_test_accuracy_mean'])} at {grid.who(low)}."
        nums |= grid.ids(low, "lowest_", final_test_accuracy=low["final_test_accuracy_mean"])
    else:
        text += "."
    return Finding("best_accuracy", "Highest final test accuracy", text, nums)


def target_not_reached(grid: Grid) -> Finding | None:
    """That no setting reached the target by the shared rule (then no speed can be
    compared). Not when there is no target at all (every trial diverged: see ``diverged``)."""
    if not grid.eligible.empty or not np.isfinite(grid.target):
        return None
    rows, target = grid.summary, grid.target
    text = (
        f"No setting reached the target test accuracy of {pct(target)} in "
        f"{share(grid.min_reached)} without diverging, so none can be called fastest."
    )
    nums = {"target": target, "max_reached_fraction": rows["reached_fraction"].max()}
    acc = grid.finished
    if not acc.empty:
        best = acc.loc[acc["final_test_accuracy_mean"].idxmax()]
        text += (
            f" The best final test accuracy was {pct(best['final_test_accuracy_mean'])}"
            f" at {grid.who(best)}; a lower target would make the speeds comparable."
        )
        nums |= grid.ids(best, "best_", final_test_accuracy=best["final_test_accuracy_mean"])
    return Finding("target_not_reached", "Target not reached", text, nums)


def _fastest(grid: Grid, key: str, stem: str, per: str, unit: str) -> Finding | None:
    """The setting that reaches the target in the fewest ``unit`` (column ``stem_mean``),
    among the eligible ones (no seed diverged, ``min_reached`` of the seeds reached it): the
    recommender's leader for the same goal. The slowest is the slowest batch size at its
    fastest eligible rate."""
    col = f"{stem}_mean"
    if col not in grid.summary:
        return None
    ok = grid.fastest_rows(col)
    if ok.empty:
        return None
    fast = ok.loc[ok[col].idxmin()]
    slow = ok.loc[ok[col].idxmax()]
    note = (
        f" (each batch size at its fastest learning rate that {rule_words(grid.min_reached)})"
        if grid.per_rate
        else ""
    )
    text = (
        f"{grid.who(fast).capitalize()} reaches {pct(grid.target)} test accuracy in "
        f"the fewest {unit}{note}: {num(fast[col])} {unit}" + grid.spread(fast, stem)
    )
    nums = grid.ids(fast, **{stem: fast[col]})
    nums |= {"target": grid.target, "reached_fraction": fast["reached_fraction"]}
    if f"{stem}_lo" in fast:
        nums |= {f"{stem}_lo": fast[f"{stem}_lo"], f"{stem}_hi": fast[f"{stem}_hi"]}
    n = int(round(fast["reached_fraction"] * fast["n_seeds"]))
    text += f", with {n} of {int(fast['n_seeds'])} seeds reaching it."
    if len(ok) > 1 and slow[col] > fast[col]:
        ratio = slow[col] / fast[col]
        text += (
            f" The slowest, {grid.who(slow)}, needs {num(slow[col])} {unit}"
            f" ({ratio:.3g} times as many)."
        )
        nums |= grid.ids(slow, "slowest_", **{stem: slow[col]})
        nums["ratio"] = ratio
    text += _missed(grid, ok)
    return Finding(f"fastest_{key}", f"Fastest to target per {per}", text, nums)


def _missed(grid: Grid, fast: pd.DataFrame) -> str:
    """`` Batch sizes 32 and 500 did not reach it in every seed without diverging.``: the
    batch sizes with no eligible setting; or empty."""
    missed = sorted(set(grid.summary["batch_size"].astype(int)) - set(fast["batch_size"]))
    if not missed:
        return ""
    names = [str(b) for b in missed]
    if len(names) == 1:
        who, rate = f"Batch size {names[0]}", "at any rate tried" if grid.per_rate else ""
    else:
        who = f"Batch sizes {', '.join(names[:-1])} and {names[-1]}"
        rate = "at any rate tried" if grid.per_rate else ""
    rule = rule_words(grid.min_reached).replace("reached the target", "reach it")
    return f" {who} did not {rule}{' ' + rate if rate else ''}."


def fastest_per_epoch(grid: Grid) -> Finding | None:
    """The fewest epochs (passes over the training set) to the target."""
    return _fastest(grid, "epochs", "epochs_to_target", "epoch", "epochs")


def fastest_per_update(grid: Grid) -> Finding | None:
    """The fewest optimizer updates to the target."""
    return _fastest(grid, "updates", "updates_to_target", "update", "updates")


def fastest_per_example(grid: Grid) -> Finding | None:
    """The fewest training examples seen before the target."""
    return _fastest(grid, "examples", "examples_to_target", "example", "examples")


def fastest_per_second(grid: Grid) -> Finding | None:
    """The fewest (cohort) seconds to the target."""
    return _fastest(grid, "seconds", "seconds_to_target", "second", "seconds")


def most_stable(grid: Grid) -> Finding | None:
    """Over every (batch size, learning rate) setting: the smallest spread of test accuracy
    over the last epochs, and the largest (the least stable setting)."""
    rows = grid.summary
    stab = rows[np.isfinite(rows["test_accuracy_late_std"].astype(float))]
    if stab.empty:
        return None
    stab = stab.sort_values(["batch_size", "learning_rate"], kind="stable")
    calm = stab.loc[stab["test_accuracy_late_std"].idxmin()]
    wild = stab.loc[stab["test_accuracy_late_std"].idxmax()]
    window = f"the last {pct(grid.last_fraction, None)} of epochs"
    over = f" of the {len(stab)} settings" if len(stab) > 1 else ""
    text = (
        f"{grid.who(calm).capitalize()} trains most stably{over}: its test accuracy "
        f"moves by {pts(calm['test_accuracy_late_std'])} (std over {window}, mean over seeds)"
    )
    nums = grid.ids(calm, test_accuracy_late_std=calm["test_accuracy_late_std"])
    if len(stab) > 1 and wild["test_accuracy_late_std"] > calm["test_accuracy_late_std"]:
        text += (
            f"; the least stable is {grid.who(wild)}, whose test accuracy moves by "
            f"{pts(wild['test_accuracy_late_std'])}"
        )
        late_std = wild["test_accuracy_late_std"]
        nums |= grid.ids(wild, "least_stable_", test_accuracy_late_std=late_std)
        wild_seed = wild.get("final_test_accuracy_seed_std", np.nan)
        if np.isfinite(wild_seed):
            text += f" and whose final test accuracy varies by {pts(wild_seed)} from seed to seed"
            nums["least_stable_final_test_accuracy_seed_std"] = wild_seed
    text += "."
    seed_std = calm.get("final_test_accuracy_seed_std", np.nan)
    if np.isfinite(seed_std):
        text += (
            f" From seed to seed the most stable setting's final test accuracy varies by "
            f"{pts(seed_std)} (std)."
        )
        nums["final_test_accuracy_seed_std"] = seed_std
    return Finding("most_stable", "Most and least stable training", text, nums)


def best_generalization(grid: Grid) -> Finding | None:
    """The smallest generalization gap among the batch sizes that reach the target (if none
    does, among those within 95% of the best final test accuracy), and the largest gap."""
    acc = grid.finished
    if acc.empty:
        return None
    good = acc[acc["final_test_accuracy_mean"] >= grid.target]
    bar = f"reach the target of {pct(grid.target)}"
    if good.empty:
        floor = 0.95 * acc["final_test_accuracy_mean"].max()
        good = acc[acc["final_test_accuracy_mean"] >= floor]
        bar = f"end within 95% of the best test accuracy (at least {pct(floor)})"
    good = good[np.isfinite(good["generalization_gap_mean"].astype(float))]
    if good.empty:
        return None
    best = good.loc[good["generalization_gap_mean"].idxmin()]
    gap = float(best["generalization_gap_mean"])
    if gap >= 0:
        how = f"its training accuracy exceeds its test accuracy by {pts(gap)}"
    else:
        how = f"its test accuracy exceeds its training accuracy by {pts(-gap)}"
    text = (
        f"Among the batch sizes that {bar}, {grid.who(best)} generalizes best{grid.note}: "
        f"{how}, at a final test accuracy of {pct(best['final_test_accuracy_mean'])}."
    )
    nums = grid.ids(
        best, generalization_gap=gap, final_test_accuracy=best["final_test_accuracy_mean"]
    )
    if "loss_gap_mean" in best and np.isfinite(best["loss_gap_mean"]):
        nums["loss_gap"] = best["loss_gap_mean"]
    worst = acc.loc[acc["generalization_gap_mean"].idxmax()]
    if worst["generalization_gap_mean"] > gap:
        text += f" The largest gap is {pts(worst['generalization_gap_mean'])} at {grid.who(worst)}."
        nums |= grid.ids(worst, "largest_gap_")
        nums["largest_generalization_gap"] = worst["generalization_gap_mean"]
    return Finding("best_generalization", "Best generalization", text, nums)


def _epochs(first: float, last: float) -> str:
    """``epoch 3`` or ``epochs 2-5``."""
    if not np.isfinite(first):
        return "at an unknown epoch"
    if first == last or not np.isfinite(last):
        return f"at epoch {int(first)}"
    return f"at epochs {int(first)}–{int(last)}"


def diverged(grid: Grid) -> Finding | None:
    """Which settings had diverging trials, how many, and at which epochs (over the whole
    grid, every learning rate); when every trial diverged, that is the study's result."""
    summary = grid.summary
    bad = summary[summary["diverged_fraction"].astype(float) > 0]
    if bad.empty:
        return None
    parts = []
    for _, r in bad.sort_values(["batch_size", "learning_rate"]).iterrows():
        n, k = int(r["n_seeds"]), int(round(r["diverged_fraction"] * r["n_seeds"]))
        seeds = (
            f"{k} of {n} seeds" if k < n or n == 1 else "both seeds" if n == 2 else f"all {n} seeds"
        )
        when = _epochs(r.get("diverged_epoch_min", np.nan), r.get("diverged_epoch_max", np.nan))
        parts.append(f"{grid.who(r)}: {seeds}, {when}")
    total = int(round((summary["diverged_fraction"] * summary["n_seeds"]).sum()))
    trials = int(summary["n_seeds"].sum())
    nums: dict[str, float] = {"n_diverged": total, "n_trials": trials}
    if "diverged_epoch_min" in bad:
        nums |= {
            "first_diverged_epoch": bad["diverged_epoch_min"].min(),
            "last_diverged_epoch": bad["diverged_epoch_max"].max(),
        }
    everywhere = bad[bad["diverged_fraction"].astype(float) >= 1]
    if total == trials:
        text = (
            f"All {trials} trials diverged (loss became NaN or infinite), so no setting has a "
            f"final accuracy and no target can be set: {'; '.join(parts)}. Lower the "
            "learning rate (or add warmup) and run again."
        )
        return Finding("diverged", "Every trial diverged", text, nums)
    text = f"{total} of {trials} trials diverged (loss became NaN or infinite): {'; '.join(parts)}."
    if len(everywhere):
        names = ", ".join(grid.who(r) for _, r in everywhere.iterrows())
        text += f" Diverged in every seed, so nothing is known of its accuracy: {names}."
        nums["n_settings_diverged_everywhere"] = len(everywhere)
    text += " Their metrics after divergence are left out of the means."
    return Finding("diverged", "Diverged trials", text, nums)


FINDINGS: tuple[Callable[[Grid], Finding | None], ...] = (
    best_accuracy,
    target_not_reached,
    fastest_per_epoch,
    fastest_per_update,
    fastest_per_example,
    fastest_per_second,
    most_stable,
    best_generalization,
    diverged,
)
"""Every finding, in the order :func:`findings` returns them."""


def findings(
    summary: pd.DataFrame,
    min_reached: float = MIN_REACHED,
    last_fraction: float = 0.1,
) -> list[Finding]:
    """The answers a summary table gives, each a :class:`Finding` with its numbers.

    Args:
        summary: a :func:`~batchlab.analysis.summary` table. For accuracy and generalization,
            when it has several learning rates per batch size, each batch size is judged at
            its best rate (:func:`best_learning_rates`, by final test accuracy) and the text
            says so.
        min_reached: a setting counts as reaching the target when no seed diverged and at
            least this fraction of its seeds reached it (default all): the recommender's rule
            (:func:`~batchlab.analysis.eligible.eligible`), so a finding never calls fastest
            what the recommendation refuses. Its cost to target is the mean over those seeds.
        last_fraction: the late-training window the summary used (for the wording only).

    Returns, in the order of :data:`FINDINGS`, those that apply:

    - ``best_accuracy``: highest mean final test accuracy;
    - ``fastest_epochs``, ``fastest_updates``, ``fastest_examples``, ``fastest_seconds``: the
      eligible setting that reaches the target test accuracy in the fewest epochs, updates,
      examples seen, seconds (the recommender's leader for that goal); or one
      ``target_not_reached`` when no setting is eligible;
    - ``most_stable``: over every (batch size, learning rate) setting, the smallest std of test
      accuracy over the last epochs, and the least stable setting;
    - ``best_generalization``: smallest generalization gap (train - test accuracy) among the
      batch sizes whose final test accuracy reaches the target (if none does, among those
      within 95% of the best);
    - ``diverged``: which settings had diverging trials, how many seeds and at which epochs
      (only when some did); when every trial diverged it is the one finding, and says so.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({
        ...     "batch_size": [8, 64], "learning_rate": 0.1, "n_seeds": 3, "target": 0.8,
        ...     "final_test_accuracy_mean": [0.86, 0.84], "generalization_gap_mean": 0.01,
        ...     "test_accuracy_late_std": [0.02, 0.01], "reached_fraction": 1.0,
        ...     "diverged_fraction": 0.0, "epochs_to_target_mean": [3.0, 12.0]})
        >>> [f.key for f in findings(table)]
        ['best_accuracy', 'fastest_epochs', 'most_stable', 'best_generalization']
        >>> print(findings(table)[1].text)
        Batch size 8 reaches 80.0% test accuracy in the fewest epochs: 3 epochs, with 3 of 3 seeds reaching it. The slowest, batch size 64, needs 12 epochs (4 times as many).
    """  # noqa: E501
    require(summary, NEEDS, "findings")
    grid = Grid.of(summary, min_reached, last_fraction)
    return [f for f in (finding(grid) for finding in FINDINGS) if f is not None]
