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


TRACKERS = ("mlflow", "tensorboard")
"""Where ``export --to`` sends a study."""


def export(
    study: str,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (a folder with --to tensorboard)."),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option("--format", help="csv, parquet or json (default: from the file's suffix)."),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="A tracker instead of a file: mlflow (one run per trial, nested under one "
            "for the study) or tensorboard (one run folder per trial under -o DIR).",
        ),
    ] = None,
    tracking_uri: Annotated[
        str | None,
        typer.Option(help="With --to mlflow: MLflow's tracking URI (default MLflow's own)."),
    ] = None,
    experiment: Annotated[
        str | None,
        typer.Option(help="With --to mlflow: the experiment (default the study's name)."),
    ] = None,
    store: StoreOpt = None,
):
    """Export a study's history (one row per trial-epoch), or send it to MLflow or TensorBoard."""
    from batchlab.errors import SpecError
    from batchlab.store import Store, export_mlflow, export_tensorboard
    from batchlab.store import export as export_study

    if to is not None and to not in TRACKERS:
        raise SpecError(f"--to = {to!r}: use one of {', '.join(TRACKERS)}")
    if to is not None and format is not None:
        raise SpecError(f"--format = {format!r}: it applies to files, not to --to {to}")
    if to != "mlflow":
        for option, value in (("--tracking-uri", tracking_uri), ("--experiment", experiment)):
            if value is not None:
                raise SpecError(f"{option} = {value!r}: it needs --to mlflow")
    if to == "mlflow":
        if output is not None:
            raise SpecError(f"--output = {str(output)!r}: --to mlflow writes to --tracking-uri")
        with Store(store, create=False) as st:
            done = export_mlflow(st, study, tracking_uri=tracking_uri, experiment=experiment)
        out().print(
            f"logged {len(done.trial_run_ids)} trial runs under run {done.parent_run_id} "
            f"(experiment {done.experiment_id}) to {done.tracking_uri}",
            highlight=False,
        )
        return
    if output is None:
        what = "folder" if to == "tensorboard" else "file"
        raise SpecError(f"--output: give the {what} to write (-o PATH)")
    with Store(store, create=False) as st:
        if to == "tensorboard":
            runs = export_tensorboard(st, study, output)
            out().print(f"wrote {len(runs)} TensorBoard runs under {output}", highlight=False)
            out().print(f"view them with: tensorboard --logdir {output}", highlight=False)
            return
        path = export_study(st, study, format, output)
    out().print(f"wrote {path}")
