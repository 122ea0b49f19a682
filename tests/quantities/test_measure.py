"""measure over a cohort (vmap over trials), to_rows, distance, SNR, and bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from batchlab.errors import BatchlabError
from batchlab.quantities import QUANTITIES, format_key, measure, parse_key, to_rows

from .mlp import make_params

ALL = list(QUANTITIES)
SIZES = (2, 10)


def _cohort(k: int):
    """Stacked weights of k trials: current, initial, previous."""
    stack = lambda trees: jax.tree.map(lambda *a: jnp.stack(a), *trees)  # noqa: E731
    return (
        stack([make_params(10 + t) for t in range(k)]),
        stack([make_params(20 + t) for t in range(k)]),
        stack([make_params(30 + t) for t in range(k)]),
    )


def _measure(problem, names=ALL, sizes=SIZES, sample_size=None):
    def one(params, params0, params_prev, key):
        return measure(
            names,
            params,
            params0,
            problem.loss,
            problem.x,
            problem.y,
            key,
            sizes,
            n_batches=8,
            sample_size=sample_size,
            params_prev=params_prev,
            chunk_size=16,
        )

    return one


def test_vmap_over_trials_equals_per_trial_calls(problem):
    params, params0, prev = _cohort(3)
    keys = jax.random.split(jax.random.key(7), 3)
    one = _measure(problem)
    cohort = jax.jit(jax.vmap(one))(params, params0, prev, keys)
    single = jax.jit(one)
    assert set(cohort) == {
        format_key(q, s, b)
        for q in ALL
        for s in QUANTITIES[q].stats
        for b in (SIZES if QUANTITIES[q].per_batch_size else [None])
    }
    for t in range(3):
        pick = lambda tree: jax.tree.map(lambda a: a[t], tree)  # noqa: E731, B023
        alone = single(pick(params), pick(params0), pick(prev), keys[t])
        for key, values in cohort.items():
            assert values.shape == (3,)
            np.testing.assert_allclose(values[t], alone[key], rtol=1e-10, err_msg=key)
        _check_formulas(alone, pick(params), pick(params0), pick(prev))


def _check_formulas(out, params, params0, prev):
    """distances, B_simple and SNR against their formulas (plain loop for one)."""
    flat = lambda tree: np.concatenate([np.ravel(a) for a in jax.tree.leaves(tree)])  # noqa: E731
    dist = 0.0
    for a, b in zip(flat(params), flat(params0), strict=True):  # plain loop over weights
        dist += (a - b) ** 2
    assert float(out["distance_from_init.value"]) == pytest.approx(np.sqrt(dist), rel=1e-12)
    assert float(out["epoch_distance.value"]) == pytest.approx(
        np.linalg.norm(flat(params) - flat(prev)), rel=1e-12
    )
    g_sq, tr = float(out["full_grad_norm_sq.value"]), float(out["trace_cov.value"])
    assert float(out["b_simple.value"]) == pytest.approx(tr / g_sq, rel=1e-12)
    for b in SIZES:
        assert float(out[f"grad_snr[{b}].value"]) == pytest.approx(b * g_sq / tr, rel=1e-12)


def test_subsample_pool_is_shared_by_all_quantities(problem):
    """A batch as large as the pool is the whole pool: |g_B|^2 = |G|^2 of the same pool."""
    out = jax.jit(_measure(problem, ["grad_norm_sq", "full_grad_norm_sq"], (20,), 20))(
        make_params(1), None, None, jax.random.key(4)
    )
    assert float(out["grad_norm_sq[20].mean"]) == pytest.approx(
        float(out["full_grad_norm_sq.value"]), rel=1e-10
    )
    assert float(out["grad_norm_sq[20].std"]) < 1e-10 * float(out["full_grad_norm_sq.value"])


def test_to_rows_makes_diagnostics_rows():
    results = {"grad_norm_sq[32].mean": np.array([1.0, 2.0]), "trace_cov.value": np.array([3, 4])}
    rows = to_rows(results, trial_ids=[5, 9], epoch=2)
    assert len(rows) == 4
    assert rows[0] == {
        "trial": 5,
        "epoch": 2,
        "quantity": "grad_norm_sq",
        "batch_size": 32,
        "stat": "mean",
        "value": 1.0,
    }
    assert {
        "trial": 9,
        "epoch": 2,
        "quantity": "trace_cov",
        "batch_size": None,
        "stat": "value",
        "value": 4.0,
    } in rows
    assert parse_key(format_key("grad_snr", "value", 8)) == ("grad_snr", 8, "value")
    with pytest.raises(BatchlabError, match="one value per trial"):
        to_rows(results, trial_ids=[5, 9, 11], epoch=2)


@pytest.mark.parametrize(
    "names, kwargs, message",
    [
        (["grad_nrm"], {}, "unknown quantities"),
        (["epoch_distance"], {}, "params_prev"),
        (["distance_from_init"], {"params0": None}, "params0"),
        (["grad_norm_sq"], {"batch_sizes": (51,)}, "pool size 50"),
        (["grad_snr"], {"batch_sizes": ()}, "at least one"),
        (["grad_norm_sq"], {"key": None}, "PRNG key"),
        (["trace_cov"], {"sample_size": 1}, "at least 2"),
    ],
)
def test_bad_input_raises(problem, names, kwargs, message):
    args = {"params0": problem.params, "key": jax.random.key(0), "batch_sizes": (4,)} | kwargs
    with pytest.raises(BatchlabError, match=message):
        measure(
            names,
            problem.params,
            args["params0"],
            problem.loss,
            problem.x,
            problem.y,
            args["key"],
            args["batch_sizes"],
            sample_size=kwargs.get("sample_size"),
        )
