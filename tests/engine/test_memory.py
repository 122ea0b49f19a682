"""Cohorts that fit: a cohort whose trials exceed the memory budget trains in sub-cohorts,
with the rows of an unsplit run."""

import numpy as np
import pytest

import batchlab as bl
from batchlab.engine import Cohort
from batchlab.engine._memory import parse, split, trial_bytes
from batchlab.errors import SpecError
from batchlab.study import Trial

COLUMNS = ["train_loss", "train_accuracy", "train_loss_end", "train_accuracy_end", "test_loss",
           "test_accuracy", "diverged"]  # fmt: skip


def _cohort(budget=None, k=5):
    ds = bl.data.load_dataset("blobs")
    trials = [
        Trial(trial=i, seed=i % 3, batch_size=50, learning_rate=0.01 * (1 + i)) for i in range(k)
    ]
    return Cohort(ds, bl.models.mlp([8]), bl.sgd(momentum=0.9), 50, trials, memory_budget=budget)


def test_a_small_budget_splits_the_cohort_and_the_rows_equal_an_unsplit_run():
    whole = _cohort()
    assert whole.parts == [5]
    per_trial = trial_bytes(whole)
    split_up = _cohort(budget=2 * per_trial)  # two trials fit
    assert split_up.parts == [2, 2, 1]
    state_a, rows_a = whole.run(whole.init_state(), 2)
    state_b, rows_b = split_up.run(split_up.init_state(), 2)
    np.testing.assert_allclose(
        rows_a[COLUMNS].to_numpy(float), rows_b[COLUMNS].to_numpy(float), rtol=1e-6, atol=1e-7
    )
    assert rows_a.trial.tolist() == rows_b.trial.tolist()
    for a, b in zip(state_a.params, state_b.params, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-7)
    assert int(state_b.epoch) == 2


def test_the_budget_comes_from_the_environment(monkeypatch):
    per_trial = trial_bytes(_cohort())
    monkeypatch.setenv("BATCHLAB_MEMORY_BUDGET", str(3 * per_trial))
    assert _cohort().parts == [3, 2]


def test_split_sizes_and_budget_parsing():
    assert split(10, 100, 1000) == [10]
    assert split(10, 100, 300) == [3, 3, 2, 2]
    assert split(3, 100, 10) == [1, 1, 1]  # one trial per sub-cohort at least
    assert parse("2GB") == 2 * 10**9 and parse("512MiB") == 512 * 2**20 and parse(1000) == 1000
    with pytest.raises(SpecError, match="memory budget: 'lots' is not valid"):
        parse("lots")
    with pytest.raises(SpecError, match="memory budget"):
        parse(0)
