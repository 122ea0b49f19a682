"""The gradient statistics the figures draw (batchlab.analysis.gradients), against hand
computations on small diagnostics tables and against a plain loop over the rows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from batchlab.analysis.gradients import (
    DIAGNOSTICS,
    distance_table,
    expected_grad_norm_sq,
    grad_norm_table,
    measured,
    pool_size,
)
from batchlab.errors import BatchlabError

NAN = float("nan")


def _table(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(DIAGNOSTICS))


def _small() -> pd.DataFrame:
    """Two trials, epochs 0, 1 and 5, probe batch sizes 2 and 8."""
    return _table(
        [
            # epoch 0: both trials
            (0, 0, "grad_norm_sq", 2, "mean", 4.0),
            (0, 0, "grad_norm_sq", 2, "std", 1.0),
            (1, 0, "grad_norm_sq", 2, "mean", 6.0),
            (1, 0, "grad_norm_sq", 2, "std", 3.0),
            (0, 0, "grad_norm_sq", 8, "mean", 2.0),
            (1, 0, "grad_norm_sq", 8, "mean", NAN),  # not finite: left out
            (0, 0, "full_grad_norm_sq", None, "value", 1.0),
            (1, 0, "full_grad_norm_sq", None, "value", 3.0),
            (0, 0, "trace_cov", None, "value", 10.0),
            (1, 0, "trace_cov", None, "value", 20.0),
            (0, 0, "b_simple", None, "value", 99.0),  # another quantity: ignored
            # epoch 1: one trial, no exact quantities
            (0, 1, "grad_norm_sq", 2, "mean", 3.0),
            # epoch 5: trial 1 only
            (1, 5, "grad_norm_sq", 8, "mean", 0.5),
            (1, 5, "grad_norm_sq", 8, "std", 0.25),
            (1, 5, "full_grad_norm_sq", None, "value", 0.25),
            (1, 5, "trace_cov", None, "value", 2.0),
        ]
    )


def test_grad_norm_table_by_hand():
    table = grad_norm_table(_small())
    assert list(table.columns) == [
        "epoch",
        "batch_size",
        "mean",
        "std",
        "full_grad_norm_sq",
        "trace_cov",
    ]
    # default: the first and the last measured epoch, batch sizes ascending
    assert table[["epoch", "batch_size"]].values.tolist() == [[0, 2], [0, 8], [5, 8]]
    first = table.iloc[0]
    assert first["mean"] == (4.0 + 6.0) / 2
    assert first["std"] == pytest.approx(math.sqrt((1.0**2 + 3.0**2) / 2))  # rms of the stds
    assert (first["full_grad_norm_sq"], first["trace_cov"]) == ((1.0 + 3.0) / 2, 15.0)
    second = table.iloc[1]
    assert second["mean"] == 2.0 and math.isnan(second["std"])  # NaN mean left out, no std
    assert second["trace_cov"] == 15.0  # the epoch's, on every batch size's row
    assert table.iloc[2][["mean", "std", "full_grad_norm_sq", "trace_cov"]].tolist() == [
        0.5,
        0.25,
        0.25,
        2.0,
    ]


def test_grad_norm_table_chosen_epochs_and_one_trial():
    table = grad_norm_table(_small(), epochs=[5, 1, 0])
    assert table["epoch"].tolist() == [5, 1, 0, 0]  # in the order asked
    assert table[table["epoch"] == 1][["full_grad_norm_sq", "trace_cov"]].isna().all(axis=None)
    one = grad_norm_table(_small(), epochs=[0], trial=1)
    assert one["batch_size"].tolist() == [2.0]
    assert one.iloc[0][["mean", "std", "full_grad_norm_sq", "trace_cov"]].tolist() == [
        6.0,
        3.0,
        3.0,
        20.0,
    ]


def test_grad_norm_table_against_a_loop():
    rng = np.random.default_rng(0)
    rows = []
    for trial in range(3):
        for epoch in (0, 4):
            for b in (1, 4, 16):
                rows.append((trial, epoch, "grad_norm_sq", b, "mean", rng.uniform(1, 9)))
                rows.append((trial, epoch, "grad_norm_sq", b, "std", rng.uniform(0, 2)))
            for quantity in ("full_grad_norm_sq", "trace_cov"):
                rows.append((trial, epoch, quantity, None, "value", rng.uniform(1, 9)))
    diagnostics = _table(rows)
    table = grad_norm_table(diagnostics)
    for _, row in table.iterrows():
        means, variances, g_sq, trace = [], [], [], []
        for r in rows:
            if r[1] != row["epoch"]:
                continue
            if r[2] == "grad_norm_sq" and r[3] == row["batch_size"]:
                (means if r[4] == "mean" else variances).append(
                    r[5] if r[4] == "mean" else r[5] ** 2
                )
            elif r[2] == "full_grad_norm_sq":
                g_sq.append(r[5])
            elif r[2] == "trace_cov":
                trace.append(r[5])
        assert row["mean"] == pytest.approx(sum(means) / len(means))
        assert row["std"] == pytest.approx(math.sqrt(sum(variances) / len(variances)))
        assert row["full_grad_norm_sq"] == pytest.approx(sum(g_sq) / len(g_sq))
        assert row["trace_cov"] == pytest.approx(sum(trace) / len(trace))


def test_grad_norm_table_errors():
    with pytest.raises(BatchlabError, match="stat, value"):
        grad_norm_table(_small().drop(columns=["stat", "value"]))
    with pytest.raises(BatchlabError, match=r"epochs \[7\] have no grad_norm_sq rows"):
        grad_norm_table(_small(), epochs=[0, 7])
    with pytest.raises(
        BatchlabError, match="trial 9 has no diagnostics; the table has trials 0, 1$"
    ):
        grad_norm_table(_small(), trial=9)
    with pytest.raises(BatchlabError, match="no grad_norm_sq rows"):
        grad_norm_table(_small()[lambda t: t["quantity"] != "grad_norm_sq"])


def test_expected_grad_norm_sq_is_the_finite_pool_law():
    g_sq, trace, n = 2.0, 12.0, 16
    for b in (1, 4, 16):
        assert expected_grad_norm_sq(b, g_sq, trace) == pytest.approx(g_sq + trace / b)
        hand = g_sq + (1 - b / n) * trace / b
        assert expected_grad_norm_sq(b, g_sq, trace, n) == pytest.approx(hand)
    assert expected_grad_norm_sq(n, g_sq, trace, n) == pytest.approx(g_sq)  # the full batch
    grid = np.array([1.0, 4.0, np.inf])
    np.testing.assert_allclose(
        expected_grad_norm_sq(grid, g_sq, trace, n),
        [2 + 12 * 15 / 16, 2 + 12 * 3 / 16, 2 - 12 / 16],
    )


def test_distance_table_by_hand():
    diagnostics = _table(
        [
            (0, 0, "distance_from_init", None, "value", 0.0),
            (0, 2, "distance_from_init", None, "value", 1.0),
            (1, 2, "distance_from_init", None, "value", 3.0),
            (2, 2, "distance_from_init", None, "value", 5.0),
            (2, 2, "distance_from_init", None, "value", NAN),  # not finite: left out
            (0, 2, "grad_norm_sq", 4, "mean", 7.0),  # another quantity: ignored
        ]
    )
    # trials 0 and 1 at batch size 8, trial 2 at 32; 100 training examples per epoch
    history = pd.DataFrame(
        {
            "trial": [0, 0, 1, 1, 2, 2],
            "epoch": [1, 2, 1, 2, 1, 2],
            "batch_size": [8, 8, 8, 8, 32, 32],
            "examples_seen": [100, 200, 100, 200, 100, 200],
        }
    )
    table = distance_table(diagnostics, history)
    assert table.values.tolist() == [[8, 0.0, 0.0], [8, 200.0, 2.0], [32, 200.0, 5.0]]
    assert list(table.columns) == ["batch_size", "examples_seen", "distance_from_init"]
    with pytest.raises(BatchlabError, match="no distance_from_init rows"):
        distance_table(diagnostics.iloc[-1:], history)
    with pytest.raises(BatchlabError, match="examples_seen"):
        distance_table(diagnostics, history.drop(columns=["examples_seen"]))


def test_pool_size_is_the_training_set_or_the_spec_sample_size():
    history = pd.DataFrame({"epoch": [1, 2, 3], "examples_seen": [1024, 2048, 3072]})
    assert pool_size({}, history) == 1024
    assert pool_size({"diagnostics": {"sample_size": 200}}, history) == 200
    assert pool_size({"diagnostics": {"sample_size": 5000}}, history) == 1024  # at most n_train
    assert pool_size({"diagnostics": {"sample_size": 200}}, None) == 200
    assert pool_size(None, history.iloc[:0]) is None


def test_measured_quantities():
    assert measured(_small()) == {"grad_norm_sq", "full_grad_norm_sq", "trace_cov", "b_simple"}
    assert measured(_table([(0, 0, "trace_cov", None, "value", NAN)])) == frozenset()
    assert measured(pd.DataFrame()) == frozenset() and measured(None) == frozenset()
