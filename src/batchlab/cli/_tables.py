"""The study summary as a terminal table."""

from __future__ import annotations

import math

from rich import box
from rich.table import Table

from batchlab._format import SEEDS_FOR_CI, SUMMARY_CELL_STEMS, pct, summary_cells


def _epochs(first: float, last: float) -> str:
    """``3`` or ``2-5``: the epochs at which a setting's seeds diverged; empty when none."""
    if not math.isfinite(first):
        return ""
    return f"{int(first)}" if first == last else f"{int(first)}–{int(last)}"


def summary_table(history, target: float | None, title: str) -> Table:
    """Per batch size and learning rate: final accuracies and epochs to target (mean with its
    interval over seeds, by the rule of :data:`~batchlab._format.SEEDS_FOR_CI`), the seeds
    that reached the target and that diverged, and at which epochs they diverged."""
    from batchlab.analysis import Summary

    s = Summary(target=target).fit(history)
    rows = s.table_
    aim = "none (every trial diverged)" if s.target_ is None else pct(s.target_)
    diverged = bool((rows["n_diverged"] > 0).any())
    # say only the rules that apply to the cells shown: each cell's interval follows the
    # number of seeds it is over (fewer than n_seeds where some seeds never reached the target)
    counts = rows[[f"{stem}_n" for stem in SUMMARY_CELL_STEMS]].to_numpy().ravel()
    if int(rows["n_seeds"].max()) == 1:
        what, rule = "1 seed per setting", f"1 seed: no interval (run {SEEDS_FOR_CI}+ seeds)"
    else:
        what = "mean ± 95% CI over seeds"
        rule = "intervals cut at 0-100% and at 0"
        if ((counts >= 2) & (counts < SEEDS_FOR_CI)).any():
            rule = (
                f"(a–b): the seeds' range, for 2 to {SEEDS_FOR_CI - 1} seeds (too few for a CI: "
                f"run {SEEDS_FOR_CI}+); {rule}"
            )
        if (counts == 1).any():
            rule += "; (1 seed): no interval"
    caption = [
        rule,
        "hit: seeds that reached the target and held it to the end (a touch does not count)",
        "div: seeds that diverged" + (", at these epochs" if diverged else ""),
    ]
    table = Table(
        title=f"{title}: {what}; target test accuracy {aim}",
        caption="\n".join(caption),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    columns = ["batch", "lr", "seeds", "train %", "test %", "epochs to tgt", "hit", "div"]
    for col in columns + (["div at epoch"] if diverged else []):
        table.add_column(col, justify="right", no_wrap=True)
    for _, r in rows.iterrows():
        n = int(r.n_seeds)
        cells = [
            str(int(r.batch_size)),
            f"{r.learning_rate:g}",
            str(n),
            *summary_cells(r),
            pct(r.reached_fraction, 0),
            str(int(r.n_diverged)),
        ]
        if diverged:
            cells.append(_epochs(r.diverged_epoch_min, r.diverged_epoch_max))
        table.add_row(*cells)
    return table
