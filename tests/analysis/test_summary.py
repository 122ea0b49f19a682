"""summary(), Summary, default_target and trial_summary against numbers worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from helpers.synthetic import hand_history
from scipy import stats

from batchlab.analysis import Summary, default_target, summary, trial_summary
from batchlab.errors import BatchlabError

NAN = float("nan")
CURVES = {
    # batch size 10: reaches 0.8 at epochs 3, 2, never
    (10, 0.1, 0): [0.5, 0.7, 0.8, 0.9],
    (10, 0.1, 1): [0.6, 0.8, 0.85, 0.86],
    (10, 0.1, 2): [0.4, 0.5, 0.6, 0.79],
    # batch size 20: both reach 0.8 at epoch 2; seed 1 then diverges at epoch 3
    (20, 0.1, 0): [0.5, 0.85, 0.9, 0.95],
    (20, 0.1, 1): [0.6, 0.82, NAN, NAN],
}


@pytest.fixture
def history() -> pd.DataFrame:
    return hand_history(CURVES, n_train=100, train_gap=0.05, seconds_per_epoch=1.5)


@pytest.fixture
def table(history) -> pd.DataFrame:
    return summary(history, target=0.8).set_index("batch_size")


def ci(values, level=0.95):
    v = np.asarray(values, float)
    half = stats.t.ppf((1 + level) / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    return v.mean(), v.mean() - half, v.mean() + half


def test_one_row_per_grid_point(table):
    assert table.index.tolist() == [10, 20]
    assert table["n_seeds"].tolist() == [3, 2]
    assert table["n_epochs"].tolist() == [4, 4]


def test_final_accuracy_mean_and_ci(table):
    m, lo, hi = ci([0.9, 0.86, 0.79])
    row = table.loc[10]
    assert row["final_test_accuracy_mean"] == pytest.approx(m)
    assert row["final_test_accuracy_lo"] == pytest.approx(lo)
    assert row["final_test_accuracy_hi"] == pytest.approx(hi)
    assert row["final_train_accuracy_mean"] == pytest.approx(m + 0.05)
    assert row["final_test_loss_mean"] == pytest.approx(1 - m)


def test_generalization_gap(table):
    assert table.loc[10, "generalization_gap_mean"] == pytest.approx(0.05)
    assert table.loc[10, "generalization_gap_lo"] == pytest.approx(0.05)
    assert table.loc[10, "loss_gap_mean"] == pytest.approx(0.05)


def test_stability(table):
    # last 10% of 4 epochs -> the minimum window of 2 epochs, std ddof=1 per seed, mean over seeds
    late = [np.std(v, ddof=1) for v in ([0.8, 0.9], [0.85, 0.86], [0.6, 0.79])]
    assert table.loc[10, "test_accuracy_late_std"] == pytest.approx(np.mean(late))
    assert table.loc[10, "final_test_accuracy_seed_std"] == pytest.approx(
        np.std([0.9, 0.86, 0.79], ddof=1)
    )


def test_stability_window_follows_last_fraction(history):
    t = summary(history, target=0.8, last_fraction=0.75).set_index("batch_size")  # 3 epochs
    late = [np.std(v, ddof=1) for v in ([0.7, 0.8, 0.9], [0.8, 0.85, 0.86], [0.5, 0.6, 0.79])]
    assert t.loc[10, "test_accuracy_late_std"] == pytest.approx(np.mean(late))


def test_time_to_target(table):
    row = table.loc[10]
    m, lo, hi = ci([3, 2])  # seed 2 never reaches 0.8 (0.79 at the end)
    assert (
        row["epochs_to_target_mean"],
        row["epochs_to_target_lo"],
        row["epochs_to_target_hi"],
    ) == (
        pytest.approx(m),
        pytest.approx(lo),
        pytest.approx(hi),
    )
    assert row["updates_to_target_mean"] == pytest.approx(25)  # 10 updates per epoch
    assert row["examples_to_target_mean"] == pytest.approx(250)
    assert row["seconds_to_target_mean"] == pytest.approx(1.5 * 2.5)
    # one model's seconds: the cohort of batch size 10 trains its 3 trials together
    assert row["model_seconds_to_target_mean"] == pytest.approx(1.5 * 2.5 / 3)
    assert (row["epochs_to_target_min"], row["epochs_to_target_max"]) == (2, 3)
    assert row["epochs_to_target_seed_std"] == pytest.approx(np.std([3, 2], ddof=1))
    assert row["n_reached"] == 2
    assert row["reached_fraction"] == pytest.approx(2 / 3)
    assert row["target"] == 0.8


def test_target_is_inclusive():
    h = hand_history({(4, 0.1, 0): [0.5, 0.8, 0.9]})
    assert summary(h, target=0.8)["epochs_to_target_mean"].iloc[0] == 2


def test_diverged_trial(table):
    row = table.loc[20]
    assert row["diverged_fraction"] == pytest.approx(0.5)
    assert row["n_diverged"] == 1
    assert row["n_finished"] == 1
    # the diverged seed has no final accuracy: the mean is over the other, lo = hi = mean
    assert row["final_test_accuracy_mean"] == pytest.approx(0.95)
    assert row["final_test_accuracy_lo"] == pytest.approx(0.95)
    # ... but it reached the target before diverging
    assert row["reached_fraction"] == 1.0
    assert row["epochs_to_target_mean"] == 2
    assert np.isnan(row["final_test_accuracy_seed_std"])


def test_default_target(history):
    # best mean final test accuracy: batch size 20 (0.95, the diverged seed left out)
    assert default_target(history) == pytest.approx(0.95 * 0.95)
    t = summary(history)
    assert t["target"].iloc[0] == pytest.approx(0.9025)
    # batch size 20's one finished seed reaches 0.9025 at epoch 4 (0.95); the other never
    assert t.set_index("batch_size").loc[20, "reached_fraction"] == 0.5


def test_default_target_when_everything_diverged():
    h = hand_history({(4, 0.1, 0): [NAN, NAN]})
    with pytest.raises(BatchlabError, match="pass target"):
        default_target(h)


def test_estimator(history):
    est = Summary(target=0.8, confidence=0.9)
    assert est.fit(history) is est
    assert est.target_ == 0.8
    assert len(est.trials_) == 5
    pd.testing.assert_frame_equal(est.table_, summary(history, target=0.8, confidence=0.9))
    m, lo, hi = ci([0.9, 0.86, 0.79], level=0.9)
    assert est.table_.loc[0, "final_test_accuracy_lo"] == pytest.approx(lo)


def test_trial_summary(history):
    per = trial_summary(history, target=0.8)
    np.testing.assert_array_equal(per["epochs_to_target"], [3, 2, NAN, 2, 2])
    np.testing.assert_array_equal(per["updates_to_target"], [30, 20, NAN, 10, 10])
    assert per["reached"].tolist() == [True, True, False, True, True]
    assert per["diverged"].tolist() == [False, False, False, False, True]
    assert per["trials_in_cohort"].tolist() == [3, 3, 3, 2, 2]
    np.testing.assert_allclose(
        per["model_seconds_to_target"], per["seconds_to_target"] / [3, 3, 3, 2, 2]
    )


def test_column_names(table):
    for name in (
        "final_test_accuracy_mean",
        "final_test_accuracy_lo",
        "final_test_accuracy_hi",
        "final_train_loss_mean",
        "generalization_gap_mean",
        "loss_gap_hi",
        "test_accuracy_late_std",
        "final_test_accuracy_seed_std",
        "epochs_to_target_mean",
        "updates_to_target_lo",
        "examples_to_target_hi",
        "seconds_to_target_mean",
        "model_seconds_to_target_hi",
        "updates_to_target_seed_std",
        "examples_to_target_min",
        "final_test_accuracy_max",
        "reached_fraction",
        "diverged_fraction",
        "n_seeds",
        "confidence",
    ):
        assert name in table.columns


def test_missing_column(history):
    with pytest.raises(BatchlabError, match="wall_seconds"):
        summary(history.drop(columns="wall_seconds"), target=0.8)


def test_bad_settings(history):
    with pytest.raises(BatchlabError, match="last_fraction"):
        summary(history, target=0.8, last_fraction=0)
    with pytest.raises(BatchlabError, match="target"):
        summary(history, target=float("nan"))
