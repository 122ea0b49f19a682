"""Writing and reading a study: chunks, atomicity, duplicates, checkpoints, tables."""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pandas as pd
import pytest
from store_helpers import add_study, checkpoint, diagnostics_rows, history_rows, tiny_study

from batchlab.errors import StoreError
from batchlab.store import Store
from batchlab.store.schema import DIAGNOSTICS, HISTORY, TRIALS


def dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in frame.dtypes.items()}


def test_create_and_get_study(planned):
    store, study, cohorts = planned
    got = store.get_study("tiny")
    assert got["spec"] == study.to_dict()
    assert got["spec_hash"] == study.spec_hash
    assert got["status"] == "pending"
    assert store.get_study("nope") is None
    with pytest.raises(StoreError, match="already exists"):
        add_study(store, study)
    trials = store.trials("tiny")
    assert list(trials.columns) == list(TRIALS)
    assert dtypes(trials) == dict(TRIALS)
    assert trials["cohort"].tolist() == ["bs2-sgd", "bs2-sgd", "bs10-sgd", "bs10-sgd"]
    assert store.cohort_epochs_done("tiny") == {"bs2-sgd": 0, "bs10-sgd": 0}


def test_empty_tables_have_the_schema(planned):
    store, _, _ = planned
    for frame, schema in (
        (store.history("tiny"), HISTORY),
        (store.diagnostics("tiny"), DIAGNOSTICS),
    ):
        assert len(frame) == 0
        assert list(frame.columns) == list(schema)
        assert dtypes(frame) == dict(schema)


def test_commit_chunks_and_read_back(planned):
    store, study, (bs2, bs10) = planned
    store.commit_chunk(
        "tiny",
        "bs2-sgd",
        history_rows([0, 1], [1, 2]),
        checkpoint(2, 2),
        2,
        diagnostics=pd.concat([diagnostics_rows([0, 1], 0), diagnostics_rows([0, 1], 2)]),
    )
    assert store.cohort_epochs_done("tiny") == {"bs2-sgd": 2, "bs10-sgd": 0}
    assert store.get_study("tiny")["status"] == "running"
    assert set(store.trials("tiny").set_index("trial")["status"].items()) == {
        (0, "running"),
        (1, "running"),
        (2, "pending"),
        (3, "pending"),
    }
    store.commit_chunk(
        "tiny", "bs2-sgd", history_rows([0, 1], [3, 4]), checkpoint(2, 4), 4, done=True
    )
    store.commit_chunk("tiny", "bs10-sgd", history_rows([2, 3], [1, 2, 3, 4]), checkpoint(2, 4), 4)
    assert store.get_study("tiny")["status"] == "running"
    store.mark_cohort_done("tiny", "bs10-sgd")
    assert store.get_study("tiny")["status"] == "done"
    assert set(store.trials("tiny")["status"]) == {"done"}

    history = store.history("tiny")
    assert list(history.columns) == list(HISTORY)
    assert dtypes(history) == dict(HISTORY)
    assert len(history) == 16
    assert history[["trial", "epoch"]].values.tolist() == [
        [t, e] for t in range(4) for e in range(1, 5)
    ]
    row = history[(history.trial == 2) & (history.epoch == 3)].iloc[0]
    assert (row.cohort, row.batch_size, row.seed, row.learning_rate) == ("bs10-sgd", 10, 0, 0.1)
    assert row.test_accuracy == 0.1 * 2 + 0.01 * 3
    assert history["diverged"].dtype == bool

    diag = store.diagnostics("tiny")
    assert dtypes(diag) == dict(DIAGNOSTICS)
    assert len(diag) == 12
    assert diag["batch_size"].isna().sum() == 4
    studies = store.studies()
    assert studies.loc[
        0, ["name", "status", "trials", "cohorts", "epochs", "epochs_done", "epochs_planned"]
    ].tolist() == ["tiny", "done", 4, 2, 4, 16, 16]


def test_nan_inf_and_diverged_round_trip(planned):
    store, _, _ = planned
    rows = history_rows([0, 1], [1])
    rows.loc[0, ["train_loss", "test_loss", "test_accuracy"]] = [math.nan, math.inf, math.nan]
    rows.loc[0, "diverged"] = True
    store.commit_chunk("tiny", "bs2-sgd", rows, None, 1)
    history = store.history("tiny")
    assert math.isnan(history.loc[0, "train_loss"]) and history.loc[0, "test_loss"] == math.inf
    assert history["diverged"].tolist() == [True, False]
    assert store.load_checkpoint("tiny", "bs2-sgd") is None


def test_a_failure_inside_the_transaction_leaves_nothing(planned, monkeypatch):
    store, _, _ = planned

    def boom(*args, **kwargs):
        raise RuntimeError("killed mid-chunk")

    monkeypatch.setattr(Store, "_set_cohort", boom)
    with pytest.raises(RuntimeError, match="killed mid-chunk"):
        store.commit_chunk(
            "tiny",
            "bs2-sgd",
            history_rows([0, 1], [1, 2]),
            checkpoint(2, 2),
            2,
            diagnostics=diagnostics_rows([0, 1], 0),
        )
    monkeypatch.undo()
    assert len(store.history("tiny")) == 0
    assert len(store.diagnostics("tiny")) == 0
    assert store.load_checkpoint("tiny", "bs2-sgd") is None
    assert store.cohort_epochs_done("tiny")["bs2-sgd"] == 0
    # A bad diagnostics table fails after the history rows were inserted: all rolled back.
    twice = pd.concat([diagnostics_rows([0], 0), diagnostics_rows([0], 0)])
    with pytest.raises(StoreError, match="diagnostics rows"):
        store.commit_chunk(
            "tiny", "bs2-sgd", history_rows([0, 1], [1]), checkpoint(2, 1), 1, diagnostics=twice
        )
    assert len(store.history("tiny")) == 0
    assert store.load_checkpoint("tiny", "bs2-sgd") is None
    # ... and the same chunk then goes in whole.
    store.commit_chunk(
        "tiny",
        "bs2-sgd",
        history_rows([0, 1], [1]),
        checkpoint(2, 1),
        1,
        diagnostics=diagnostics_rows([0], 0),
    )
    assert len(store.history("tiny")) == 2 and len(store.diagnostics("tiny")) == 3


def test_duplicate_rows_are_errors_never_doubled(planned):
    store, _, _ = planned
    doubled = pd.concat([history_rows([0], [1]), history_rows([0, 1], [1])])
    with pytest.raises(StoreError, match="history rows"):
        store.commit_chunk("tiny", "bs2-sgd", doubled, None, 1)
    store.commit_chunk(
        "tiny",
        "bs2-sgd",
        history_rows([0, 1], [1]),
        None,
        1,
        diagnostics=diagnostics_rows([0, 1], 0),
    )
    # a resumed cohort must not re-write an epoch it already committed
    with pytest.raises(StoreError, match=r"epochs in \(1, 2\]"):
        store.commit_chunk("tiny", "bs2-sgd", history_rows([0, 1], [1, 2]), None, 2)
    # nor diagnostics it already wrote (batch_size NULL counts as a key value too)
    with pytest.raises(StoreError, match="diagnostics rows"):
        store.commit_chunk(
            "tiny", "bs2-sgd", None, None, 1, diagnostics=diagnostics_rows([0], 0)[2:]
        )
    with pytest.raises(StoreError, match="behind the stored 1"):
        store.commit_chunk("tiny", "bs2-sgd", None, None, 0)
    assert len(store.history("tiny")) == 2 and len(store.diagnostics("tiny")) == 6


def test_chunks_are_checked(planned):
    store, _, _ = planned
    with pytest.raises(StoreError, match=r"trials \[2\] of another cohort"):
        store.commit_chunk("tiny", "bs2-sgd", history_rows([0, 2], [1]), None, 1)
    with pytest.raises(StoreError, match="no cohort 'bs3-sgd'; its cohorts: bs2-sgd, bs10-sgd"):
        store.commit_chunk("tiny", "bs3-sgd", history_rows([0], [1]), None, 1)
    with pytest.raises(StoreError, match="missing column"):
        store.commit_chunk(
            "tiny", "bs2-sgd", history_rows([0], [1]).drop(columns="test_loss"), None, 1
        )
    store.commit_chunk("tiny", "bs2-sgd", history_rows([0, 1], [1]), None, 1, done=True)
    with pytest.raises(StoreError, match="already done"):
        store.commit_chunk("tiny", "bs2-sgd", history_rows([0, 1], [2]), None, 2)


def test_checkpoint_round_trip_is_exact(planned):
    store, _, _ = planned
    rng = np.random.default_rng(0)
    arrays = {
        "dense/kernel": rng.standard_normal((3, 2, 50)).astype(np.float32),
        "dense/bias": rng.standard_normal((3, 50)),
        "file": np.arange(6, dtype=np.int8).reshape(2, 3),  # a name np.savez would trip on
        "mask": np.array([True, False, True]),
        "step": np.array(17, dtype=np.int64),
        "empty": np.zeros((0, 4), dtype=np.float16),
        "key": np.array([[1, 2], [3, 4]], dtype=np.uint32).T,  # not C-contiguous
        "z": np.array([1 + 2j], dtype=np.complex64),
        "half": np.array([1.5, -2.0], dtype=ml_dtypes.bfloat16),  # .npy cannot name it
    }
    store.commit_chunk("tiny", "bs2-sgd", history_rows([0, 1], [1, 2]), arrays, 2)
    epoch, back = store.load_checkpoint("tiny", "bs2-sgd")
    assert epoch == 2
    assert list(back) == list(arrays)
    for key, array in arrays.items():
        assert back[key].dtype == array.dtype, key
        assert back[key].shape == array.shape, key
        np.testing.assert_array_equal(back[key], array)
    # replaced at the next commit
    store.commit_chunk("tiny", "bs2-sgd", history_rows([0, 1], [3]), checkpoint(2, 3), 3)
    epoch, back = store.load_checkpoint("tiny", "bs2-sgd")
    assert epoch == 3 and list(back) == ["dense/kernel", "step"]
    with pytest.raises(StoreError, match="dtype object"):
        store.commit_chunk("tiny", "bs10-sgd", history_rows([2], [1]), {"o": np.array([None])}, 1)
    assert store.cohort_epochs_done("tiny")["bs10-sgd"] == 0


def test_unknown_study_lists_studies_closest_first(store):
    with pytest.raises(StoreError, match="is empty"):
        store.history("tiny")
    for name in ("alpha", "tinny", "zeta"):
        add_study(store, tiny_study(name))
    with pytest.raises(StoreError) as info:
        store.trials("tiny")
    assert "closest first): tinny, " in str(info.value)
    assert "alpha" in str(info.value) and "zeta" in str(info.value)


def test_delete_study_cascades(planned):
    store, study, _ = planned
    store.commit_chunk(
        "tiny",
        "bs2-sgd",
        history_rows([0, 1], [1]),
        checkpoint(2, 1),
        1,
        diagnostics=diagnostics_rows([0, 1], 1),
    )
    assert store.delete_study("tiny") is True
    assert store.delete_study("tiny") is False
    assert store.study_names() == []
    for table in ("trials", "cohorts", "history", "diagnostics", "checkpoints"):
        assert store._con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    add_study(store, study)  # the name is free again (--new)
    assert len(store.trials("tiny")) == 4
