"""Fixtures of the store tests (helpers live in store_helpers.py)."""

from __future__ import annotations

import pytest
from store_helpers import add_study

from batchlab.store import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "test.db") as s:
        yield s


@pytest.fixture
def planned(store):
    study, cohorts = add_study(store)
    return store, study, cohorts
