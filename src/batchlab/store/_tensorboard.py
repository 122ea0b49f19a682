"""Export a study to TensorBoard: one run folder per trial, and the hparams table.

Written with TensorBoard's own pieces, which need neither TensorFlow nor PyTorch: its event
file writer (``tensorboard.summary.writer.event_file_writer``, the one PyTorch's
``SummaryWriter`` uses), the scalar plugin's ``scalar_pb`` and the hparams plugin's
``hparams_pb`` / ``hparams_config_pb``, which build the summaries as plain protobufs. So the
one package that reads the files (``pip install 'batchlab[tensorboard]'``) also writes them.

Layout of ``folder``::

    folder/events.out.tfevents...                      the hparams experiment: settings, metrics
    folder/trial-000_bs32_lr0.01_seed0/events...       scalars per epoch (step = epoch) and
    ...                                                the trial's settings (hparams)
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from batchlab._columns import EPOCH_METRICS
from batchlab._extras import need
from batchlab._files import make_folder
from batchlab.errors import BatchlabError
from batchlab.store._store import Store
from batchlab.store._tables import load
from batchlab.store._trials import METRICS, SETTINGS, run_name, settings

EVENTS = "events.out.tfevents"


def export_tensorboard(
    store: Store | str | os.PathLike[str] | None, study: str, folder: str | os.PathLike[str]
) -> list[Path]:
    """Write ``study`` as TensorBoard runs under ``folder``; return the run folders.

    Each trial's folder (named by :func:`batchlab.store._trials.run_name`) holds its
    per-epoch metrics as scalars (tags: the history's metric columns and ``diverged``; step =
    the epoch) and its settings for the hparams dashboard, whose metrics are the final
    accuracies and losses. ``folder`` is created when missing; one that already holds event
    files is refused (a second export would mix two copies of every curve).
    """
    need("tensorboard", "tensorboard", "export --to tensorboard")
    from tensorboard.compat.proto import event_pb2
    from tensorboard.plugins.hparams import summary_v2 as hp
    from tensorboard.plugins.scalar.summary_v2 import scalar_pb
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    folder = Path(folder)
    if folder.is_file():
        raise BatchlabError(f"export --to tensorboard: {str(folder)!r} is a file, not a folder")
    if folder.is_dir() and any(folder.rglob(f"{EVENTS}*")):
        raise BatchlabError(
            f"export --to tensorboard: {str(folder)!r} already holds TensorBoard event files; "
            "give an empty or new folder"
        )
    tables = load(study, store=store)
    make_folder(folder)
    now = time.time()

    def write(path: Path, events) -> None:
        writer = EventFileWriter(str(path))
        try:
            for step, summary in events:
                writer.add_event(event_pb2.Event(wall_time=now, step=step, summary=summary))
        finally:
            writer.close()

    trials = tables.trials
    hparams = []
    for name in SETTINGS:  # the values tried, where they are few and all known
        tried = {v for v in trials[name].tolist() if not (isinstance(v, float) and math.isnan(v))}
        discrete = 0 < len(tried) <= 100 and len(tried) == trials[name].nunique(dropna=False)
        hparams.append(hp.HParam(name, hp.Discrete(sorted(tried)) if discrete else None))
    metrics = [hp.Metric(name) for name in EPOCH_METRICS]
    write(folder, [(0, hp.hparams_config_pb(hparams, metrics, time_created_secs=now))])

    runs = []
    by_trial = dict(iter(tables.history.groupby("trial")))
    for _, trial in trials.iterrows():
        run = folder / run_name(trial)
        rows = by_trial.get(int(trial["trial"]))
        events = [(0, hp.hparams_pb(settings(trial), trial_id=run.name, start_time_secs=now))]
        for row in [] if rows is None else rows.itertuples(index=False):
            for name in (*METRICS, "diverged"):
                events.append((int(row.epoch), scalar_pb(name, float(getattr(row, name)))))
        write(run, events)
        runs.append(run)
    return runs
