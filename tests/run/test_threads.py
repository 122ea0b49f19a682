"""The local executor trains two cohorts at once on two threads: the store gets the rows of
one-at-a-time training, every chunk committed by the calling thread."""

import pandas as pd
import pytest
from helpers.rows import COMPARED
from helpers.rows import rows as study_rows

from batchlab.errors import SpecError
from batchlab.run import run_study
from batchlab.run._runner import train_threads
from batchlab.study import Study

STUDY = dict(
    name="threads",
    dataset="blobs",
    model={"kind": "mlp", "hidden": [6]},
    epochs=2,
    sweep={"batch_size": [50, 125, "full"], "learning_rate": [0.05], "seeds": 2},
)


def _run(tmp_path, monkeypatch, threads: str) -> pd.DataFrame:
    monkeypatch.setenv("BATCHLAB_TRAIN_THREADS", threads)
    store = tmp_path / f"t{threads}.db"
    report = run_study(Study(**STUDY), store=store, commit_seconds=0)  # a chunk every epoch
    assert report.finished and len(report.cohorts_run) == 3
    return study_rows(store, "threads")[COMPARED]


def test_two_threads_give_the_rows_of_one(tmp_path, monkeypatch):
    one = _run(tmp_path, monkeypatch, "1")
    two = _run(tmp_path, monkeypatch, "2")
    pd.testing.assert_frame_equal(one, two)
    assert len(two) == 3 * 2 * 2  # cohorts x seeds x epochs


def test_train_threads_setting(monkeypatch):
    monkeypatch.setenv("BATCHLAB_TRAIN_THREADS", "3")
    assert train_threads() == 3
    monkeypatch.setenv("BATCHLAB_TRAIN_THREADS", "zero")
    with pytest.raises(SpecError, match="BATCHLAB_TRAIN_THREADS = 'zero'"):
        train_threads()
    monkeypatch.delenv("BATCHLAB_TRAIN_THREADS")
    assert train_threads() in (1, 2)
