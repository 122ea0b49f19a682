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


def test_final_accuracy_mean_and_range_of_three_seeds(table):
    m, _, _ = ci([0.9, 0.86, 0.79])
    row = table.loc[10]
    assert row["final_test_accuracy_mean"] == pytest.approx(m)
    # 3 seeds: their range, not a t-interval (which would claim +/- 13.8 points)
    assert row["final_test_accuracy_lo"] == pytest.approx(0.79)
    assert row["final_test_accuracy_hi"] == pytest.approx(0.9)
    assert row["final_test_accuracy_n"] == 3
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
    # seed 2 never reaches 0.8 (0.79 at the end); two seeds: their range
    assert (
        row["epochs_to_target_mean"],
        row["epochs_to_target_lo"],
        row["epochs_to_target_hi"],
        row["epochs_to_target_n"],
    ) == (pytest.approx(2.5), 2, 3, 2)
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
    # it touched the target before diverging, but did not hold it: not reached
    assert row["reached_fraction"] == 0.5
    assert row["epochs_to_target_mean"] == 2
    assert np.isnan(row["final_test_accuracy_seed_std"])
    assert (row["diverged_epoch_min"], row["diverged_epoch_max"]) == (3, 3)


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
    assert est.table_.loc[0, "final_test_accuracy_lo"] == pytest.approx(0.79)  # 3 seeds


def test_trial_summary(history):
    per = trial_summary(history, target=0.8)
    np.testing.assert_array_equal(per["epochs_to_target"], [3, 2, NAN, 2, NAN])
    np.testing.assert_array_equal(per["updates_to_target"], [30, 20, NAN, 10, NAN])
    assert per["reached"].tolist() == [True, True, False, True, False]
    assert per["diverged"].tolist() == [False, False, False, False, True]
    np.testing.assert_array_equal(per["diverged_epoch"], [NAN, NAN, NAN, NAN, 3])
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
    # one rule for a target wherever it is given (batchlab._target): a fraction in (0, 1]
    for target in (float("nan"), 0, -0.5, 1.5, 90, True, "0.9"):
        with pytest.raises(BatchlabError, match=r"target = .*: a target test accuracy is a "):
            summary(history, target=target)
    assert summary(history, target=1)["target"].iloc[0] == 1.0  # every seed at 100%: allowed


# ------------------------------------------------------------------ reaching the target (issue 12)
def test_a_lucky_epoch_does_not_reach_the_target():
    # touches 0.8 in epoch 1, falls back, holds it from epoch 4 to the end
    h = hand_history({(1, 0.01, 0): [0.85, 0.5, 0.6, 0.82, 0.9, 0.81]})
    row = summary(h, target=0.8).iloc[0]
    assert row["epochs_to_target_mean"] == 4  # the first touch (epoch 1) would say 1
    assert row["updates_to_target_mean"] == 4 * 100


def test_a_trial_that_ends_below_the_target_has_not_reached_it():
    h = hand_history({(1, 0.01, 0): [0.85, 0.9, 0.95, 0.7], (1, 0.01, 1): [0.5, 0.8, 0.85, 0.9]})
    row = summary(h, target=0.8).iloc[0]
    assert row["reached_fraction"] == 0.5 and row["epochs_to_target_mean"] == 2


def test_the_rule_is_said_in_words():
    from batchlab.analysis.reach import RULE

    assert "stays at or above the target to the end" in RULE


# ------------------------------------------------------------------ few seeds and clipping
FIVE = {(10, 0.1, s): [0.5, v] for s, v in enumerate([0.8, 0.9, 1.0, 1.0, 1.0])}


def test_t_interval_from_five_seeds_cut_at_one():
    row = summary(hand_history(FIVE), target=0.7).iloc[0]
    m, lo, hi = ci([0.8, 0.9, 1.0, 1.0, 1.0])
    assert hi > 1  # the t-interval runs past what is possible ...
    assert row["final_test_accuracy_mean"] == pytest.approx(m)
    assert row["final_test_accuracy_lo"] == pytest.approx(lo)
    assert row["final_test_accuracy_hi"] == 1.0  # ... and is cut at 100%
    assert row["final_test_accuracy_n"] == 5


def test_costs_are_cut_at_zero():
    curves = {(10, 0.1, s): [0.9] * 5 if s else [0.1] * 4 + [0.9] for s in range(5)}
    row = summary(hand_history(curves), target=0.8).iloc[0]
    _, lo, _ = ci([5, 1, 1, 1, 1])
    assert lo < 0 and row["epochs_to_target_lo"] == 0.0
    assert row["updates_to_target_lo"] == 0.0 and row["epochs_to_target_hi"] > 1


def test_one_seed_is_the_value_alone():
    row = summary(hand_history({(10, 0.1, 0): [0.5, 0.9]}), target=0.8).iloc[0]
    assert row["final_test_accuracy_lo"] == row["final_test_accuracy_hi"] == 0.9
    assert row["final_test_accuracy_n"] == 1


# ------------------------------------------------------------------ every trial diverged
def test_summary_when_every_trial_diverged():
    h = hand_history({(4, 0.1, 0): [0.5, NAN, NAN], (4, 0.1, 1): [NAN, NAN, NAN]})
    est = Summary().fit(h)
    assert est.target_ is None
    row = est.table_.iloc[0]
    assert np.isnan(row["target"]) and row["n_reached"] == 0 and row["diverged_fraction"] == 1
    assert (row["diverged_epoch_min"], row["diverged_epoch_max"]) == (1, 2)
