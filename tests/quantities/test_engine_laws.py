"""The gradient statistics as the REAL engine measures them (``Cohort.measure``).

- The 1/B law on blobs and digits (seed 004): the mean squared norm of batch gradients against
  1/B is a straight line, ``E|g_B|^2 = |G|^2 + (1 - B/n) tr(Sigma)/B`` for batches of B
  distinct examples from the n of the training set; a weighted line through the sampled means
  has R^2 >= 0.99 and recovers |G|^2 and tr(Sigma) (measured exactly, from every per-example
  gradient) to 5%, at initialization and after two epochs.
- The engine's numbers against a brute-force loop for one trial on a small subset: per-example
  gradients by hand-written backpropagation in NumPy (float64), from the Keras weights the
  cohort holds, so the engine's ``example_loss`` wiring (model, head, weights order) is what
  is checked; the quantity functions themselves are tested in the other files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import batchlab as bl
from batchlab.analysis.scaling import InverseBatchFit
from batchlab.data import Dataset, load_dataset
from batchlab.engine import Cohort
from batchlab.study import Trial

#: the small batches decide the slope, tr(Sigma): they are noisy but cheap, so sample many;
#: the large ones decide the intercept, |G|^2: they are precise but dear, so sample few
SMALL = (1, 2, 4, 8)
LARGE = (32, 128)
LAWS = {  # dataset -> (batches per small batch size, per large batch size, largest batch size)
    "blobs": (8000, 1500, 250),
    "digits": (1000, 200, 512),
}


def _law_points(cohort, state, n_small: int, n_large: int, largest: int) -> pd.DataFrame:
    """Diagnostics rows of one measurement: sampled |g_B|^2 at SMALL and LARGE sizes, exact
    |G|^2 and tr(Sigma); two programs, so each set of sizes gets its own n_batches."""
    exact = cohort.measure(
        state,
        ("grad_norm_sq", "full_grad_norm_sq", "trace_cov"),
        batch_sizes=SMALL,
        n_batches=n_small,
    )
    large = cohort.measure(
        state, ("grad_norm_sq",), batch_sizes=(*LARGE, largest), n_batches=n_large
    )
    exact["n_batches"] = n_small
    large["n_batches"] = n_large
    return pd.concat([exact, large], ignore_index=True)


def _check_law(rows: pd.DataFrame, n: int, where: str) -> None:
    sampled = rows[rows["quantity"] == "grad_norm_sq"]
    mean = sampled[sampled["stat"] == "mean"].set_index("batch_size")
    std = sampled[sampled["stat"] == "std"].set_index("batch_size").loc[mean.index]
    sem = std["value"] / np.sqrt(std["n_batches"])
    fit = InverseBatchFit(n_examples=n).fit(mean.index, mean["value"], sem)
    g_sq = rows.loc[rows["quantity"] == "full_grad_norm_sq", "value"].item()
    trace = rows.loc[rows["quantity"] == "trace_cov", "value"].item()
    assert fit.r2_ >= 0.99, (where, fit.r2_)
    assert fit.intercept_ == pytest.approx(g_sq, rel=0.05), (where, fit.intercept_, g_sq)
    assert fit.slope_ == pytest.approx(trace, rel=0.05), (where, fit.slope_, trace)


@pytest.mark.parametrize("name", sorted(LAWS))
def test_inverse_batch_law_on_the_engine(name):
    dataset = load_dataset(name)
    n_small, n_large, largest = LAWS[name]
    cohort = Cohort(
        dataset,
        bl.models.mlp([50]),
        bl.sgd(),
        32,
        [Trial(trial=0, seed=0, batch_size=32, learning_rate=0.01, momentum=0.9)],
    )
    state = cohort.init_state()
    _check_law(_law_points(cohort, state, n_small, n_large, largest), dataset.n_train, "init")
    state, _ = cohort.run(state, 2)
    _check_law(_law_points(cohort, state, n_small, n_large, largest), dataset.n_train, "epoch 2")


# --------------------------------------------------------------------------- brute force
def _small_digits(n: int = 24) -> Dataset:
    full = load_dataset("digits")
    return Dataset(
        "digits-24",
        full.x_train[:n],
        full.y_train[:n],
        full.x_test[:10],
        full.y_test[:10],
        task="classification",
        n_classes=10,
    )


def _loop_gradients(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(n, n_params) per-example gradients of Dense(relu) -> Dense(softmax) cross-entropy,
    by backpropagation written out, one example at a time, in float64."""
    w1, b1, w2, b2 = (np.asarray(w, np.float64) for w in weights)
    out = []
    for xi, yi in zip(np.asarray(x, np.float64), np.asarray(y), strict=True):
        pre = xi @ w1 + b1
        hidden = np.maximum(pre, 0.0)
        logits = hidden @ w2 + b2
        p = np.exp(logits - logits.max())
        p /= p.sum()
        d_logits = p.copy()
        d_logits[yi] -= 1.0  # d(-log p_y)/d logits
        d_pre = (w2 @ d_logits) * (pre > 0)
        grads = (np.outer(xi, d_pre), d_pre, np.outer(hidden, d_logits), d_logits)
        out.append(np.concatenate([g.ravel() for g in grads]))
    return np.stack(out)


def _value(rows: pd.DataFrame, quantity: str, stat: str = "value", batch_size=None) -> float:
    chosen = (rows["quantity"] == quantity) & (rows["stat"] == stat)
    if batch_size is not None:
        chosen &= rows["batch_size"] == batch_size
    return rows.loc[chosen, "value"].item()


def test_cohort_measure_agrees_with_a_brute_force_loop():
    dataset = _small_digits()
    n = dataset.n_train
    cohort = Cohort(
        dataset,
        bl.models.mlp([8]),
        bl.sgd(),
        4,
        [Trial(trial=s, seed=s, batch_size=4, learning_rate=0.1) for s in (0, 1)],
    )
    names = ("grad_norm_sq", "full_grad_norm_sq", "trace_cov", "b_simple", "distance_from_init")
    state = cohort.init_state()
    for epoch in (0, 1):
        if epoch:
            state, _ = cohort.run(state, 1)
        rows = cohort.measure(state, names, batch_sizes=(1, n), n_batches=4000)
        k = 1  # the second trial: checks the trials axis as well
        trial = rows[rows["trial"] == k]
        weights = [np.asarray(p[k]) for p in state.params]
        grads = _loop_gradients(weights, dataset.x_train, dataset.y_train)  # (n, n_params)
        full = grads.mean(axis=0)
        g_sq = float(full @ full)
        trace = float(np.sum((grads - full) ** 2) / (n - 1))
        start = np.concatenate([np.asarray(p[k], np.float64).ravel() for p in state.params0])
        now = np.concatenate([w.ravel() for w in weights]).astype(np.float64)

        where = f"epoch {epoch}"
        assert _value(trial, "full_grad_norm_sq") == pytest.approx(g_sq, rel=1e-4), where
        assert _value(trial, "trace_cov") == pytest.approx(trace, rel=1e-4), where
        assert _value(trial, "b_simple") == pytest.approx(trace / g_sq, rel=2e-4), where
        dist = float(np.linalg.norm(now - start))
        assert _value(trial, "distance_from_init") == pytest.approx(dist, rel=1e-4, abs=1e-6), where
        # The one batch of all n examples is the full batch: |g_n|^2 = |G|^2, no spread.
        assert _value(trial, "grad_norm_sq", "mean", n) == pytest.approx(g_sq, rel=1e-4), where
        assert _value(trial, "grad_norm_sq", "std", n) == pytest.approx(0.0, abs=1e-4 * g_sq), where
        # Batches of one: the mean of |g_i|^2 over the examples, within 4 standard errors.
        per_example = np.sum(grads**2, axis=1)
        sem = per_example.std(ddof=1) / np.sqrt(4000)
        assert abs(_value(trial, "grad_norm_sq", "mean", 1) - per_example.mean()) <= 4 * sem, where
