"""best_learning_rates() and findings()."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from helpers.synthetic import SyntheticStudy

from batchlab.analysis import Finding, best_learning_rates, findings, summary
from batchlab.errors import BatchlabError

NAN = float("nan")


def test_best_learning_rates_ties_and_missing():
    table = pd.DataFrame(
        {
            "batch_size": [4, 4, 8, 8, 16, 16],
            "learning_rate": [0.01, 0.1, 0.01, 0.1, 0.01, 0.1],
            "final_test_accuracy_mean": [0.80, 0.85, 0.90, 0.90, NAN, NAN],
            "epochs_to_target_mean": [10, 20, 30, 15, NAN, NAN],
        }
    )
    best = best_learning_rates(table)
    assert best["batch_size"].tolist() == [4, 8]  # 16: every rate diverged
    assert best["learning_rate"].tolist() == [0.1, 0.1]  # 8: tie broken by fewer epochs
    fastest = best_learning_rates(table, by="epochs_to_target_mean")  # lower is better
    assert fastest["learning_rate"].tolist() == [0.01, 0.1]
    with pytest.raises(BatchlabError, match="learning_rate"):
        best_learning_rates(table.drop(columns="learning_rate"))


@pytest.fixture(scope="module")
def study() -> SyntheticStudy:
    # reach 0.8 at epochs 3, 10, 20; noise falls with batch size; one seed of 500 diverges late
    return SyntheticStudy(
        batch_sizes=(4, 32, 500),
        epochs=40,
        reach={4: 3, 32: 10, 500: 20},
        noise={4: 0.03, 32: 0.01, 500: 0.0},
        gap={4: 0.05, 32: 0.01, 500: 0.03},
        seed_spread=0.0,
        seconds_per_update=1e-3,
        seconds_per_epoch=0.0,
        diverge={(500, 0.01, 2): 30},
    )


@pytest.fixture(scope="module")
def found(study):
    return {f.key: f for f in findings(summary(study.history(), target=0.8))}


def test_finding_keys(found):
    assert list(found) == [
        "best_accuracy",
        "fastest_epochs",
        "fastest_updates",
        "fastest_examples",
        "fastest_seconds",
        "most_stable",
        "best_generalization",
        "diverged",
    ]
    for f in found.values():
        assert isinstance(f, Finding) and f.title and f.text


def test_fastest(found):
    assert found["fastest_epochs"].numbers["batch_size"] == 4
    assert found["fastest_epochs"].numbers["epochs_to_target"] == 3
    assert found["fastest_epochs"].numbers["slowest_batch_size"] == 500
    assert "3 epochs" in found["fastest_epochs"].text
    # updates: 3 * 125 = 375, 10 * 16 = 160, 20 * 1 = 20
    assert found["fastest_updates"].numbers["batch_size"] == 500
    assert found["fastest_updates"].numbers["updates_to_target"] == 20
    assert found["fastest_updates"].numbers["ratio"] == pytest.approx(375 / 20)
    assert found["fastest_examples"].numbers["examples_to_target"] == 1500
    # seconds = updates * 1 ms
    assert found["fastest_seconds"].numbers["batch_size"] == 500
    assert found["fastest_seconds"].numbers["seconds_to_target"] == pytest.approx(0.02)


def test_stable_generalizes_diverged(found):
    assert found["most_stable"].numbers["batch_size"] == 500
    assert found["most_stable"].numbers["least_stable_batch_size"] == 4
    assert found["best_generalization"].numbers["batch_size"] == 32
    assert found["best_generalization"].numbers["generalization_gap"] == pytest.approx(0.01)
    assert "1 percentage points" in found["best_generalization"].text
    assert found["diverged"].numbers == {"n_diverged": 1, "n_trials": 9}
    assert "batch size 500" in found["diverged"].text


def test_no_batch_size_reaches_the_target(study):
    keys = {f.key: f for f in findings(summary(study.history(), target=0.99))}
    assert "target_not_reached" in keys
    assert not any(k.startswith("fastest") for k in keys)
    assert keys["target_not_reached"].numbers["target"] == 0.99
    assert "No batch size reached" in keys["target_not_reached"].text


def test_several_rates_judged_at_best_rate():
    st = SyntheticStudy(
        batch_sizes=(4, 32),
        learning_rates=(0.01, 0.1),
        final={4: 0.9, 32: 0.85},
        reach=lambda b, lr, s: 3 if lr == 0.1 else 8,
        epochs=12,
    )
    fs = {f.key: f for f in findings(summary(st.history(), target=0.8))}
    assert "at its best learning rate" in fs["fastest_epochs"].text
    assert fs["fastest_epochs"].numbers["learning_rate"] in (0.01, 0.1)


def test_finding_is_frozen():
    f = Finding("k", "t", "x", {"a": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.key = "other"
    assert np.isfinite(f.numbers["a"])


def test_batch_sizes_that_miss_the_target_are_named():
    st = SyntheticStudy(batch_sizes=(4, 32, 500), reach={4: 2, 32: None, 500: None}, epochs=6)
    fast = {f.key: f for f in findings(summary(st.history(), target=0.8))}["fastest_epochs"]
    assert "Batch sizes 32 and 500 did not reach it in at least 50% of their seeds." in fast.text
