"""``batchlab ls``, ``show`` and ``export``: what the store holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from batchlab.cli._common import StoreOpt, TargetOpt, check_target, out


def ls(store: StoreOpt = None):
    """The studies in the store, with their status."""
    from batchlab.store import Store

    with Store(store, create=False) as st:
        frame = st.studies()
    if frame.empty:
        out().print("no studies in the store")
        return
    table = Table()
    # epochs_done / epochs_planned count trial-epochs (history rows), not epochs
    for col in ("name", "status", "trials", "cohorts", "trial-epochs", "created"):
        table.add_column(col)
    for _, r in frame.iterrows():
        table.add_row(
            str(r["name"]),
            str(r["status"]),
            str(r["trials"]),
            str(r["cohorts"]),
            f"{int(r['epochs_done'])}/{int(r['epochs_planned'])}",
            str(r["created"]),
        )
    out().print(table)


def show(study: str, store: StoreOpt = None, target: TargetOpt = None):
    """The summary table of a stored study."""
    from batchlab.cli._tables import summary_table
    from batchlab.store import load

    check_target(target)
    tables = load(study, store=store)
    spec_target = tables.spec.get("analysis", {}).get("target_accuracy")
    out().print(summary_table(tables.history, target or spec_target, study))


def export(
    study: str,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    format: Annotated[str, typer.Option("--format", help="csv, parquet or json.")] = "csv",
    store: StoreOpt = None,
):
    """Export a study's history, one row per trial-epoch."""
    from batchlab.store import Store
    from batchlab.store import export as export_study

    with Store(store, create=False) as st:
        path = export_study(st, study, format, output)
    out().print(f"wrote {path}")
