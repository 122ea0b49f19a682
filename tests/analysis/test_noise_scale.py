"""The noise-scale prediction: from a short run's B_simple to steps against batch size.

Pure parts on made-up tables whose answers are known (helpers.synthetic); the short run and
the ``batchlab noise-scale`` command once each on the real engine, with a tiny budget.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from helpers.synthetic import SyntheticStudy

from batchlab.analysis.noise_scale import (
    NoiseScalePrediction,
    b_simple_near_target,
    measured_scaling,
    noise_scale_trajectory,
    path_average,
)
from batchlab.analysis.scaling import REGIMES, ScalingFit
from batchlab.errors import BatchlabError

N_TRAIN = 512
B0 = 32  # 16 updates per epoch


def _short_history(reach=None, epochs: int = 8) -> pd.DataFrame:
    """A short run at B0: lr 0.1 reaches 0.8 at epoch 4, lr 0.01 at epoch 6 (or ``reach``)."""
    reach = reach if reach is not None else {(B0, 0.1): 4, (B0, 0.01): 6}
    return SyntheticStudy(
        batch_sizes=(B0,),
        learning_rates=(0.01, 0.1),
        seeds=(0, 1),
        epochs=epochs,
        n_train=N_TRAIN,
        target=0.8,
        reach=reach,
    ).history()


def _diagnostics(history: pd.DataFrame, b_simple) -> pd.DataFrame:
    """b_simple (and |G|^2 = 1, tr(Sigma) = b_simple) per trial at epochs 0..last:
    ``b_simple(learning_rate, seed, epoch)``."""
    trials = history.groupby("trial")[["learning_rate", "seed"]].first()
    rows = []
    for trial, t in trials.iterrows():
        for epoch in range(int(history["epoch"].max()) + 1):
            b = b_simple(t["learning_rate"], t["seed"], epoch)
            rows += [
                (trial, epoch, "b_simple", None, "value", b),
                (trial, epoch, "full_grad_norm_sq", None, "value", 1.0),
                (trial, epoch, "trace_cov", None, "value", b),
            ]
    return pd.DataFrame(rows, columns=["trial", "epoch", "quantity", "batch_size", "stat", "value"])


def _growing(lr, seed, epoch):
    """lr 0.1: 10 (1 + epoch) (+1 for seed 1); lr 0.01: a constant 1000 (never to be read)."""
    return 1000.0 if lr == 0.01 else 10.0 * (1 + epoch) + seed


# ------------------------------------------------------------------------------ path_average
def test_path_average_of_a_constant_is_the_constant():
    assert path_average([0, 1, 2, 5], [7.0] * 4, 32) == pytest.approx(7.0)
    assert path_average([3], [9.0], 32) == 9.0
    assert math.isnan(path_average([], [], 32))


def test_path_average_weights_each_stretch_by_noise_free_progress():
    # stretches: [0, 1] at b = 15 and [1, 3] at b = 50; x = 1/10
    w1, w2 = 1 / (1 + 15 / 10), 2 / (1 + 50 / 10)
    expect = (w1 * 15 + w2 * 50) / (w1 + w2)
    assert path_average([0, 1, 3], [10, 20, 80], 10) == pytest.approx(expect)
    # the finite pool: x = 1/10 - 1/40; NaN points are left out
    x = 1 / 10 - 1 / 40
    w1, w2 = 1 / (1 + 15 * x), 2 / (1 + 50 * x)
    got = path_average([0, 1, 2, 3], [10, 20, np.nan, 80], 10, n_examples=40)
    assert got == pytest.approx((w1 * 15 + w2 * 50) / (w1 + w2))


def test_noise_scale_trajectory_is_wide_and_sorted():
    diagnostics = _diagnostics(_short_history(), _growing)
    table = noise_scale_trajectory(diagnostics.sample(frac=1, random_state=0))
    assert list(table.columns) == ["trial", "epoch", "b_simple", "full_grad_norm_sq", "trace_cov"]
    assert table[["trial", "epoch"]].equals(
        table[["trial", "epoch"]].sort_values(["trial", "epoch"])
    )
    with pytest.raises(BatchlabError, match="b_simple"):
        noise_scale_trajectory(diagnostics[diagnostics["quantity"] != "b_simple"])


# ------------------------------------------------------------------------ the prediction
def test_prediction_reads_the_rate_a_sweep_would_pick_and_anchors_at_its_steps():
    history = _short_history()
    diagnostics = _diagnostics(history, _growing)
    pred = NoiseScalePrediction(target=0.8, at="target").fit(history, diagnostics)
    assert pred.batch_size_ == B0 and pred.learning_rate_ == 0.1
    assert pred.reached_ and pred.steps_ == 4 * 16 and pred.stop_epoch_ == 4
    assert pred.b_simple_target_ == pytest.approx(50.5)  # mean of 50 and 51 at epoch 4
    assert pred.b_simple_ == pred.b_simple_target_
    assert pred.b_simple_init_ == pytest.approx(10.5)
    seeds = [path_average(range(5), [10 * (1 + e) + s for e in range(5)], B0) for s in (0, 1)]
    assert pred.b_simple_path_ == pytest.approx(np.mean(seeds))
    assert pred.b_crit_ == pred.b_simple_  # no finite-pool correction without n_examples
    assert pred.s_min_ == pytest.approx(64 / (1 + 50.5 / B0))

    table = pred.predict([8, B0, 128, 512])
    assert list(table.columns) == ["batch_size", "relative_steps", "steps", "examples", "regime"]
    np.testing.assert_allclose(table["steps"], pred.s_min_ * (1 + 50.5 / table["batch_size"]))
    assert table.loc[1, "relative_steps"] == pytest.approx(1.0)
    assert table.loc[1, "steps"] == pytest.approx(64.0)
    np.testing.assert_allclose(table["examples"], table["steps"] * table["batch_size"])
    curve = ScalingFit.from_parameters(pred.s_min_, pred.b_crit_)
    assert table["regime"].tolist() == curve.regime([8, B0, 128, 512]).tolist()


def test_prediction_recovers_the_curve_of_a_world_that_obeys_it():
    """S(B) = S_min (1 + B_crit/B) with B_simple = B_crit throughout: the curve comes back."""
    s_min, b_crit = 32.0, 96.0
    steps_at_b0 = s_min * (1 + b_crit / B0)  # 128 updates = 8 epochs of 16
    history = _short_history(reach={(B0, 0.1): 8, (B0, 0.01): None}, epochs=10)
    diagnostics = _diagnostics(history, lambda lr, seed, epoch: b_crit)
    for at in ("path", "target"):
        pred = NoiseScalePrediction(target=0.8, at=at).fit(history, diagnostics)
        assert pred.steps_ == steps_at_b0
        assert pred.b_crit_ == pytest.approx(b_crit) and pred.s_min_ == pytest.approx(s_min)
        sizes = np.array([4, 16, 64, 256, 1024])
        np.testing.assert_allclose(pred.predict_steps(sizes), s_min * (1 + b_crit / sizes))


def test_finite_pool_prediction_is_the_same_form_with_a_larger_critical_batch():
    history = _short_history()
    diagnostics = _diagnostics(history, lambda lr, seed, epoch: 128.0)
    pred = NoiseScalePrediction(target=0.8, at="target", n_examples=N_TRAIN)
    pred.fit(history, diagnostics)
    assert pred.b_crit_ == pytest.approx(128 / (1 - 128 / N_TRAIN))
    sizes = np.array([8, 32, 128, 512])
    # S(B) = S_0 (1 + B_simple (1/B - 1/n)): the noise-free S_0 at the full batch
    np.testing.assert_allclose(
        pred.predict_steps(sizes), pred.noise_free_steps_ * (1 + 128 * (1 / sizes - 1 / N_TRAIN))
    )
    assert pred.predict_steps([N_TRAIN])[0] == pytest.approx(pred.noise_free_steps_)
    np.testing.assert_allclose(pred.curve_.predict_steps(sizes), pred.predict_steps(sizes))


def test_noise_beyond_the_training_set_puts_every_batch_size_in_perfect_scaling():
    history = _short_history()
    diagnostics = _diagnostics(history, lambda lr, seed, epoch: 2.0 * N_TRAIN)
    pred = NoiseScalePrediction(target=0.8, n_examples=N_TRAIN).fit(history, diagnostics)
    assert math.isinf(pred.b_crit_) and pred.curve_ is None and math.isnan(pred.s_min_)
    table = pred.predict([8, 64, N_TRAIN])
    assert set(table["regime"]) == {REGIMES[0]}
    assert np.all(np.diff(table["steps"]) < 0)
    data = pred.to_dict(batch_sizes=[8, 64, N_TRAIN])
    assert json.dumps(data, allow_nan=False)  # infinity and NaN become null
    assert data["prediction"]["b_crit"] is None and data["prediction"]["s_min"] is None


def test_no_target_or_not_reached_gives_the_shape_only():
    history = _short_history(reach={(B0, 0.1): None, (B0, 0.01): None})
    diagnostics = _diagnostics(history, _growing)
    for target in (None, 0.8):
        pred = NoiseScalePrediction(target=target).fit(history, diagnostics)
        assert not pred.reached_ and math.isnan(pred.steps_)
        assert pred.stop_epoch_ == history["epoch"].max()  # the path runs to the last epoch
        table = pred.predict([8, B0, 128])
        assert table["steps"].isna().all() and table["examples"].isna().all()
        assert table.loc[1, "relative_steps"] == pytest.approx(1.0)
        assert table["relative_steps"].is_monotonic_decreasing
        assert table["regime"].isin(REGIMES).all()
    data = pred.to_dict(batch_sizes=[8, B0])
    prediction = data["prediction"]
    assert prediction["steps"] is None and prediction["reached"] is False
    assert prediction["at"] == "path"
    assert [row["steps"] for row in data["batch_sizes"]] == [None, None]
    row = data["batch_sizes"][1]
    assert set(row) == {"batch_size", "relative_steps", "steps", "examples", "regime"}
    assert row["batch_size"] == B0 and row["relative_steps"] == pytest.approx(1.0)
    epochs = [row["epoch"] for row in data["b_simple_by_epoch"]]
    assert epochs == list(range(int(history["epoch"].max()) + 1))


def test_prediction_refuses_what_it_cannot_read():
    history = _short_history()
    diagnostics = _diagnostics(history, _growing)
    two_sizes = pd.concat([history, history.assign(batch_size=64, trial=history["trial"] + 10)])
    with pytest.raises(BatchlabError, match="ONE batch size"):
        NoiseScalePrediction().fit(two_sizes, diagnostics)
    with pytest.raises(BatchlabError, match="at must be"):
        NoiseScalePrediction(at="end").fit(history, diagnostics)
    with pytest.raises(BatchlabError, match="target"):
        NoiseScalePrediction(target=80).fit(history, diagnostics)
    with pytest.raises(BatchlabError, match="no b_simple rows for the trials"):
        NoiseScalePrediction(target=0.8).fit(history, diagnostics.assign(trial=99))
    with pytest.raises(BatchlabError, match="not fitted"):
        NoiseScalePrediction().predict([8])


# ------------------------------------------------------------------------ a measured sweep
def test_measured_scaling_fits_the_best_rate_per_batch_size_and_names_regimes():
    s_min, b_crit, n = 400.0, 64.0, 4096
    sizes = (8, 16, 32, 64, 128, 256, 512, 1024)

    def reach(b, lr, seed):  # epochs to target of the best rate; the other rate is slower
        epochs = s_min * (1 + b_crit / b) / math.ceil(n / b)
        return round(epochs) * (1 if lr == 0.1 else 2)  # 7 epochs at B = 8 ... 106 at 1024

    study = SyntheticStudy(
        batch_sizes=sizes, learning_rates=(0.01, 0.1), seeds=(0, 1), epochs=120, n_train=n,
        reach=reach, target=0.8,
    )  # fmt: skip
    history = study.history()
    points, fit, target, reason = measured_scaling(history, 0.8)
    assert reason == ""
    assert target == 0.8 and points["learning_rate"].eq(0.1).all()
    assert points["batch_size"].tolist() == list(sizes)
    assert fit is not None and fit.b_crit_ == pytest.approx(b_crit, rel=0.05)
    assert fit.s_min_ == pytest.approx(s_min, rel=0.05)
    assert points["regime"].tolist() == fit.regime(points["batch_size"]).tolist()

    # B_simple near the target: the measured epoch nearest each point's epochs to target
    def b_simple(lr, seed, epoch):
        return 100.0 + epoch

    diagnostics = _diagnostics(history, b_simple)
    diagnostics = diagnostics[diagnostics["epoch"].isin([0, 2, 30])]
    nearest = [min((0, 2, 30), key=lambda e: abs(e - x)) for x in points["epochs_to_target_mean"]]
    expect = np.mean([100.0 + e for e in nearest])  # both seeds alike
    assert b_simple_near_target(diagnostics, history, points) == pytest.approx(expect)
    assert b_simple_near_target(diagnostics.iloc[:0], history, points) is None


def test_measured_scaling_without_three_reached_batch_sizes():
    history = SyntheticStudy(batch_sizes=(8, 64), reach={8: 5, 64: None}).history()
    points, fit, _, reason = measured_scaling(history, 0.8)
    assert fit is None and points["batch_size"].tolist() == [8]
    assert "needs 3 or more batch sizes" in reason and "this study has 1" in reason
    # two batch sizes reach it: still no curve through two points (the recommender's rule)
    history = SyntheticStudy(batch_sizes=(8, 64), reach={8: 5, 64: 9}).history()
    points, fit, _, reason = measured_scaling(history, 0.8)
    assert fit is None and points["batch_size"].tolist() == [8, 64] and "has 2" in reason
    with pytest.raises(BatchlabError, match="reached the target"):
        measured_scaling(SyntheticStudy(batch_sizes=(8, 64), reach=None).history(), 0.8)


# ------------------------------------------------------------------------ the real engine
TINY = """
name = "tiny-ns"
dataset = "blobs"
epochs = 20

[model]
kind = "mlp"
hidden = [8]

[optimizer]
name = "sgd"

[sweep]
batch_size = [16, 64, "full"]
learning_rate = [0.05, 0.2]
momentum = [0.9]
seeds = 3

[analysis]
target_accuracy = 0.7
"""


def test_short_study_keeps_one_batch_size_its_rates_and_the_first_seeds():
    from batchlab.run.noise_scale import short_study
    from batchlab.study import parse_toml

    study = parse_toml(TINY)
    short = short_study(study, 500, epochs=3, seeds=2)
    assert short.name == "tiny-ns-noise-scale" and short.epochs == 3
    assert short.sweep.pairs == ((64, 0.05), (64, 0.2))  # the median of 16, 64, 500
    assert short.sweep.seed_values == (0, 1) and short.momenta == (0.9,)
    assert short.diagnostics.enabled and short.diagnostics.epochs == (0, 1, 2, 3)
    assert short_study(study, 500, batch_size=500).sweep.pairs[0][0] == "full"
    with pytest.raises(BatchlabError, match="batch-size"):
        short_study(study, 500, batch_size=501)
    with pytest.raises(BatchlabError, match="epochs"):
        short_study(study, 500, epochs=0)


def test_noise_scale_command_on_the_engine(tmp_path, capsys):
    from batchlab.cli import main
    from batchlab.store import load

    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY)
    store = tmp_path / "ns.db"
    code = main(["noise-scale", str(spec), "--epochs", "3", "--json", "--store", str(store)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert data["study"] == "tiny-ns" and data["short_run"]["batch_size"] == 64
    assert data["short_run"]["learning_rates"] == [0.05, 0.2]
    assert [row["batch_size"] for row in data["batch_sizes"]] == [16, 64, 500]
    assert [row["epoch"] for row in data["b_simple_by_epoch"]] == [0, 1, 2, 3]
    prediction = data["prediction"]
    assert prediction["b_simple"] > 0 and prediction["n_examples"] == 500
    assert prediction["target"] == 0.7  # the spec's
    relative = [row["relative_steps"] for row in data["batch_sizes"]]
    assert relative[1] == pytest.approx(1.0) and relative[0] > 1 > relative[2]
    # --store keeps the short run as a study, with its gradient statistics
    tables = load("tiny-ns-noise-scale", store=store)
    assert set(tables.history["batch_size"]) == {64}
    assert (tables.diagnostics["quantity"] == "b_simple").any()

    code = main(["noise-scale", str(spec), "--epochs", "1", "--batch-size", "16"])
    shown = capsys.readouterr().out
    assert code == 0 and "predicted steps to target, tiny-ns" in shown
    assert "steps / steps at 16" in shown and "critical batch size" in shown

    code = main(["noise-scale", str(spec), "--epochs", "2", "--batch-size", "16", "--at", "x"])
    assert code == 2 and "--at" in capsys.readouterr().err
