"""The study summary as a terminal table."""

from __future__ import annotations

from rich import box
from rich.table import Table

from batchlab._format import ci, pct


def summary_table(history, target: float | None, title: str) -> Table:
    """Per batch size and learning rate: final accuracies (mean ± 95% CI), epochs to target,
    diverged count."""
    from batchlab.analysis import Summary

    s = Summary(target=target).fit(history)
    table = Table(
        title=f"{title}: mean ± 95% CI over seeds; target test accuracy {pct(s.target_)}",
        caption="hit: seeds that reached the target; div: seeds that diverged",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col in ("batch", "lr", "seeds", "train %", "test %", "epochs to tgt", "hit", "div"):
        table.add_column(col, justify="right", no_wrap=True)
    for _, r in s.table_.iterrows():
        n = int(r.n_seeds)
        table.add_row(
            str(int(r.batch_size)),
            f"{r.learning_rate:g}",
            str(n),
            ci(r.final_train_accuracy_mean, r.final_train_accuracy_lo, r.final_train_accuracy_hi),
            ci(r.final_test_accuracy_mean, r.final_test_accuracy_lo, r.final_test_accuracy_hi),
            ci(r.epochs_to_target_mean, r.epochs_to_target_lo, r.epochs_to_target_hi, 1.0),
            pct(r.reached_fraction, 0),
            str(int(round(r.diverged_fraction * n))),
        )
    return table
