"""Seed 004's figures (gradient norm against batch size, distance) and the scaling figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

from batchlab.analysis.gradients import distance_table, grad_norm_table
from batchlab.analysis.scaling import ScalingFit
from batchlab.errors import BatchlabError
from batchlab.plots import (
    draw_distance,
    draw_grad_norm_vs_batch,
    draw_grad_norm_vs_inverse_batch,
    draw_scaling,
)

SIZES = (8, 32, 128, 512)
EPOCHS = (0, 2, 30)
TRIALS = {0: 8, 1: 8, 2: 64}  # trial -> its training batch size
N_TRAIN = 1000


def _diagnostics() -> pd.DataFrame:
    """Rows as batchlab.quantities.to_rows makes them, following the 1/B law exactly."""
    rows = []
    for trial in TRIALS:
        for epoch in EPOCHS:
            g_sq, tr = 10.0 / (1 + epoch), 200.0 / (1 + epoch) ** 0.5
            for b in SIZES:
                mean = g_sq + tr / b
                for stat, value in (("mean", mean), ("std", 0.2 * mean)):
                    rows.append((trial, epoch, "grad_norm_sq", b, stat, value))
            rows.append((trial, epoch, "full_grad_norm_sq", None, "value", g_sq))
            rows.append((trial, epoch, "trace_cov", None, "value", tr))
            rows.append((trial, epoch, "distance_from_init", None, "value", np.sqrt(epoch)))
    return pd.DataFrame(rows, columns=["trial", "epoch", "quantity", "batch_size", "stat", "value"])


def _history() -> pd.DataFrame:
    rows = [
        (trial, epoch, b, epoch * N_TRAIN) for trial, b in TRIALS.items() for epoch in range(1, 31)
    ]
    return pd.DataFrame(rows, columns=["trial", "epoch", "batch_size", "examples_seen"])


def _ax():
    return Figure().subplots()


def _errorbars(ax):
    return [c for c in ax.containers if isinstance(c, ErrorbarContainer)]


def test_grad_norm_vs_batch_draws_points_and_exact_lines_per_epoch():
    ax = draw_grad_norm_vs_batch(grad_norm_table(_diagnostics()), _ax())
    bars = _errorbars(ax)
    assert len(bars) == 2  # first and last epoch by default: early and late
    assert all(len(bar.lines[0].get_xdata()) == len(SIZES) for bar in bars)
    exact = [line for line in ax.get_lines() if "Sigma" in line.get_label()]
    assert len(exact) == 2
    # The exact line passes through the (exact) points.
    x, y = exact[0].get_data()
    np.testing.assert_allclose(np.interp(8.0, x, y), 10.0 + 200.0 / 8, rtol=1e-3)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() and ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("epoch 0" in t for t in labels) and any("epoch 30" in t for t in labels)


def test_grad_norm_vs_batch_chosen_epochs_one_trial_no_exact():
    table = grad_norm_table(_diagnostics(), epochs=[0, 2, 30], trial=1)
    ax = draw_grad_norm_vs_batch(table, _ax(), exact=False)
    assert len(_errorbars(ax)) == 3
    assert not [line for line in ax.get_lines() if "Sigma" in line.get_label()]


def test_grad_norm_vs_inverse_batch_is_a_straight_line_with_intercept_g_sq():
    ax = draw_grad_norm_vs_inverse_batch(grad_norm_table(_diagnostics(), epochs=[2]), _ax())
    assert len(_errorbars(ax)) == 1
    (line,) = [
        line
        for line in ax.get_lines()
        if "epoch 2:" in line.get_label() and line.get_linestyle() == "--"
    ]
    x, y = line.get_data()
    assert x[0] == 0 and y[0] == pytest.approx(10.0 / 3)  # intercept |G|^2
    slope = (y[-1] - y[0]) / (x[-1] - x[0])
    assert slope == pytest.approx(200.0 / np.sqrt(3))  # slope tr(Sigma)
    points = _errorbars(ax)[0].lines[0]
    np.testing.assert_allclose(points.get_xdata(), 1 / np.array(SIZES))


def test_finite_population_line():
    table = grad_norm_table(_diagnostics(), epochs=[0])
    ax = draw_grad_norm_vs_inverse_batch(table, _ax(), n_examples=N_TRAIN)
    (line,) = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    x, y = line.get_data()
    assert y[0] == pytest.approx(10.0 - 200.0 / N_TRAIN)


def test_missing_columns_quantities_and_epochs_raise():
    diagnostics = _diagnostics()
    with pytest.raises(BatchlabError, match="stat, value"):
        grad_norm_table(diagnostics.drop(columns=["stat", "value"]))
    with pytest.raises(BatchlabError, match="needs the column.s. std"):
        draw_grad_norm_vs_batch(grad_norm_table(diagnostics).drop(columns="std"), _ax())
    with pytest.raises(BatchlabError, match="trace_cov"):
        draw_grad_norm_vs_batch(grad_norm_table(diagnostics).drop(columns="trace_cov"), _ax())
    no_trace = grad_norm_table(diagnostics[diagnostics["quantity"] != "trace_cov"])
    with pytest.raises(BatchlabError, match="trace_cov"):
        draw_grad_norm_vs_batch(no_trace, _ax())
    with pytest.raises(BatchlabError, match="trace_cov"):
        draw_grad_norm_vs_inverse_batch(no_trace, _ax())
    draw_grad_norm_vs_batch(no_trace, _ax(), exact=False)
    with pytest.raises(BatchlabError, match=r"epochs \[7\]"):
        grad_norm_table(diagnostics, epochs=[7])
    with pytest.raises(BatchlabError, match="trial 9"):
        grad_norm_table(diagnostics, trial=9)


def test_distance_one_line_per_batch_size():
    ax = draw_distance(distance_table(_diagnostics(), _history()), _ax())
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["batch size 8", "batch size 64"]
    x, y = lines[0].get_data()
    np.testing.assert_allclose(x, np.array(EPOCHS) * N_TRAIN)
    np.testing.assert_allclose(y, np.sqrt(EPOCHS))
    assert ax.get_xlabel() == "examples seen"


def test_distance_from_a_wide_table_and_missing_columns():
    wide = pd.DataFrame(
        {
            "batch_size": [8, 8, 32, 32, 32],
            "examples_seen": [0, 10, 0, 10, 20],
            "distance_from_init": [0.0, 1.0, 0.0, 2.0, 3.0],
        }
    )
    ax = draw_distance(wide, _ax())
    assert [len(line.get_xdata()) for line in ax.get_lines()] == [2, 3]
    with pytest.raises(BatchlabError, match="examples_seen"):
        draw_distance(wide.drop(columns=["examples_seen"]), _ax())
    with pytest.raises(BatchlabError, match="examples_seen, distance_from_init"):
        draw_distance(_diagnostics(), _ax())  # the diagnostics, not the distance table
    with pytest.raises(BatchlabError, match="one row per .batch_size, examples_seen.*distance_t"):
        draw_distance(pd.concat([wide, wide]), _ax())  # trials not pooled
    with pytest.raises(BatchlabError, match="examples_seen"):
        distance_table(_diagnostics(), _history().drop(columns=["examples_seen"]))


def test_scaling_figure():
    b = np.array([8, 16, 32, 64, 128, 256, 512, 1024, 2048])
    points = pd.DataFrame(
        {
            "batch_size": np.append(b, 4096),
            "updates_to_target_mean": np.append(100 * (1 + 64 / b), np.nan),
        }
    )
    fit = ScalingFit().fit(b, 100 * (1 + 64 / b))
    ax = draw_scaling(points, fit, _ax(), b_simple=40.0)
    marker = [line for line in ax.get_lines() if line.get_label().startswith("measured")]
    assert len(marker) == 1 and len(marker[0].get_xdata()) == len(b)  # NaN row left out
    labels = [line.get_label() for line in ax.get_lines()]
    assert sum(label.startswith("fit") for label in labels) == 1
    assert sum(label.startswith("predicted") for label in labels) == 1
    assert sum("B_{simple}$ =" in label for label in labels) == 1
    spans = [p.get_label() for p in ax.patches]
    assert spans == ["perfect scaling", "diminishing returns", "no further benefit"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() == "batch size $B$" and "steps" in ax.get_ylabel()
    only_points = draw_scaling(points, None, _ax())
    assert len(only_points.get_lines()) == 1 and not only_points.patches
    with pytest.raises(BatchlabError, match="updates_to_target_mean"):
        draw_scaling(points.drop(columns=["updates_to_target_mean"]), fit, _ax())
