"""An MLP on MNIST end to end (train, store, report) on a generated file in a temporary Keras
cache; the dataset is moved to the device once per study, not once per cohort."""

from __future__ import annotations

import numpy as np
import pytest

import batchlab as bl
from batchlab.data import load_dataset, write_keras_files
from batchlab.engine import Cohort, Shared
from batchlab.study import Trial


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    write_keras_files("mnist", tmp_path / "keras", n_train=240, n_test=80)
    return tmp_path / "keras"


def test_cohorts_of_one_study_share_the_device_arrays():
    ds = load_dataset("blobs")
    shared = Shared()
    make = lambda b, s: Cohort(  # noqa: E731
        ds,
        bl.models.mlp([4]),
        bl.sgd(),
        b,
        [Trial(trial=0, seed=0, batch_size=b, learning_rate=0.1)],
        shared=s,
    )
    a, b = make(8, shared), make(32, shared)
    assert all(x is y for x, y in zip(a._data, b._data, strict=True))
    assert len(shared.data) == 1
    np.testing.assert_array_equal(np.asarray(a._data[0]), ds.x_train)
    alone = make(8, None)  # without a Shared: its own copy (what every cohort did before)
    assert alone._data[0] is not a._data[0]


def test_mlp_on_mnist_trains_stores_and_reports(home, tmp_path, monkeypatch):
    from batchlab.run import _runner

    cohorts = []
    real = _runner.new_cohort
    monkeypatch.setattr(
        _runner, "new_cohort", lambda *a, **k: cohorts.append(real(*a, **k)) or cohorts[-1]
    )
    store = tmp_path / "s.db"
    r = bl.train(
        "mnist",
        bl.models.mlp([32]),
        bl.sgd(momentum=0.9),
        batch_size=[16, 64],
        learning_rate=0.05,
        seeds=1,
        epochs=3,
        dataset_options={"n_train": 200, "n_test": 50},
        name="mnist-mlp",
        store=store,
    )
    h = r.history
    assert len(h) == 2 * 3 and set(h.batch_size) == {16, 64}
    last = h[h.epoch == 3].groupby("batch_size").test_accuracy.mean()
    assert last[16] > 0.9  # the generated classes are learnable
    assert len(cohorts) == 2 and cohorts[0]._data[0] is cohorts[1]._data[0]  # one transfer
    assert cohorts[0]._data[0].shape == (200, 28, 28, 1)
    page = bl.report("mnist-mlp", tmp_path / "r.html", store=store)
    assert "mnist-mlp" in page.read_text(encoding="utf-8")
