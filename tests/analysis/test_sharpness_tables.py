"""The sharpness tables, findings and figures, against tables computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from batchlab.analysis.sharpness import (
    edge_of_stability_finding,
    final_sharpness_table,
    sharpness_gap_finding,
    sharpness_table,
    stability_threshold,
)
from batchlab.plots import figure
from batchlab.store import Tables

N = 64
# (trial, batch size, rate, momentum, seed); batch size 64 is full batch: 1 update per epoch
TRIALS = [
    (0, 8, 0.1, 0.0, 0),
    (1, 8, 0.1, 0.0, 1),
    (2, 64, 0.1, 0.0, 0),
    (3, 64, 0.1, 0.0, 1),
    (4, 64, 0.5, 0.9, 0),
]
EPOCHS = (0, 1, 2, 3, 4)


def _sharp(t, e):
    if t == 4:  # momentum 0.9 at 0.5: threshold 7.6; rises to it and hovers
        return [2.0, 5.0, 7.0, 7.8, 7.4][e]
    return 1.0 + t + e  # batch size 64 sharper than 8


def _train_acc(t):
    return 1.0 if t < 2 else 0.9


@pytest.fixture(scope="module")
def tables():
    history, diagnostics = [], []
    for t, b, rate, beta, seed in TRIALS:
        for e in EPOCHS[1:]:
            steps = N // b
            history.append(
                (
                    t,
                    seed,
                    b,
                    rate,
                    beta,
                    e,
                    e * steps,
                    e * N,
                    0.1 * e,
                    0.1,
                    _train_acc(t),
                    0.2,
                    0.8 - 0.01 * t if e >= (2 if b == 8 else 4) else 0.5,
                    False,
                )
            )
        diagnostics += [(t, e, "sharpness", None, "value", _sharp(t, e)) for e in EPOCHS]
    history = pd.DataFrame(
        history,
        columns=[
            "trial",
            "seed",
            "batch_size",
            "learning_rate",
            "momentum",
            "epoch",
            "updates",
            "examples_seen",
            "wall_seconds",
            "train_loss_end",
            "train_accuracy_end",
            "test_loss",
            "test_accuracy",
            "diverged",
        ],
    )
    diagnostics = pd.DataFrame(
        diagnostics, columns=["trial", "epoch", "quantity", "batch_size", "stat", "value"]
    )
    return Tables({}, pd.DataFrame(), history, diagnostics)


def test_threshold_with_momentum():
    assert stability_threshold(0.5, 0.9) == pytest.approx(7.6)


def test_sharpness_table_by_hand(tables):
    table = sharpness_table(tables.diagnostics, tables.history)
    row = table[(table.batch_size == 8) & (table.epoch == 3)].iloc[0]
    assert row["mean"] == pytest.approx(np.mean([_sharp(0, 3), _sharp(1, 3)]))
    assert (row.lower, row.upper, row.n) == (_sharp(0, 3), _sharp(1, 3), 2)  # the range
    assert row.threshold == pytest.approx(20.0) and row.updates == 24
    assert table[table.momentum == 0.9].threshold.iloc[0] == pytest.approx(7.6)


def test_final_table_and_gap_finding_by_hand(tables):
    table = final_sharpness_table(tables.diagnostics, tables.history).set_index(
        ["batch_size", "learning_rate"]
    )
    small, large = table.loc[(8, 0.1)], table.loc[(64, 0.1)]
    assert small.sharpness_mean == pytest.approx(np.mean([_sharp(0, 4), _sharp(1, 4)]))
    assert large.sharpness_mean == pytest.approx(np.mean([_sharp(2, 4), _sharp(3, 4)]))
    # gap = train_accuracy_end - test_accuracy at the last epoch
    assert small.gap_mean == pytest.approx(np.mean([1.0 - 0.8, 1.0 - 0.79]))
    assert large.gap_mean == pytest.approx(np.mean([0.9 - 0.78, 0.9 - 0.77]))
    nums = sharpness_gap_finding(tables).numbers
    assert nums["lr_0.1_small_sharpness"] == pytest.approx(small.sharpness_mean)
    assert nums["lr_0.1_large_sharpness"] == pytest.approx(large.sharpness_mean)
    assert nums["lr_0.1_sharpness_rank_correlation"] == pytest.approx(1.0)
    assert nums["lr_0.1_gap_rank_correlation"] == pytest.approx(-1.0)
    assert "lr_0.5_m_0.9_small_sharpness" not in nums  # one batch size at that rate


def test_edge_of_stability_finding_by_hand(tables):
    finding = edge_of_stability_finding(tables)
    nums = finding.numbers
    # the full-batch runs: trials 2, 3 (rate 0.1, threshold 20) and 4 (0.5, beta 0.9: 7.6)
    assert nums["lr_0.1_threshold"] == pytest.approx(20.0)
    assert nums["lr_0.1_initial_sharpness"] == pytest.approx(3.5)
    # second half: epochs 2 to 4, means 5.5, 6.5, 7.5 against 20
    assert nums["lr_0.1_late_mean_ratio"] == pytest.approx(6.5 / 20)
    assert nums["lr_0.1_at_edge"] is False
    assert nums["lr_0.5_m_0.9_late_mean_ratio"] == pytest.approx(np.mean([7.0, 7.8, 7.4]) / 7.6)
    assert nums["lr_0.5_m_0.9_late_max_ratio"] == pytest.approx(7.8 / 7.6)
    assert nums["lr_0.5_m_0.9_at_edge"] is True
    assert (nums["rates_at_edge"], nums["rates"]) == (1, 2)
    assert "(2 + 2·0.9)/η = 7.6" in finding.text


def test_sharpness_figures_draw_the_tables(tables):
    ax = figure("sharpness", tables).axes[0]
    thresholds = sorted({line.get_ydata()[0] for line in ax.get_lines() if line.get_ls() == "--"})
    assert thresholds == pytest.approx([7.6, 20.0])
    left, right = figure("sharpness-gap", tables).axes
    final = final_sharpness_table(tables.diagnostics, tables.history)
    drawn = left.containers[0].lines[0].get_ydata()  # rate 0.1
    np.testing.assert_allclose(drawn, final[final.learning_rate == 0.1].sharpness_mean)
    assert right.containers[0].lines[0].get_ydata() == pytest.approx(
        final[final.learning_rate == 0.1].gap_mean.to_numpy()
    )


def test_the_report_leads_with_the_sharpness_figures_and_says_the_findings(tables, tmp_path):
    from batchlab.reporting.study import study_report

    history = tables.history.assign(
        train_loss=tables.history.train_loss_end,
        train_accuracy=tables.history.train_accuracy_end,
        cohort=tables.history.batch_size.astype(str),
    )
    html = study_report(tables._replace(history=history), tmp_path / "r.html").read_text()
    figures = html[html.index('<section id="figures">') :]
    first = figures.index('id="figure-sharpness-1"')
    assert first < figures.index('id="figure-sharpness-gap-2"') < figures.index("figure-curves")
    findings = html[html.index('id="findings"') : html.index('id="summary"')]
    assert "Sharpness against 2/η (edge of stability)" in findings
    assert "Sharpness and generalization gap against batch size" in findings
