"""Schedules compared: per-epoch curves by schedule and the findings against the seeds'
spread, on hand-made tables."""

import pandas as pd
import pytest

from batchlab import analysis


def tables(gap):
    """Schedules 'rate' (batch 16 throughout) and 'batch' (16 -> 64 at epoch 3), 2 seeds,
    4 epochs; seed s adds 0.02 s; 'batch' is ``gap`` above 'rate' from epoch 3."""
    trials, rows = [], []
    for i, (name, s) in enumerate([("rate", 0), ("rate", 1), ("batch", 0), ("batch", 1)]):
        trials.append(dict(trial=i, schedule=name))
        updates = 0
        for e in range(1, 5):
            size = 64 if name == "batch" and e >= 3 else 16
            updates += 64 // size * 4
            acc = 0.5 + 0.05 * e + 0.02 * s + (gap if name == "batch" and e >= 3 else 0)
            rows.append(
                dict(
                    trial=i,
                    batch_size=16,
                    learning_rate=0.1,
                    momentum=0.0,
                    epoch=e,
                    updates=updates,
                    epoch_batch_size=size,
                    test_accuracy=acc,
                    diverged=False,
                )
            )
    return pd.DataFrame(trials), pd.DataFrame(rows)


def test_curves_per_schedule_and_epoch():
    trials, history = tables(0.0)
    c = analysis.schedule_curves(trials, history)
    batch = c[c.schedule == "batch"].set_index("epoch")
    assert batch["epoch_batch_size"].tolist() == [16, 16, 64, 64]
    assert batch["updates"].tolist() == [16, 32, 36, 40]
    assert batch.loc[2, "mean"] == pytest.approx(0.61)
    assert (batch.loc[2, "min"], batch.loc[2, "max"]) == pytest.approx((0.6, 0.62))


@pytest.mark.parametrize(("gap", "within", "agree"), [(0.01, 4, True), (0.05, 2, False)])
def test_batch_schedule_against_rate_schedule_within_the_seeds_spread(gap, within, agree):
    trials, history = tables(gap)
    found = analysis.schedule_findings(trials, history)
    assert [f.key for f in found] == ["schedules", "schedules_agree"]
    compared = found[1]
    assert compared.title == "batch vs rate"
    assert compared.numbers["max_difference"] == pytest.approx(gap)
    assert compared.numbers["epochs_within_spread"] == within  # the spread is 0.02
    assert compared.numbers["updates_ratio"] == pytest.approx(40 / 64)
    assert ("agree within the seeds' spread throughout" in compared.text) is agree


def test_no_schedule_findings_without_two_schedules():
    trials, history = tables(0.0)
    assert analysis.schedule_findings(trials.assign(schedule="rate"), history) == []
    assert analysis.schedule_findings(trials.drop(columns="schedule"), history) == []


def test_schedules_figure_draws_each_schedule_per_epoch_and_per_update():
    from batchlab import plots
    from batchlab.plots import FigureUnavailable
    from batchlab.store import Tables

    trials, history = tables(0.01)
    fig = plots.figure("schedules", Tables({}, trials, history, pd.DataFrame()))
    by_epoch, by_update = fig.axes[:2]
    labelled = [line for line in by_epoch.get_lines() if line.get_label() in ("rate", "batch")]
    assert [line.get_label() for line in labelled] == ["batch", "rate"]
    x, y = [line for line in by_update.get_lines() if line.get_label() == "batch"][0].get_data()
    assert list(x) == [16, 32, 36, 40]  # the updates it made
    assert y == pytest.approx([0.56, 0.61, 0.67, 0.72])  # 0.5 + 0.05 e + 0.01 (+ 0.01)
    with pytest.raises(FigureUnavailable, match="two or more schedules"):
        plots.figure(
            "schedules", Tables({}, trials.assign(schedule="rate"), history, pd.DataFrame())
        )
