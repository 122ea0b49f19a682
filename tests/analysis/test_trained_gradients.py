"""Seed 004's figure (gradient norm against the TRAINING batch size) and its finding, against
the diagnostics table computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from batchlab._format import num
from batchlab.analysis.trained_gradients import (
    trained_grad_norm_table,
    trained_gradients_finding,
)
from batchlab.plots import figure
from batchlab.store import Tables

N_TRAIN = 64
RATES = (0.01, 0.1)
SIZES = (8, 32)
SEEDS = (0, 1)
EPOCHS = (0, 2, 4)  # measured; trained 4 epochs
PROBES = (1, 8, 32, 64)


def _trials():
    return [
        (t, rate, size, seed)
        for t, (rate, size, seed) in enumerate(
            (r, b, s) for r in RATES for b in SIZES for s in SEEDS
        )
    ]


def _g_sq(t, epoch):  # |G|^2 of trial t at an epoch: falls with the epoch
    return (1.0 + t) * 4.0 / (1.0 + epoch)


def _g_probe(t, epoch, probe):  # mean |g_B| at probe size B: falls with B
    return math.sqrt(_g_sq(t, epoch)) + 3.0 / probe


@pytest.fixture(scope="module")
def tables():
    history, diagnostics = [], []
    for t, rate, size, seed in _trials():
        steps = math.ceil(N_TRAIN / size)
        for e in range(1, 5):
            history.append((t, seed, size, rate, e, e * steps, e * N_TRAIN))
        for e in EPOCHS:
            diagnostics.append((t, e, "full_grad_norm_sq", None, "value", _g_sq(t, e)))
            diagnostics += [(t, e, "grad_norm", b, "mean", _g_probe(t, e, b)) for b in PROBES]
            diagnostics += [(t, e, "grad_norm", b, "std", 0.5) for b in PROBES]
    history = pd.DataFrame(
        history,
        columns=[
            "trial",
            "seed",
            "batch_size",
            "learning_rate",
            "epoch",
            "updates",
            "examples_seen",
        ],
    )
    diagnostics = pd.DataFrame(
        diagnostics, columns=["trial", "epoch", "quantity", "batch_size", "stat", "value"]
    )
    return Tables({}, pd.DataFrame(), history, diagnostics)


def test_table_is_the_mean_and_range_over_seeds_by_hand(tables):
    table = trained_grad_norm_table(tables.diagnostics, tables.history)
    assert len(table) == len(RATES) * len(SIZES) * len(EPOCHS)
    for rate in RATES:
        for size in SIZES:
            ids = [t for t, r, b, _ in _trials() if r == rate and b == size]
            for e in EPOCHS:
                row = table[
                    (table.learning_rate == rate) & (table.batch_size == size) & (table.epoch == e)
                ].iloc[0]
                full = [math.sqrt(_g_sq(t, e)) for t in ids]
                own = [_g_probe(t, e, size) for t in ids]  # |g_b| at the trial's own b
                assert row.full_grad_norm_mean == pytest.approx(np.mean(full))
                # 2 seeds: the interval is their range
                assert (row.full_grad_norm_lower, row.full_grad_norm_upper) == pytest.approx(
                    (min(full), max(full))
                )
                assert row.batch_grad_norm_mean == pytest.approx(np.mean(own))
                assert row.updates == e * math.ceil(N_TRAIN / size)
                assert row.examples_seen == e * N_TRAIN and row.n == 2


def test_finding_numbers_by_hand(tables):
    finding = trained_gradients_finding(tables.diagnostics, tables.history)
    nums = finding.numbers
    assert (nums["early_epoch"], nums["late_epoch"]) == (2, 4)
    for rate in RATES:
        small = [t for t, r, b, _ in _trials() if r == rate and b == 8]
        large = [t for t, r, b, _ in _trials() if r == rate and b == 32]
        tag = f"lr_{rate:g}_"
        assert nums[f"{tag}small_full_grad_norm"] == pytest.approx(
            np.mean([math.sqrt(_g_sq(t, 4)) for t in small])
        )
        assert nums[f"{tag}large_full_grad_norm"] == pytest.approx(
            np.mean([math.sqrt(_g_sq(t, 4)) for t in large])
        )
        assert (nums[f"{tag}small_updates"], nums[f"{tag}large_updates"]) == (32, 8)
        # trials 0,1 vs 2,3 (and 4,5 vs 6,7): ranges [1, 1.41] and [1.73, 2] do not overlap
        assert nums[f"{tag}intervals_apart"] is True
    # |G| falls with the epoch in every trial: early above late at all 4 settings
    assert (nums["early_above_late"], nums["settings"]) == (4, 4)
    # fixed weights: the models trained at b = 8 with the largest rate (trials 4, 5), epoch 4
    assert nums["probe_small_batch_size"] == 1 and nums["probe_large_batch_size"] == 64
    assert nums["probe_small_grad_norm"] == pytest.approx(
        np.mean([_g_probe(t, 4, 1) for t in (4, 5)])
    )
    assert nums["probe_large_grad_norm"] == pytest.approx(
        np.mean([_g_probe(t, 4, 64) for t in (4, 5)])
    )
    text = finding.text
    small = np.mean([math.sqrt(_g_sq(t, 4)) for t in (4, 5)])  # sqrt(4), sqrt(4.8): 2.1
    assert f"at learning rate 0.1 it rises from {num(small)} at b = 8" in text
    assert "32 updates and the second 8" in text and "1/B law" in text
    assert "at 4 of 4" in text and "steeper" in text


def test_the_figure_draws_the_table(tables):
    fig = figure("trained-gradients", tables)
    top, bottom = fig.axes[0], fig.axes[2]  # learning rate 0.01: top row, then bottom row
    assert top.get_xscale() == "log"
    table = trained_grad_norm_table(tables.diagnostics, tables.history)
    rows = table[(table.learning_rate == 0.01) & (table.epoch == 4)].sort_values("batch_size")
    # one errorbar container per (epoch, norm): 3 epochs x (|G|, |g_b|)
    assert len(top.containers) == 6
    line = top.containers[4].lines[0]  # epoch 4, |G|
    np.testing.assert_allclose(line.get_ydata(), rows.full_grad_norm_mean)
    labels = [t.get_text() for t in top.get_legend().get_texts()]
    assert (
        "epoch 2 (early): full batch |G|" in labels and "epoch 4 (late): full batch |G|" in labels
    )
    assert len(bottom.containers) == len(SIZES)  # one line per training batch size
    one = figure("trained-gradients", tables, learning_rate=0.1, epochs=[2, 4])
    assert len(one.axes) == 2 and len(one.axes[0].containers) == 4
