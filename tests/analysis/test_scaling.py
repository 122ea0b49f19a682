"""ScalingFit, steps_to_target_table, predict_from_noise_scale and InverseBatchFit."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from batchlab.analysis.scaling import (
    REGIMES,
    InverseBatchFit,
    ScalingFit,
    predict_from_noise_scale,
    steps_to_target_table,
)
from batchlab.errors import BatchlabError

S_MIN, B_CRIT = 2000.0, 300.0


def _synthetic(noise: float = 0.05, seeds: int = 5, seed: int = 0):
    """Steps to target from the model, times log-normal noise, at B = 4 ... 65536.

    At 5% noise and 5 seeds per batch size the fit's relative error has an rms of 0.9% (S_min),
    1.5% (B_crit) and 1.0% (E_min) over generator seeds, so the 5% bounds are > 3 sigma.
    """
    rng = np.random.default_rng(seed)
    b = np.repeat(2.0 ** np.arange(2, 17), seeds)
    steps = S_MIN * (1 + B_CRIT / b) * np.exp(rng.normal(0, noise, b.size))
    return b, steps


def test_fit_recovers_parameters_from_noisy_points():
    b, steps = _synthetic()
    fit = ScalingFit().fit(b, steps)
    assert fit is not None and fit.n_points_ == b.size
    errors = {
        "s_min": fit.s_min_ / S_MIN - 1,
        "b_crit": fit.b_crit_ / B_CRIT - 1,
        "e_min": fit.e_min_ / (S_MIN * B_CRIT) - 1,
    }
    print("relative errors", {k: f"{v:+.4f}" for k, v in errors.items()})
    assert all(abs(v) < 0.05 for v in errors.values()), errors
    assert fit.s_min_ci_[0] < S_MIN < fit.s_min_ci_[1]
    assert fit.b_crit_ci_[0] < B_CRIT < fit.b_crit_ci_[1]
    assert fit.e_min_ci_[0] < S_MIN * B_CRIT < fit.e_min_ci_[1]
    assert fit.log_residual_std_ == pytest.approx(0.05, rel=0.3)


def test_intervals_cover_the_truth_about_as_often_as_claimed():
    covered = [
        (lambda f: f.b_crit_ci_[0] < B_CRIT < f.b_crit_ci_[1])(
            ScalingFit(level=0.9).fit(*_synthetic(noise=0.3, seeds=1, seed=s))
        )
        for s in range(60)
    ]
    assert 0.75 <= np.mean(covered) <= 1.0


def test_predictions_follow_the_model():
    fit = ScalingFit.from_parameters(s_min=10.0, b_crit=100.0)
    b = np.array([1.0, 100.0, 1e4])
    np.testing.assert_allclose(fit.predict_steps(b), 10 * (1 + 100 / b))
    np.testing.assert_allclose(fit.predict_examples(b), fit.predict_steps(b) * b)
    assert fit.e_min_ == 1000.0
    assert fit.predict_examples(1e-9) == pytest.approx(fit.e_min_)


def test_regimes_on_constructed_points():
    fit = ScalingFit.from_parameters(s_min=100.0, b_crit=100.0)  # bounds 20 and 500
    assert fit.regime_bounds_ == pytest.approx((20.0, 500.0))
    b = [1, 10, 20, 21, 100, 499, 500, 10_000]
    expected = [REGIMES[0]] * 3 + [REGIMES[1]] * 3 + [REGIMES[2]] * 2
    assert fit.regime(b).tolist() == expected
    assert fit.regime(100) == "diminishing returns"
    # The definitions: E within 20% of E_min, S within 20% of S_min.
    assert fit.predict_examples(20) == pytest.approx(1.2 * fit.e_min_)
    assert fit.predict_steps(500) == pytest.approx(1.2 * fit.s_min_)
    # Points measured exactly in the three regimes are labelled back after a fit.
    sizes = np.array([2, 4, 8, 16, 64, 128, 1024, 4096])
    refit = ScalingFit().fit(sizes, fit.predict_steps(sizes))
    assert refit.regime(sizes).tolist() == [REGIMES[0]] * 4 + [REGIMES[1]] * 2 + [REGIMES[2]] * 2


def test_unreached_points_are_left_out_and_too_few_raise():
    b = np.array([8, 16, 32, 64, 128, 256])
    steps = 100 * (1 + 64 / b)
    with_nan = np.append(steps, np.nan)
    fit = ScalingFit().fit(np.append(b, 512), with_nan)
    assert fit.n_points_ == 6 and fit.b_crit_ == pytest.approx(64)
    with pytest.raises(BatchlabError, match="two or more distinct batch sizes"):
        ScalingFit().fit([8, 8, 16], [10, 11, np.nan])
    with pytest.raises(BatchlabError, match="not fitted"):
        ScalingFit().predict_steps(8)
    with pytest.raises(BatchlabError, match="tolerance"):
        ScalingFit(tolerance=2).fit(b, steps)
    two = ScalingFit().fit([8, 64], [10, 3])
    assert math.isnan(two.b_crit_ci_[0])


def test_noise_scale_prediction():
    pred = predict_from_noise_scale(250.0)
    assert pred.b_crit_ == 250.0 and math.isnan(pred.s_min_)
    assert pred.regime(10) == "perfect scaling"
    assert np.isnan(pred.predict_steps(10))
    drawn = predict_from_noise_scale(250.0, s_min=40.0)
    assert drawn.predict_steps(250.0) == pytest.approx(80.0)
    with pytest.raises(BatchlabError, match="b_crit"):
        predict_from_noise_scale(-1.0)


def _summary():
    return pd.DataFrame(
        {
            "batch_size": [32, 32, 32, 256, 256, 1024],
            "learning_rate": [0.01, 0.1, 1.0, 0.1, 1.0, 1.0],
            "updates_to_target_mean": [900.0, 300.0, 200.0, 60.0, np.nan, np.nan],
            "examples_to_target_mean": [28800.0, 9600.0, 6400.0, 15360.0, np.nan, np.nan],
            "reached_fraction": [1.0, 1.0, 0.5, 1.0, 0.0, 0.0],
        }
    )


def test_steps_to_target_table_picks_the_fastest_reliable_rate():
    table = steps_to_target_table(_summary())
    assert table["batch_size"].tolist() == [32, 256]  # 1024 never reached
    assert table["learning_rate"].tolist() == [0.1, 0.1]  # lr 1.0 reached in half the seeds
    assert table["updates_to_target_mean"].tolist() == [300.0, 60.0]
    assert "examples_to_target_mean" in table
    lucky = steps_to_target_table(_summary(), min_reached_fraction=0.5)
    assert lucky["learning_rate"].tolist() == [1.0, 0.1]


def test_steps_to_target_table_from_per_seed_rows():
    trials = pd.DataFrame(
        {
            "batch_size": [32] * 4 + [128] * 2,
            "learning_rate": [0.1, 0.1, 0.5, 0.5, 0.1, 0.1],
            "seed": [0, 1, 0, 1, 0, 1],
            "updates_to_target": [300.0, 500.0, 100.0, np.nan, 90.0, 110.0],
        }
    )
    table = steps_to_target_table(trials)
    assert table["learning_rate"].tolist() == [0.1, 0.1]
    assert table["updates_to_target_mean"].tolist() == [400.0, 100.0]
    assert table["n_seeds"].tolist() == [2, 2]


def test_steps_to_target_table_names_missing_columns():
    with pytest.raises(BatchlabError, match="updates_to_target_mean"):
        steps_to_target_table(pd.DataFrame({"batch_size": [1], "learning_rate": [0.1]}))
    with pytest.raises(BatchlabError, match="no .* reached the target"):
        steps_to_target_table(_summary().assign(updates_to_target_mean=np.nan))


def test_inverse_batch_fit_exact_law():
    b = np.array([1, 2, 4, 8, 16, 32])
    fit = InverseBatchFit().fit(b, 3.0 + 12.0 / b)
    assert (fit.intercept_, fit.slope_, fit.r2_) == pytest.approx((3.0, 12.0, 1.0))
    assert fit.b_simple_ == pytest.approx(4.0)
    finite = InverseBatchFit(n_examples=64).fit(b, 3.0 + (1 - b / 64) * 12.0 / b)
    assert (finite.intercept_, finite.slope_) == pytest.approx((3.0, 12.0))
    np.testing.assert_allclose(finite.predict(b), 3.0 + (1 - b / 64) * 12.0 / b)
    weighted = InverseBatchFit().fit(b, 3.0 + 12.0 / b, sem=0.1 / np.sqrt(b))
    assert (weighted.intercept_, weighted.slope_, weighted.r2_) == pytest.approx((3.0, 12.0, 1.0))
    noisy = 3.0 + 12.0 / b + np.array([0.3, -0.2, 0.01, -0.01, 0.005, -0.003])
    light = InverseBatchFit().fit(b, noisy, sem=[1.0, 1.0, 0.01, 0.01, 0.01, 0.01])
    assert light.intercept_ == pytest.approx(3.0, abs=0.02)  # the noisy points barely count
    with pytest.raises(BatchlabError, match="sem"):
        InverseBatchFit().fit(b, noisy, sem=np.zeros(6))


def test_an_interval_past_the_floats_is_unbounded_not_an_error():
    # steps ~ 1/B all the way (B_crit far beyond the batch sizes): log B_crit is barely
    # determined, and exp of its interval's upper end overflows a float (it raised
    # OverflowError in the demo's report)
    b = np.array([4.0, 8, 16, 32, 64])
    fit = ScalingFit().fit(b, 100 * (1 + 1e6 / b) * np.array([1, 1.02, 0.99, 1.01, 1.0]))
    lo, hi = fit.b_crit_ci_
    assert hi == math.inf and 0 <= lo < fit.b_crit_
    assert np.isfinite(fit.e_min_ci_).all()
