"""Opening a store: schema creation, WAL mode, versions, bad files, default path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from store_helpers import add_study, checkpoint, history_rows

from batchlab.errors import StoreError
from batchlab.store import SCHEMA_VERSION, Store, default_store_path


def test_new_store_has_the_schema_in_wal_mode(tmp_path):
    path = tmp_path / "new.db"
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        con = store._con
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert con.execute("PRAGMA busy_timeout").fetchone()[0] >= 30_000
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"meta", "studies", "trials", "history", "diagnostics", "checkpoints"} <= tables
    with sqlite3.connect(path) as con:
        version = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    assert version == (str(SCHEMA_VERSION),)
    with Store(path) as again:  # reopening keeps it
        assert again.study_names() == []


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.db"
    Store(path).close()
    with sqlite3.connect(path) as con:
        con.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    with pytest.raises(StoreError, match=r"newer batchlab .*schema version 2"):
        Store(path)


def test_a_file_that_is_not_sqlite_is_refused_by_name(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are not the tables you are looking for\n" * 100)
    with pytest.raises(StoreError) as info:
        Store(path)
    assert str(path) in str(info.value)


def test_an_sqlite_file_of_someone_else_is_refused(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(StoreError, match=r"not a batchlab store .*customers"):
        Store(path)


def test_missing_store_when_reading(tmp_path):
    path = tmp_path / "absent.db"
    with pytest.raises(StoreError, match="no store at"):
        Store(path, create=False)
    assert not path.exists()
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "no" / "dir" / "x.db")
    with pytest.raises(StoreError, match="is a directory"):
        Store(tmp_path)


def test_default_store_path(monkeypatch, tmp_path):
    monkeypatch.delenv("BATCHLAB_STORE", raising=False)
    assert default_store_path() == Path("batchlab.db")
    monkeypatch.setenv("BATCHLAB_STORE", str(tmp_path / "env.db"))
    assert default_store_path() == tmp_path / "env.db"
    with Store() as store:
        assert store.path == tmp_path / "env.db"
    assert (tmp_path / "env.db").exists()


def test_a_store_without_the_claims_table_gets_it_when_opened_for_writing(tmp_path):
    # claims came after schema version 1: older stores lack it; readers do without it
    path = tmp_path / "older.db"
    Store(path).close()
    with sqlite3.connect(path) as con:
        con.execute("DROP TABLE claims")
    with Store(path, readonly=True) as store:
        assert store.claims("any") == {} and store.studies().empty
    with Store(path) as store:
        tables = {r[0] for r in store._con.execute("SELECT name FROM sqlite_master")}
        assert "claims" in tables and store.schema_version == SCHEMA_VERSION


def test_a_store_without_the_schedule_columns_is_read_and_gets_them_for_writing(tmp_path):
    # trials.schedule and history.epoch_batch_size came after schema version 1 (schedules)
    path = tmp_path / "older.db"
    with Store(path) as store:
        _, cohorts = add_study(store)
        store.commit_chunk(
            "tiny", cohorts[0].cohort, history_rows([0, 1], [1]), checkpoint(2, 1), 1
        )
    with sqlite3.connect(path) as con:
        con.execute("ALTER TABLE history DROP COLUMN epoch_batch_size")
        con.execute("ALTER TABLE trials DROP COLUMN schedule")
    with Store(path, readonly=True) as store:
        assert set(store.trials("tiny")["schedule"]) == {""}
        h = store.history("tiny")
        assert (h["epoch_batch_size"] == h["batch_size"]).all() and len(h) == 2
    with Store(path) as store:
        assert "schedule" in store._columns("trials")
        assert "epoch_batch_size" in store._columns("history")
        h = store.history("tiny")
        assert (h["epoch_batch_size"] == 2).all()  # NULL there: the trial's batch size
