"""Export a study to MLflow: one parent run for the study, one nested run per trial.

Each trial's run has its settings as params and its per-epoch metrics with the epoch as the
step; the parent run has the study's spec and its HTML report as artifacts. Written through
:class:`mlflow.MlflowClient` (``mlflow-skinny`` is enough; a local ``sqlite:`` store also
needs SQLAlchemy and Alembic: ``pip install 'batchlab[mlflow]'``).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from batchlab._extras import need
from batchlab.store._store import Store
from batchlab.store._tables import load
from batchlab.store._trials import METRICS, run_name, settings

BATCH = 1000
"""Metrics per ``log_batch`` call (MLflow's limit)."""


class MlflowExport(NamedTuple):
    """Where an MLflow export went."""

    tracking_uri: str
    experiment_id: str
    parent_run_id: str
    trial_run_ids: dict[int, str]
    """trial -> its run id."""


def export_mlflow(
    store: Store | str | os.PathLike[str] | None,
    study: str,
    tracking_uri: str | None = None,
    experiment: str | None = None,
    report: bool = True,
) -> MlflowExport:
    """Log ``study`` to MLflow: a parent run named after the study and, nested under it (tag
    ``mlflow.parentRunId``), one run per trial.

    Args:
        store: the store (a Store, a path, or None for the default).
        study: the study's name.
        tracking_uri: MLflow's tracking URI (``sqlite:///mlflow.db``, ``http://host:5000``,
            ...); default MLflow's own (``$MLFLOW_TRACKING_URI``, else ``sqlite:///mlflow.db``).
        experiment: the MLflow experiment (created when missing); default the study's name.
        report: attach the study's HTML report to the parent run (it takes seconds to draw).

    Each export adds new runs: exporting a study twice logs it twice.
    """
    need("mlflow", "mlflow", "export --to mlflow")
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

    from batchlab.reporting import study_report
    from batchlab.study._toml import dumps

    tables = load(study, store=store)
    client = MlflowClient(tracking_uri=tracking_uri)
    name = experiment or study
    found = client.get_experiment_by_name(name)
    experiment_id = found.experiment_id if found else client.create_experiment(name)
    spec = tables.spec
    parent = client.create_run(
        experiment_id,
        run_name=study,
        tags={"batchlab.study": study, "batchlab.kind": "study"},
    )
    pid = parent.info.run_id
    top = {
        "dataset": spec.get("dataset"),
        "epochs": spec.get("epochs"),
        "model": (spec.get("model") or {}).get("kind"),
        "optimizer": (spec.get("optimizer") or {}).get("name"),
        "trials": len(tables.trials),
    }
    client.log_batch(pid, params=[Param(k, str(v)) for k, v in top.items() if v is not None])
    now = int(time.time() * 1000)
    ids: dict[int, str] = {}
    by_trial = dict(iter(tables.history.groupby("trial")))
    for _, trial in tables.trials.iterrows():
        t = int(trial["trial"])
        run = client.create_run(
            experiment_id,
            run_name=run_name(trial),
            tags={"mlflow.parentRunId": pid, "batchlab.study": study, "batchlab.trial": str(t)},
        )
        rid = ids[t] = run.info.run_id
        params = [Param(k, str(v)) for k, v in settings(trial).items()]
        client.log_batch(rid, params=params, tags=[RunTag("batchlab.status", trial["status"])])
        rows = by_trial.get(t)
        metrics = [] if rows is None else _metrics(rows, now, Metric)
        for start in range(0, len(metrics), BATCH):
            client.log_batch(rid, metrics=metrics[start : start + BATCH])
        client.set_terminated(rid, "FINISHED" if trial["status"] == "done" else "KILLED")
    with tempfile.TemporaryDirectory(prefix="batchlab-mlflow-") as folder:
        (Path(folder) / "study.toml").write_text(dumps(spec), encoding="utf-8")
        (Path(folder) / "spec.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
        client.log_artifact(pid, str(Path(folder) / "study.toml"))
        client.log_artifact(pid, str(Path(folder) / "spec.json"))
        if report and len(tables.history):
            client.log_artifact(pid, str(study_report(tables, Path(folder) / "report.html")))
    client.set_terminated(pid)
    return MlflowExport(client.tracking_uri, experiment_id, pid, ids)


def _metrics(rows, timestamp: int, Metric) -> list:
    out = []
    for row in rows.itertuples(index=False):
        step = int(row.epoch)
        for name in METRICS:
            value = float(getattr(row, name))
            out.append(Metric(name, value if not math.isinf(value) else math.nan, timestamp, step))
        out.append(Metric("diverged", float(row.diverged), timestamp, step))
    return out
