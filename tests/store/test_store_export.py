"""load() and export(): tidy history in CSV, Parquet and JSON, written atomically."""

from __future__ import annotations

import json
import math
import os

import pandas as pd
import pytest
from store_helpers import add_study, diagnostics_rows, history_rows

from batchlab.errors import BatchlabError, OutputError, StoreError
from batchlab.store import Store, Tables, export, load, tidy
from batchlab.store.schema import HISTORY
from batchlab.study import Study


@pytest.fixture
def filled(tmp_path):
    path = tmp_path / "s.db"
    with Store(path) as store:
        add_study(store)
        rows = history_rows([0, 1], [1, 2])
        rows.loc[1, "test_loss"] = math.nan
        store.commit_chunk("tiny", "bs2-sgd", rows, None, 2, diagnostics=diagnostics_rows([0], 2))
        store.commit_chunk("tiny", "bs10-sgd", history_rows([2, 3], [1, 2]), None, 2)
    return path


def test_load_returns_the_tables(filled):
    tables = load("tiny", filled)
    assert isinstance(tables, Tables)
    assert Study.from_dict(tables.spec).name == "tiny"
    assert len(tables.trials) == 4 and len(tables.history) == 8 and len(tables.diagnostics) == 3
    with Store(filled) as store:
        assert load("tiny", store).history.equals(tables.history)
    with pytest.raises(StoreError, match="no study 'tiy'"):
        load("tiy", filled)


def test_load_never_creates_a_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATCHLAB_STORE", raising=False)
    with pytest.raises(StoreError, match="no store at"):
        load("tiny")
    assert os.listdir(tmp_path) == []


def test_export_all_formats(filled, tmp_path):
    with Store(filled) as store:
        expected = tidy(store, "tiny")
    assert list(expected.columns) == [*HISTORY, "optimizer", "warmup_epochs"]
    out = tmp_path / "out"
    out.mkdir()
    export(filled, "tiny", "csv", out / "h.csv")
    export(filled, "tiny", "parquet", out / "h.parquet")
    export(filled, "tiny", None, out / "h.json")
    assert sorted(os.listdir(out)) == ["h.csv", "h.json", "h.parquet"]

    csv = pd.read_csv(out / "h.csv")
    assert list(csv.columns) == list(expected.columns)
    pd.testing.assert_series_equal(csv["test_accuracy"], expected["test_accuracy"])
    assert math.isnan(csv.loc[1, "test_loss"])

    parquet = pd.read_parquet(out / "h.parquet")
    pd.testing.assert_frame_equal(parquet, expected, check_dtype=False)
    assert parquet["diverged"].dtype == bool

    records = json.loads((out / "h.json").read_text())
    assert len(records) == len(expected) == 8
    assert records[1]["test_loss"] is None
    assert records[0]["optimizer"] == "sgd" and records[0]["diverged"] is False
    assert records[0]["test_accuracy"] == expected.loc[0, "test_accuracy"]


def test_export_failure_leaves_no_temp_file_and_keeps_the_old_file(filled, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "h.parquet"
    target.write_bytes(b"old")

    def broken(self, handle, **kwargs):
        handle.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OSError, match="disk full"):
        export(filled, "tiny", "parquet", target)
    assert os.listdir(out) == ["h.parquet"]
    assert target.read_bytes() == b"old"


def test_export_errors(filled, tmp_path):
    with pytest.raises(BatchlabError, match="expected one of csv, parquet, json"):
        export(filled, "tiny", "xlsx", tmp_path / "h.xlsx")
    with pytest.raises(BatchlabError, match="from its suffix"):
        export(filled, "tiny", None, tmp_path / "h.txt")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputError, match=r"afile/h\.csv'.*'.*afile' is a file, not a folder"):
        export(filled, "tiny", "csv", tmp_path / "afile" / "h.csv")
    with pytest.raises(StoreError, match="no study"):
        export(filled, "nope", "csv", tmp_path / "h.csv")
    assert not (tmp_path / "h.csv").exists()
    # a missing folder is made, as for figures and reports
    assert export(filled, "tiny", "csv", tmp_path / "new" / "h.csv").is_file()
