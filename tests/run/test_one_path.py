"""One path: ``bl.train`` and the noise-scale short run are studies run by ``run_study``.

The study on the other side of each comparison is written out by hand (TOML text, or the short
study passed to ``run_study`` directly), so the test fails if either path grows its own grid,
names, defaults or loop again. Rows are compared exactly, wall-clock seconds aside.
"""

from __future__ import annotations

import tomllib

import pandas as pd

import batchlab as bl
from batchlab.run import run_study
from batchlab.run.noise_scale import QUANTITIES, short_run, short_study
from batchlab.store import MEMORY, Store, load
from batchlab.study import load_study

SPEC = """
name = "train"
dataset = "blobs"
epochs = 2

[model]
kind = "mlp"
hidden = [8]

[optimizer]
name = "sgd"
momentum = 0.9

[sweep]
batch_size = [16, "full"]
learning_rate = [0.1, 0.01]
seeds = 2
"""


def same_rows(left: pd.DataFrame, right: pd.DataFrame, keys=("trial", "epoch")) -> None:
    keys = list(keys)
    left = left.drop(columns="wall_seconds", errors="ignore").sort_values(keys)
    right = right.drop(columns="wall_seconds", errors="ignore").sort_values(keys)
    assert len(left) > 0
    pd.testing.assert_frame_equal(
        left.reset_index(drop=True), right.reset_index(drop=True), check_exact=True
    )


def test_bl_train_gives_the_rows_of_the_study_it_describes(tmp_path):
    ours = bl.train(
        dataset="blobs",
        model=bl.models.mlp([8]),
        optimizer=bl.sgd(momentum=0.9),
        batch_size=[16, "full"],
        learning_rate=[0.1, 0.01],
        seeds=2,
        epochs=2,
    )
    path = tmp_path / "train.toml"
    path.write_text(SPEC, encoding="utf-8")
    with Store(MEMORY) as st:
        run_study(load_study(path), store=st)
        theirs = load("train", store=st)
    assert len(ours.history) == 2 * 2 * 2 * 2  # batch sizes x rates x seeds x epochs
    same_rows(ours.history, theirs.history)
    same_rows(ours.trials, theirs.trials, keys=("trial",))


def test_the_noise_scale_short_run_is_its_study_run_by_run_study():
    study = load_study(tomllib.loads(SPEC))
    ours = short_run(study, epochs=2, seeds=1)
    short = short_study(study, ours.n_train, epochs=2, seeds=1, quantities=QUANTITIES)
    with Store(MEMORY) as st:
        run_study(short, store=st)
        theirs = load(short.name, store=st)
    assert ours.study.to_dict() == short.to_dict()
    same_rows(ours.history, theirs.history)
    keys = [c for c in ("trial", "epoch", "quantity", "batch_size") if c in theirs.diagnostics]
    same_rows(ours.diagnostics, theirs.diagnostics, keys=keys)
    assert set(theirs.diagnostics.epoch) == {0, 1, 2}
