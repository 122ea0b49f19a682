"""curves(): mean and interval over seeds (Student-t from 5 seeds, else the range), by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from helpers.synthetic import hand_history
from scipy import stats

from batchlab.analysis import curves
from batchlab.errors import BatchlabError

NAN = float("nan")


@pytest.fixture
def history() -> pd.DataFrame:
    # batch size 10, three seeds; seed 2 diverges at epoch 2 (NaN from then on)
    return hand_history(
        {
            (10, 0.1, 0): [0.5, 0.6, 0.7],
            (10, 0.1, 1): [0.6, 0.8, 0.9],
            (10, 0.1, 2): [0.7, NAN, NAN],
            (20, 0.1, 0): [0.4, 0.5, 0.6],
        },
        n_train=100,
        seconds_per_epoch=2.0,
    )


def test_columns_and_order(history):
    c = curves(history)
    assert c.columns.tolist() == [
        "batch_size",
        "learning_rate",
        "epochs",
        "mean",
        "lower",
        "upper",
        "n",
    ]
    assert c["epochs"].tolist() == [1, 2, 3, 1, 2, 3]


def test_three_seeds_give_their_range_not_a_t_interval(history):
    row = curves(history).iloc[0]  # batch size 10, epoch 1: 0.5, 0.6, 0.7
    assert row["n"] == 3
    assert row["mean"] == pytest.approx(0.6)
    # a t-interval would be 0.6 -/+ 0.248 (t_{0.975, 2} = 4.30); the seeds' range is honest
    assert (row["lower"], row["upper"]) == pytest.approx((0.5, 0.7))


FIVE = {(10, 0.1, s): [v] for s, v in enumerate([0.5, 0.6, 0.7, 0.8, 0.9])}


def test_t_interval_from_five_seeds_literal():
    row = curves(hand_history(FIVE)).iloc[0]
    # sd = 0.158114, t_{0.975, 4} = 2.776445, half = 2.776445 * 0.158114 / sqrt(5) = 0.196324
    assert row["n"] == 5 and row["mean"] == pytest.approx(0.7)
    assert (row["lower"], row["upper"]) == pytest.approx((0.7 - 0.196324, 0.7 + 0.196324))


def test_t_interval_with_scipy_and_other_level():
    row = curves(hand_history(FIVE), confidence=0.9).iloc[0]
    half = stats.t.ppf(0.95, 4) * np.std([0.5, 0.6, 0.7, 0.8, 0.9], ddof=1) / math.sqrt(5)
    assert row["upper"] - row["mean"] == pytest.approx(half)


def test_accuracy_interval_is_cut_at_one():
    near = {(10, 0.1, s): [v] for s, v in enumerate([0.9, 0.99, 1.0, 1.0, 1.0])}
    row = curves(hand_history(near)).iloc[0]
    assert row["upper"] == 1.0 and row["lower"] < row["mean"]  # the t-interval ran past 1


def test_diverged_epochs_are_left_out_and_counted(history):
    c = curves(history)
    epoch2 = c[(c["batch_size"] == 10) & (c["epochs"] == 2)].iloc[0]
    assert epoch2["n"] == 2  # the diverged seed is out
    assert epoch2["mean"] == pytest.approx(0.7)
    assert (epoch2["lower"], epoch2["upper"]) == pytest.approx((0.6, 0.8))  # two: their range


def test_single_seed_interval_is_the_value(history):
    c = curves(history)
    one = c[c["batch_size"] == 20]
    assert (one["n"] == 1).all()
    assert np.allclose(one["lower"], one["mean"]) and np.allclose(one["upper"], one["mean"])


def test_all_diverged_epoch_kept_with_n_zero():
    h = hand_history({(4, 0.1, 0): [0.5, NAN], (4, 0.1, 1): [0.6, NAN]})
    c = curves(h)
    last = c.iloc[-1]
    assert last["n"] == 0 and np.isnan(last["mean"]) and np.isnan(last["lower"])


@pytest.mark.parametrize(
    ("x", "values"),
    [("updates", [10, 20, 30]), ("examples", [100, 200, 300]), ("seconds", [2.0, 4.0, 6.0])],
)
def test_x_axes(history, x, values):
    c = curves(history, x=x)
    assert c[c["batch_size"] == 10][x].tolist() == values


def test_other_metric_and_by(history):
    c = curves(history, metric="test_loss", by="batch_size")
    assert c.columns.tolist() == ["batch_size", "epochs", "mean", "lower", "upper", "n"]
    assert c.iloc[0]["mean"] == pytest.approx(0.4)


def test_missing_column_is_named(history):
    with pytest.raises(BatchlabError, match="test_accuracy"):
        curves(history.drop(columns="test_accuracy"))


def test_bad_x_and_confidence(history):
    with pytest.raises(BatchlabError, match="x must be one of"):
        curves(history, x="steps")
    with pytest.raises(BatchlabError, match="confidence"):
        curves(history, confidence=1.5)


@pytest.mark.parametrize("p", [0.6, 0.75, 0.9, 0.95, 0.975, 0.99, 0.995, 0.9995, 0.025, 0.1])
def test_t_quantile_agrees_with_scipy_for_every_exact_dof(p):
    from scipy import special

    from batchlab.analysis._tables import EXACT_DOF, t_quantile

    dofs = np.arange(1, EXACT_DOF + 1)
    ours = np.array([t_quantile(p, int(d)) for d in dofs])
    np.testing.assert_allclose(ours, special.stdtrit(dofs, p), rtol=1e-9)


def test_t_quantile_centre_tail_scipy_fallback_and_bad_p():
    from batchlab.analysis._tables import EXACT_DOF, t_quantile

    # near the centre t ~ (p - 1/2) / f(0); f(0) = 3/8 for 4 degrees of freedom
    assert t_quantile(0.5 + 1e-7, 4) == pytest.approx(1e-7 / 0.375, rel=1e-6)
    assert t_quantile(0.5, 3) == 0.0
    assert t_quantile(0.999999, 1) == pytest.approx(math.tan(math.pi * (0.999999 - 0.5)))
    for dof in (EXACT_DOF + 1, 1000, 2.5):  # past the closed form: SciPy's own
        assert t_quantile(0.975, dof) == pytest.approx(stats.t.ppf(0.975, dof), rel=1e-12)
    for p in (0.0, 1.0, -0.1, float("nan")):
        with pytest.raises(BatchlabError, match="p must lie strictly between 0 and 1"):
            t_quantile(p, 4)
