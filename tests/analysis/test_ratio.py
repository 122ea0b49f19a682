"""The rate-to-batch ratio: the final metrics per setting against η/B, and the collapse
measure, on hand-made histories whose answers are known."""

import numpy as np
import pandas as pd
import pytest

from batchlab import analysis, plots
from batchlab.store import Tables


def history(accuracy, batch_sizes=(16, 32, 64), rates=(0.05, 0.1, 0.2), seeds=2):
    """Two epochs per trial; the last epoch's test accuracy is ``accuracy(b, lr, seed)``."""
    rows, trial = [], 0
    for b in batch_sizes:
        for lr in rates:
            for s in range(seeds):
                for e in (1, 2):
                    acc = accuracy(b, lr, s) if e == 2 else 0.1
                    rows.append(
                        dict(
                            trial=trial,
                            batch_size=b,
                            learning_rate=lr,
                            epoch=e,
                            test_accuracy=acc,
                            test_loss=1 - acc,
                            diverged=False,
                        )
                    )
                trial += 1
    return pd.DataFrame(rows)


def test_ratio_table_is_the_final_epoch_per_setting():
    h = history(lambda b, lr, s: 0.5 + lr / b + 0.01 * s)
    t = analysis.ratio_table(h)
    assert len(t) == 9
    row = t[(t.batch_size == 32) & (t.learning_rate == 0.1)].iloc[0]
    assert row["ratio"] == pytest.approx(0.1 / 32)
    assert row["test_accuracy_mean"] == pytest.approx(0.5 + 0.1 / 32 + 0.005)
    assert row["test_accuracy_min"] == pytest.approx(0.5 + 0.1 / 32)
    assert row["test_accuracy_max"] == pytest.approx(0.5 + 0.1 / 32 + 0.01)
    assert row["n_seeds"] == 2 and row["diverged"] == 0


def test_a_function_of_eta_over_b_collapses_and_a_function_of_eta_does_not():
    on_ratio = analysis.collapse(analysis.ratio_table(history(lambda b, lr, s: 0.5 + lr / b)))
    # equal ratios in the doubling grid: 0.1/32 = 0.05/16, 0.2/32 = 0.1/16 = 0.05/8 ...
    assert on_ratio["ratios_compared"] == 3  # 0.1/32 (2 sizes), 0.2/32, 0.2/64 ...
    assert on_ratio["same_ratio_range"] == pytest.approx(0, abs=1e-12)
    # by hand: same rate 0.1 -> 0.1/16 - 0.1/64
    assert on_ratio["same_rate_range"] == pytest.approx(
        np.mean([lr / 16 - lr / 64 for lr in (0.05, 0.1, 0.2)])
    )
    on_rate = analysis.collapse(analysis.ratio_table(history(lambda b, lr, s: 0.5 + lr)))
    assert on_rate["same_rate_range"] == pytest.approx(0, abs=1e-12)
    assert on_rate["same_ratio_range"] > 0.04
    found = analysis.ratio_findings(history(lambda b, lr, s: 0.5 + lr / b))
    assert [f.key for f in found] == ["rate_ratio"]
    assert "the points collapse towards one curve of η/B" in found[0].text
    found = analysis.ratio_findings(history(lambda b, lr, s: 0.5 + lr))
    assert "do not collapse on η/B" in found[0].text


def test_no_ratio_finding_without_a_shared_ratio_or_with_a_batch_schedule():
    assert analysis.ratio_findings(history(lambda b, lr, s: 0.5, rates=(0.1,))) == []
    h = history(lambda b, lr, s: 0.5, batch_sizes=(16, 48), rates=(0.1, 0.2))  # none shared
    assert analysis.ratio_findings(h) == []
    h = history(lambda b, lr, s: 0.5 + lr / b)
    h["epoch_batch_size"] = h["batch_size"] * h["epoch"]
    assert analysis.ratio_findings(h) == []


def test_rate_ratio_figure_draws_one_colour_per_batch_size():
    h = history(lambda b, lr, s: 0.5 + lr / b + 0.01 * s)
    fig = plots.figure("rate-ratio", Tables({}, pd.DataFrame(), h, pd.DataFrame()))
    accuracy, loss = fig.axes[:2]
    assert [c.get_label() for c in accuracy.containers] == ["16", "32", "64"]
    lines = [c.lines[0] for c in accuracy.containers]  # each batch size's data line
    assert len({line.get_color() for line in lines}) == 3
    x, y = lines[1].get_data()  # batch size 32, by η/B
    np.testing.assert_allclose(x, [0.05 / 32, 0.1 / 32, 0.2 / 32])
    np.testing.assert_allclose(y, 0.505 + np.array([0.05, 0.1, 0.2]) / 32)
    assert "η/B" in accuracy.get_xlabel() and loss.get_ylabel() == "final test loss"
    assert "rate-ratio" in plots.KINDS
